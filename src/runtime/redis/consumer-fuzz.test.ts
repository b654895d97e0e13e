// Property-based fuzzing of the consumer against a real redis-server: random bytes in `data`, random,
// missing and huge envelope fields, unknown types. Each bad entry must reach `<channel>.dlq` with the
// right reason, each good entry interleaved with them must be handled exactly once, and the loop never fails.
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { redisTest as test } from '../../../test/support/redis-fixture.ts';
import { Ping, testChannel } from '../../../test/support/test-channel.ts';
import { createConsumer } from './consumer.ts';
import { buildEnvelope, encodedEventToFields } from '../core/envelope.ts';
import type { DeadLetterReason } from '../core/errors.ts';
import { type RedisConnection, type RedisValue } from './connection.ts';
import { parseEntries } from './replies.ts';
import { deadLetterKey } from './stream-names.ts';

let streamNo = 0;
const maxEventBytes = 16 * 1024;
const config = { blockMs: 20, retryBackoffMs: 1, claimIntervalMs: 50, minIdleMs: 500, maxEventBytes };

/** What must become of an entry: handled, dead-lettered with this reason, or (random data) decided by the codec. */
type Expectation = 'handled' | DeadLetterReason | 'decode-decides';
interface FuzzEntry {
  kind: string;
  fields: RedisValue[];
  expect: Expectation;
}

const pingDefinition = testChannel('x').messages.Ping;
const required = ['specversion', 'id', 'source', 'type', 'time', 'datacontenttype', 'dataschema'] as const;

function validFields(subject: string, seq: number, blob: Uint8Array): RedisValue[] {
  const envelope = buildEnvelope(pingDefinition, 'herald/fuzz', { subject, sequence: seq });
  const data = Buffer.from(Ping.encode({ subject, seq, blob }).finish());
  return encodedEventToFields({ envelope, data });
}

/** The valid field list with `name` replaced (or removed when value is undefined). */
function withField(fields: RedisValue[], name: string, value: RedisValue | undefined): RedisValue[] {
  const out: RedisValue[] = [];
  for (let i = 0; i < fields.length; i += 2) {
    if (String(fields[i]) !== name) out.push(fields[i]!, fields[i + 1]!);
    else if (value !== undefined) out.push(name, value);
  }
  return out;
}

const text = fc.string({ unit: 'binary', maxLength: 40 });
const bytes = fc.uint8Array({ maxLength: 64 });
const base = fc.record({ subject: fc.string({ unit: 'grapheme', maxLength: 12 }), seq: fc.nat(), blob: bytes }).map((p) => validFields(p.subject, p.seq, p.blob));
const typeName = fc.stringMatching(/^[A-Za-z_][\w.]{0,30}$/).filter((t) => t !== pingDefinition.type && t !== 'herald.test.v1.Pong');

const anyEntry: fc.Arbitrary<FuzzEntry> = fc.oneof(
  { weight: 4, arbitrary: base.map((fields) => ({ kind: 'good', fields, expect: 'handled' as const })) },
  { weight: 1, arbitrary: fc.tuple(base, bytes).map(([f, data]) => ({ kind: 'random data', fields: withField(f, 'data', Buffer.from(data)), expect: 'decode-decides' as const })) },
  // Field 15 with wire type 7 cannot be skipped by any protobuf decoder.
  { weight: 1, arbitrary: fc.tuple(base, bytes).map(([f, data]) => ({ kind: 'invalid wire type', fields: withField(f, 'data', Buffer.concat([Buffer.from([0x7f]), data])), expect: 'undecodable' as const })) },
  { weight: 1, arbitrary: fc.tuple(base, fc.subarray([...required], { minLength: 1 })).map(([f, names]) => ({ kind: 'missing attribute', fields: names.reduce((acc, n) => withField(acc, n, undefined), f), expect: 'invalid-envelope' as const })) },
  { weight: 1, arbitrary: fc.tuple(base, text.filter((v) => v !== '1.0')).map(([f, v]) => ({ kind: 'bad specversion', fields: withField(f, 'specversion', v), expect: 'invalid-envelope' as const })) },
  { weight: 1, arbitrary: fc.tuple(base, text.filter((v) => v !== 'application/protobuf')).map(([f, v]) => ({ kind: 'bad datacontenttype', fields: withField(f, 'datacontenttype', v), expect: 'invalid-envelope' as const })) },
  { weight: 1, arbitrary: base.map((f) => ({ kind: 'no data', fields: withField(f, 'data', undefined), expect: 'invalid-envelope' as const })) },
  { weight: 1, arbitrary: fc.tuple(base, typeName).map(([f, t]) => ({ kind: 'unknown type', fields: withField(withField(f, 'type', t), 'dataschema', `herald:${t}#sha256-0011223344556677`), expect: 'unknown-type' as const })) },
  { weight: 1, arbitrary: fc.tuple(base, fc.oneof(text, bytes.map((b) => Buffer.from(b)))).filter(([, v]) => v.length > 0).map(([f, v]) => ({ kind: 'foreign dataschema', fields: withField(f, 'dataschema', v), expect: 'unknown-schema' as const })) },
  { weight: 1, arbitrary: fc.tuple(base, fc.constantFrom('data', 'subject', 'source', 'x-extra'), fc.integer({ min: 1, max: 4096 })).map(([f, name, extra]) => ({ kind: 'huge field', fields: withField(f, name, Buffer.alloc(maxEventBytes + extra, 0x61)).concat(name === 'x-extra' ? ['x-extra', Buffer.alloc(maxEventBytes + extra)] : []), expect: 'too-large' as const })) },
  { weight: 1, arbitrary: fc.array(fc.tuple(text, fc.oneof(text, bytes.map((b) => Buffer.from(b)))), { minLength: 1, maxLength: 8 }).map((pairs) => ({ kind: 'random fields', fields: pairs.flat(), expect: 'invalid-envelope' as const })) },
);

