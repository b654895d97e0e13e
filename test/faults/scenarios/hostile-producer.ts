// Scenario 8: a hostile producer with write access to catalog.movie.v1, and a flood of junk into the
// DLQ, while real updates flow. Forged versions, a reused event id with new content, an out-of-domain
// price, an oversize entry and 20k undecodable entries must each reach the DLQ with their reason (none
// evicted), the logs must not grow with the flood, and the one forgery Sales cannot tell from a real
// event (the next version of a quiet movie) must be found and repaired by the drift check.
import { randomUUID } from 'node:crypto';
import { createProducer, encodedEventToFields, fieldsToEncodedEvent, parseEntries, type RedisValue } from 'herald/runtime';
import { catalogMovie } from '../../../generated/channels/catalog-movie.ts';
import { checkDrift, httpCatalogReader } from '../../../services/sales/drift.ts';
import { createMovies, settle, updateMovies, type DriverProgress } from '../../support/fault-driver.ts';
import { startFaultStack } from '../../support/fault-stack.ts';
import { Ledger } from '../../support/ledger.ts';

const movie = (movieId: string, title: string, amountMinor: bigint, currencyCode = 'EUR') => ({ movieId, title, price: { currencyCode, amountMinor }, genres: [], releaseYear: 2000, status: 1 });

export async function hostileProducerScenario(options: { movies: number; updatesPerMovie: number; quiet: number; junk: number }) {
  const stack = await startFaultStack({
    processes: {
      catalog: { service: 'catalog', roles: ['api', 'relay'] },
      sales: { service: 'sales', roles: ['api', 'consumer', 'relay'], env: { CONSUMER_NAME: 'sales-1' } },
    },
  });
  const ledger = new Ledger('8 hostile producer and a DLQ flood');
  const progress: DriverProgress = { updates: 0, purchases: 0, failures: 0 };
  const hostile = createProducer(stack.admin, catalogMovie, { source: 'herald/catalog' });
  const xadd = async (fields: RedisValue[]) => String(await stack.admin.sendCommand(['XADD', 'catalog.movie.v1', '*', ...fields]));
  try {
    // Quiet movies: created, projected, then left alone, so each forgery meets a known row.
    const quietWork = { catalogUrl: stack.url('catalog'), salesUrl: stack.url('sales'), movies: options.quiet, updatesPerMovie: 0, ledger };
    const quiet = await createMovies(quietWork, progress);
    await settle(stack.admin);
    const work = { catalogUrl: stack.url('catalog'), salesUrl: stack.url('sales'), movies: options.movies, updatesPerMovie: options.updatesPerMovie, ledger };
    const busy = await createMovies(work, progress);
    const writer = updateMovies(work, busy, progress);

    const [q0, q1, q2, q3, q4] = quiet as [string, string, string, string, string];
    // A second v1 of q0 under a new id: the version is taken, so it is a conflict (rejected).
    const conflict = hostile.encode('MovieCreated', { movieId: q0, version: 1, movie: movie(q0, 'Cheap copy', 1n) } as never, { subject: q0, sequence: 1 });
    await xadd(encodedEventToFields(conflict));
    ledger.injected.set(conflict.envelope.id, 'rejected');
    // q1's real v1, re-sent under its own id with another title: tampered (rejected).
    const real = parseEntries(await stack.admin.sendCommand(['XRANGE', 'catalog.movie.v1', '-', '+']))
      .map((e) => ({ entry: e, encoded: fieldsToEncodedEvent(e.fields) }))
      .find((e) => e.encoded.envelope.subject === q1)!;
    const original = catalogMovie.messages.MovieCreated.codec.decode(real.encoded.data);
    const tamperedData = catalogMovie.messages.MovieCreated.codec.encode({ ...original, movie: { ...original.movie!, title: 'Tampered' } }).finish();
    const tamperedId = await xadd(encodedEventToFields({ envelope: real.encoded.envelope, data: Buffer.from(tamperedData) }));
    ledger.injectedEntries.set(tamperedId, 'rejected');
    // The next version of q2 at a forged price: nothing in the event gives it away, so Sales applies it.
    const forged = hostile.encode('MovieUpdated', { movieId: q2, version: 2, changedFields: { paths: ['price'] }, movie: movie(q2, 'Film 2', 1n) } as never, { subject: q2, sequence: 2 });
    await xadd(encodedEventToFields(forged));
    ledger.forgedApplied.add(forged.envelope.id);
    // Out of Catalog's domain: currency €€€ (rejected).
    const euros = hostile.encode('MovieUpdated', { movieId: q3, version: 2, changedFields: { paths: ['price'] }, movie: movie(q3, 'Film 3', 100n, '€€€') } as never, { subject: q3, sequence: 2 });
    await xadd(encodedEventToFields(euros));
    ledger.injected.set(euros.envelope.id, 'rejected');
    // Oversize: a 1.1 MB title, past the 1 MiB channel limit (too-large, by reference).
    const huge = hostile.encode('MovieUpdated', { movieId: q4, version: 2, changedFields: { paths: ['title'] }, movie: movie(q4, 'x'.repeat(1_100_000), 100n) } as never, { subject: q4, sequence: 2 });
    await xadd(encodedEventToFields(huge));
    ledger.injected.set(huge.envelope.id, 'too-large');
    // The junk flood: valid envelopes, undecodable data.
    for (let sent = 0; sent < options.junk; sent += 1000) {
      const pipeline = stack.admin.multi();
      for (let i = sent; i < Math.min(options.junk, sent + 1000); i++) {
        const ghost = randomUUID();
        const encoded = hostile.encode('MovieUpdated', { movieId: ghost, version: 1, changedFields: { paths: [] }, movie: movie(ghost, 'junk', 1n) } as never, { subject: ghost, sequence: 1 });
        pipeline.addCommand(['XADD', 'catalog.movie.v1', '*', ...encodedEventToFields({ envelope: encoded.envelope, data: Buffer.from([0x7f, 0xff, 0xff, i & 0xff]) })]);
        ledger.injected.set(encoded.envelope.id, 'undecodable');
      }
      await pipeline.execAsPipeline();
    }

    await writer;
    await settle(stack.admin, 120_000);
    // Operators' tool: compare with Catalog's API, repair what differs (the applied forgery).
    const drift = await checkDrift(stack.admin, httpCatalogReader(stack.url('catalog')), { settleMs: 500, repair: true });
    const report = await ledger.verify(stack.admin);
    if (!drift.differences.some((d) => d.movieId === q2 && d.field === 'price')) report.problems.push('the drift check missed the forged price of q2');
    const deadLetters = Number(await stack.admin.sendCommand(['XLEN', 'catalog.movie.v1.dlq']));
    if (deadLetters !== options.junk + 4) report.problems.push(`the DLQ holds ${deadLetters} entries, expected ${options.junk + 4} (none evicted)`);
    const salesLog = stack.process('sales').output();
    const deadLetterLines = salesLog.split('\n').filter((line) => line.includes('dead-lettered')).length;
    if (deadLetterLines > 50) report.problems.push(`${options.junk} dead letters gave ${deadLetterLines} log lines`);
    return { ...report, driftFound: drift.differences.length, repaired: drift.repaired ?? 0, deadLetterLines, salesLogBytes: salesLog.length };
  } finally {
    await stack.stop();
  }
}
