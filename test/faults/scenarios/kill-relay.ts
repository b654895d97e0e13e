// Scenario 2: SIGKILL the Catalog outbox relay between commit and publish (and between publish and its
// XDEL), restart it. Committed events wait in the outbox; a republished one is deduped by Sales' inbox.
import { createMovies, settle, updateMovies, type DriverProgress } from '../../support/fault-driver.ts';
import { startFaultStack } from '../../support/fault-stack.ts';
import { Ledger, type LedgerReport } from '../../support/ledger.ts';
import { setTimeout as sleep } from 'node:timers/promises';

export async function killRelayScenario(options: { movies: number; updatesPerMovie: number; killEveryMs: number; paceMs: number }) {
  const stack = await startFaultStack({
    processes: {
      catalog: { service: 'catalog', roles: ['api'] },
      'catalog-relay': { service: 'catalog', roles: ['relay'], env: { RELAY_ACK_DELAY_MS: '25', OUTBOX_BATCH: '20' } },
      sales: { service: 'sales', roles: ['api', 'consumer', 'relay'], env: { CONSUMER_NAME: 'sales-1' } },
    },
  });
  const ledger = new Ledger('2 kill catalog relay');
  const progress: DriverProgress = { updates: 0, purchases: 0, failures: 0 };
  let kills = 0;
  let committedUnpublishedAtKill = 0;
  try {
    const work = { catalogUrl: stack.url('catalog'), salesUrl: stack.url('sales'), movies: options.movies, updatesPerMovie: options.updatesPerMovie, paceMs: options.paceMs, ledger };
    const ids = await createMovies(work, progress);
    let writing = true;
    const writer = updateMovies(work, ids, progress).finally(() => (writing = false));
    const relay = stack.process('catalog-relay');
    const total = options.movies * options.updatesPerMovie;
    let lastKill = { at: Date.now(), updates: 0 };
    while (writing) {
      await sleep(20);
      if (Date.now() - lastKill.at < options.killEveryMs && progress.updates - lastKill.updates < total / 5) continue;
      if (!writing) break;
      await relay.kill();
      kills++;
      // Commits go on while the relay is dead: these are the events caught between commit and publish.
      await sleep(300);
      committedUnpublishedAtKill = Math.max(committedUnpublishedAtKill, Number(await stack.admin.sendCommand(['XLEN', 'catalog:outbox'])));
      await relay.start();
      lastKill = { at: Date.now(), updates: progress.updates };
    }
    await writer;
    await settle(stack.admin);
    const report: LedgerReport = await ledger.verify(stack.admin);
    return { ...report, kills, committedUnpublishedAtKill };
  } finally {
    await stack.stop();
  }
}
