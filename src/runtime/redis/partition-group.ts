// Group membership over a partitioned channel, Kafka's consumer group in Redis: the instances of one
// group share the channel's partitions, each partition has at most one owner at a time under a lease,
// and joins, leaves and deaths rebalance. It never reads or acks a stream entry: it only says which
// partitions this member owns, through onAssign/onRevoke, and the caller reads them.
//
// Protocol (every step a single-key command, so it works on Redis Cluster without scripts):
// - Heartbeat: every member `ZADD members <now+sessionTimeout> <member>` each tick and drops expired
//   members (ZREMRANGEBYSCORE). The live members, sorted by name, are the group view.
// - Assignment: partition p goes to live[p mod n], a pure function of the view (round-robin), so every
//   member computes the same target without a leader.
// - Ownership: a member owns p only while it holds `lease(p)` (`SET NX PX leaseTtl`, renewed each tick by
//   PEXPIRE after checking the value is its own). A target partition is acquired only when the lease is
//   free, so a new owner waits for the old one to finish and release (join/leave) or for the lease to
//   expire (death): never two owners.
// - Fencing: a member whose last successful renewal is older than `leaseTtl - safetyMarginMs` treats all
//   its leases as lost before doing anything else (a slow member never keeps reading behind another).
import { setTimeout as sleep } from 'node:timers/promises';
import { HeraldError } from '../core/errors.ts';
import { silentLogger, type RuntimeLogger } from '../core/logger.ts';
import type { RedisConnection } from './connection.ts';
import { groupMembersKey, partitionLeaseKey } from './stream-names.ts';

/**
 * How long a member stays in the group without a heartbeat, and how long a lease lives unrenewed.
 * 10 s, Kafka's `session.timeout.ms` default before 3.0: a dead instance's partitions move after at most
 * this plus one heartbeat, while a GC pause or a slow Redis reply of a few seconds costs nothing.
 */
export const DEFAULT_SESSION_TIMEOUT_MS = 10_000;
/** Heartbeat interval: a third of the session timeout (Kafka's rule), so two lost beats are survived. */
export const DEFAULT_HEARTBEAT_MS = Math.round(DEFAULT_SESSION_TIMEOUT_MS / 3);
/** Margin for clock rate differences and reply latency: a lease is treated as lost this much before it expires. */
export const DEFAULT_SAFETY_MARGIN_MS = 1_000;

export interface PartitionGroupOptions {
  /** The channel's stream address (partition keys derive from it). */
  channel: string;
  group: string;
  /** This instance's name; stable across restarts, unique in the group. */
  member: string;
  partitions: number;
  sessionTimeoutMs?: number;
  heartbeatMs?: number;
  safetyMarginMs?: number;
  /** Called when this member starts to own a partition. Must not throw. */
  onAssign(partition: number): Promise<void> | void;
  /** Called when it must stop: finish in-flight work and ack before resolving. Must not throw. */
  onRevoke(partition: number, reason: RevokeReason): Promise<void> | void;
  logger?: RuntimeLogger;
  /** Clock; tests may pass their own. */
  now?: () => number;
}

export type RevokeReason = 'rebalance' | 'lease-lost' | 'leave';

export interface PartitionGroup {
  start(): Promise<void>;
  /** Leaves the group: revokes every partition (callers drain), releases the leases, removes the member. */
  stop(): Promise<void>;
  /** Partitions this member owns now, ascending. */
  owned(): number[];
  /** Runs one heartbeat and rebalance step now (tests and `herald inspect` use it). */
  tick(): Promise<void>;
}

export interface GroupOwnership {
  members: { member: string; expiresInMs: number }[];
  /** Owner per partition; absent = no owner right now (a move is under way). */
  owners: (string | undefined)[];
}

/** Round-robin target of a view: partition p to members[p mod n], members sorted by name. */
export function assignPartitions(members: string[], partitions: number): Map<string, number[]> {
  const sorted = [...members].sort();
  const plan = new Map<string, number[]>(sorted.map((m) => [m, []]));
  if (sorted.length === 0) return plan;
  for (let p = 0; p < partitions; p++) plan.get(sorted[p % sorted.length]!)!.push(p);
  return plan;
}

