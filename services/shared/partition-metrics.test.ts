// Partition ownership, per-partition lag and rebalances on /metrics: two service instances of one
// group (two apps with their own registries, as two processes would have) consume a channel of four
// partitions on a real redis-server. Each partition is owned exactly once across them, a partition's
// lag is visible on its owner, a leave moves the counters, the scrape is clean under promtool, and the
// dashboard's partition panels query what is really exported.
import { spawnSync } from 'node:child_process';
import { createPartitionedConsumer, createProducer, partitionOf, type PartitionedConsumer, type ReceivedEvent } from 'herald/runtime';
import { describe, expect, it } from 'vitest';
import { dashboardQueries, expectQueryExported, families } from '../../test/support/dashboard.ts';
import { redisTest, type TestRedisServer } from '../../test/support/redis-fixture.ts';
import { testChannel, type Ping } from '../../test/support/test-channel.ts';
import { consumerObservation, consumerPlugin, openServiceApp, type OpenedService } from './bootstrap.ts';
import { loadBaseServiceConfig } from './env.ts';

let server: TestRedisServer;
redisTest.beforeAll(({ redisServer }) => {
  server = redisServer;
});

const PARTITIONS = 4;
const channel = { ...testChannel('shop.parts.v1'), partitions: PARTITIONS };
const group = 'shop';
// batchSize 1: a blocked handler holds one entry (and one read ahead), the rest stays undelivered.
const config = { blockMs: 50, batchSize: 1, retryBackoffMs: 5, claimIntervalMs: 100, minIdleMs: 60_000 };
// A generous session: a busy test machine must not make a member fence itself (that would be lease-lost).
const timing = { sessionTimeoutMs: 6000, heartbeatMs: 400 };

interface Sample { labels: Record<string, string>; value: number }

/** The samples of one metric in exposition text. */
function samples(text: string, name: string): Sample[] {
  const found: Sample[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
    found.push({ labels, value: Number(match[3]) });
  }
  return found;
}

