// Scenario 10: an AOF rewrite (BGREWRITEAOF) in the middle of the load, then a restart of redis-server
// from the rewritten AOF. Nothing acknowledged is lost, and the consumer's lag comes back to 0 (Redis
// 7.0's own XINFO lag stays too high after this; the runtime's groupLag corrects it).
import { groupLag } from 'herald/runtime';
import { buyMovies, createMovies, settle, updateMovies, type DriverProgress } from '../../support/fault-driver.ts';
import { startFaultStack } from '../../support/fault-stack.ts';
import { Ledger } from '../../support/ledger.ts';
import { setTimeout as sleep } from 'node:timers/promises';

export async function aofRewriteRestartScenario(options: { movies: number; updatesPerMovie: number }) {
  const stack = await startFaultStack({
    processes: {
      catalog: { service: 'catalog', roles: ['api', 'relay'] },
      sales: { service: 'sales', roles: ['api', 'consumer', 'relay'], env: { CONSUMER_NAME: 'sales-1' } },
    },
  });
  const ledger = new Ledger('10 AOF rewrite, then restart redis');
  const progress: DriverProgress = { updates: 0, purchases: 0, failures: 0 };
  const total = options.movies * options.updatesPerMovie;
  try {
    const work = { catalogUrl: stack.url('catalog'), salesUrl: stack.url('sales'), movies: options.movies, updatesPerMovie: options.updatesPerMovie, purchases: 100, ledger };
    const ids = await createMovies(work, progress);
    const writer = Promise.all([updateMovies(work, ids, progress), buyMovies(work, ids, progress)]);
    while (progress.updates < total / 3) await sleep(10);
    await stack.admin.sendCommand(['BGREWRITEAOF']);
    for (;;) {
      const info = String(await stack.admin.sendCommand(['INFO', 'persistence']));
      if (/aof_rewrite_in_progress:0/.test(info) && /aof_rewrite_scheduled:0/.test(info)) break;
      await sleep(20);
    }
    const rewrittenAt = progress.updates;
    while (progress.updates < (2 * total) / 3) await sleep(10);
    await stack.restartRedis('SIGTERM');
    await writer;
    await settle(stack.admin);
    const report = await ledger.verify(stack.admin);
    const lag = await groupLag(stack.admin, 'catalog.movie.v1', 'sales');
    if (lag?.lag !== 0) report.problems.push(`the consumer's lag is ${lag?.lag} after settling, not 0`);
    return { ...report, rewrittenAtUpdate: rewrittenAt, lag: lag?.lag ?? null, redisOwnLag: lag?.redisLag ?? null, failedRequestsRetried: progress.failures };
  } finally {
    await stack.stop();
  }
}
