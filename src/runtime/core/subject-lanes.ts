// Per-subject ordering of one consumer's entries, within a batch and across batches: entries of a subject
// run in stream order, one lane per subject. It never lets an event overtake one of its subject that
// failed and awaits redelivery, and never spends retries on an event that is early while another waits.

/** `waiting`: left pending because its predecessor is not there yet (NotReadyError). */
export type Outcome = 'ack' | 'dead' | 'pending' | 'waiting';

/** An entry as the lanes see it: `key` is its subject (its id when it has none), null when it has no fields left. */
export interface LaneEntry {
  id: string;
  key: string | null;
}

/** Handles one entry. `quick`: an earlier entry of its subject is waiting, so no in-process retries when early. */
export type Attempt<E extends LaneEntry> = (entry: E, deliveryCount: number, quick: boolean) => Promise<Outcome>;

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
  run(entries: E[], deliveryCounts: Map<string, number> | undefined, due?: Set<string>): Promise<string[]>;
  /** Entries worth handling at the next own-pending pass; clears the state the pass rebuilds. */
  startPass(claimed: Set<string>): Set<string>;
}

export function createSubjectLanes<E extends LaneEntry>(attempt: Attempt<E>, concurrency: number): SubjectLanes<E> {
  // Subjects with an entry that failed (or is not due) and awaits redelivery: later ones are held back.
  let blocked = new Set<string>();
  // Ids held back behind a blocked subject: handled at the next pass, after their predecessor.
  let held = new Set<string>();
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
        if (outcome === 'ack') acked.push(item.entry.id);
        if (outcome === 'pending') {
          // It now fails for another reason: it and every later entry wait for its redelivery.
          blocked.add(key);
          for (const rest of list.slice(i + 1)) held.add(rest.entry.id);
          still.length = 0;
          break;
        }
      }
      if (still.length > 0) waiting.set(key, still);
      else waiting.delete(key);
    }
  };

  const runLane = async (key: string, lane: E[], counts: Map<string, number> | undefined, due: Set<string> | undefined, acked: string[]): Promise<void> => {
    for (const entry of lane) {
      if (blocked.has(key)) {
        held.add(entry.id);
        continue;
      }
      if (due && !due.has(entry.id)) {
        blocked.add(key);
        continue;
      }
      const deliveryCount = counts?.get(entry.id) ?? 1;
      const earlier = waiting.get(key);
      const outcome = await attempt(entry, deliveryCount, earlier !== undefined);
      if (outcome === 'ack') {
        acked.push(entry.id);
        if (earlier) await retryWaiting(key, acked);
      } else if (outcome === 'waiting') {
        if (earlier) earlier.push({ entry, deliveryCount });
        else waiting.set(key, [{ entry, deliveryCount }]);
      } else if (outcome === 'pending') {
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
      const due = new Set([...claimed, ...held]);
      for (const list of waiting.values()) for (const item of list) due.add(item.entry.id);
      blocked = new Set();
      held = new Set();
      waiting = new Map();
      return due;
    },
  };
}
