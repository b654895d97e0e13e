// The fault suite's driver: a known sequence of HTTP commands (create movies, update each one version by
// version, buy) that records every acknowledged effect in the ledger. It survives the faults it causes:
// a lost connection makes a request "in doubt", and the driver re-reads the truth before going on.
import type { RedisConnection } from 'herald/runtime';
import { groupLag } from 'herald/runtime';
import type { Ledger } from './ledger.ts';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Workload {
  catalogUrl: string;
  salesUrl: string;
  movies: number;
  updatesPerMovie: number;
  /** Pause between two updates of one movie, so a scenario lasts long enough for its faults. */
  paceMs?: number;
  /** Purchases attempted while the updates flow. */
  purchases?: number;
  ledger: Ledger;
}

export interface DriverProgress {
  updates: number;
  purchases: number;
  failures: number;
}

async function send(base: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

/** Unique per movie and version, so the ledger can tell every version's price apart. */
export const priceOf = (movie: number, version: number) => movie * 1_000_000 + version;

/** Retries `fn` through outages (connection refused, 5xx) until it answers below 500. */
async function untilAnswered(fn: () => Promise<{ status: number; body: any }>, progress: DriverProgress): Promise<{ status: number; body: any }> {
  for (let attempt = 0; ; attempt++) {
    try {
      const result = await fn();
      if (result.status < 500) return result;
    } catch {
      // connection refused or reset: the service or Redis is down
    }
    progress.failures++;
    if (attempt > 600) throw new Error('service did not come back within 60 s');
    await sleep(100);
  }
}

export async function createMovies(work: Workload, progress: DriverProgress): Promise<string[]> {
  const ids: string[] = [];
  for (let m = 0; m < work.movies; m++) {
    const created = await untilAnswered(() => send(work.catalogUrl, 'POST', '/movies', { title: `Film ${m}`, price: { amountMinor: priceOf(m, 1), currencyCode: 'EUR' }, releaseYear: 2000 }), progress);
    if (created.status !== 201) throw new Error(`create failed: ${created.status} ${JSON.stringify(created.body)}`);
    work.ledger.write(created.body.movieId, 1, priceOf(m, 1));
    ids.push(created.body.movieId);
  }
  return ids;
}

/** Updates every movie version by version; a write whose answer was lost is resolved by reading the movie. */
export async function updateMovies(work: Workload, ids: string[], progress: DriverProgress): Promise<void> {
  await Promise.all(ids.map(async (movieId, m) => {
    let version = 1;
    while (version < work.updatesPerMovie + 1) {
      const next = version + 1;
      const amountMinor = priceOf(m, next);
      let answer: { status: number; body: any } | undefined;
      try {
        answer = await send(work.catalogUrl, 'PATCH', `/movies/${movieId}`, { expectedVersion: version, price: { amountMinor, currencyCode: 'EUR' } });
      } catch {
        answer = undefined;
      }
      if (answer?.status === 200) {
        work.ledger.write(movieId, next, amountMinor);
        progress.updates++;
        version = next;
        if (work.paceMs) await sleep(work.paceMs);
        continue;
      }
      if (answer && answer.status < 500 && answer.status !== 409) throw new Error(`update refused: ${answer.status} ${JSON.stringify(answer.body)}`);
      // In doubt (no answer, 5xx) or a conflict after an in-doubt write: read the truth and go on from it.
      if (!answer || answer.status >= 500) work.ledger.inDoubt++;
      progress.failures++;
      await sleep(50);
      const current = await untilAnswered(() => send(work.catalogUrl, 'GET', `/movies/${movieId}`), progress);
      version = current.body.version;
    }
  }));
}

/** Buys random movies while other things happen; records each acknowledged purchase. */
export async function buyMovies(work: Workload, ids: string[], progress: DriverProgress): Promise<void> {
  for (let i = 0; i < (work.purchases ?? 0); i++) {
    const movieId = ids[i % ids.length]!;
    let answer: { status: number; body: any } | undefined;
    try {
      answer = await send(work.salesUrl, 'POST', '/purchases', { movieId, customerId: `customer-${i}`, quantity: 1 + (i % 3) });
    } catch {
      answer = undefined;
    }
    if (answer?.status === 201) {
      work.ledger.purchase(answer.body.purchaseId, answer.body.eventId, movieId);
      progress.purchases++;
    } else if (!answer || answer.status >= 500) {
      work.ledger.inDoubt++;
      progress.failures++;
      await sleep(50);
    } else if (answer.status !== 404 && answer.status !== 409) {
      throw new Error(`purchase refused: ${answer.status} ${JSON.stringify(answer.body)}`);
    }
  }
}

/** Waits until both outboxes are empty and the `sales` group has read and acked everything but `held` entries. */
export async function settle(admin: RedisConnection, timeoutMs = 60_000, held = 0, outboxes: [string, string] = ['catalog:outbox', 'sales:outbox']): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const backlog = Number(await admin.sendCommand(['XLEN', outboxes[0]])) + Number(await admin.sendCommand(['XLEN', outboxes[1]]));
      // groupLag, not XINFO's lag: Redis 7.0's own figure stays too high after an AOF rewrite and a restart.
      const group = await groupLag(admin, 'catalog.movie.v1', 'sales');
      last = `outboxes ${backlog}, lag ${group?.lag}, pending ${group?.pending}`;
      if (backlog === 0 && group && group.lag === 0 && group.pending === held) return;
    } catch (error) {
      last = String(error);
    }
    await sleep(100);
  }
  throw new Error(`the stack did not settle within ${timeoutMs} ms (${last})`);
}
