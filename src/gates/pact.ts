// Gate 4: verifies every pact in pacts/ against the producers' real message builders (encoded to
// protobuf and decoded back, then proto3 JSON). Verification runs in a child process so Pact's
// native output can be captured and each mismatch named. It never edits or regenerates a pact.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isResolvable, missingPeersError } from '../optional-peers.ts';
import type { MessageDefinition } from '../runtime/core/types.ts';
import type { Diagnostic, GateResult } from './diagnostics.ts';
import { gateResult } from './diagnostics.ts';

export interface PactGateOptions {
  /** Folder holding the pact files, relative to the root; default `pacts`. */
  pactDir?: string;
  /** Module exporting `messageProviders` (see contract-tests/message-providers.ts); relative to the root. */
  providersModule?: string;
}

/** One message as the producer's real code builds it; the gate encodes, decodes and JSON-ifies it. */
export interface ProviderMessage<T = any> {
  message: MessageDefinition<T>;
  data: T;
}
/** provider name (as in the pacts) -> interaction description -> builder. */
export type MessageProviders = Record<string, Record<string, () => ProviderMessage | Promise<ProviderMessage>>>;

export const defaultPactDir = 'pacts';
export const defaultProvidersModule = 'contract-tests/message-providers.ts';

interface PactFile { file: string; consumer: string; provider: string; interactions: string[] }

function readPacts(dir: string): PactFile[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f.endsWith('.json')).sort().map((f) => {
    const json = JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as { consumer: { name: string }; provider: { name: string }; interactions?: { description: string }[]; messages?: { description: string }[] };
    return { file: path.join(dir, f), consumer: json.consumer.name, provider: json.provider.name, interactions: (json.interactions ?? json.messages ?? []).map((i) => i.description) };
  });
}

interface PactMismatch { type?: string; path?: string; key?: string; mismatch?: string }
interface ChildResult {
  ok: boolean;
  errors: { interaction?: string; mismatch?: { mismatches?: PactMismatch[] } }[];
  providerErrors: { description: string; message: string }[];
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

export async function runPactGate(root: string, options: PactGateOptions): Promise<GateResult> {
  const pactDir = path.resolve(root, options.pactDir ?? defaultPactDir);
  const providersModule = path.resolve(root, options.providersModule ?? defaultProvidersModule);
  const pacts = readPacts(pactDir);
  if (pacts.length === 0) return { gate: 'pact', status: 'skipped', diagnostics: [], notes: [`No pact files in ${path.relative(root, pactDir) || '.'}; nothing to verify.`] };
  if (!existsSync(providersModule)) {
    return gateResult('pact', [{ gate: 'pact', severity: 'error', code: 'PACT_NO_PROVIDERS', path: { file: path.relative(root, providersModule) },
      message: `There are pacts in ${path.relative(root, pactDir)} but no message providers module at ${path.relative(root, providersModule)} to verify them with.` }]);
  }
  if (!isResolvable('@pact-foundation/pact')) {
    return gateResult('pact', [{ gate: 'pact', severity: 'error', code: 'PACT_TOOL_MISSING', path: { file: path.relative(root, pactDir) || '.' },
      message: missingPeersError(['@pact-foundation/pact'], 'The Pact gate').message }]);
  }
  const diagnostics: Diagnostic[] = [];
  const notes: string[] = [];
  for (const provider of [...new Set(pacts.map((p) => p.provider))].sort()) {
    const files = pacts.filter((p) => p.provider === provider);
    const { code, output } = await verifyInChild(providersModule, provider, files.map((f) => f.file));
    const result = parseChildResult(output);
    const rel = (f: string) => path.relative(root, f);
    const failures = result?.errors.length ?? 0;
    for (const error of result?.errors ?? []) {
      const description = (error.interaction ?? '').replace(/^Verifying a pact between .+? and .+? - /, '');
      const pact = files.find((f) => f.interactions.includes(description)) ?? files[0]!;
      const mismatches = error.mismatch?.mismatches ?? [];
      const fields = [...new Set(mismatches.flatMap(mismatchFields))];
      const crash = result?.providerErrors.find((e) => e.description === description);
      const missing = mismatches.some((m) => /missing/.test(m.mismatch ?? ''));
      diagnostics.push({
        gate: 'pact', severity: 'error', code: crash ? 'PACT_PROVIDER_ERROR' : missing ? 'PACT_FIELD_MISSING' : 'PACT_MISMATCH',
        path: { file: rel(pact.file), message: description, ...(fields.length > 0 ? { field: fields.join(', ') } : {}) },
        message: crash
          ? `${provider}'s builder for "${description}" threw: ${crash.message}`
          : `${provider} no longer satisfies "${description}", which ${pact.consumer} relies on: ${mismatches.map((m) => `${m.path ?? m.key ?? ''} ${m.mismatch ?? ''}`.trim()).join('; ')}`,
        consumers: [pact.consumer],
      });
    }
    if (code !== 0 && failures === 0) {
      const reason = result?.fatal ?? firstErrorLine(output);
      diagnostics.push({ gate: 'pact', severity: 'error', code: 'PACT_VERIFY_FAILED', path: { file: rel(files[0]!.file) },
        message: `Pact verification of ${provider} could not run: ${reason}`, consumers: [...new Set(files.map((f) => f.consumer))] });
    }
    const total = files.reduce((n, f) => n + f.interactions.length, 0);
    const from = files.map((f) => `${f.consumer} (${rel(f.file)})`).join(', ');
    // Only a clean run may say "verified"; otherwise say how many interactions were not.
    if (code === 0 && failures === 0) notes.push(`${provider}: verified ${total} interaction(s) from ${from}.`);
    else notes.push(`${provider}: ${failures > 0 ? `${failures} of ${total}` : `all ${total}`} interaction(s) from ${from} not verified.`);
  }
  return gateResult('pact', diagnostics, notes);
}

function verifyInChild(providersModule: string, provider: string, pactUrls: string[]): Promise<{ code: number; output: string }> {
  // The child is this module's sibling: pact-verify.ts in a checkout, the compiled pact-verify.js in an
  // installed package. Only a checkout resolves `herald/runtime` to its sources (the `herald-source`
  // condition); an installed package must resolve it to dist/, the only code it ships.
  const fromSource = import.meta.url.endsWith('.ts');
  const script = fileURLToPath(new URL(fromSource ? './pact-verify.ts' : './pact-verify.js', import.meta.url));
  const conditions = fromSource ? ['--conditions=herald-source'] : [];
  return new Promise((resolve) => {
    execFile(process.execPath, [...conditions, '--no-warnings', script, JSON.stringify({ providersModule, provider, pactUrls })],
      { maxBuffer: 32 * 1024 * 1024, env: { ...process.env, PACT_DO_NOT_TRACK: 'true' } },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, output: `${String(stdout)}\n${String(stderr)}` }));
  });
}
