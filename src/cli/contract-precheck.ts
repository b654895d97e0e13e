// What `generate`, `check` and `docs` verify before they start: that there is a contract where they
// were pointed, and that its .proto files compile. A syntax error is shown as buf reports it (file,
// line, column) and stops the command there, so no later tool cascades errors from the same typo.
import { existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { runBuf, type BufFinding } from '../gates/buf-cli.ts';
import { HeraldError } from '../runtime/core/errors.ts';
import { UsageError } from './args.ts';

export interface PrecheckOptions {
  /** The project root (`--cwd`). */
  root: string;
  /** The AsyncAPI document, relative to root; default asyncapi.yaml. */
  spec?: string;
  /** The folder of the .proto files, relative to root; default proto. */
  protoDir?: string;
  /** How this command is pointed at another document: `--spec <file>` or `--cwd <dir>`. */
  pointWith: string;
}

/** UsageError (exit 2) when there is no AsyncAPI document where the command looks. */
export function requireContractFile(options: PrecheckOptions): void {
  const spec = resolve(options.root, options.spec ?? 'asyncapi.yaml');
  if (existsSync(spec)) return;
  const shown = relative(process.cwd(), spec);
  throw new UsageError(`no AsyncAPI document at ${shown.startsWith('..') ? spec : shown}; point herald at yours with ${options.pointWith}`, { helpHint: false });
}

/** buf's compile errors for the project's .proto files (none when they compile or there are none). */
export async function protoCompileErrors(root: string, protoDir = 'proto'): Promise<BufFinding[]> {
  const dir = resolve(root, protoDir);
  const hasBufYaml = existsSync(join(root, 'buf.yaml'));
  if (!hasBufYaml && !existsSync(dir)) return [];
  // With buf.yaml, buf builds the module it describes; without, the proto folder alone.
  const run = await runBuf(hasBufYaml ? ['build'] : ['build', dir], root);
  if (run.exitCode === 0) return [];
  // `buf build` writes its compile errors to stderr (lint writes findings to stdout).
  const errors: BufFinding[] = [...run.findings];
  for (const line of run.stderr.split('\n')) if (line.trim().startsWith('{')) errors.push(JSON.parse(line) as BufFinding);
  if (errors.length === 0) throw new HeraldError('HERALD_ERR_CONTRACT', `the .proto files do not compile (buf build exit ${run.exitCode}): ${run.stderr.trim()}`);
  return errors;
}

/** `file:line:column: message`, as buf and compilers print it. */
export function formatBufFinding(f: BufFinding): string {
  return `${f.path}${f.start_line ? `:${f.start_line}${f.start_column ? `:${f.start_column}` : ''}` : ''}: ${f.message}`;
}

/**
 * Throws UsageError (exit 2) when there is no contract, and HERALD_ERR_CONTRACT (exit 1) whose
 * message starts with buf's first error line when a .proto does not compile.
 */
export async function precheckContract(options: PrecheckOptions): Promise<void> {
  requireContractFile(options);
  const errors = await protoCompileErrors(options.root, options.protoDir);
  if (errors.length > 0) throw compileError(errors);
}

/** HERALD_ERR_CONTRACT whose message starts with buf's lines, then says nothing else was read. */
export function compileError(errors: readonly BufFinding[]): HeraldError {
  const lines = [...new Set(errors.map(formatBufFinding))];
  return new HeraldError('HERALD_ERR_CONTRACT', `${lines.join('\n')}\nThe .proto files do not compile (buf build); nothing else was read. Fix the line above and run again.`, { findings: errors });
}
