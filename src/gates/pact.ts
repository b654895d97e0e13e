// Gate 4: verifies every pact in pacts/ against the producers' real publishing path: each message is
// built by the producer's code, encoded by the runtime's encodeMessage into the stream entry it would
// write, and read back as a consumer reads it (pact-verify.ts, a child process so Pact's native output
// can be captured). Each mismatch is named by interaction, field or envelope attribute, .proto line and
// consumer. It never edits or regenerates a pact.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isPair, isScalar, LineCounter, parseDocument, visit } from 'yaml';
import { isResolvable, missingPeersError } from '../optional-peers.ts';
import type { ChannelDefinition, MessageDefinition, PublishOptions, WireValue as RedisValue } from '../runtime/core/types.ts';
import { moduleDirs } from './baseline.ts';
import type { Diagnostic } from './diagnostics.ts';
import type { Gate, GateRun } from './gate.ts';
import { loadProtoGraph, type ProtoGraph } from './proto-graph.ts';

export interface PactGateOptions {
  /** Folder holding the pact files, relative to the root; default `pacts`. */
  pactDir?: string;
  /** Module exporting `messageProviders` (see contract-tests/message-providers.ts); relative to the root. */
  providersModule?: string;
}

/** A message and its payload only: encoded with the runtime's envelope (source = the provider's name). */
export interface ProviderMessage<T = any> {
  message: MessageDefinition<T>;
  data: T;
}

/**
 * What a producer really publishes for one interaction, built by its real code:
 * - `event`: the outgoing event exactly as the service hands it to its producer or outbox (name, data,
 *   envelope options); the gate encodes it with the runtime's encodeMessage, as the producer does;
 * - `fields`: the stream entry's fields exactly as the service writes them (a service that writes
 *   entries itself, for example through its own outbox script);
 * - or a bare ProviderMessage.
 */
export type PublishedMessage =
  | { channel: ChannelDefinition; source: string; event: { name: string; data: unknown; options?: PublishOptions } }
  | { channel: ChannelDefinition; fields: RedisValue[] | Record<string, RedisValue> }
  | ProviderMessage;

/** provider name (as in the pacts) -> interaction description -> builder. */
export type MessageProviders = Record<string, Record<string, () => PublishedMessage | Promise<PublishedMessage>>>;

export const defaultPactDir = 'pacts';
export const defaultProvidersModule = 'contract-tests/message-providers.ts';

interface PactFile { file: string; consumer: string; provider: string; interactions: string[]; types: Record<string, string> }

function readPacts(dir: string): PactFile[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f.endsWith('.json')).sort().map((f) => {
    type Interaction = { description: string; metadata?: { type?: unknown } };
    const json = JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as { consumer: { name: string }; provider: { name: string }; interactions?: Interaction[]; messages?: Interaction[] };
    const list = json.interactions ?? json.messages ?? [];
    const types = Object.fromEntries(list.filter((i) => typeof i.metadata?.type === 'string').map((i) => [i.description, i.metadata!.type as string]));
    return { file: path.join(dir, f), consumer: json.consumer.name, provider: json.provider.name, interactions: list.map((i) => i.description), types };
  });
}

/** Where asyncapi.yaml declares envelope attribute `name` (a header property), for reports. */
export function headerLine(root: string, name: string): { file: string; line: number } | undefined {
  const file = path.join(root, 'asyncapi.yaml');
  if (!existsSync(file)) return undefined;
  const lineCounter = new LineCounter();
  const doc = parseDocument(readFileSync(file, 'utf8'), { lineCounter });
  let found: number | undefined;
  visit(doc, {
    Pair(_key, pair, ancestors) {
      if (found !== undefined || !isScalar(pair.key) || pair.key.value !== name) return;
      const parents = ancestors.filter(isPair).map((p) => (isScalar(p.key) ? String(p.key.value) : ''));
      if (parents.at(-1) === 'properties' && parents.at(-2) === 'headers' && pair.key.range) found = lineCounter.linePos(pair.key.range[0]).line;
    },
  });
  return found === undefined ? undefined : { file: 'asyncapi.yaml', line: found };
}

/** The .proto declaration of a JSON path (`movie.price`) under `rootType`, for reports. */
export function protoFieldAt(graph: ProtoGraph | undefined, rootType: string | undefined, jsonPath: string): { file: string; line?: number; type: string; field: string } | undefined {
  if (!graph || !rootType) return undefined;
  let type = graph.types.get(rootType);
  let found: { file: string; line?: number; type: string; field: string } | undefined;
  for (const segment of jsonPath.split('.')) {
    const field = type?.fields.find((f) => f.jsonName === segment || f.name === segment);
    if (!type || !field) return found;
    found = { file: type.file, ...(field.line ? { line: field.line } : {}), type: type.fullName, field: field.name };
    type = field.typeName ? graph.types.get(field.typeName) : undefined;
  }
  return found;
}

