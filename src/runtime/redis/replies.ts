// Parsing of the replies of stream commands (XREADGROUP, XAUTOCLAIM, XRANGE, XPENDING, XINFO) as the
// runtime's client returns them: RESP3 (node-redis's default), maps as plain objects, bulk strings as
// Buffers (connection.ts). Only those shapes: the runtime never speaks RESP2.
import type { RedisValue } from './connection.ts';

/** An entry with its fields as a Map: for cold paths (inspect, requeue, tests). */
export interface StreamEntry {
  id: string;
  fields: Map<string, RedisValue>;
}

/**
 * An entry as read, its fields left as the reply's flat list: the hot paths read only the fields they
 * need from it (core/envelope.ts readWireFields). `flat` is null for an entry deleted while pending.
 */
export interface RawEntry {
  id: string;
  flat: RedisValue[] | null;
}

type EntryReply = [RedisValue, RedisValue[] | null];

export function parseRawEntries(raw: unknown): RawEntry[] {
  if (!Array.isArray(raw)) return [];
  const entries: RawEntry[] = [];
  for (const item of raw as EntryReply[]) if (item) entries.push({ id: item[0].toString(), flat: item[1] });
  return entries;
}

export function parseEntries(raw: unknown): StreamEntry[] {
  return parseRawEntries(raw).map(({ id, flat }) => {
    const fields = new Map<string, RedisValue>();
    if (flat) for (let i = 0; i + 1 < flat.length; i += 2) fields.set(flat[i]!.toString(), flat[i + 1]!);
    return { id, fields };
  });
}

/** XREADGROUP reply: an object of stream name to entries, or null on timeout. */
export function parseReadGroupRaw(raw: unknown, stream: string): RawEntry[] {
  if (!raw) return [];
  return parseRawEntries((raw as Record<string, unknown>)[stream]);
}

/** XAUTOCLAIM reply: next cursor, entries taken over (with their fields), ids deleted while pending. */
export function parseAutoClaim(raw: unknown): { next: string; entries: RawEntry[]; deleted: string[] } {
  const [next, claimed, deleted] = raw as [RedisValue, unknown, RedisValue[] | undefined];
  return { next: next.toString(), entries: parseRawEntries(claimed), deleted: (deleted ?? []).map(String) };
}

/** Extended XPENDING reply: delivery count per entry id, in stream order. */
export function parsePendingCounts(raw: unknown): Map<string, number> {
  const counts = new Map<string, number>();
  for (const row of (raw as Array<[RedisValue, RedisValue, number, number]>) ?? []) counts.set(row[0].toString(), Number(row[3]));
  return counts;
}

/** XINFO GROUPS reply, one group. */
export interface GroupInfo {
  name: string;
  pending: number;
  /** Redis's own lag (null when it cannot tell); see lag.ts for the figure the runtime reports. */
  lag: number | null;
  lastDeliveredId: string;
  /** Entries the group has read, or null when Redis lost count (Redis 7.0 after an AOF rewrite + restart). */
  entriesRead: number | null;
}

export function parseGroups(raw: unknown): GroupInfo[] {
  return ((raw as Array<Record<string, unknown>>) ?? []).map((info) => {
    const lag = info['lag'];
    const entriesRead = info['entries-read'];
    return {
      name: String(info['name']),
      pending: Number(info['pending']),
      lag: lag === null || lag === undefined ? null : Number(lag),
      lastDeliveredId: String(info['last-delivered-id']),
      entriesRead: entriesRead === null || entriesRead === undefined ? null : Number(entriesRead),
    };
  });
}
