// A consumer-group reader of one channel, assembled from named stages: read (XREADGROUP with read-ahead
// and overlapped ack, read-stage.ts), claim (own pending at start, idle entries every interval,
// claim-stage.ts), lanes (per-subject order, core/subject-lanes.ts) and handle (decode, delivery rules
// as middleware, outcome, core/handle-stage.ts). It never acks an entry that was not handled or dead-lettered.
import { setTimeout as sleep } from 'node:timers/promises';
import { createHandleStage, errorText, type ReadEntry } from '../core/handle-stage.ts';
import { silentLogger, type RuntimeLogger } from '../core/logger.ts';
import { schemaCheck, type SchemaPolicy } from '../core/schema-check.ts';
import { createSubjectLanes } from '../core/subject-lanes.ts';
import type { Consumer, ConsumerOptions } from '../core/transport.ts';
import type { ChannelDefinition, Handler } from '../core/types.ts';
import { createClaimStage, type RunBatch } from './claim-stage.ts';
import { closeConnection, duplicateConnection, type RedisConnection } from './connection.ts';
import { resolveConsumerConfig } from '../core/consumer-config.ts';
import { deadLetter, type DeadLetterTarget } from './dead-letter.ts';
import { HeraldError } from '../core/errors.ts';
import { parseGroups } from './replies.ts';
import { groupLag, type LagMemory } from './lag.ts';
import { createReadStage, type ReadStage } from './read-stage.ts';
import { redisSchemaLookup } from './schema-registry.ts';
import { deadLetterKey, streamKey } from './stream-names.ts';

export type { Consumer, ConsumerOptions } from '../core/transport.ts';

export function createConsumer<C extends ChannelDefinition>(redis: RedisConnection, channel: C, options: ConsumerOptions<C>): Consumer<C> {
  const config = resolveConsumerConfig(options.config);
  const logger = options.logger ?? silentLogger;
  const stream = streamKey(channel);
  const { group, consumer } = options;
  const target: DeadLetterTarget = { stream, deadLetterStream: deadLetterKey(channel), group, consumer };
  const lagMemory: LagMemory = new Map();
  let reclaimed = 0;
  let running = false;
  let stopping = new AbortController();
  let reader: RedisConnection | undefined;
  let loop: Promise<void> | undefined;

  const handleStage = createHandleStage({
    channel, stream, config, logger,
    handlers: options.handlers as Record<string, Handler<any>>,
    middleware: [schemaCheck(channel, redisSchemaLookup(redis), options.schemas), ...(options.middleware ?? [])],
    signal: () => stopping.signal,
    deadLetter: (entry, letter) => deadLetter(redis, target, entry, letter),
  });
  const lanes = createSubjectLanes<ReadEntry>(handleStage.handle, config.concurrency, (id, key) => ({ id, flat: null, fields: null, key }), config.maxHeldEntries);
  const claimStage = createClaimStage({ redis, stream, group, consumer, batchSize: config.batchSize, minIdleMs: config.minIdleMs, lanes, logger, isRunning: () => running });

  const ensureGroup = async (): Promise<void> => {
    try {
      await redis.sendCommand(['XGROUP', 'CREATE', stream, group, config.startId, 'MKSTREAM']);
    } catch (error) {
      if (String(error).includes('BUSYGROUP')) return;
      // Service users may not create groups (only the deployer does): fine if it exists already.
      if (!String(error).includes('NOPERM')) throw error;
      const groups = parseGroups(await redis.sendCommand(['XINFO', 'GROUPS', stream]).catch(() => []));
      if (groups.some((g) => g.name === group)) return;
      throw new HeraldError('HERALD_ERR_CONFIG', `consumer group ${group} on ${stream} does not exist and this Redis user may not create it; the deployer creates groups (herald dev does, see docs/reliability.md)`, { stream, group });
    }
  };

  /** Handles a batch through the lanes and acks what they acked, waiting for the XACK (cold paths). */
  const runAndAck: RunBatch = async (entries, counts, due) => {
    const acked = await lanes.run(entries, counts, due);
    if (acked.length > 0) await redis.sendCommand(['XACK', stream, group, ...acked]);
  };

  const run = async (read: ReadStage): Promise<void> => {
    let lastClaim = 0;
    let ownDrained = false;
    // Handles a batch; its XACK travels while the next read waits, and settles before the next batch.
    const handleAndAck = async (entries: ReadEntry[]): Promise<void> => {
      await read.settleAck();
      read.ack(await lanes.run(entries, undefined));
    };
    while (running) {
      try {
        if (!ownDrained) {
          await claimStage.drainOwnPending(runAndAck);
          ownDrained = true;
        }
        if (Date.now() - lastClaim >= config.claimIntervalMs) {
          // The pass must see only entries whose outcome is settled: the batch read ahead is handled
          // and every XACK lands first, or they would look pending and unhandled.
          if (read.hasReadAhead) await handleAndAck(await read.next());
          await read.settleAck();
          const pass = await claimStage.pass(runAndAck);
          reclaimed += pass.claimed;
          // Held entries no longer pending here were taken over by another consumer: no longer ours to show.
          if (pass.pendingIds) for (const id of handleStage.held) if (!pass.pendingIds.has(id)) handleStage.held.delete(id);
          lastClaim = Date.now();
        }
        const entries = await read.next();
        // A batch read ahead is always handled, even after stop(): nothing is left delivered but unhandled.
        if (running && entries.length > 0) read.readAhead();
        await handleAndAck(entries);
      } catch (error) {
        if (!running) break;
        if (String(error).includes('NOGROUP')) await ensureGroup().catch(() => {});
        logger.error({ stream, group, err: errorText(error) }, 'consumer loop error; retrying');
        await sleep(config.loopErrorBackoffMs, undefined, { signal: stopping.signal }).catch(() => {});
      }
    }
    if (read.hasReadAhead) await read.next().then(handleAndAck).catch((error) => logger.error({ stream, group, err: errorText(error) }, 'last batch failed; its entries stay pending'));
    await read.settleAck().catch((error) => logger.error({ stream, group, err: errorText(error) }, 'last XACK failed; its entries stay pending'));
  };

  return {
    channel,
    async start() {
      if (running) return;
      await ensureGroup();
      reader = await duplicateConnection(redis, `${group}:${consumer}:reader`);
      stopping = new AbortController();
      running = true;
      loop = run(createReadStage({ reader, redis, stream, group, consumer, batchSize: config.batchSize, blockMs: config.blockMs, maxBatchBytes: config.maxBatchBytes }));
      logger.info({ stream, group, consumer }, 'consumer started');
    },
    async stop() {
      if (!running) return;
      running = false;
      // Back-offs end at once; the blocking read returns within blockMs; in-flight handlers finish and are acked.
      stopping.abort();
      await loop;
      if (reader) await closeConnection(reader).catch(() => reader?.destroy());
      reader = undefined;
      logger.info({ stream, group, consumer }, 'consumer stopped');
    },
    async stats() {
      const info = await groupLag(redis, stream, group, lagMemory).catch(() => undefined);
      const deadLetters = Number(await redis.sendCommand(['XLEN', target.deadLetterStream]).catch(() => 0));
      return {
        ...handleStage.counters, reclaimed, held: handleStage.held.size, lag: info?.lag ?? null, pending: info?.pending ?? 0, running,
        deadLetters, deadLetterAlarm: deadLetters >= config.deadLetterMaxLen,
      };
    },
  };
}
