// Scenario 3: restart redis-server mid-stream, once with SIGTERM (clean shutdown) and once with SIGKILL
// (crash), under one appendfsync policy. The ledger counts acknowledged writes that did not survive.
import { buyMovies, createMovies, settle, updateMovies, type DriverProgress } from '../../support/fault-driver.ts';
import { startFaultStack } from '../../support/fault-stack.ts';
import { Ledger } from '../../support/ledger.ts';
import { setTimeout as sleep } from 'node:timers/promises';

export async function restartRedisScenario(options: { appendfsync: 'everysec' | 'always'; movies: number; updatesPerMovie: number }) {
  const stack = await startFaultStack({
    appendfsync: options.appendfsync,
    processes: {
      catalog: { service: 'catalog', roles: ['api', 'relay'] },
      sales: { service: 'sales', roles: ['api', 'consumer', 'relay'], env: { CONSUMER_NAME: 'sales-1' } },
    },
  });
  const ledger = new Ledger(`3 restart redis (appendfsync ${options.appendfsync})`);
  const progress: DriverProgress = { updates: 0, purchases: 0, failures: 0 };
  const total = options.movies * options.updatesPerMovie;
  try {
    const work = { catalogUrl: stack.url('catalog'), salesUrl: stack.url('sales'), movies: options.movies, updatesPerMovie: options.updatesPerMovie, purchases: 150, ledger };
    const ids = await createMovies(work, progress);
    const started = Date.now();
    const writer = Promise.all([updateMovies(work, ids, progress), buyMovies(work, ids, progress)]);
    const restarts: Array<{ signal: 'SIGTERM' | 'SIGKILL'; atUpdate: number }> = [];
    for (const [signal, fraction] of [['SIGTERM', 1 / 3], ['SIGKILL', 2 / 3]] as const) {
      while (progress.updates < total * fraction) await sleep(10);
      restarts.push({ signal, atUpdate: progress.updates });
      await stack.restartRedis(signal);
    }
    await writer;
    const elapsedMs = Date.now() - started;
    await settle(stack.admin);
    const report = await ledger.verify(stack.admin);
    // Connection errors are logged while Redis is down: none of those lines may carry a password.
    if (stack.leakedSecrets().length > 0) report.problems.push('a Redis password appeared in a service log');
    const info = String(await stack.admin.sendCommand(['INFO', 'persistence']));
    const aofDelayedFsync = Number(/aof_delayed_fsync:(\d+)/.exec(info)?.[1] ?? -1);
    const connectionErrorsLogged = stack.logs().split('redis connection error').length - 1;
    return { ...report, connectionErrorsLogged, aofDelayedFsync, restarts, updatesPerSecond: Math.round((progress.updates / elapsedMs) * 1000), failedRequests: progress.failures };
  } finally {
    await stack.stop();
  }
}