/** Entries print as a short summary in counterexamples (a huge field would flood the report). */
const fuzzEntry = anyEntry.map((entry) =>
  Object.assign(entry, {
    [fc.toStringMethod]: () => `${entry.kind}:${entry.fields.map((f) => (f.length > 80 ? `<${f.length} bytes>` : fc.stringify(f))).join(',')}`,
  }),
);

function codecDecides(fields: RedisValue[]): Expectation {
  const data = fields[fields.findIndex((f, i) => i % 2 === 0 && String(f) === 'data') + 1] as Buffer;
  try {
    Ping.decode(data);
    return 'handled';
  } catch {
    return 'undecodable';
  }
}

/** Publishes `entries` raw, runs a consumer until each is handled or dead-lettered, and checks every outcome. */
async function runAgainstConsumer(redis: RedisConnection, entries: FuzzEntry[], publishWhileRunning: boolean): Promise<void> {
  const stream = `fuzz.${++streamNo}`;
  const channel = testChannel(stream);
  const handled: string[] = [];
  const loopErrors: unknown[] = [];
  const consumer = createConsumer(redis, channel, {
    group: 'fuzz', consumer: 'c1', config,
    logger: { info() {}, warn() {}, error: (o) => loopErrors.push(o) },
    handlers: { Ping: (e) => { handled.push(e.streamId); }, Pong: (e) => { handled.push(e.streamId); } },
  });
  const publish = async () => {
    const ids: string[] = [];
    for (const entry of entries) ids.push(String(await redis.sendCommand(['XADD', stream, '*', ...entry.fields])));
    return ids;
  };
  let ids: string[];
  if (publishWhileRunning) {
    await consumer.start();
    ids = await publish();
  } else {
    ids = await publish();
    await consumer.start();
  }
  const deadLetters = async () => parseEntries(await redis.sendCommand(['XRANGE', deadLetterKey(stream), '-', '+']));
  const settled = async () => handled.length + (await deadLetters()).length >= entries.length && (await consumer.stats()).pending === 0;
  await expect.poll(settled, { timeout: 20_000 }).toBe(true);
  const stats = await consumer.stats();
  await consumer.stop();

  const dlqReason = new Map<string, string>();
  for (const letter of await deadLetters()) {
    const reason = letter.fields.get('x-dlq-reason')?.toString() ?? '';
    expect(reason, 'every DLQ entry has a reason').not.toBe('');
    expect(letter.fields.get('x-dlq-error')?.toString(), 'every DLQ entry says why').toBeTruthy();
    dlqReason.set(letter.fields.get('x-dlq-stream-id')!.toString(), reason);
  }
  expect(new Set(handled).size, 'no entry handled twice').toBe(handled.length);
  entries.forEach((entry, i) => {
    const expected = entry.expect === 'decode-decides' ? codecDecides(entry.fields) : entry.expect;
    const actual = handled.includes(ids[i]!) ? 'handled' : (dlqReason.get(ids[i]!) ?? 'lost');
    expect(actual, `entry ${i} (${entry.kind})`).toBe(expected);
  });
  expect(loopErrors, 'the consumer loop never failed').toEqual([]);
  expect(stats).toMatchObject({ running: true, pending: 0, lag: 0 });
}

describe('consumer fuzzing', () => {
  test('every bad entry reaches the DLQ with its reason and every good one is handled once', async ({ redis }) => {
    await fc.assert(
      fc.asyncProperty(fc.array(fuzzEntry, { minLength: 1, maxLength: 30 }), fc.boolean(), (entries, live) => runAgainstConsumer(redis, entries, live)),
      { numRuns: 25, endOnFailure: true },
    );
  });

  test('a busy stream of 1500 mixed entries: bad ones dead-lettered, good ones all handled, no crash', async ({ redis }) => {
    const entries = fc.sample(fuzzEntry, { numRuns: 1500, seed: 7 });
    expect(entries.filter((e) => e.expect === 'handled').length).toBeGreaterThan(300);
    await runAgainstConsumer(redis, entries, true);
  });
});
