// herald/runtime/core: the transport-free half of the runtime. Envelope (the wire format), codec
// helpers, channel definitions, handler middleware and errors. It never imports a Redis module, so
// generated codecs and codec-only users load no network client (core-imports.test.ts proves it).
export { Reader, Writer } from 'protobufjs/minimal.js';
export type * from './types.ts';
export * from './errors.ts';
export { defineChannel, messageByName, messageByType } from './channel.ts';
export { uuidv7, buildEnvelope, encodeMessage, encodedEventToFields, fieldsToEncodedEvent, type EncodedEvent } from './envelope.ts';
export { defaultMaxEventBytes, eventSize, assertEventSize } from './event-size.ts';
export { silentLogger, type RuntimeLogger } from './logger.ts';
export type { Consumer, ConsumerOptions, ConsumerOutcome, OutgoingEvent, Producer, ProducerOptions } from './transport.ts';
export { consumerDefaults, resolveConsumerConfig, validate as validateConsumerConfig, type ConsumerConfig } from './consumer-config.ts';
export { traceLogging, handlerMetrics, type HandlerObservation } from './middleware.ts';
export {
  MESSAGING_SYSTEM, consumerTracing, contextFromTraceHeaders, inSpan, parseTraceContext, traceHeadersOf, type ConsumerTracingOptions,
} from './telemetry.ts';
export { composeHandler, retry, waitWhenNotReady, deadLetterAfter, type BackoffOptions } from './reliability.ts';
export { createHandleStage, readEntry, type HandleStage, type HandleStageOptions, type HandleOutcome, type ReadEntry, type DeadLetter } from './handle-stage.ts';
export { partitionOf, MAX_PARTITIONS } from './partition.ts';
export { schemaCheck, schemaFilter, parseDataschema, DEFAULT_SCHEMA_POLICY, type SchemaPolicy, type SchemaLookup } from './schema-check.ts';
export { createSubjectLanes, type SubjectLanes, type Outcome } from './subject-lanes.ts';
// Helpers the generated codecs call (bigint <-> Long, base64, proto3 JSON readers).
export * from './codec-support.ts';
