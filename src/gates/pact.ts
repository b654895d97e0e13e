// Gate 4: verifies every pact in pacts/ against the producers' real message builders (encoded to
// protobuf and decoded back, then proto3 JSON). Verification runs in a child process so Pact's
// native output can be captured and each mismatch named. It never edits or regenerates a pact.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MessageDefinition } from '../runtime/types.ts';
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

/** Splits Pact's verifier output into per-interaction failures: description -> mismatch lines. */
export function parseVerifierOutput(output: string): Map<string, string[]> {
  const failures = new Map<string, string[]>();
  // The "Failures:" section lists "N) Verifying a pact between C and P - <description> ..." then indented mismatches.
  const section = output.split(/\nFailures:\s*\n/)[1] ?? '';
  let current: string | undefined;
  for (const raw of section.split('\n')) {
    const line = raw.replace(/\x1b\[[0-9;]*m/g, '');
    const head = /^\s*\d+\) Verifying a pact between (.+?) and (.+?) - (.+?)(?: has a matching body| has matching metadata| includes metadata)?\s*$/.exec(line);
    if (head) {
      current = head[3]!.replace(/\s+-\s*$/, '').trim();
      if (!failures.has(current)) failures.set(current, []);
      continue;
    }
    const text = line.trim();
    if (current && text && !/^There (were|was) \d+ pact failures?/.test(text)) failures.get(current)!.push(text);
  }
  return failures;
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
  const diagnostics: Diagnostic[] = [];
  const notes: string[] = [];
  for (const provider of [...new Set(pacts.map((p) => p.provider))].sort()) {
    const files = pacts.filter((p) => p.provider === provider);
    const { code, output } = await verifyInChild(providersModule, provider, files.map((f) => f.file));
    const failures = parseVerifierOutput(output);
    const rel = (f: string) => path.relative(root, f);
    for (const [description, lines] of failures) {
      const pact = files.find((f) => f.interactions.includes(description)) ?? files[0]!;
      const keys = lines.flatMap((l) => [...l.matchAll(/missing the following keys: ([\w, ]+)/g)].map((m) => m[1]!)).join(', ');
      diagnostics.push({
        gate: 'pact', severity: 'error', code: keys ? 'PACT_FIELD_MISSING' : 'PACT_MISMATCH',
        path: { file: rel(pact.file), message: description, ...(keys ? { field: keys } : {}) },
        message: `${provider} no longer satisfies "${description}", which ${pact.consumer} relies on: ${lines.slice(0, 6).join(' ')}`,
        consumers: [pact.consumer],
      });
    }
    if (code !== 0 && failures.size === 0) {
      diagnostics.push({ gate: 'pact', severity: 'error', code: 'PACT_VERIFY_FAILED', path: { file: rel(files[0]!.file) },
        message: `Pact verification of ${provider} failed: ${output.trim().split('\n').slice(-8).join(' ')}`, consumers: [...new Set(files.map((f) => f.consumer))] });
    }
    notes.push(`${provider}: verified ${files.reduce((n, f) => n + f.interactions.length, 0)} interaction(s) from ${files.map((f) => `${f.consumer} (${rel(f.file)})`).join(', ')}.`);
  }
  return gateResult('pact', diagnostics, notes);
}

function verifyInChild(providersModule: string, provider: string, pactUrls: string[]): Promise<{ code: number; output: string }> {
  // From source the child is the .ts file; in a packed install, the compiled .js beside this one.
  const ts = fileURLToPath(new URL('./pact-verify.ts', import.meta.url));
  const script = existsSync(ts) ? ts : ts.replace(/\.ts$/, '.js');
  return new Promise((resolve) => {
    execFile(process.execPath, ['--conditions=herald-source', '--no-warnings', script, JSON.stringify({ providersModule, provider, pactUrls })],
      { maxBuffer: 32 * 1024 * 1024, env: { ...process.env, PACT_DO_NOT_TRACK: 'true' } },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, output: `${String(stdout)}\n${String(stderr)}` }));
  });
}
