// `herald replay`: makes a consumer group read a channel again from an earlier point (XGROUP SETID),
// or puts dead-lettered entries back on their channel after a fix. Consumers are idempotent, so a
// replay re-applies nothing twice. It never deletes an entry.
import { connectRedis, closeConnection, deadLetterKey, parseEntries, type RedisValue } from '../../runtime/index.ts';
import { parseCommandArgs, UsageError } from '../args.ts';
import type { CommandModule } from '../main.ts';

const usage = `Usage:
  herald replay --channel <address> --group <group> [--from <entry id | 0>]   rewind a consumer group
  herald replay --dead-letters <address> [--reason <reason>]                 requeue DLQ entries
Options: --redis <url> (default $REDIS_URL)
Exit codes: 0 done, 1 Redis refused, 2 bad usage.`;

export const command: CommandModule = {
  summary: 'Rewind a consumer group, or requeue dead-lettered events',
  usage,
  async run(args, ctx) {
    const { values } = parseCommandArgs(args, {
      channel: { type: 'string' }, group: { type: 'string' }, from: { type: 'string', default: '0' },
      'dead-letters': { type: 'string' }, reason: { type: 'string' }, redis: { type: 'string' },
    });
    if (!values['dead-letters'] && (!values.channel || !values.group)) throw new UsageError('give --channel and --group to rewind a group, or --dead-letters <address> to requeue');
    const url = values.redis ?? process.env['REDIS_URL'];
    if (!url) throw new UsageError('no Redis: pass --redis <url> or set REDIS_URL', { helpHint: false });
    const redis = await connectRedis(url, { name: 'herald-replay' });
    try {
      if (values['dead-letters']) {
        const moved = await requeue(redis, values['dead-letters'], values.reason);
        ctx.stdout.write(`requeued ${moved} dead-lettered entr${moved === 1 ? 'y' : 'ies'} onto ${values['dead-letters']}\n`);
        return 0;
      }
      await redis.sendCommand(['XGROUP', 'SETID', values.channel!, values.group!, values.from]);
      ctx.stdout.write(`group ${values.group} on ${values.channel} will read again from ${values.from}\n`);
      return 0;
    } finally {
      await closeConnection(redis);
    }
  },
};

/** Moves DLQ entries back to the channel, without the x-dlq-* fields, each in one MULTI with its XDEL. */
async function requeue(redis: Awaited<ReturnType<typeof connectRedis>>, address: string, reason?: string): Promise<number> {
  const dlq = deadLetterKey(address);
  let moved = 0;
  let from = '-';
  for (;;) {
    const entries = parseEntries(await redis.sendCommand(['XRANGE', dlq, from, '+', 'COUNT', '500']));
    if (entries.length === 0) return moved;
    for (const entry of entries) {
      if (reason && entry.fields.get('x-dlq-reason')?.toString() !== reason) continue;
      // A too-large entry was dead-lettered by reference (no copy of its fields): nothing to put back.
      if (entry.fields.has('x-dlq-by-reference')) continue;
      const fields: RedisValue[] = [];
      for (const [name, value] of entry.fields) if (!name.startsWith('x-dlq-')) fields.push(name, value);
      const transaction = redis.multi();
      transaction.addCommand(['XADD', address, '*', ...fields]);
      transaction.addCommand(['XDEL', dlq, entry.id]);
      await transaction.exec();
      moved++;
    }
    from = `(${entries[entries.length - 1]!.id}`;
  }
}
