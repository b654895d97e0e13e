// A small channel for runtime tests that do not depend on generated code: its codec is a real
// protobuf codec built by protobufjs reflection from a .proto text.
import protobuf from 'protobufjs';
import { defineChannel } from "../../src/runtime/core/channel.js";
const root = protobuf.parse(`
syntax = "proto3";
package herald.test.v1;
message Ping { string subject = 1; uint32 seq = 2; bytes blob = 3; }
message Pong { string subject = 1; string note = 2; }
`).root;
function reflectionCodec(name) {
    const type = root.lookupType(name);
    return {
        typeName: name,
        create: (init) => ({ ...type.toObject(type.create({}), { defaults: true }), ...init }),
        encode: (message, writer) => type.encode(type.fromObject(message), writer),
        decode: (input, length) => {
            const decoded = type.decode(input, length);
            return type.toObject(decoded, { defaults: true, bytes: Uint8Array });
        },
        toJSON: (message) => type.toObject(type.fromObject(message), { defaults: true, bytes: String }),
        fromJSON: (json) => type.toObject(type.fromObject(json), { defaults: true }),
    };
}
export const Ping = reflectionCodec('herald.test.v1.Ping');
export const Pong = reflectionCodec('herald.test.v1.Pong');
export function testChannel(address) {
    return defineChannel({
        id: 'test',
        address,
        messages: {
            Ping: { name: 'Ping', type: 'herald.test.v1.Ping', dataschema: 'herald:herald.test.v1.Ping#sha256-0123456789abcdef', codec: Ping },
            Pong: { name: 'Pong', type: 'herald.test.v1.Pong', dataschema: 'herald:herald.test.v1.Pong#sha256-fedcba9876543210', codec: Pong },
        },
    });
}
