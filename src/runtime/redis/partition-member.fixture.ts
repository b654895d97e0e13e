// A partition-group member in its own process, so a test can SIGKILL it (the kill -9 case).
// argv: redisUrl channel group member partitions sessionTimeoutMs heartbeatMs. Prints "owned <list>" on change.
import { connectRedis } from './connection.ts';
import { createPartitionGroup } from './partition-group.ts';

const [url, channel, group, member, partitions, sessionTimeoutMs, heartbeatMs] = process.argv.slice(2);
const redis = await connectRedis(url!);
const group_ = createPartitionGroup(redis, {
  channel: channel!, group: group!, member: member!, partitions: Number(partitions),
  sessionTimeoutMs: Number(sessionTimeoutMs), heartbeatMs: Number(heartbeatMs), safetyMarginMs: 200,
  onAssign: () => { process.stdout.write(`owned ${group_.owned().join(',')}\n`); },
  onRevoke: () => { process.stdout.write(`owned ${group_.owned().join(',')}\n`); },
});
await group_.start();
process.stdout.write(`owned ${group_.owned().join(',')}\n`);
