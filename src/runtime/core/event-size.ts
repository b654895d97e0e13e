// The event size limit, shared by producer and consumer: the size of an event is the bytes of all its
// stream fields (names and values, envelope and data). It never truncates; it only measures and refuses.
import { HeraldError } from './errors.ts';
import type { WireValue } from './types.ts';

/**
 * 1 MiB: far above any domain event (a movie is ~200 B) yet small enough that a batch of 200 entries
 * stays well inside a consumer's memory budget. Raise it per producer/consumer if a channel needs more.
 */
export const defaultMaxEventBytes = 1_048_576;

/** Bytes of a flat field list or field map as Redis stores it. */
export function eventSize(fields: Iterable<WireValue> | Map<string, WireValue>): number {
  let size = 0;
  const add = (value: WireValue) => (size += typeof value === 'string' ? Buffer.byteLength(value) : value.length);
  if (fields instanceof Map) {
    for (const [name, value] of fields) {
      add(name);
      add(value);
    }
  } else {
    for (const value of fields) add(value);
  }
  return size;
}

/** Refuses an outgoing event larger than `limit` with HERALD_ERR_EVENT_TOO_LARGE naming the channel; `fields` from index `from`. */
export function assertEventSize(fields: WireValue[], limit: number, channel: string, type: string, from = 0): void {
  // A UTF-16 code unit is at most 3 UTF-8 bytes: when even that bound fits, the exact size (a
  // Buffer.byteLength per string, a tenth of a producer's time per event) is not needed.
  let bound = 0;
  for (let i = from; i < fields.length; i++) {
    const value = fields[i]!;
    bound += typeof value === 'string' ? value.length * 3 : value.length;
  }
  if (bound <= limit) return;
  const size = eventSize(from === 0 ? fields : fields.slice(from));
  if (size > limit) throw eventTooLarge(size, limit, channel, type);
}

/** HERALD_ERR_EVENT_TOO_LARGE for an event of `size` bytes. */
export function eventTooLarge(size: number, limit: number, channel: string, type: string): HeraldError {
  return new HeraldError('HERALD_ERR_EVENT_TOO_LARGE', `event ${type} is ${size} bytes; ${channel} accepts at most ${limit}`, { channel, type, size, limit });
}
