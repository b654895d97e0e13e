// The lanes stage without Redis: order per subject, subjects side by side, nothing overtaking an entry
// that failed, early entries retried when a later one of their subject applies, and the next pass
// handed the held entries with their fields (no re-read).
import { describe, expect, test } from 'vitest';
import { createSubjectLanes, type Outcome } from './subject-lanes.ts';
import { setTimeout as sleep } from 'node:timers/promises';

interface Entry { id: string; key: string | null; body?: string }
const entry = (id: string, key: string): Entry => ({ id, key, body: `fields of ${id}` });

/** Lanes whose attempt answers from `verdicts` (default ack) and records the order of attempts. */
function lanes(verdicts: Record<string, Outcome[]> = {}, concurrency = 4, maxHeld?: number) {
  const attempts: string[] = [];
  const run = createSubjectLanes<Entry>(async (e) => {
    attempts.push(e.id);
    await sleep(e.id.charCodeAt(0) % 3);
    return verdicts[e.id]?.shift() ?? 'ack';
  }, concurrency, (id, key) => ({ id, key }), maxHeld);
  return { run, attempts };
}

describe('subject lanes', () => {
  test('entries of a subject run in order; every handled entry is acked', async () => {
    const { run, attempts } = lanes();
    const batch = ['a1', 'b1', 'a2', 'c1', 'b2', 'a3'].map((id) => entry(id, id[0]!));
    expect((await run.run(batch, undefined)).sort()).toEqual(['a1', 'a2', 'a3', 'b1', 'b2', 'c1']);
    for (const subject of 'abc') expect(attempts.filter((id) => id[0] === subject)).toEqual(batch.filter((e) => e.key === subject).map((e) => e.id));
  });

  test('after a failure, later entries of its subject wait (kept with their fields) and other subjects go on', async () => {
    const { run, attempts } = lanes({ a1: ['pending'] });
    const acked = await run.run([entry('a1', 'a'), entry('a2', 'a'), entry('b1', 'b')], undefined);
    expect(acked).toEqual(['b1']);
    expect(attempts).not.toContain('a2');
    // A later batch of the blocked subject is held too.
    expect(await run.run([entry('a3', 'a')], undefined)).toEqual([]);
    // The next pass: a1 was reclaimed (with its fields); a2 and a3 come back from the lanes themselves.
    const due = run.startPass([entry('a1', 'a')]);
    expect([...due.values()].map((e) => [e.id, e.body])).toEqual([['a2', 'fields of a2'], ['a3', 'fields of a3'], ['a1', 'fields of a1']]);
    expect(await run.run(['a1', 'a2', 'a3'].map((id) => due.get(id)!), undefined, due)).toEqual(['a1', 'a2', 'a3']);
  });

  test('a failed entry not yet due keeps blocking its subject on the next pass', async () => {
    const { run, attempts } = lanes({ a1: ['pending'] });
    await run.run([entry('a1', 'a'), entry('a2', 'a')], undefined);
    const due = run.startPass([]); // a1 is not idle long enough to be reclaimed
    const blocker = run.blocker('a1');
    expect(blocker).toEqual({ id: 'a1', key: 'a' });
    expect(await run.run([blocker!, due.get('a2')!], undefined, due)).toEqual([]);
    expect(attempts).toEqual(['a1']);
  });

  test('an early entry is retried as soon as a later entry of its subject applies', async () => {
    const { run, attempts } = lanes({ a3: ['waiting'] });
    // a3 arrives before a2 (out of stream order): it waits, a2 applies, a3 is retried at once.
    expect(await run.run([entry('a3', 'a'), entry('a2', 'a')], undefined)).toEqual(['a2', 'a3']);
    expect(attempts).toEqual(['a3', 'a2', 'a3']);
  });

  test('beyond maxHeld, held entries are kept by subject only: they keep it blocked until reclaimed', async () => {
    const { run, attempts } = lanes({ a1: ['pending'] }, 4, 1);
    await run.run([entry('a1', 'a'), entry('a2', 'a'), entry('a3', 'a')], undefined);
    // A pass before a1 is idle long enough: a2 kept its fields, a3 only its subject; nothing runs.
    const due = run.startPass([]);
    expect([...due.keys()]).toEqual(['a2']);
    expect(run.blocker('a3')).toEqual({ id: 'a3', key: 'a' });
    expect(await run.run([run.blocker('a1')!, due.get('a2')!, run.blocker('a3')!], undefined, due)).toEqual([]);
    // a1 and a3 are reclaimed later, with their fields: all three then run in order.
    const later = run.startPass([entry('a1', 'a'), entry('a3', 'a')]);
    expect(await run.run(['a1', 'a2', 'a3'].map((id) => later.get(id)!), undefined, later)).toEqual(['a1', 'a2', 'a3']);
    expect(attempts).toEqual(['a1', 'a1', 'a2', 'a3']);
  });
});
