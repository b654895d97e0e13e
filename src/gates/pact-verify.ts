// Child process of the pact gate: verifies one provider's pacts with MessageProviderPact, building
// each message with the producer's real code, encoded to protobuf and decoded back (what travels),
// as proto3 JSON with `type` and `dataschema` metadata. It prints Pact's report and exits 0/1.
import { MessageProviderPact } from '@pact-foundation/pact';
import { pathToFileURL } from 'node:url';
import type { MessageProviders } from './pact.ts';

const { providersModule, provider, pactUrls } = JSON.parse(process.argv[2] ?? '{}') as { providersModule: string; provider: string; pactUrls: string[] };
process.env.PACT_DO_NOT_TRACK = 'true';

const loaded = (await import(pathToFileURL(providersModule).href)) as { messageProviders?: MessageProviders };
const builders = loaded.messageProviders?.[provider];
if (!builders) {
  console.error(`No message providers for "${provider}" in ${providersModule} (export const messageProviders = { '${provider}': { ... } }).`);
  process.exit(2);
}

const messageProviders = Object.fromEntries(
  Object.entries(builders).map(([description, build]) => [
    description,
    async () => {
      const { message, data } = await build();
      const wire = message.codec.encode(data).finish();
      const decoded = message.codec.decode(wire);
      return {
        __pactMessageMetadata: { contentType: 'application/json', type: message.type, dataschema: message.dataschema },
        message: message.codec.toJSON(decoded),
      };
    },
  ]),
);

try {
  await new MessageProviderPact({ provider, pactUrls, messageProviders, logLevel: 'error' }).verify();
  process.exit(0);
} catch (error) {
  console.error(`verification failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
