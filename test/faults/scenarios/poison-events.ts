// Scenario 4: poison, undecodable, unknown-schema and unknown-type events injected into a busy
// catalog.movie.v1 while real updates flow. Each must reach the DLQ with its reason, except the
// always-early one, which is held (pending, counted) and never dead-lettered; the rest flows on.
import { randomUUID } from 'node:crypto';
import { createProducer, encodedEventToFields, type RedisValue } from 'herald/runtime';
import { catalogMovie } from '../../../generated/channels/catalog-movie.ts';
import { createMovies, settle, updateMovies, type DriverProgress } from '../../support/fault-driver.ts';
import { startFaultStack } from '../../support/fault-stack.ts';
import { Ledger } from '../../support/ledger.ts';
import { setTimeout as sleep } from 'node:timers/promises';

type Kind = 'undecodable' | 'unknown-schema' | 'unknown-type' | 'held' | 'rejected';

function replace(fields: RedisValue[], name: string, value: RedisValue): RedisValue[] {
  const out = [...fields];
  out[out.findIndex((f, i) => i % 2 === 0 && String(f) === name) + 1] = value;
  return out;
}

export async function poisonScenario(options: { movies: number; updatesPerMovie: number; injectEveryMs: number }) {
  const stack = await startFaultStack({
    processes: {
      catalog: { service: 'catalog', roles: ['api', 'relay'] },
      sales: { service: 'sales', roles: ['api', 'consumer', 'relay'], env: { CONSUMER_NAME: 'sales-1' } },
    },
  });
  const ledger = new Ledger('4 poison + undecodable + unknown events');
  const progress: DriverProgress = { updates: 0, purchases: 0, failures: 0 };
  const injector = createProducer(stack.admin, catalogMovie, { source: 'herald/fault-injector' });
  const kinds: Kind[] = ['undecodable', 'unknown-schema', 'unknown-type', 'held', 'rejected'];
  const inject = async (kind: Kind): Promise<void> => {
    const ghost = randomUUID();
    // A valid MovieUpdated of a movie Sales never saw at version 7: always "early", so it is held, waiting
    // for its predecessor, never dead-lettered. Without a movie it is refused at once ('rejected').
    const encoded = injector.encode('MovieUpdated', {
      movieId: ghost, version: 7, changedFields: { paths: ['title'] },
      ...(kind === 'rejected' ? {} : { movie: { movieId: ghost, title: 'ghost', price: { amountMinor: 1n, currencyCode: 'EUR' }, genres: [], releaseYear: 2000, status: 1 } }),
    } as never, { subject: ghost, sequence: 7 });
    let fields = encodedEventToFields(encoded);
    if (kind === 'undecodable') fields = replace(fields, 'data', Buffer.from([0x7f, 0xff, 0xff]));
    if (kind === 'unknown-schema') fields = replace(fields, 'dataschema', 'https://schemas.example.com/movie-updated.json');
    if (kind === 'unknown-type') {
      fields = replace(replace(fields, 'type', 'herald.catalog.movie.v1.MovieDeleted'), 'dataschema', 'herald:herald.catalog.movie.v1.MovieDeleted#sha256-0000000000000000');
    }
    await stack.admin.sendCommand(['XADD', 'catalog.movie.v1', '*', ...fields]);
    ledger.injected.set(encoded.envelope.id, kind);
  };
  try {
    const work = { catalogUrl: stack.url('catalog'), salesUrl: stack.url('sales'), movies: options.movies, updatesPerMovie: options.updatesPerMovie, ledger };
    const ids = await createMovies(work, progress);
    let writing = true;
    const writer = updateMovies(work, ids, progress).finally(() => (writing = false));
    for (let i = 0; writing || i < kinds.length; i++) {
      await inject(kinds[i % kinds.length]!);
      await sleep(options.injectEveryMs);
    }
    await writer;
    // Everything is read and acked but the held events, which stay pending.
    await settle(stack.admin, 90_000, [...ledger.injected.values()].filter((kind) => kind === 'held').length);
    return await ledger.verify(stack.admin);
  } finally {
    await stack.stop();
  }
}