/** The value of the one sample of `name` whose labels include `labels`; undefined when there is none. */
function value(text: string, name: string, labels: Record<string, string>): number | undefined {
  const matching = samples(text, name).filter((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  expect(matching.length, `${name} ${JSON.stringify(labels)}`).toBeLessThanOrEqual(1);
  return matching[0]?.value;
}

interface Member { name: string; service: OpenedService; consumer: PartitionedConsumer<typeof channel> }

let gate: { open: Promise<void>; release(): void };
const closedGate = () => {
  let release!: () => void;
  const open = new Promise<void>((resolve) => (release = resolve));
  return { open, release };
};

async function startMember(name: string): Promise<Member> {
  const service = await openServiceApp('shop', loadBaseServiceConfig({ REDIS_URL: server.url, LOG_LEVEL: 'silent' }, [], { port: 0, roles: ['consumer'] }));
  const observation = consumerObservation(service.runtime, service.redis, channel, { group, consumer: name });
  const consumer = createPartitionedConsumer(service.redis, channel, {
    group, consumer: name, config, ...timing,
    handlers: { Ping: async (_event: ReceivedEvent<Ping>) => gate.open, Pong: async () => {} },
    middleware: observation.middleware,
    onOutcome: observation.onOutcome,
  });
  await service.app.register(consumerPlugin(observation, consumer));
  await service.app.ready();
  return { name, service, consumer };
}

const scrape = async (member: Member) => (await member.service.app.inject('/metrics')).body;

function expectPromtoolClean(text: string, label: string): void {
  const result = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  expect(result.error, 'promtool is installed (Debian package prometheus; scripts/setup.sh)').toBeUndefined();
  expect(`${result.stdout}${result.stderr}`, label).toBe('');
  expect(result.status, label).toBe(0);
}

describe('partition metrics of a partitioned consumer', () => {
  it('show each partition owned once, the lag of a partition on its owner, and rebalances on a leave', async () => {
    gate = closedGate();
    const a = await startMember('a');
    // a alone owns all four before b joins.
    expect(a.consumer.owned()).toEqual([0, 1, 2, 3]);
    const b = await startMember('b');
    try {
      await expect.poll(() => [a.consumer.owned(), b.consumer.owned()], { timeout: 20_000 }).toEqual([[0, 2], [1, 3]]);
      const labelsOf = (m: Member) => ({ group, consumer: m.name, channel: channel.address });
      let [textA, textB] = [await scrape(a), await scrape(b)];
      expectPromtoolClean(textA, 'a');
      expectPromtoolClean(textB, 'b');

      // Ownership: 2 + 2 = 4 owned, and each partition summed over the group's instances is 1.
      expect(value(textA, 'herald_consumer_partitions_owned', labelsOf(a))).toBe(2);
      expect(value(textB, 'herald_consumer_partitions_owned', labelsOf(b))).toBe(2);
      for (let p = 0; p < PARTITIONS; p++) {
        const owners = [textA, textB].map((text, i) => value(text, 'herald_partition_owned', { ...labelsOf([a, b][i]!), partition: String(p) }));
        expect(owners, `partition ${p}`).toEqual(p % 2 === 0 ? [1, 0] : [0, 1]);
      }
      // Rebalances so far: a took four and gave two to b on its join. Polled: owned() counts a partition
      // from its lease on, the change is told once its consumer has started (or stopped).
      const rebalances = (text: string, m: Member) => Object.fromEntries(['assigned', 'rebalance', 'lease-lost', 'leave'].map((reason) => [reason, value(text, 'herald_consumer_rebalances_total', { ...labelsOf(m), reason })]));
      await expect.poll(async () => [rebalances(await scrape(a), a), rebalances(await scrape(b), b)], { timeout: 10_000 }).toEqual([
        { assigned: 4, rebalance: 2, 'lease-lost': 0, leave: 0 },
        { assigned: 2, rebalance: 0, 'lease-lost': 0, leave: 0 },
      ]);

      // Lag: 12 events to partition 3 (owned by b) while its handler is blocked.
      const subject = Array.from({ length: 100 }, (_, i) => `movie-${i}`).find((s) => partitionOf(s, PARTITIONS) === 3)!;
      const producer = createProducer(a.service.redis, channel, { source: 'herald/test' });
      const published = 12;
      for (let seq = 1; seq <= published; seq++) await producer.publish('Ping', { subject, seq, blob: new Uint8Array() }, { subject, sequence: seq });
      const partition3 = { ...labelsOf(b), partition: '3' };
      // Nothing is acked: every event published is either undelivered (lag) or delivered and unacked.
      // Polled, because the read ahead may still deliver one between two gauges of a scrape; then the
      // owner's consumer-wide lag is the sum over its partitions (partition 1 of b is empty).
      await expect.poll(async () => {
        const text = await scrape(b);
        const lag = value(text, 'herald_partition_lag', partition3);
        return { total: (lag ?? 0) + (value(text, 'herald_partition_pending', partition3) ?? 0), consumerLag: value(text, 'herald_consumer_lag', labelsOf(b)) === lag };
      }, { timeout: 10_000 }).toEqual({ total: published, consumerLag: true });
      textB = await scrape(b);
      textA = await scrape(a);
      const lag = value(textB, 'herald_partition_lag', partition3)!;
      expect(lag).toBeGreaterThan(0);
      expect(value(textB, 'herald_partition_lag', { ...labelsOf(b), partition: '1' })).toBe(0);
      // Only the owner reports a partition's lag.
      expect(samples(textA, 'herald_partition_lag').map((s) => s.labels['partition']).sort()).toEqual(['0', '2']);
      expect(samples(textB, 'herald_partition_lag').map((s) => s.labels['partition']).sort()).toEqual(['1', '3']);
      expectPromtoolClean(textB, 'b with lag');

      // The dashboard's partition panels query families and labels these scrapes really carry.
      const exported = families(`${textA}\n${textB}`);
      const partitionQueries = dashboardQueries().filter((q) => /herald_(partition_|consumer_partitions_owned|consumer_rebalances_total)/.test(q.expr));
      expect(partitionQueries.length).toBeGreaterThanOrEqual(4);
      for (const query of partitionQueries) expectQueryExported(query, exported);

      gate.release();
      await expect.poll(async () => {
        const text = await scrape(b);
        return [value(text, 'herald_partition_lag', partition3), value(text, 'herald_partition_pending', partition3)];
      }, { timeout: 10_000 }).toEqual([0, 0]);

      // b leaves: its two partitions are revoked for `leave`, and a takes them over.
      await b.service.app.close();
      const leftB = (await b.service.runtime.metrics.render()).body;
      expect(value(leftB, 'herald_consumer_rebalances_total', { ...labelsOf(b), reason: 'leave' })).toBe(2);
      await expect.poll(() => a.consumer.owned(), { timeout: 20_000 }).toEqual([0, 1, 2, 3]);
      await expect.poll(async () => rebalances(await scrape(a), a), { timeout: 10_000 }).toEqual({ assigned: 6, rebalance: 2, 'lease-lost': 0, leave: 0 });
      textA = await scrape(a);
      expect(value(textA, 'herald_consumer_partitions_owned', labelsOf(a))).toBe(4);
      for (let p = 0; p < PARTITIONS; p++) expect(value(textA, 'herald_partition_owned', { ...labelsOf(a), partition: String(p) })).toBe(1);
      expect(samples(textA, 'herald_partition_lag').map((s) => s.labels['partition']).sort()).toEqual(['0', '1', '2', '3']);
      expectPromtoolClean(textA, 'a alone');
    } finally {
      gate.release();
      await b.service.app.close();
      await a.service.app.close();
    }
  }, 60_000);

  it('exports no partition series for a one-partition channel', async () => {
    const service = await openServiceApp('shop', loadBaseServiceConfig({ REDIS_URL: server.url, LOG_LEVEL: 'silent' }, [], { port: 0, roles: ['consumer'] }));
    try {
      const single = testChannel('shop.single.v1');
      const observation = consumerObservation(service.runtime, service.redis, single, { group, consumer: 'solo' });
      const consumer = createPartitionedConsumer(service.redis, single, { group, consumer: 'solo', config, handlers: { Ping: async () => {}, Pong: async () => {} }, onOutcome: observation.onOutcome });
      await service.app.register(consumerPlugin(observation, consumer));
      await service.app.ready();
      const text = (await service.app.inject('/metrics')).body;
      expect(value(text, 'herald_consumer_lag', { group, consumer: 'solo', channel: 'shop.single.v1' })).toBe(0);
      for (const name of ['herald_consumer_partitions_owned', 'herald_partition_owned', 'herald_partition_lag', 'herald_partition_pending', 'herald_consumer_rebalances_total']) {
        expect(samples(text, name), name).toEqual([]);
      }
    } finally {
      await service.app.close();
    }
  });
});
