// Parsing of the raw RESP3 replies of stream commands (XREADGROUP, XAUTOCLAIM, XRANGE, XPENDING,
// XINFO), as node-redis returns them with bulk strings mapped to Buffers.
import type { RedisValue } from './connection.ts';

export interface StreamEntry {
  id: string;
  fields: Map<string, RedisValue>;
}

type RawEntryReply = [RedisValue, RedisValue[] | null];

export function parseEntries(raw: unknown): StreamEntry[] {
  if (!Array.isArray(raw)) return [];
  const entries: StreamEntry[] = [];
  for (const item of raw as RawEntryReply[]) {
    if (!item) continue;
    const [id, flat] = item;
    const fields = new Map<string, RedisValue>();
    // A deleted-but-pending entry comes back with null fields; it is skipped by the caller.
    if (flat) for (let i = 0; i + 1 < flat.length; i += 2) fields.set(flat[i]!.toString(), flat[i + 1]!);
    entries.push({ id: id.toString(), fields });
  }
  return entries;
}

/** XREADGROUP reply: a map of stream name to entries, or null on timeout. */
export function parseReadGroup(raw: unknown, stream: string): StreamEntry[] {
  return parseEntries(readGroupEntries(raw, stream));
}

function readGroupEntries(raw: unknown, stream: string): unknown {
  if (!raw) return [];
  if (raw instanceof Map) return raw.get(stream) ?? [...raw.values()][0];
  if (Array.isArray(raw)) return (raw[0] as [unknown, unknown])?.[1]; // RESP2 shape
  const record = raw as Record<string, unknown>;
  return record[stream] ?? Object.values(record)[0];
}

/**
 * An entry as read, its fields left as the reply's flat list: the hot paths read only the fields they
 * need from it (envelope.ts readWireFields). `flat` is null for an entry deleted while pending.
 */
export interface RawEntry {
  id: string;
  flat: RedisValue[] | null;
}

export function parseRawEntries(raw: unknown): RawEntry[] {
  if (!Array.isArray(raw)) return [];
  const entries: RawEntry[] = [];
  for (const item of raw as RawEntryReply[]) if (item) entries.push({ id: item[0].toString(), flat: item[1] });
  return entries;
}

export function parseReadGroupRaw(raw: unknown, stream: string): RawEntry[] {
  return parseRawEntries(readGroupEntries(raw, stream));
}

/** The StreamEntry of a raw entry (its fields as a Map), for the cold paths: dead-lettering. */
export function toStreamEntry(entry: RawEntry): StreamEntry {
  const fields = new Map<string, RedisValue>();
  const flat = entry.flat;
  if (flat) for (let i = 0; i + 1 < flat.length; i += 2) fields.set(flat[i]!.toString(), flat[i + 1]!);
  return { id: entry.id, fields };
}

/** XAUTOCLAIM reply: next cursor, claimed entries, ids that were deleted while pending. */
export function parseAutoClaim(raw: unknown): { next: string; entries: StreamEntry[]; deleted: string[] } {
  const [next, claimed, deleted] = raw as [RedisValue, unknown, RedisValue[] | undefined];
  return { next: next.toString(), entries: parseEntries(claimed), deleted: (deleted ?? []).map(String) };
}

/** Extended XPENDING reply: delivery count per entry id. */
export function parsePendingCounts(raw: unknown): Map<string, number> {
  const counts = new Map<string, number>();
  for (const row of (raw as Array<[RedisValue, RedisValue, number, number]>) ?? []) counts.set(row[0].toString(), Number(row[3]));
  return counts;
}

/** XINFO GROUPS reply, one group. */
export interface GroupInfo {
  name: string;
  pending: number;
  lag: number | null;
  lastDeliveredId: string;
}

export function parseGroups(raw: unknown): GroupInfo[] {
  return ((raw as Array<Record<string, unknown> | unknown[]>) ?? []).map((group) => {
    const info: Record<string, unknown> = Array.isArray(group) ? Object.fromEntries(pairs(group)) : group;
    const lag = info['lag'];
    return {
      name: String(info['name']),
      pending: Number(info['pending']),
      lag: lag === null || lag === undefined ? null : Number(lag),
      lastDeliveredId: String(info['last-delivered-id']),
    };
  });
}

function pairs(flat: unknown[]): Array<[string, unknown]> {
  const out: Array<[string, unknown]> = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push([String(flat[i]), flat[i + 1]]);
  return out;
}
