// Options of a generated service facade (`createXService(redis, options)`), the one way into the
// generated SDK: passed through to every producer and consumer it builds. Types only.
import type { ChannelDefinition } from '../core/types.ts';
import type { ConsumerOptions } from './consumer.ts';
import type { ProducerOptions } from './producer.ts';

export interface ServiceOptions {
  /** Options of every producer of the service; `source` defaults to `herald/<service>`. */
  producer?: Partial<ProducerOptions>;
  /**
   * Defaults for every consumer of the service (config, middleware, logger, schemas, group, consumer);
   * the options of a `consumeX(...)` call win over them. The group defaults to the service name.
   */
  consumer?: Partial<Omit<ConsumerOptions<ChannelDefinition>, 'handlers'>>;
}
