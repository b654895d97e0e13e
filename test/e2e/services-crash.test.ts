// Crash safety with real processes: SIGKILL the Catalog relay and the Sales consumer in the middle of a
// stream of updates, restart them, and check nothing was lost and nothing applied twice.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeConnection, connectRedis, parseEntries, type RedisConnection } from 'herald/runtime';
import { http, startStack, waitFor, type Stack } from '../support/services.ts';
import { setTimeout as sleep } from 'node:timers/promises';

let stack: Stack;
let redis: RedisConnection;
const root = fileURLToPath(new URL('../../', import.meta.url));

beforeAll(async () => {
  // The relay pauses 150 ms between publish and delete, so the SIGKILL below lands in that window.
  // The consumer takes 5 ms per event, so its SIGKILL finds delivered but unacked entries.
  stack = await startStack({
    split: true,
    envOf: { 'catalog-relay': { RELAY_ACK_DELAY_MS: '150', OUTBOX_BATCH: '20' }, 'sales-consumer': { CONSUMER_DELAY_MS: '5', CONSUMER_BATCH: '20' } },
  });
  redis = await connectRedis(stack.redisUrl);
});
afterAll(async () => {
  if (redis) await closeConnection(redis);
  await stack?.stop();
});

interface Row { movieId: string; title: string; price: { amountMinor: number; currencyCode: string }; status: string; version: number }
const comparable = (rows: Row[]) => rows.map((r) => ({ movieId: r.movieId, title: r.title, price: r.price, status: r.status, version: r.version })).sort((a, b) => a.movieId.localeCompare(b.movieId));

async function catalogState(): Promise<Row[]> {
  return comparable((await http(stack.process('catalog').url, 'GET', '/movies?limit=100')).body.items);
}
async function projection(): Promise<Row[]> {
  return comparable((await http(stack.process('sales').url, 'GET', '/movies?limit=100')).body.items);
}

async function publishedButNotDeleted(): Promise<boolean> {
  const head = parseEntries(await redis.sendCommand(['XRANGE', 'catalog:outbox', '-', '+', 'COUNT', '1']))[0];
  const id = head?.fields.get('id')?.toString();
  if (!id) return false;
  const recent = parseEntries(await redis.sendCommand(['XREVRANGE', 'catalog.movie.v1', '+', '-', 'COUNT', '20']));
  return recent.some((entry) => entry.fields.get('id')?.toString() === id);
}

describe('crash safety', () => {
  it('loses nothing and applies nothing twice when the relay and the consumer are SIGKILLed mid-stream', async () => {
    const movies = 10;
    const updatesPerMovie = 30;
    const ids: string[] = [];
    for (let i = 0; i < movies; i++) {
      const created = await http(stack.process('catalog').url, 'POST', '/movies', { title: `Film ${i}`, price: { amountMinor: 100 + i, currencyCode: 'EUR' }, releaseYear: 2000 + i });
      ids.push(created.body.movieId);
    }
    let done = 0;
    const writer = Promise.all(ids.map(async (id, m) => {
      for (let v = 1; v <= updatesPerMovie; v++) {
        const body = v === updatesPerMovie && m % 3 === 0 ? undefined : { expectedVersion: v, price: { amountMinor: 1000 * m + v, currencyCode: 'EUR' } };
        const response = body
          ? await http(stack.process('catalog').url, 'PATCH', `/movies/${id}`, body)
          : await http(stack.process('catalog').url, 'POST', `/movies/${id}/retire`, { reason: 'end of run' });
        expect(response.status).toBe(200);
        done++;
      }
    }));
    const total = movies * updatesPerMovie;
    await waitFor('a third of the updates', async () => done >= total / 3, 30_000, 5);
    // Kill the relay exactly between publish and XDEL: an outbox entry already on the channel. On a busy
    // machine the kill can land after the window closed; with the relay dead nothing changes the outbox,
    // so the entry still being there proves the kill was in the window, else the relay is killed again.
    let killedInWindow = false;
    for (let attempt = 0; attempt < 5 && !killedInWindow; attempt++) {
      await waitFor('an outbox entry that is published but not yet deleted', publishedButNotDeleted, 10_000, 1);
      await stack.process('catalog-relay').kill();
      killedInWindow = await publishedButNotDeleted();
      await sleep(200);
      await stack.process('catalog-relay').start();
    }
    expect(killedInWindow).toBe(true);
    await waitFor('two thirds of the updates', async () => done >= (2 * total) / 3, 30_000, 5);
    await waitFor('entries in flight in the consumer', async () => Number(((await redis.sendCommand(['XPENDING', 'catalog.movie.v1', 'sales'])) as unknown[])[0]) > 0, 10_000, 1);
    await stack.process('sales-consumer').kill();
    const pendingAtKill = Number(((await redis.sendCommand(['XPENDING', 'catalog.movie.v1', 'sales'])) as unknown[])[0]);
    expect(pendingAtKill).toBeGreaterThan(0);
    await sleep(200);
    await stack.process('sales-consumer').start();
    await writer;

    const expected = await catalogState();
    expect(expected.reduce((sum, r) => sum + r.version, 0)).toBe(movies * (updatesPerMovie + 1));
    await waitFor('projection equal to catalog', async () => JSON.stringify(await projection()) === JSON.stringify(expected), 30_000, 100);

    // Every committed event reached Sales exactly once in effect: one inbox entry per catalog event,
    // although the channel may carry republished duplicates.
    const events = movies * (updatesPerMovie + 1);
    expect(Number(await redis.sendCommand(['ZCARD', 'sales:inbox:window']))).toBe(events);
    const published = Number(await redis.sendCommand(['XLEN', 'catalog.movie.v1']));
    expect(published).toBeGreaterThan(events); // the killed relay republished what it had not deleted
    console.info(`crash run: ${events} catalog events, ${published - events} republished by the relay after its SIGKILL, ${pendingAtKill} entries in flight when the consumer was killed`);
    await waitFor('the relay to empty the outbox', async () => Number(await redis.sendCommand(['XLEN', 'catalog:outbox'])) === 0);
    expect(Number(await redis.sendCommand(['XLEN', 'catalog.movie.v1.dlq']))).toBe(0);
  });

  it('replay.ts rebuilds an identical projection and finds no drift', async () => {
    const before = await projection();
    await redis.sendCommand(['DEL', 'sales:movies']);
    const run = spawn(process.execPath, ['--conditions=herald-source', 'services/sales/replay.ts', '--drift'], { cwd: root, env: { ...process.env, REDIS_URL: stack.redisUrl, CATALOG_URL: stack.process('catalog').url } });
    let out = '';
    run.stdout.on('data', (c: Buffer) => (out += c.toString()));
    run.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const code = await new Promise<number | null>((resolve) => run.once('exit', resolve));
    expect(out).toContain('0 differences');
    expect(code).toBe(0);
    expect(await projection()).toEqual(before);
  });
});
