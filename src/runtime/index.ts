// herald/runtime: everything generated code and services need to talk over Redis Streams.
// It knows no concrete event; generated code supplies the channels and codecs.
export { Reader, Writer } from 'protobufjs/minimal.js';
export type * from './types.ts';
export * from './errors.ts';
export { connectRedis, duplicateConnection, closeConnection, type RedisConnection, type RedisValue, type ConnectOptions } from './redis.ts';
export { defineChannel, messageByName, messageByType, deadLetterStream } from './channel.ts';
export { uuidv7, buildEnvelope, encodedEventToFields, fieldsToEncodedEvent, type EncodedEvent } from './envelope.ts';
export { createProducer, producerDefaults, type Producer, type ProducerOptions, type OutgoingEvent } from './producer.ts';
export { createConsumer, type Consumer, type ConsumerOptions, type ConsumerOutcome } from './consumer.ts';
export { consumerDefaults, silentLogger, type ConsumerConfig, type RuntimeLogger } from './consumer-config.ts';
export { replayChannel, type ReplayOptions, type ReplayResult } from './replay.ts';
export { trimSafely } from './retention.ts';
export { traceLogging, handlerMetrics, idempotency, type HandlerObservation } from './middleware.ts';
export {
  MESSAGING_SYSTEM, consumerTracing, contextFromTraceHeaders, inSpan, parseTraceContext, traceHeadersOf, type ConsumerTracingOptions,
} from './telemetry.ts';
export { parseEntries, parseGroups, type StreamEntry, type GroupInfo } from './stream-replies.ts';
// Helpers the generated codecs call (bigint <-> Long, base64, proto3 JSON readers).
export * from './codec-support.ts';
