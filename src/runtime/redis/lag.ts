// A consumer group's lag (entries not yet delivered to it) that survives Redis losing count. Redis 7.0
// computes lag as entries-added minus the group's entries-read, and after an AOF rewrite plus a restart
// entries-read comes back as it was at the rewrite: lag then stays too high for good (12 with nothing
// left to read, in lag.test.ts). This module reads the stream and the group in one MULTI and corrects:
// a group that has read up to the last id has lag 0 exactly, and that moment measures how far Redis's
// entries-read is behind, which corrects every later figure. It only reads; it never repairs Redis.
import type { RedisConnection, RedisValue } from './connection.ts';
import { parseGroups, type GroupInfo } from './replies.ts';

export interface GroupLag {
  /** Entries not yet delivered to the group; null when it cannot be told. */
  lag: number | null;
  pending: number;
  /** Redis's own figure, for comparison. */
  redisLag: number | null;
}

/** Remembers, per stream and group, how far Redis's entries-read was found behind (0 when it is right). */
export type LagMemory = Map<string, number>;

function compareIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(BigInt) as [bigint, bigint];
  const [bm, bs] = b.split('-').map(BigInt) as [bigint, bigint];
  return am === bm ? (as === bs ? 0 : as < bs ? -1 : 1) : am < bm ? -1 : 1;
}

const text = (value: unknown): string | undefined => (value === null || value === undefined ? undefined : String(value as RedisValue));

/** The lag of `group` on `stream`, corrected with and recorded into `memory`; undefined when there is no such group. */
export async function groupLag(redis: RedisConnection, stream: string, group: string, memory: LagMemory = new Map()): Promise<GroupLag | undefined> {
  const transaction = redis.multi();
  transaction.addCommand(['XINFO', 'STREAM', stream]);
  transaction.addCommand(['XINFO', 'GROUPS', stream]);
  const [streamInfo, groupsInfo] = (await transaction.exec()) as [Record<string, unknown>, unknown];
  const info: GroupInfo | undefined = parseGroups(groupsInfo).find((g) => g.name === group);
  if (!info) return undefined;
  const length = Number(streamInfo['length']);
  const added = Number(streamInfo['entries-added']);
  const lastGenerated = text(streamInfo['last-generated-id']) ?? '0-0';
  const firstEntry = streamInfo['first-entry'] as [RedisValue, unknown] | null | undefined;
  const key = `${stream}\u0000${group}`;
  const result = (lag: number | null): GroupLag => ({ lag, pending: info.pending, redisLag: info.lag });

  if (length === 0 || compareIds(info.lastDeliveredId, lastGenerated) >= 0) {
    // Read up to the last id: nothing is undelivered. What Redis counts as read should be all ever added.
    if (info.entriesRead !== null) memory.set(key, added - info.entriesRead);
    return result(0);
  }
  if (firstEntry && compareIds(info.lastDeliveredId, String(firstEntry[0])) < 0) return result(length); // every retained entry is undelivered
  if (info.entriesRead === null) return result(info.lag === null ? null : Math.min(info.lag, length));
  const behind = memory.get(key) ?? 0;
  return result(Math.max(0, Math.min(length, added - info.entriesRead - behind)));
}
