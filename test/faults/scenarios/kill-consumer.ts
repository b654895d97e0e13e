// Scenario 1: SIGKILL the Sales consumer every few seconds while 10k Catalog updates flow; restart it
// each time. Its pending entries are resumed by the restarted consumer (same name) or reclaimed.
import { buyMovies, createMovies, settle, updateMovies, type DriverProgress } from '../../support/fault-driver.ts';
import { startFaultStack } from '../../support/fault-stack.ts';
import { Ledger, type LedgerReport } from '../../support/ledger.ts';
import { setTimeout as sleep } from 'node:timers/promises';

export async function killConsumerScenario(options: { movies: number; updatesPerMovie: number; killEveryMs: number }): Promise<LedgerReport & { kills: number; ms: number }> {
  const stack = await startFaultStack({
    processes: {
      catalog: { service: 'catalog', roles: ['api', 'relay'] },
      sales: { service: 'sales', roles: ['api', 'relay'] },
      'sales-consumer': { service: 'sales', roles: ['consumer'], env: { CONSUMER_NAME: 'sales-1' } },
    },
  });
  const started = Date.now();
  const ledger = new Ledger(`1 kill consumer (${options.movies * options.updatesPerMovie} updates)`);
  const progress: DriverProgress = { updates: 0, purchases: 0, failures: 0 };
  let kills = 0;
  try {
    const work = { catalogUrl: stack.url('catalog'), salesUrl: stack.url('sales'), movies: options.movies, updatesPerMovie: options.updatesPerMovie, purchases: 300, ledger };
    const ids = await createMovies(work, progress);
    let writing = true;
    const writer = Promise.all([updateMovies(work, ids, progress), buyMovies(work, ids, progress)]).finally(() => (writing = false));
    const consumer = stack.process('sales-consumer');
    // A kill every few seconds, and at least one per fifth of the updates however fast the machine is.
    const total = options.movies * options.updatesPerMovie;
    let lastKill = { at: Date.now(), updates: 0 };
    while (writing) {
      await sleep(50);
      if (Date.now() - lastKill.at < options.killEveryMs && progress.updates - lastKill.updates < total / 5) continue;
      if (!writing) break;
      await consumer.kill();
      kills++;
      await sleep(200);
      await consumer.start();
      lastKill = { at: Date.now(), updates: progress.updates };
    }
    await writer;
    await settle(stack.admin);
    const report = await ledger.verify(stack.admin);
    return { ...report, kills, ms: Date.now() - started };
  } finally {
    await stack.stop();
  }
}
