// Shared by the Pact consumer tests: turns the message Pact hands a consumer (proto3 JSON body plus
// `type`/`dataschema` metadata) into the ReceivedEvent the real handlers take, and publishes each
// consumer's pact file into pacts/ atomically. It never invents fields the pact does not carry.
import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdtempSync, renameSync, rmSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { JsonValue, MessageDefinition, ReceivedEvent } from 'herald/runtime';

export const pactDir = path.resolve(import.meta.dirname, '../pacts');

/** A matcher for `dataschema`: the message's full name and any 16-hex fingerprint. */
export function dataschemaPattern(message: MessageDefinition<unknown>): string {
  return `^herald:${message.type.replace(/\./g, '\\.')}#sha256-[0-9a-f]{16}$`;
}

/** The decoded event a handler would receive from the stream, built from the pact's message. */
export function receivedFromPact<T>(
  message: MessageDefinition<T>,
  pactMessage: { contents: { content: unknown }; metadata?: Record<string, unknown> },
  channel: string,
): ReceivedEvent<T> {
  const metadata = pactMessage.metadata ?? {};
  if (metadata.type !== message.type) throw new Error(`pact metadata type ${String(metadata.type)} is not ${message.type}`);
  const data = message.codec.fromJSON(pactMessage.contents.content as JsonValue);
  return {
    envelope: {
      specversion: '1.0',
      id: randomUUID(),
      source: 'pact',
      type: String(metadata.type),
      time: new Date().toISOString(),
      datacontenttype: 'application/protobuf',
      dataschema: String(metadata.dataschema),
    },
    data,
    name: message.name,
    channel,
    streamId: '0-1',
    deliveryCount: 1,
  };
}

/**
 * Pact merges interactions into an existing file, so each consumer test writes into a fresh temp
 * dir and the result replaces pacts/<file> in one rename (readers never see a half-written pact).
 */
export function stagedPactDir(): { dir: string; publish(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'herald-pact-'));
  return {
    dir,
    publish() {
      for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
        const staged = path.join(pactDir, `.${file}.${process.pid}.tmp`);
        copyFileSync(path.join(dir, file), staged);
        renameSync(staged, path.join(pactDir, file));
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
