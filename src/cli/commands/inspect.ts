// `herald inspect`: what is on the wire right now. Per stream: length, groups, lag, pending, and the
// dead-letter stream (its count and each entry's reason), each group's readers and whether the group
// stalled (retention no longer waits for it); with --entries N the last N entries (and dead letters)
// decoded with the schema version their `dataschema` names. Read-only: the `reader` user is enough.
import { connectRedis, closeConnection, deadLetterKey, isDeadLetterKey, parseEntries, parseGroups, type RedisConnection, type StreamEntry } from '../../runtime/index.ts';
import { DEFAULT_STALE_GROUP_MS } from '../../runtime/redis/retention.ts';
import { parseCommandArgs, UsageError } from '../args.ts';
import { resolveCliRedisUrl } from '../credentials-file.ts';
import { createSchemaDecoder, type DecodedData } from '../schema-decoder.ts';
import type { CommandModule } from '../main.ts';

const usage = `Usage: herald inspect [<stream>...] [--entries N] [--json] [--redis <url>] [--data .data/redis] [--stale-ms 3600000]
  --entries N  also show the last N entries of each stream and its dead letters, decoded with the schema
               version each one's dataschema names (from the registry, or this project's generated/)
  --redis      Redis URL; default REDIS_URL, else HERALD_REDIS_READER_URL from <data>/credentials.env
  --data       data folder of \`herald dev\` holding credentials.env (default .data/redis)
  --stale-ms   a group none of whose readers acted for this long is reported STALLED (retention's limit, 1 h)
  --json       print the report as JSON
Exit codes: 0 shown, 1 Redis refused, 2 bad usage.`;

interface ShownEntry {
  id: string;
  type?: string | undefined;
  dataschema?: string | undefined;
  subject?: string | undefined;
  sequence?: string | undefined;
  decoded: DecodedData;
}

export const command: CommandModule = {
  summary: 'Show streams, consumer groups, lag and dead letters (--entries N: decoded entries)',
  usage,
  async run(args, ctx) {
    const { values, positionals } = parseCommandArgs(args, {
      redis: { type: 'string' }, data: { type: 'string' }, json: { type: 'boolean' }, entries: { type: 'string' }, 'stale-ms': { type: 'string' },
    }, { positionals: true });
    const staleMs = values['stale-ms'] === undefined ? DEFAULT_STALE_GROUP_MS : Number(values['stale-ms']);
    if (!Number.isInteger(staleMs) || staleMs < 0) throw new UsageError(`--stale-ms must be a whole number of milliseconds, not "${values['stale-ms']}"`);
    const count = values.entries === undefined ? 0 : Number(values.entries);
    if (!Number.isInteger(count) || count < 0) throw new UsageError(`--entries must be a whole number, not "${values.entries}"`);
    const target = resolveCliRedisUrl(ctx.cwd, 'reader', { redis: values.redis, data: values.data });
    if (!target) throw new UsageError('no Redis: pass --redis <url>, set REDIS_URL, or start `herald dev` (it writes .data/redis/credentials.env)', { helpHint: false });
    const redis = await connectRedis(target.url, { name: 'herald-inspect' });
    const decode = createSchemaDecoder(redis, ctx.cwd);
    const show = async (entries: StreamEntry[]): Promise<ShownEntry[]> =>
      Promise.all(entries.map(async (e) => {
        const text = (name: string) => e.fields.get(name)?.toString();
        const data = e.fields.get('data');
        return {
          id: e.id, type: text('type'), dataschema: text('dataschema'), subject: text('subject'), sequence: text('sequence'),
          decoded: await decode(text('dataschema'), data === undefined ? undefined : Buffer.from(data)),
        };
      }));
    try {
      const streams = positionals.length > 0 ? positionals : await listStreams(redis);
      const report = [];
      const unreadable: string[] = [];
      for (const stream of streams) {
        // The reader user sees the contract's channels only; a service's private streams (its outbox) are not its business.
        const length = await redis.sendCommand(['XLEN', stream]).then(Number, (error: unknown) => {
          if (String(error).includes('NOPERM')) return undefined;
          throw error;
        });
        if (length === undefined) {
          unreadable.push(stream);
          continue;
        }
        const groups = await Promise.all(parseGroups(await redis.sendCommand(['XINFO', 'GROUPS', stream]).catch(() => []))
          .map(async (g) => ({ ...g, ...(await readers(redis, stream, g.name, g.lag ?? 0, staleMs)) })));
        const dead = parseEntries(await redis.sendCommand(['XRANGE', deadLetterKey(stream), '-', '+', 'COUNT', '20']));
        const deadLetterCount = Number(await redis.sendCommand(['XLEN', deadLetterKey(stream)]));
        const latest = count > 0 ? parseEntries(await redis.sendCommand(['XREVRANGE', stream, '+', '-', 'COUNT', String(count)])).reverse() : [];
        const decodedDead = count > 0 ? await show(dead.slice(-count)) : [];
        report.push({
          stream, length, groups, deadLetterCount,
          deadLetters: dead.map((e) => ({
            id: e.id, type: e.fields.get('type')?.toString(), reason: e.fields.get('x-dlq-reason')?.toString(), error: e.fields.get('x-dlq-error')?.toString(),
            ...(count > 0 ? { decoded: decodedDead.find((d) => d.id === e.id)?.decoded } : {}),
          })),
          ...(count > 0 ? { entries: await show(latest) } : {}),
        });
      }
      if (values.json) {
        ctx.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        return 0;
      }
      if (unreadable.length > 0) ctx.stdout.write(`(not readable as this Redis user, skipped: ${unreadable.join(', ')}; pass --redis with the admin URL to see them)\n`);
      for (const s of report) {
        ctx.stdout.write(`${s.stream}  ${s.length} entries\n`);
        for (const g of s.groups) {
          const state = g.state === 'stalled' ? `, STALLED: no reader active for ${Math.round(g.idleMs! / 1000)} s; retention no longer waits for it` : g.state === 'no-reader' ? ', no reader yet' : '';
          ctx.stdout.write(`  group ${g.name}: lag ${g.lag ?? '?'}, pending ${g.pending}, last delivered ${g.lastDeliveredId}, readers ${g.readers}${state}\n`);
        }
        if (s.deadLetterCount > 0) ctx.stdout.write(`  DLQ ${deadLetterKey(s.stream)}: ${s.deadLetterCount} dead letters (kept until requeued or discarded by an operator)\n`);
        for (const e of s.entries ?? []) ctx.stdout.write(`  ${e.id} ${e.type ?? '?'} ${e.subject ?? ''}#${e.sequence ?? ''} ${describe(e.decoded)}\n`);
        for (const d of s.deadLetters) ctx.stdout.write(`  DLQ ${d.id} ${d.type ?? '?'}: ${d.reason} — ${d.error}${d.decoded ? ` ${describe(d.decoded)}` : ''}\n`);
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

function describe(decoded: DecodedData): string {
  return decoded.error ? `[${decoded.schema}: ${decoded.error}]` : `[${decoded.schema}] ${JSON.stringify(decoded.value)}`;
}

async function listStreams(redis: Awaited<ReturnType<typeof connectRedis>>): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = (await redis.sendCommand(['SCAN', cursor, 'TYPE', 'stream', 'COUNT', '1000'])) as [Buffer, Buffer[]];
    cursor = next.toString();
    for (const key of keys) if (!isDeadLetterKey(key.toString())) found.push(key.toString());
  } while (cursor !== '0');
  return found.sort();
}
