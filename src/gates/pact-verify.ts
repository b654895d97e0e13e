// Child process of the pact gate: verifies one provider's pacts with MessageProviderPact, building
// each message with the producer's real code, encoded to protobuf and decoded back (what travels),
// as proto3 JSON with `type` and `dataschema` metadata. It prints Pact's report and exits 0/1.
import { MessageProviderPact } from '@pact-foundation/pact';
import { pathToFileURL } from 'node:url';
import type { MessageProviders } from './pact.ts';

const { providersModule, provider, pactUrls } = JSON.parse(process.argv[2] ?? '{}') as { providersModule: string; provider: string; pactUrls: string[] };
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

/** Builder crashes, by interaction: Pact only sees an empty answer, people need the reason. */
const providerErrors: { description: string; message: string }[] = [];

const messageProviders = Object.fromEntries(
  Object.entries(builders).map(([description, build]) => [
    description,
    async () => {
      const built = await Promise.resolve()
        .then(build)
        .catch((error: unknown) => {
          providerErrors.push({ description, message: error instanceof Error ? error.message : String(error) });
          throw error;
        });
      const { message, data } = built;
      try {
        const wire = message.codec.encode(data).finish();
        const decoded = message.codec.decode(wire);
        return {
          __pactMessageMetadata: { contentType: 'application/json', type: message.type, dataschema: message.dataschema },
          message: message.codec.toJSON(decoded),
        };
      } catch (error) {
        // A builder whose result cannot be encoded (a field left undefined) must be named, not shown
        // to Pact as an empty message that is "missing" every key.
        providerErrors.push({ description, message: `encoding its ${message.type} failed: ${error instanceof Error ? error.message : String(error)}` });
        throw error;
      }
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