interface PactMismatch { type?: string; path?: string; key?: string; mismatch?: string }
interface ChildResult {
  ok: boolean;
  errors: { interaction?: string; mismatch?: { mismatches?: PactMismatch[] } }[];
  providerErrors: { description: string; message: string; kind: 'threw' | 'unencodable' | 'unreadable' }[];
  /** Set when verification could not start (the providers module failed to load, no builders). */
  fatal?: string;
}

/**
 * The line that says what went wrong in a child that died without its result line: Node prints the
 * error (`Error [ERR_MODULE_NOT_FOUND]: Cannot find package ...`) above the stack frames, so the tail
 * of the output is only frames. Falls back to the first non-empty line.
 */
export function firstErrorLine(output: string): string {
  const lines = output.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines.find((l) => /^([A-Z]\w*)?Error\b.*:/.test(l)) ?? lines.find((l) => !l.startsWith('at ')) ?? 'no output';
}

/** The child's last line: `HERALD_PACT_RESULT <json>` (pact-core's structured mismatches). */
export function parseChildResult(output: string): ChildResult | undefined {
  const line = output.split('\n').reverse().find((l) => l.startsWith('HERALD_PACT_RESULT '));
  return line ? (JSON.parse(line.slice('HERALD_PACT_RESULT '.length)) as ChildResult) : undefined;
}

/** Field paths a mismatch names: `$.movie` missing `title, price` -> movie.title, movie.price; metadata -> metadata.type. */
export function mismatchFields(m: PactMismatch): string[] {
  if (m.type === 'MetadataMismatch' && m.key) return [`metadata.${m.key}`];
  const base = (m.path ?? '$').replace(/^\$\.?/, '');
  const missing = /missing the following keys: (.+)$/.exec(m.mismatch ?? '')?.[1];
  if (missing) return missing.split(',').map((k) => [base, k.trim()].filter(Boolean).join('.'));
  return base ? [base] : [];
}

export const pactGate: Gate = {
  name: 'pact',
  summary: "every pact in pacts/, verified against the producers' real publishing path",
  needsBaseline: false,
  run: ({ root, options }) => runPactGate(root, options.pact ?? {}),
};

