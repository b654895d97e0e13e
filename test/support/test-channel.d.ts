import type { MessageCodec } from '../../src/runtime/core/types.ts';
export interface Ping {
    subject: string;
    seq: number;
    blob: Uint8Array;
}
export interface Pong {
    subject: string;
    note: string;
}
export declare const Ping: MessageCodec<Ping>;
export declare const Pong: MessageCodec<Pong>;
export declare function testChannel(address: string): import("../../src/runtime/core/types.ts").ChannelDefinition<{
    readonly Ping: {
        readonly name: "Ping";
        readonly type: "herald.test.v1.Ping";
        readonly dataschema: "herald:herald.test.v1.Ping#sha256-0123456789abcdef";
        readonly codec: MessageCodec<Ping>;
    };
    readonly Pong: {
        readonly name: "Pong";
        readonly type: "herald.test.v1.Pong";
        readonly dataschema: "herald:herald.test.v1.Pong#sha256-fedcba9876543210";
        readonly codec: MessageCodec<Pong>;
    };
}>;
