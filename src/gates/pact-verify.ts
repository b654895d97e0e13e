// Child process of the pact gate: verifies one provider's pacts with MessageProviderPact. Each message
// is built by the producer's real code and encoded by the runtime's own encodeMessage (or taken as the
// stream fields the service writes), then read back as a consumer reads the stream: the envelope
// attributes become Pact metadata, `data` is decoded by the codec `type` names and shown as proto3 JSON.
// It prints Pact's report and exits 0/1; the last line is machine-readable for the gate.
import { MessageProviderPact } from '@pact-foundation/pact';
import { pathToFileURL } from 'node:url';
import { messageByName, messageByType } from '../runtime/core/channel.ts';
import { encodeMessage, encodedEventToFields, toFieldMap } from '../runtime/core/envelope.ts';
import type { ChannelDefinition, JsonValue, MessageDefinition, WireValue as RedisValue } from '../runtime/core/types.ts';
import type { MessageProviders, PublishedMessage } from './pact.ts';

const { providersModule, provider, pactUrls, expectedTypes } = JSON.parse(process.argv[2] ?? '{}') as {
  providersModule: string; provider: string; pactUrls: string[]; expectedTypes: Record<string, string>;
};
process.env.PACT_DO_NOT_TRACK = 'true';

/** The last stdout line is machine-readable for the gate; everything above is Pact's own report. */
const resultMarker = 'HERALD_PACT_RESULT ';

/** Verification cannot start: say why in one line the gate shows as it is (never a stack's tail). */
function fatal(message: string): never {
  console.log(`${resultMarker}${JSON.stringify({ ok: false, errors: [], providerErrors: [], fatal: message })}`);
  process.exit(1);
}

let loaded: { messageProviders?: MessageProviders };
try {
  loaded = (await import(pathToFileURL(providersModule).href)) as { messageProviders?: MessageProviders };
} catch (error) {
  fatal(`cannot load the message providers module ${providersModule}: ${error instanceof Error ? error.message : String(error)}`);
}
const builders = loaded.messageProviders?.[provider];
if (!builders) fatal(`no message providers for "${provider}" in ${providersModule} (export const messageProviders = { '${provider}': { ... } })`);

/** Builder crashes, unencodable messages and unreadable entries, by interaction: Pact only sees an empty answer, people need the reason. */
const providerErrors: { description: string; message: string; kind: 'threw' | 'unencodable' | 'unreadable' }[] = [];

/** The stream entry the producer's real path writes for one built message. */
function streamFields(published: PublishedMessage): { fields: RedisValue[] | Record<string, RedisValue>; channel?: ChannelDefinition; definition?: MessageDefinition<any> } {
  if ('fields' in published) return { fields: published.fields, channel: published.channel };
  if ('event' in published) {
    const definition = messageByName(published.channel, published.event.name);
    return { fields: encodedEventToFields(encodeMessage(definition, published.source, published.event.data, published.event.options)), channel: published.channel, definition };
  }
  // A bare message and payload: the runtime's envelope with a placeholder source.
  return { fields: encodedEventToFields(encodeMessage(published.message, provider, published.data)), definition: published.message };
}

const messageProviders = Object.fromEntries(
  Object.entries(builders).map(([description, build]) => [
    description,
    async () => {
      let published: PublishedMessage;
      try {
        published = await build();
      } catch (error) {
        providerErrors.push({ description, kind: 'threw', message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
        throw error;
      }
      let entry: ReturnType<typeof streamFields>;
      try {
        entry = streamFields(published);
      } catch (error) {
        // A message that cannot be encoded (a field left undefined by untyped code) is named, not shown
        // to Pact as an empty message that is "missing" every key.
        const type = 'event' in published ? `${published.event.name} of ${published.channel.address}` : 'message' in published ? published.message.type : 'entry';
        providerErrors.push({ description, kind: 'unencodable', message: `encoding its ${type} failed: ${error instanceof Error ? error.message : String(error)}` });
        throw error;
      }
      const { fields, channel, definition } = entry;
      const map = toFieldMap(fields);
      const metadata: Record<string, string> = { contentType: 'application/json' };
      for (const [key, value] of map) if (key !== 'data') metadata[key] = typeof value === 'string' ? value : value.toString('utf8');
      // Decode as a consumer would: by the `type` the entry carries; without one, by the type the pact expects.
      const type = metadata.type ?? expectedTypes[description];
      const codecOf = (channel && type ? messageByType(channel, type) : undefined) ?? (definition && (!type || definition.type === type) ? definition : undefined);
      const data = map.get('data');
      if (!codecOf || data === undefined) {
        const message = data === undefined ? 'the entry has no data field' : `type "${type ?? '(none)'}" is not a message of the channel`;
        providerErrors.push({ description, kind: 'unreadable', message });
        throw new Error(message);
      }
      const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      return { __pactMessageMetadata: metadata, message: codecOf.codec.toJSON(codecOf.codec.decode(bytes)) as JsonValue };
    },
  ]),
);

try {
  await new MessageProviderPact({ provider, pactUrls, messageProviders, logLevel: 'error' }).verify();
  console.log(`${resultMarker}${JSON.stringify({ ok: true, errors: [], providerErrors })}`);
  process.exit(0);
} catch (error) {
  const text = error instanceof Error ? error.message : String(error);
  let errors: unknown = [];
  try {
    // pact-core rejects with its JSON verification result: interactions and their mismatches.
    errors = (JSON.parse(text) as { errors?: unknown }).errors ?? [];
  } catch {
    errors = [{ interaction: '', mismatch: { mismatches: [{ type: 'Error', mismatch: text }] } }];
  }
  console.log(`${resultMarker}${JSON.stringify({ ok: false, errors, providerErrors })}`);
  process.exit(1);
}
