// The consumer's lanes stage: per-subject ordering of one consumer's entries, within a batch and across
// batches: entries of a subject run in stream order, one lane per subject. It never lets an event overtake
// one of its subject that failed and awaits redelivery, and never spends waits on an event that is early
// while another of its subject is held. It keeps the entries it holds back (their fields), so the next
// pass needs no re-read of them; of an entry that failed it keeps only the subject. Transport-free.

/** `waiting`: left pending because its predecessor is not there yet (NotReadyError). */
export type Outcome = 'ack' | 'dead' | 'pending' | 'waiting';

/** An entry as the lanes see it: `key` is its subject (its id when it has none), null when it has no fields left. */
export interface LaneEntry {
  id: string;
  key: string | null;
}

/** Handles one entry. `earlierWaits`: an earlier entry of its subject is held, so no short waits when early. */
export type Attempt<E extends LaneEntry> = (entry: E, deliveryCount: number, earlierWaits: boolean) => Promise<Outcome>;

interface Waiting<E> {
  entry: E;
  deliveryCount: number;
}

export interface SubjectLanes<E extends LaneEntry> {
  /**
   * Handles a batch, up to `concurrency` subjects at once; resolves to the ids to acknowledge.
   * `due`, when given (an own-pending pass), says which entries to handle; the others stay pending and
   * hold back their subject.
   */
  run(entries: E[], deliveryCounts: Map<string, number> | undefined, due?: { has(id: string): boolean }): Promise<string[]>;
  /**
   * Entries worth handling at the next own-pending pass, by id: `claimed` (just reclaimed, read with
   * their fields) and those held back or waiting; clears the state the pass rebuilds.
   */
  startPass(claimed: ReadonlyArray<E>): Map<string, E>;
  /** An entry of this consumer that failed and awaits its redelivery: only its subject is known, to keep it blocked. */
  blocker(id: string): E | undefined;
}

/**
 * `maxHeld` bounds the entries kept with their fields; beyond it an entry is kept by subject only, keeps
 * its subject blocked, and comes back with its fields when it is reclaimed (after minIdleMs).
 */
export function createSubjectLanes<E extends LaneEntry>(attempt: Attempt<E>, concurrency: number, blockerOf: (id: string, key: string) => E, maxHeld = Number.POSITIVE_INFINITY): SubjectLanes<E> {
  // Subjects with an entry that failed (or is not due) and awaits redelivery: later ones are held back.
  let blocked = new Set<string>();
  // Entries held back behind a blocked subject: handled at the next pass, after their predecessor.
  let held = new Map<string, E>();
  // Subject of each entry that failed and awaits redelivery (reclaim after minIdleMs); kept across passes.
  const failed = new Map<string, string>();
  const hold = (entry: E, key: string): void => {
    if (held.size < maxHeld) held.set(entry.id, entry);
    else failed.set(entry.id, key);
  };
  // Early entries per subject, in stream order: retried as soon as a later entry of the subject applies
  // (it may be the missing predecessor, out of stream order), else at the next pass.
  let waiting = new Map<string, Waiting<E>[]>();

  const retryWaiting = async (key: string, acked: string[]): Promise<void> => {
    let progress = true;
    while (progress) {
      progress = false;
      const list = waiting.get(key);
      if (!list) return;
      const still: Waiting<E>[] = [];
      for (let i = 0; i < list.length; i++) {
        const item = list[i]!;
        const outcome = await attempt(item.entry, item.deliveryCount, true);
        if (outcome === 'waiting') {
          still.push(item);
          continue;
        }
        progress = true;
        failed.delete(item.entry.id);
        if (outcome === 'ack') acked.push(item.entry.id);
        if (outcome === 'pending') {
          // It now fails for another reason: it and every later entry wait for its redelivery.
          blocked.add(key);
          failed.set(item.entry.id, key);
          for (const rest of list.slice(i + 1)) hold(rest.entry, key);
          still.length = 0;
          break;
        }
      }
      if (still.length > 0) waiting.set(key, still);
      else waiting.delete(key);
    }
  };

  const runLane = async (key: string, lane: E[], counts: Map<string, number> | undefined, due: { has(id: string): boolean } | undefined, acked: string[]): Promise<void> => {
    for (const entry of lane) {
      if (blocked.has(key)) {
        if (!failed.has(entry.id)) hold(entry, key);
        continue;
      }
      if (due && !due.has(entry.id)) {
        blocked.add(key);
        continue;
      }
      const deliveryCount = counts?.get(entry.id) ?? 1;
      const earlier = waiting.get(key);
      const outcome = await attempt(entry, deliveryCount, earlier !== undefined);
      failed.delete(entry.id);
      if (outcome === 'ack') {
        acked.push(entry.id);
        if (earlier) await retryWaiting(key, acked);
      } else if (outcome === 'waiting') {
        if (earlier) earlier.push({ entry, deliveryCount });
        else waiting.set(key, [{ entry, deliveryCount }]);
      } else if (outcome === 'pending') {
        failed.set(entry.id, key);
        blocked.add(key);
      }
    }
  };

  return {
    async run(entries, counts, due) {
      const lanes = new Map<string, E[]>();
      for (const entry of entries) {
        const key = entry.key;
        if (key === null) continue; // trimmed while pending: nothing left to handle
        const lane = lanes.get(key);
        if (lane) lane.push(entry);
        else lanes.set(key, [entry]);
      }
      const acked: string[] = [];
      const queue = [...lanes];
      let next = 0;
      const runner = async (): Promise<void> => {
        while (next < queue.length) {
          const [key, lane] = queue[next++]!;
          await runLane(key, lane, counts, due, acked);
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, runner));
      return acked;
    },
    startPass(claimed) {
      const due = new Map(held);
      for (const list of waiting.values()) for (const item of list) due.set(item.entry.id, item.entry);
      for (const entry of claimed) due.set(entry.id, entry);
      blocked = new Set();
      held = new Map();
      waiting = new Map();
      return due;
    },
    blocker(id) {
      const key = failed.get(id);
      return key === undefined ? undefined : blockerOf(id, key);
    },
  };
}
