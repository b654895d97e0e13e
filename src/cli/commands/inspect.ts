// `herald inspect`: what is on the wire right now. Per stream: length, groups, lag, pending, and the
// dead-letter stream with each entry's reason; with --entries N the last N entries (and dead letters)
// decoded with the schema version their `dataschema` names. Read-only: the `reader` user is enough.
import { connectRedis, closeConnection, deadLetterKey, isDeadLetterKey, parseEntries, parseGroups, type StreamEntry } from '../../runtime/index.ts';
import { parseCommandArgs, UsageError } from '../args.ts';
import { resolveCliRedisUrl } from '../credentials-file.ts';
import { createSchemaDecoder, type DecodedData } from '../schema-decoder.ts';
import type { CommandModule } from '../main.ts';

const usage = `Usage: herald inspect [<stream>...] [--entries N] [--json] [--redis <url>] [--data .data/redis]
  --entries N  also show the last N entries of each stream and its dead letters, decoded with the schema
               version each one's dataschema names (from the registry, or this project's generated/)
  --redis      Redis URL; default REDIS_URL, else HERALD_REDIS_READER_URL from <data>/credentials.env
  --data       data folder of \`herald dev\` holding credentials.env (default .data/redis)
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
      redis: { type: 'string' }, data: { type: 'string' }, json: { type: 'boolean' }, entries: { type: 'string' },
    }, { positionals: true });
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
        const groups = parseGroups(await redis.sendCommand(['XINFO', 'GROUPS', stream]).catch(() => []));
        const dead = parseEntries(await redis.sendCommand(['XRANGE', deadLetterKey(stream), '-', '+', 'COUNT', '20']));
        const latest = count > 0 ? parseEntries(await redis.sendCommand(['XREVRANGE', stream, '+', '-', 'COUNT', String(count)])).reverse() : [];
        const decodedDead = count > 0 ? await show(dead.slice(-count)) : [];
        report.push({
          stream, length, groups,
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
        for (const g of s.groups) ctx.stdout.write(`  group ${g.name}: lag ${g.lag ?? '?'}, pending ${g.pending}, last delivered ${g.lastDeliveredId}\n`);
        for (const e of s.entries ?? []) ctx.stdout.write(`  ${e.id} ${e.type ?? '?'} ${e.subject ?? ''}#${e.sequence ?? ''} ${describe(e.decoded)}\n`);
        for (const d of s.deadLetters) ctx.stdout.write(`  DLQ ${d.id} ${d.type ?? '?'}: ${d.reason} — ${d.error}${d.decoded ? ` ${describe(d.decoded)}` : ''}\n`);
      }
      return 0;
    } finally {
      await closeConnection(redis);
    }
  },
};

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
