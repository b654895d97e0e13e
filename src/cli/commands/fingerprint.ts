// `herald fingerprint [<type>]`: each message's `dataschema` fingerprint, and with --text the exact
// bytes it is the SHA-256 of (the canonical schema text, see docs/codegen.md). Reads the contract only.
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadContract, type ContractMessage } from '../../codegen/contract.ts';
import { contractError, hasErrors } from '../../codegen/diagnostics.ts';
import { parseCommandArgs, UsageError } from '../args.ts';
import { requireContractFile } from '../contract-precheck.ts';
import type { CommandModule } from '../main.ts';

const usage = `Usage: herald fingerprint [<type>] [--text] [--json] [--spec asyncapi.yaml] [--proto proto] [--from-package]
  <type>          full protobuf name (herald.catalog.movie.v1.MovieCreated) or AsyncAPI message name (MovieCreated)
  --text          print the canonical schema text that is hashed, byte for byte (needs <type>)
  --json          print [{ message, type, fingerprint, dataschema }] as JSON
  --from-package  use the contract bundled in the installed herald package
The fingerprint is the first 16 hex digits of the SHA-256 of the UTF-8 bytes of that text;
generated/contract/schemas/<type>.proto holds the same bytes.
Exit codes: 0 printed, 1 an invalid contract, 2 bad usage (or an unknown type).`;

export const command: CommandModule = {
  summary: "Print each message's dataschema fingerprint (--text: the exact text it hashes)",
  usage,
  async run(args, ctx) {
    const { values, positionals } = parseCommandArgs(args, {
      text: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      spec: { type: 'string', default: 'asyncapi.yaml' },
      proto: { type: 'string', default: 'proto' },
      'from-package': { type: 'boolean', default: false },
    }, { positionals: true });
    if (positionals.length > 1) throw new UsageError(`give at most one message type, not ${positionals.length}`);
    if (values.text && positionals[0] === undefined) throw new UsageError('--text prints one schema: name the message type');
    if (!values['from-package']) requireContractFile({ root: ctx.cwd, spec: values.spec, pointWith: '--spec <file> (and --proto <dir>), or --cwd <dir>' });
    const root = values['from-package'] ? packageRoot() : ctx.cwd;
    const contract = await loadContract(root, { asyncapiPath: values.spec, protoDir: values.proto });
    if (hasErrors(contract.diagnostics)) throw contractError(`${values.spec} is not a valid contract`, contract.diagnostics);
    const wanted = positionals[0];
    const messages = wanted === undefined ? contract.messages : [findMessage(contract.messages, wanted)];
    if (values.text) {
      ctx.stdout.write(messages[0]!.bundledProto);
      return 0;
    }
    if (values.json) {
      ctx.stdout.write(`${JSON.stringify(messages.map((m) => ({ message: m.name, type: m.protoType, fingerprint: m.fingerprint, dataschema: m.dataschema })), null, 2)}\n`);
      return 0;
    }
    for (const m of messages) ctx.stdout.write(`${m.fingerprint}  ${m.protoType}  ${m.dataschema}\n`);
    return 0;
  },
};

function findMessage(messages: ContractMessage[], wanted: string): ContractMessage {
  const found = messages.find((m) => m.protoType === wanted) ?? messages.find((m) => m.name === wanted);
  if (!found) {
    throw new UsageError(`no message "${wanted}" in the contract; known: ${messages.map((m) => m.protoType).join(', ')}`, { helpHint: false });
  }
  return found;
}

/** Root of the installed herald package (holds asyncapi.yaml and proto/): three levels above this file. */
function packageRoot(): string {
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  return isAbsolute(root) ? root : resolve(root);
}
