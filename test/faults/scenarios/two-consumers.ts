// Scenario 6: two Sales consumers in one group; one is SIGKILLed mid-stream and never restarted. The
// survivor must reclaim its pending entries (XAUTOCLAIM after CONSUMER_MIN_IDLE_MS) and finish the work.
import { createMovies, settle, updateMovies, type DriverProgress } from '../../support/fault-driver.ts';
import { startFaultStack } from '../../support/fault-stack.ts';
import { Ledger } from '../../support/ledger.ts';
import { setTimeout as sleep } from 'node:timers/promises';

async function pendingOf(admin: import('herald/runtime').RedisConnection, consumer: string): Promise<number> {
  const rows = (await admin.sendCommand(['XPENDING', 'catalog.movie.v1', 'sales', '-', '+', '100000', consumer])) as unknown[];
  return rows.length;
}

export async function twoConsumersScenario(options: { movies: number; updatesPerMovie: number }) {
  const stack = await startFaultStack({
    processes: {
      catalog: { service: 'catalog', roles: ['api', 'relay'] },
      sales: { service: 'sales', roles: ['api', 'relay'] },
      'sales-a': { service: 'sales', roles: ['consumer'], env: { CONSUMER_NAME: 'sales-a', CONSUMER_BATCH: '20' } },
      'sales-b': { service: 'sales', roles: ['consumer'], env: { CONSUMER_NAME: 'sales-b', CONSUMER_BATCH: '20' } },
    },
  });
  const ledger = new Ledger('6 two consumers, one killed');
  const progress: DriverProgress = { updates: 0, purchases: 0, failures: 0 };
  try {
    const work = { catalogUrl: stack.url('catalog'), salesUrl: stack.url('sales'), movies: options.movies, updatesPerMovie: options.updatesPerMovie, ledger };
    const ids = await createMovies(work, progress);
    const writer = updateMovies(work, ids, progress);
    const total = options.movies * options.updatesPerMovie;
    while (progress.updates < total / 3) await sleep(10);
    // Kill `a` at a moment it holds unacked entries, so the survivor has something to reclaim.
    let pendingAtKill = 0;
    for (let tries = 0; tries < 200 && pendingAtKill === 0; tries++) {
      pendingAtKill = await pendingOf(stack.admin, 'sales-a');
      if (pendingAtKill === 0) await sleep(5);
    }
    await stack.process('sales-a').kill();
    pendingAtKill = await pendingOf(stack.admin, 'sales-a');
    const killedAt = Date.now();
    await writer;
    const writerDoneMs = Date.now() - killedAt;
    await settle(stack.admin);
    const settledMs = Date.now() - killedAt;
    const report = await ledger.verify(stack.admin);
    if (process.env.FAULT_DEBUG) process.stderr.write(stack.process('sales-b').output().split('\n').filter((l) => /reclaim|pending|dead/.test(l)).slice(0, 60).join('\n'));
    return { ...report, pendingAtKill, pendingOfDeadAfter: await pendingOf(stack.admin, 'sales-a'), writerDoneMs, settledMs };
  } finally {
    await stack.stop();
  }
}
