// Group membership over partitions against a real redis-server: join, leave, kill -9 and a slow member,
// checking after every step that no partition ever has two owners.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { redisTest, type TestRedisServer } from '../../../test/support/redis-fixture.ts';
import type { RedisConnection } from './connection.ts';
import { assignPartitions, createPartitionGroup, readGroupOwnership, type PartitionGroup, type RevokeReason } from './partition-group.ts';
import { partitionLeaseKey, partitionStreamKey } from './stream-names.ts';

let server: TestRedisServer;
let redis: RedisConnection;
let channelNo = 0;
// Short timings keep the test quick; the protocol is the same at the 10 s default.
const timing = { sessionTimeoutMs: 1500, heartbeatMs: 300, safetyMarginMs: 200 };
const PARTITIONS = 8;

redisTest.beforeAll(({ redisServer, redis: connection }) => {
  server = redisServer;
  redis = connection;
});

function member(channel: string, name: string, log: string[] = []) {
  const group: PartitionGroup = createPartitionGroup(redis, {
    channel, group: 'g', member: name, partitions: PARTITIONS, ...timing,
    onAssign: (p) => void log.push(`${name}+${p}`),
    onRevoke: (p, reason: RevokeReason) => void log.push(`${name}-${p}:${reason}`),
  });
  return group;
}

/** No partition is owned by two members, by their own account or by the leases. */
async function expectSingleOwners(channel: string, members: PartitionGroup[]) {
  const claimed = members.flatMap((m) => m.owned());
  expect(new Set(claimed).size).toBe(claimed.length);
  const { owners } = await readGroupOwnership(redis, channel, 'g', PARTITIONS);
  for (const m of members) for (const p of m.owned()) expect(owners[p]).toBeDefined();
}

describe('partition group', () => {
  it('assigns partitions round-robin over members sorted by name', () => {
    expect(Object.fromEntries(assignPartitions(['b', 'a'], 5))).toEqual({ a: [0, 2, 4], b: [1, 3] });
    expect(assignPartitions([], 3).size).toBe(0);
  });

  it('gives every partition to a lone member, then shares them when a second joins, never with two owners', async () => {
    const channel = `pg.join.${++channelNo}`;
    const a = member(channel, 'a');
    const b = member(channel, 'b');
    await a.tick();
    expect(a.owned()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    // b joins: it cannot take a partition a still holds, so the hand-over takes a's next beat.
    await b.tick();
    await expectSingleOwners(channel, [a, b]);
    expect(b.owned()).toEqual([]);
    await a.tick();
    await expectSingleOwners(channel, [a, b]);
    expect(a.owned()).toEqual([0, 2, 4, 6]);
    await b.tick();
    await expectSingleOwners(channel, [a, b]);
    expect(b.owned()).toEqual([1, 3, 5, 7]);
    await a.stop();
    await b.stop();
  });

  it('moves a leaving member\'s partitions to the survivor after it drained them', async () => {
    const channel = `pg.leave.${++channelNo}`;
    const log: string[] = [];
    const a = member(channel, 'a', log);
    const b = member(channel, 'b', log);
    await a.tick(); await b.tick(); await a.tick(); await b.tick();
    expect(b.owned()).toEqual([1, 3, 5, 7]);
    await b.stop();
    // Leaving revokes (the caller drains and acks) before the leases are released.
    expect(log.filter((l) => l.startsWith('b-'))).toEqual(['b-1:leave', 'b-3:leave', 'b-5:leave', 'b-7:leave']);
    await a.tick();
    expect(a.owned()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const { members } = await readGroupOwnership(redis, channel, 'g', PARTITIONS);
    expect(members.map((m) => m.member)).toEqual(['a']);
    await a.stop();
  });

  it('moves a kill -9ed member\'s partitions to the survivors once its session times out', async () => {
    const channel = `pg.kill.${++channelNo}`;
    const fixture = fileURLToPath(new URL('./partition-member.fixture.ts', import.meta.url));
    const child = spawn(process.execPath, [fixture, server.url, channel, 'g', 'c', String(PARTITIONS), String(timing.sessionTimeoutMs), String(timing.heartbeatMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    await expect.poll(() => out, { timeout: 10_000 }).toContain('owned 0,1,2,3,4,5,6,7');
    const a = member(channel, 'a');
    await a.start();
    // c is alive and holds its leases, so a (sorted first) waits for c to hand over half.
    await expect.poll(() => a.owned(), { timeout: 10_000 }).toEqual([0, 2, 4, 6]);
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    // c's leases on 1,3,5,7 outlive it by at most the session timeout; a never owns them before they expire.
    const { owners } = await readGroupOwnership(redis, channel, 'g', PARTITIONS);
    expect(owners.filter((o) => o === 'c').length).toBeGreaterThan(0);
    await expect.poll(() => a.owned(), { timeout: timing.sessionTimeoutMs * 4 }).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    await expectSingleOwners(channel, [a]);
    await a.stop();
  });

  it('fences a slow member: after missing its renewals it gives up its partitions before anything else', async () => {
    const channel = `pg.slow.${++channelNo}`;
    const log: string[] = [];
    let clock = Date.now();
    const slow = createPartitionGroup(redis, {
      channel, group: 'g', member: 'slow', partitions: PARTITIONS, ...timing, now: () => clock,
      onAssign: (p) => void log.push(`slow+${p}`), onRevoke: (p, reason) => void log.push(`slow-${p}:${reason}`),
    });
    await slow.tick();
    expect(slow.owned()).toHaveLength(PARTITIONS);
    // The slow member stalls (a long GC pause) past its session: its leases expire in Redis.
    for (let p = 0; p < PARTITIONS; p++) await redis.sendCommand(['PEXPIRE', partitionLeaseKey(channel, 'g', p), '1']);
    const fast = member(channel, 'fast');
    await expect.poll(async () => { await fast.tick(); return fast.owned(); }, { timeout: 5_000 }).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    // It wakes up: by its own clock the leases are too old, so it revokes them all before touching Redis.
    clock += timing.sessionTimeoutMs;
    await slow.tick();
    expect(log.filter((l) => l.endsWith(':lease-lost'))).toHaveLength(PARTITIONS);
    await expectSingleOwners(channel, [slow, fast]);
    expect(slow.owned().filter((p) => fast.owned().includes(p))).toEqual([]);
    await fast.stop();
    await slow.stop();
  });

  it('refuses timings where one missed heartbeat would lose the leases', () => {
    expect(() => createPartitionGroup(redis, { channel: 'x', group: 'g', member: 'm', partitions: 2, sessionTimeoutMs: 1000, heartbeatMs: 500, onAssign() {}, onRevoke() {} })).toThrow(/heartbeatMs/);
  });

  it('names partition streams with a per-partition hash tag and keeps one partition on the plain address', () => {
    expect(partitionStreamKey('catalog.movie.v1', 0, 1)).toBe('catalog.movie.v1');
    expect(partitionStreamKey('catalog.movie.v1', 3, 8)).toBe('{catalog.movie.v1#3}');
    expect(partitionLeaseKey('catalog.movie.v1', 'sales', 3)).toContain('{catalog.movie.v1#3}');
  });
});
