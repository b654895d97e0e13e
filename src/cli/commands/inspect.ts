// `herald inspect`: what is on the wire right now. Per channel of the contract: length, groups, lag,
// pending, and the dead-letter stream with each entry's reason. Read-only.
import { parseArgs } from 'node:util';
import { connectRedis, closeConnection, deadLetterKey, isDeadLetterKey, parseEntries, parseGroups } from '../../runtime/index.ts';
import { HeraldError } from '../../runtime/core/errors.ts';
import type { CommandModule } from '../main.ts';

export const command: CommandModule = {
  summary: 'Show streams, consumer groups, lag and dead letters',
  async run(args, ctx) {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { redis: { type: 'string' }, json: { type: 'boolean' } } });
    const url = values.redis ?? process.env['REDIS_URL'];
    if (!url) throw new HeraldError('HERALD_ERR_CONFIG', 'no Redis: pass --redis <url> or set REDIS_URL');
    const redis = await connectRedis(url, { name: 'herald-inspect' });
    try {
      const streams = positionals.length > 0 ? positionals : await listStreams(redis);
      const report = [];
      for (const stream of streams) {
        const length = Number(await redis.sendCommand(['XLEN', stream]));
        const groups = parseGroups(await redis.sendCommand(['XINFO', 'GROUPS', stream]).catch(() => []));
        const dead = parseEntries(await redis.sendCommand(['XRANGE', deadLetterKey(stream), '-', '+', 'COUNT', '20']));
        report.push({
          stream, length, groups,
          deadLetters: dead.map((e) => ({ id: e.id, type: e.fields.get('type')?.toString(), reason: e.fields.get('x-dlq-reason')?.toString(), error: e.fields.get('x-dlq-error')?.toString() })),
        });
      }
      if (values.json) {
        ctx.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        return 0;
      }
      for (const s of report) {
        ctx.stdout.write(`${s.stream}  ${s.length} entries\n`);
        for (const g of s.groups) ctx.stdout.write(`  group ${g.name}: lag ${g.lag ?? '?'}, pending ${g.pending}, last delivered ${g.lastDeliveredId}\n`);
        for (const d of s.deadLetters) ctx.stdout.write(`  DLQ ${d.id} ${d.type ?? '?'}: ${d.reason} — ${d.error}\n`);
      }
      return 0;
    } finally {
      await closeConnection(redis);
    }
  },
};

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
