// A small channel for runtime tests that do not depend on generated code: its codec is a real
// protobuf codec built by protobufjs reflection from a .proto text.
import protobuf from 'protobufjs';
import { defineChannel } from '../../src/runtime/core/channel.ts';
import type { MessageCodec } from '../../src/runtime/core/types.ts';

const root = protobuf.parse(`
syntax = "proto3";
package herald.test.v1;
message Ping { string subject = 1; uint32 seq = 2; bytes blob = 3; }
message Pong { string subject = 1; string note = 2; }
`).root;

export interface Ping { subject: string; seq: number; blob: Uint8Array }
export interface Pong { subject: string; note: string }

function reflectionCodec<T extends object>(name: string): MessageCodec<T> {
  const type = root.lookupType(name);
  return {
    typeName: name,
    create: (init) => ({ ...(type.toObject(type.create({}), { defaults: true }) as T), ...(init as object) }) as T,
    encode: (message, writer) => type.encode(type.fromObject(message as object), writer),
    decode: (input, length) => {
      const decoded = type.decode(input as Uint8Array, length);
      return type.toObject(decoded, { defaults: true, bytes: Uint8Array as unknown as StringConstructor }) as T;
    },
    toJSON: (message) => type.toObject(type.fromObject(message as object), { defaults: true, bytes: String }) as never,
    fromJSON: (json) => type.toObject(type.fromObject(json as object), { defaults: true }) as T,
  };
}

export const Ping = reflectionCodec<Ping>('herald.test.v1.Ping');
export const Pong = reflectionCodec<Pong>('herald.test.v1.Pong');

export function testChannel(address: string) {
  return defineChannel({
    id: 'test',
    address,
    messages: {
      Ping: { name: 'Ping', type: 'herald.test.v1.Ping', dataschema: 'herald:herald.test.v1.Ping#sha256-0123456789abcdef', codec: Ping },
      Pong: { name: 'Pong', type: 'herald.test.v1.Pong', dataschema: 'herald:herald.test.v1.Pong#sha256-fedcba9876543210', codec: Pong },
    },
  });
}
