// The strict `dataschema` check: a consumer accepts an event only when its fingerprint is one its code
// was generated with, or a registered version of that type (the schema registry in Redis, written by
// `herald schemas publish`). Anything else is dead-lettered as `unknown-schema`. Transport-free: the
// registry is reached through a lookup function (redis/schema-registry.ts). It never decodes `data`
// and never writes.
import { DeadLetterError } from './errors.ts';
import type { ChannelDefinition, Middleware } from './types.ts';

/** Type and fingerprint named by a `dataschema` (`herald:<type>#sha256-<16 hex>`), or undefined. */
export function parseDataschema(dataschema: string): { type: string; fingerprint: string } | undefined {
  const match = /^herald:([A-Za-z_][\w.]*)#sha256-([0-9a-f]{16})$/.exec(dataschema);
  return match ? { type: match[1]!, fingerprint: match[2]! } : undefined;
}

/**
 * `registered` (default): the generated fingerprint of the type, or one the registry knows.
 * `any`: any well-formed fingerprint of a type the channel carries (the envelope check alone); for a
 * consumer that must read entries written before the registry was published.
 */
export type SchemaPolicy = 'registered' | 'any';

/**
 * Strict by default: a fingerprint nobody released means a producer built from a schema that never
 * passed the gates, and decoding it with ours may silently misread fields.
 */
export const DEFAULT_SCHEMA_POLICY: SchemaPolicy = 'registered';

/** Is `fingerprint` a registered version of `type`? A rejection (Redis down, no permission) means "retry later". */
export type SchemaLookup = (type: string, fingerprint: string) => Promise<boolean>;

/**
 * Middleware that checks each event's `dataschema` before the handler runs. Known fingerprints (the
 * generated ones, and registered ones once seen) cost one Set lookup; an unseen one costs one registry
 * lookup, remembered when it is registered. A registry that cannot be read fails the delivery (retried),
 * never dead-letters it.
 */
export function schemaCheck(channel: ChannelDefinition, lookup: SchemaLookup, policy: SchemaPolicy = DEFAULT_SCHEMA_POLICY): Middleware {
  if (policy === 'any') return (next) => next;
  const known = new Set(Object.values(channel.messages).map((m) => m.dataschema));
  const generated = new Map(Object.values(channel.messages).map((m) => [m.type, m.dataschema]));
  const verify = async (dataschema: string): Promise<void> => {
    const named = parseDataschema(dataschema);
    if (!named) throw new DeadLetterError('unknown-schema', `dataschema "${dataschema}" is not a Herald schema`, { dataschema });
    if (!(await lookup(named.type, named.fingerprint))) {
      throw new DeadLetterError(
        'unknown-schema',
        `dataschema "${dataschema}" is neither the schema this consumer was generated with (${generated.get(named.type) ?? 'none'}) nor a registered version of ${named.type}`,
        { dataschema, type: named.type },
      );
    }
    known.add(dataschema);
  };
  return (next) => (event) => {
    const dataschema = event.envelope.dataschema;
    if (known.has(dataschema)) return next(event);
    return verify(dataschema).then(() => next(event));
  };
}

/**
 * The same rule for a replay (rebuilding a projection from the stream): keeps the events whose
 * `dataschema` the live consumer would accept, so a rebuild never applies what the consumer dead-lettered.
 * Verdicts are remembered for the run; a registry that cannot be read fails the replay.
 */
export function schemaFilter(channel: ChannelDefinition, lookup: SchemaLookup, policy: SchemaPolicy = DEFAULT_SCHEMA_POLICY) {
  const verdicts = new Map<string, boolean>(Object.values(channel.messages).map((m) => [m.dataschema, true]));
  const accepts = async (dataschema: string): Promise<boolean> => {
    let verdict = verdicts.get(dataschema);
    if (verdict === undefined) {
      const named = parseDataschema(dataschema);
      verdict = named ? await lookup(named.type, named.fingerprint) : false;
      verdicts.set(dataschema, verdict);
    }
    return verdict;
  };
  return async <E extends { envelope: { dataschema: string } }>(events: E[]): Promise<E[]> => {
    if (policy === 'any') return events;
    // The common case (every event of a known schema) costs one Map lookup per event and no await.
    if (events.every((event) => verdicts.get(event.envelope.dataschema) === true)) return events;
    const kept: E[] = [];
    for (const event of events) if (await accepts(event.envelope.dataschema)) kept.push(event);
    return kept;
  };
}
