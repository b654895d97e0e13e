// Publishes a service's outbox stream to its channel: read a batch, publishEncoded, then XDEL it.
// At-least-once by construction: a crash after publish and before XDEL republishes the same event id
// (consumers dedupe on it). It never re-encodes an event: the bytes committed by the command go out.
import { duplicateConnection, fieldsToEncodedEvent, type ChannelDefinition, type Producer, type RedisConnection } from 'herald/runtime';
import { text } from './lua-script.ts';

export interface OutboxRelayOptions {
  /** The outbox stream key, for example `catalog:outbox`. */
  outboxKey: string;
  producer: Producer<ChannelDefinition>;
  /** Entries per round trip (OUTBOX_BATCH). */
  batchSize: number;
  /** How long one XREAD waits for new entries; bounds shutdown latency. */
  blockMs?: number;
  /** Fault injection for tests only: pause between publish and XDEL, so a SIGKILL lands in that window. */
  ackDelayMs?: number;
  /** Told after each published batch: how many entries and how long the publish took (metrics, readiness). */
  onPublished?: (count: number, seconds: number) => void;
  logger?: { info(obj: object, msg?: string): void; error(obj: object, msg?: string): void };
}

export interface OutboxRelay {
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly running: boolean;
  /** Entries committed to the outbox but not yet published and removed. */
  backlog(): Promise<number>;
}

export function createOutboxRelay(redis: RedisConnection, options: OutboxRelayOptions): OutboxRelay {
  const blockMs = options.blockMs ?? 1000;
  const address = options.producer.channel.address;
  let reader: RedisConnection | undefined;
  let running = false;
  let loop: Promise<void> | undefined;

  async function runLoop(): Promise<void> {
    // Always start from the beginning: whatever is still in the outbox was not confirmed published.
    let lastId = '0-0';
    while (running) {
      try {
        const reply = await reader!.xRead({ key: options.outboxKey, id: lastId }, { COUNT: options.batchSize, BLOCK: blockMs });
        const messages = Array.isArray(reply) ? (reply[0] as { messages?: Array<{ id: unknown; message: Record<string, Buffer | string> }> } | undefined)?.messages ?? [] : [];
        if (messages.length === 0) continue;
        const ids = messages.map((m) => text(m.id));
        const started = performance.now();
        await options.producer.publishEncoded(messages.map((m) => fieldsToEncodedEvent(m.message)));
        const seconds = (performance.now() - started) / 1000;
        if (options.ackDelayMs) await new Promise((r) => setTimeout(r, options.ackDelayMs));
        await redis.sendCommand(['XDEL', options.outboxKey, ...ids]);
        lastId = ids[ids.length - 1]!;
        options.onPublished?.(ids.length, seconds);
      } catch (error) {
        if (!running) break;
        options.logger?.error({ err: error, outbox: options.outboxKey, channel: address }, 'outbox relay failed; retrying');
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  const relay: OutboxRelay = {
    get running() {
      return running;
    },
    async start() {
      if (running) return;
      reader = await duplicateConnection(redis, `${options.outboxKey}:relay`);
      running = true;
      loop = runLoop();
      options.logger?.info({ outbox: options.outboxKey, channel: address }, 'outbox relay started');
    },
    async stop() {
      if (!running) return;
      running = false;
      // The blocked XREAD holds only the reader connection; destroying it ends the wait at once.
      reader?.destroy();
      await loop;
      reader = undefined;
    },
    async backlog() {
      return Number(await redis.sendCommand(['XLEN', options.outboxKey]));
    },
  };
  return relay;
}