export async function runPactGate(root: string, options: PactGateOptions): Promise<GateRun> {
  const graph = existsSync(path.join(root, 'buf.yaml')) || existsSync(path.join(root, 'proto')) ? loadProtoGraph(root, moduleDirs(root)[0]) : undefined;
  const pactDir = path.resolve(root, options.pactDir ?? defaultPactDir);
  const providersModule = path.resolve(root, options.providersModule ?? defaultProvidersModule);
  const pacts = readPacts(pactDir);
  if (pacts.length === 0) return { diagnostics: [], notes: [`No pact files in ${path.relative(root, pactDir) || '.'}; nothing to verify.`], skipped: true };
  if (!existsSync(providersModule)) {
    return { diagnostics: [{ gate: 'pact', severity: 'error', code: 'PACT_NO_PROVIDERS', path: { file: path.relative(root, providersModule) },
      message: `There are pacts in ${path.relative(root, pactDir)} but no message providers module at ${path.relative(root, providersModule)} to verify them with.` }], notes: [] };
  }
  if (!isResolvable('@pact-foundation/pact')) {
    return { diagnostics: [{ gate: 'pact', severity: 'error', code: 'PACT_TOOL_MISSING', path: { file: path.relative(root, pactDir) || '.' },
      message: missingPeersError(['@pact-foundation/pact'], 'The Pact gate').message }], notes: [] };
  }
  const diagnostics: Diagnostic[] = [];
  const notes: string[] = [];
  for (const provider of [...new Set(pacts.map((p) => p.provider))].sort()) {
    const files = pacts.filter((p) => p.provider === provider);
    const expectedTypes = Object.assign({}, ...files.map((f) => f.types)) as Record<string, string>;
    const { code, output } = await verifyInChild(providersModule, provider, files.map((f) => f.file), expectedTypes);
    const result = parseChildResult(output);
    const rel = (f: string) => path.relative(root, f);
    const reported = new Set<string>();
    // A builder that threw (or wrote an unreadable entry) is reported once, with its error, not as "everything missing".
    for (const crash of result?.providerErrors ?? []) {
      const pact = files.find((f) => f.interactions.includes(crash.description)) ?? files[0]!;
      reported.add(crash.description);
      diagnostics.push({
        gate: 'pact', severity: 'error', code: crash.kind === 'unreadable' ? 'PACT_ENTRY_UNREADABLE' : 'PACT_PROVIDER_ERROR',
        path: { file: rel(pact.file), interaction: crash.description },
        subject: `${provider}:${crash.description}`,
        message: crash.kind === 'threw'
          ? `${provider}'s builder for "${crash.description}" threw ${crash.message}; ${pact.consumer} relies on this message (${rel(pact.file)}).`
          : crash.kind === 'unencodable'
          ? `${provider}'s message for "${crash.description}" cannot be sent: ${crash.message}; ${pact.consumer} relies on it (${rel(pact.file)}).`
          : `${provider}'s entry for "${crash.description}" cannot be read as a consumer reads it: ${crash.message}; ${pact.consumer} relies on it (${rel(pact.file)}).`,
        consumers: [pact.consumer],
      });
    }
    for (const error of result?.errors ?? []) {
      const description = (error.interaction ?? '').replace(/^Verifying a pact between .+? and .+? - /, '');
      if (reported.has(description)) continue;
      const pact = files.find((f) => f.interactions.includes(description)) ?? files[0]!;
      const mismatches = error.mismatch?.mismatches ?? [];
      const type = pact.types[description];
      for (const m of mismatches.length > 0 ? mismatches : [{ mismatch: 'verification failed' } as PactMismatch]) {
        const fields = mismatchFields(m);
        for (const field of fields.length > 0 ? fields : ['']) {
          const attribute = field.startsWith('metadata.') ? field.slice('metadata.'.length) : undefined;
          const missing = /missing|was missing|Expected .* but was missing|not found/i.test(m.mismatch ?? '') || (attribute !== undefined && /null|undefined|missing/i.test(m.mismatch ?? ''));
          const proto = attribute === undefined && field ? protoFieldAt(graph, type, field) : undefined;
          const header = attribute !== undefined ? headerLine(root, attribute) : undefined;
          const what = attribute !== undefined ? `envelope attribute \`${attribute}\`` : field ? `field \`${field}\`${type ? ` of ${type}` : ''}` : 'the message';
          diagnostics.push({
            gate: 'pact', severity: 'error',
            code: attribute !== undefined ? (missing ? 'PACT_ATTRIBUTE_MISSING' : 'PACT_ATTRIBUTE_MISMATCH') : missing ? 'PACT_FIELD_MISSING' : 'PACT_MISMATCH',
            path: proto
              ? { file: proto.file, ...(proto.line ? { line: proto.line } : {}), type: proto.type, interaction: description, field }
              : header ? { ...header, interaction: description, field }
              : { file: rel(pact.file), interaction: description, ...(field ? { field } : {}) },
            subject: `${provider}:${description}${field ? `:${field}` : ''}`,
            message: `${provider} no longer ${missing ? 'sends' : 'matches'} ${what} in "${description}", which ${pact.consumer} reads (${rel(pact.file)}): ${`${m.path ?? m.key ?? ''} ${m.mismatch ?? ''}`.trim()}`,
            consumers: [pact.consumer],
          });
        }
      }
    }
    const failures = new Set(diagnostics.filter((d) => d.subject?.startsWith(`${provider}:`)).map((d) => d.path.interaction)).size;
    if (code !== 0 && failures === 0) {
      const reason = result?.fatal ?? firstErrorLine(output);
      diagnostics.push({ gate: 'pact', severity: 'error', code: 'PACT_VERIFY_FAILED', path: { file: rel(files[0]!.file) }, subject: provider,
        message: `Pact verification of ${provider} could not run: ${reason}`, consumers: [...new Set(files.map((f) => f.consumer))] });
    }
    const total = files.reduce((n, f) => n + f.interactions.length, 0);
    const from = files.map((f) => `${f.consumer} (${rel(f.file)})`).join(', ');
    // Only a clean run may say "verified"; otherwise say how many interactions were not.
    if (code === 0 && failures === 0) notes.push(`${provider}: verified ${total} interaction(s) from ${from}.`);
    else notes.push(`${provider}: ${failures > 0 ? `${failures} of ${total}` : `all ${total}`} interaction(s) from ${from} not verified.`);
  }
  return { diagnostics, notes };
}

function verifyInChild(providersModule: string, provider: string, pactUrls: string[], expectedTypes: Record<string, string>): Promise<{ code: number; output: string }> {
  // The child is this module's sibling: pact-verify.ts in a checkout, the compiled pact-verify.js in an
  // installed package. Only a checkout resolves `herald/runtime` to its sources (the `herald-source`
  // condition); an installed package must resolve it to dist/, the only code it ships.
  const fromSource = import.meta.url.endsWith('.ts');
  const script = fileURLToPath(new URL(fromSource ? './pact-verify.ts' : './pact-verify.js', import.meta.url));
  const conditions = fromSource ? ['--conditions=herald-source'] : [];
  return new Promise((resolve) => {
    execFile(process.execPath, [...conditions, '--no-warnings', script, JSON.stringify({ providersModule, provider, pactUrls, expectedTypes })],
      { maxBuffer: 32 * 1024 * 1024, env: { ...process.env, PACT_DO_NOT_TRACK: 'true' } },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, output: `${String(stdout)}\n${String(stderr)}` }));
  });
}