export function createPartitionGroup(redis: Pick<RedisConnection, 'sendCommand'>, options: PartitionGroupOptions): PartitionGroup {
  const sessionTimeoutMs = options.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS;
  const heartbeatMs = options.heartbeatMs ?? Math.round(sessionTimeoutMs / 3);
  const safetyMarginMs = options.safetyMarginMs ?? Math.min(DEFAULT_SAFETY_MARGIN_MS, Math.round(sessionTimeoutMs / 5));
  if (heartbeatMs * 2 + safetyMarginMs >= sessionTimeoutMs) {
    throw new HeraldError('HERALD_ERR_CONFIG', `heartbeatMs (${heartbeatMs}) must be under (sessionTimeoutMs - safetyMarginMs) / 2 so one missed beat keeps the leases`);
  }
  const now = options.now ?? Date.now;
  const logger = options.logger ?? silentLogger;
  const { channel, group, member, partitions } = options;
  const membersKey = groupMembersKey(channel, group);
  const owned = new Map<number, { renewedAt: number }>();
  let running = false;
  let stopping = new AbortController();
  let loop: Promise<void> | undefined;
  let ticking: Promise<void> = Promise.resolve();

  const send = (args: string[]) => redis.sendCommand(args) as Promise<unknown>;
  const str = (value: unknown) => (value === null || value === undefined ? undefined : String(value));

  const revoke = async (p: number, reason: RevokeReason, release: boolean) => {
    const lease = owned.get(p);
    owned.delete(p);
    await options.onRevoke(p, reason);
    // Release only a lease that is surely still ours (renewed recently enough): DEL of an expired lease
    // that another member took meanwhile would give that partition two owners.
    if (release && lease && now() - lease.renewedAt < sessionTimeoutMs - safetyMarginMs) {
      if (str(await send(['GET', partitionLeaseKey(channel, group, p)])) === member) await send(['DEL', partitionLeaseKey(channel, group, p)]);
    }
    logger.info({ channel, group, member, partition: p, reason }, 'partition revoked');
  };

  const step = async () => {
    // Fencing first: leases not renewed in time are gone, whatever Redis says next.
    for (const [p, lease] of [...owned]) {
      if (now() - lease.renewedAt >= sessionTimeoutMs - safetyMarginMs) await revoke(p, 'lease-lost', false);
    }
    const at = now();
    await send(['ZADD', membersKey, String(at + sessionTimeoutMs), member]);
    await send(['ZREMRANGEBYSCORE', membersKey, '-inf', `(${at}`]);
    const live = ((await send(['ZRANGE', membersKey, '0', '-1'])) as unknown[]).map(String);
    const target = new Set(assignPartitions(live.includes(member) ? live : [...live, member], partitions).get(member) ?? []);
    for (const p of [...owned.keys()]) {
      if (!target.has(p)) {
        await revoke(p, 'rebalance', true);
        continue;
      }
      const key = partitionLeaseKey(channel, group, p);
      const renewStart = now();
      if (str(await send(['GET', key])) === member && Number(await send(['PEXPIRE', key, String(sessionTimeoutMs)])) === 1) {
        owned.set(p, { renewedAt: renewStart });
      } else {
        await revoke(p, 'lease-lost', false);
      }
    }
    for (const p of target) {
      if (owned.has(p)) continue;
      const acquiredAt = now();
      const reply = str(await send(['SET', partitionLeaseKey(channel, group, p), member, 'NX', 'PX', String(sessionTimeoutMs)]));
      // An own lease left by a previous run of this member (crash, restart with the same name) is ours too.
      const mine = reply === 'OK' || str(await send(['GET', partitionLeaseKey(channel, group, p)])) === member;
      if (!mine) continue;
      if (reply !== 'OK') await send(['PEXPIRE', partitionLeaseKey(channel, group, p), String(sessionTimeoutMs)]);
      owned.set(p, { renewedAt: acquiredAt });
      logger.info({ channel, group, member, partition: p }, 'partition assigned');
      await options.onAssign(p);
    }
  };

  const tick = () => {
    ticking = ticking.then(step, step);
    return ticking;
  };

  return {
    async start() {
      if (running) return;
      running = true;
      stopping = new AbortController();
      await tick();
      loop = (async () => {
        while (running) {
          await sleep(heartbeatMs, undefined, { signal: stopping.signal }).catch(() => {});
          if (!running) break;
          await tick().catch((error: unknown) => logger.warn({ channel, group, member, err: String(error) }, 'group heartbeat failed; retrying'));
        }
      })();
    },
    async stop() {
      // Also after manual ticks without start(): leaving always drains and releases what is owned.
      running = false;
      stopping.abort();
      await loop;
      await ticking.catch(() => {});
      for (const p of [...owned.keys()]) await revoke(p, 'leave', true).catch(() => {});
      await send(['ZREM', membersKey, member]).catch(() => {});
    },
    owned: () => [...owned.keys()].sort((a, b) => a - b),
    tick,
  };
}

/** Who is in the group and who owns what, for `herald inspect` and metrics. */
export async function readGroupOwnership(redis: Pick<RedisConnection, 'sendCommand'>, channel: string, group: string, partitions: number, at = Date.now()): Promise<GroupOwnership> {
  // RESP3 answers WITHSCORES as [member, score] pairs, RESP2 as one flat list: accept both.
  const flat = ((await redis.sendCommand(['ZRANGE', groupMembersKey(channel, group), '0', '-1', 'WITHSCORES'])) as unknown[]).flat().map(String);
  const members: GroupOwnership['members'] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const expiresInMs = Number(flat[i + 1]) - at;
    if (expiresInMs > 0) members.push({ member: flat[i]!, expiresInMs });
  }
  // The set is ordered by heartbeat expiry, which changes with every heartbeat; the group's view (and
  // `herald inspect`) lists members by name, as the assignment does.
  members.sort((a, b) => (a.member < b.member ? -1 : a.member > b.member ? 1 : 0));
  const owners: (string | undefined)[] = [];
  for (let p = 0; p < partitions; p++) {
    const owner = await redis.sendCommand(['GET', partitionLeaseKey(channel, group, p)]);
    owners.push(owner === null || owner === undefined ? undefined : String(owner));
  }
  return { members, owners };
}
