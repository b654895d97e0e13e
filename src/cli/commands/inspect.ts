// `herald inspect`: what is on the wire right now. Per channel of the contract: length, groups, lag,
// pending, each group's readers and whether it stalled, and the dead-letter stream (count and each
// entry's reason). Read-only.
import { parseArgs } from 'node:util';
import { connectRedis, closeConnection, parseEntries, parseGroups, type RedisConnection } from '../../runtime/index.ts';
import { DEFAULT_STALE_GROUP_MS } from '../../runtime/retention.ts';
import { HeraldError } from '../../runtime/errors.ts';
import type { CommandModule } from '../main.ts';

export const command: CommandModule = {
  summary: 'Show streams, consumer groups, lag and dead letters',
  async run(args, ctx) {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { redis: { type: 'string' }, json: { type: 'boolean' }, 'stale-ms': { type: 'string' } } });
    // A group none of whose readers acted for this long is reported stalled (retention's own limit).
    const staleMs = values['stale-ms'] ? Number(values['stale-ms']) : DEFAULT_STALE_GROUP_MS;
    if (!Number.isInteger(staleMs) || staleMs < 0) throw new HeraldError('HERALD_ERR_CONFIG', `--stale-ms must be a number of milliseconds, got "${values['stale-ms']}"`);
    const url = values.redis ?? process.env['REDIS_URL'];
    if (!url) throw new HeraldError('HERALD_ERR_CONFIG', 'no Redis: pass --redis <url> or set REDIS_URL');
    const redis = await connectRedis(url, { name: 'herald-inspect' });
    try {
      const streams = positionals.length > 0 ? positionals : await listStreams(redis);
      const report = [];
      for (const stream of streams) {
        const length = Number(await redis.sendCommand(['XLEN', stream]));
        const groups = await Promise.all(parseGroups(await redis.sendCommand(['XINFO', 'GROUPS', stream]).catch(() => [])).map(async (g) => ({ ...g, ...(await readers(redis, stream, g.name, g.lag ?? 0, staleMs)) })));
        const dead = parseEntries(await redis.sendCommand(['XRANGE', `${stream}.dlq`, '-', '+', 'COUNT', '20']));
        const deadLetterCount = Number(await redis.sendCommand(['XLEN', `${stream}.dlq`]));
        report.push({
          stream, length, groups, deadLetterCount,
          deadLetters: dead.map((e) => ({ id: e.id, type: e.fields.get('type')?.toString(), reason: e.fields.get('x-dlq-reason')?.toString(), error: e.fields.get('x-dlq-error')?.toString() })),
        });
      }
      if (values.json) {
        ctx.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        return 0;
      }
      for (const s of report) {
        ctx.stdout.write(`${s.stream}  ${s.length} entries\n`);
        for (const g of s.groups) {
          const state = g.state === 'stalled' ? `, STALLED: no reader active for ${Math.round(g.idleMs! / 1000)} s; retention no longer waits for it` : g.state === 'no-reader' ? ', no reader yet' : '';
          ctx.stdout.write(`  group ${g.name}: lag ${g.lag ?? '?'}, pending ${g.pending}, last delivered ${g.lastDeliveredId}, readers ${g.readers}${state}\n`);
        }
        if (s.deadLetterCount > 0) ctx.stdout.write(`  DLQ ${s.stream}.dlq: ${s.deadLetterCount} dead letters (kept until requeued or discarded by an operator)\n`);
        for (const d of s.deadLetters) ctx.stdout.write(`  DLQ ${d.id} ${d.type ?? '?'}: ${d.reason} — ${d.error}\n`);
      }
      return 0;
    } finally {
      await closeConnection(redis);
    }
  },
};

/** A RESP2 flat array or a RESP3 map as a record of texts. */
function textRecordOf(reply: unknown): Record<string, string> {
  const text = (v: unknown) => (Buffer.isBuffer(v) ? v.toString('utf8') : String(v));
  const out: Record<string, string> = {};
  if (Array.isArray(reply)) for (let i = 0; i + 1 < reply.length; i += 2) out[text(reply[i])] = text(reply[i + 1]);
  else if (reply instanceof Map) for (const [k, v] of reply) out[text(k)] = text(v);
  else if (reply && typeof reply === 'object') for (const [k, v] of Object.entries(reply)) out[k] = text(v);
  return out;
}

/** A group's readers: how many, the least idle one, and whether the group stalled (see retention.ts). */
async function readers(redis: RedisConnection, stream: string, group: string, lag: number, staleMs: number): Promise<{ readers: number; idleMs: number | null; state: 'active' | 'stalled' | 'no-reader' }> {
  const consumers = ((await redis.sendCommand(['XINFO', 'CONSUMERS', stream, group]).catch(() => [])) as unknown[]).map(textRecordOf);
  if (consumers.length === 0) return { readers: 0, idleMs: null, state: lag > 0 ? 'no-reader' : 'active' };
  const idleMs = Math.min(...consumers.map((c) => Number(c.idle ?? 0)));
  return { readers: consumers.length, idleMs, state: idleMs > staleMs ? 'stalled' : 'active' };
}

async function listStreams(redis: Awaited<ReturnType<typeof connectRedis>>): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = (await redis.sendCommand(['SCAN', cursor, 'TYPE', 'stream', 'COUNT', '1000'])) as [Buffer, Buffer[]];
    cursor = next.toString();
    for (const key of keys) if (!key.toString().endsWith('.dlq')) found.push(key.toString());
  } while (cursor !== '0');
  return found.sort();
}
