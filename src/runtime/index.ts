// herald/runtime: everything generated code and services need to talk over Redis Streams: the
// transport-free core (herald/runtime/core) plus the Redis Streams transport (./redis/).
// It knows no concrete event; generated code supplies the channels and codecs.
export * from './core/index.ts';
export { connectRedis, duplicateConnection, closeConnection, type RedisConnection, type RedisValue, type ConnectOptions } from './redis/connection.ts';
export { streamKey, deadLetterKey, deadLetterKey as deadLetterStream, isDeadLetterKey, streamOfDeadLetterKey, outboxKey, groupName, DEAD_LETTER_SUFFIX } from './redis/stream-names.ts';
export { createProducer, producerDefaults } from './redis/producer.ts';
export { createConsumer } from './redis/consumer.ts';
export { createMemoryTransport, type MemoryTransport } from './memory/transport.ts';
export type { ServiceOptions } from './redis/service-options.ts';
export { schemaTextKey, schemaReleasesKey, schemaRegistryPrefix } from './redis/schema-registry-keys.ts';
export { redisSchemaLookup, readRegisteredSchema, publishSchemas, type RegisteredSchema } from './redis/schema-registry.ts';
export { groupLag, type GroupLag } from './redis/lag.ts';
export { replayChannel, type ReplayOptions, type ReplayResult } from './redis/replay.ts';
export { trimSafely } from './redis/retention.ts';
export { idempotency } from './redis/idempotency.ts';
export { parseEntries, parseGroups, type StreamEntry, type GroupInfo } from './redis/replies.ts';
// Redis Functions and the outbox/inbox patterns built on them (installed by `herald redis setup`).
export { assertLibraryInstalled, fcall, functionPrelude, libraryFingerprint, librarySource, loadFunctionLibraries, runtimeLibrary, waitForStreamReplicas, type FunctionLibrary, type FcallOptions, type WaitForReplicas } from './redis/functions.ts';
export { fcallWithOutbox, outboxChannelField, outboxEntry, type OutboxCall } from './redis/outbox.ts';
export { defaultInboxWindow } from './redis/inbox.ts';
export { parkedStream } from './redis/stream-names.ts';
export { createOutboxRelay, DEFAULT_RELAY_BATCH, type OutboxRelay, type OutboxRelayOptions, type ParkReason, type RelayStatus } from './redis/outbox-relay.ts';
export { partitionStreamKey, partitionTag, partitionLeaseKey, groupMembersKey, channelStreamKeys, serviceKeyLayout, layoutPartitions, servicePartitionKey, partitionOutboxKey, layoutOutboxKeys, type ServiceKeyLayout } from './redis/stream-names.ts';
export { createPartitionGroup, readGroupOwnership, assignPartitions, type PartitionGroup, type GroupOwnership, type RevokeReason } from './redis/partition-group.ts';
export { createPartitionedConsumer, type PartitionedConsumer, type PartitionedConsumerOptions, type PartitionChange } from './redis/partitioned-consumer.ts';
export { connectRedisCluster, isClusterConnection, keySlot, sendToEveryMaster, type ClusterConnectOptions } from './redis/cluster-connection.ts';
