// Test harness for the gates: a throwaway git repository holding this repository's real contract
// (asyncapi.yaml, buf.yaml, proto/, pacts/) committed on `main`, onto which a fixture applies a small
// edit (uncommitted), as a developer would. Fixtures are edits, never copies of the contract.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseDocument, type Document } from 'yaml';
import { loadContract } from '../../src/codegen/contract.ts';
import { syncManagedBlocks } from '../../src/codegen/contract-schemas.ts';

export const repoRoot = path.resolve(import.meta.dirname, '../..');
/** What a contract repository holds; `generated` only when asked for (the staleness gate). */
export const contractPaths = ['asyncapi.yaml', 'buf.yaml', 'proto', 'pacts'];

/** A working tree a fixture edits; every edit throws when its anchor text is not found. */
export interface ContractFiles {
  root: string;
  read(file: string): string;
  write(file: string, text: string): void;
  remove(file: string): void;
  /** Replaces `from` (which must occur) by `to` in `file`. */
  replace(file: string, from: string | RegExp, to: string): void;
  /** Edits asyncapi.yaml through the yaml Document API (comments and layout kept). */
  yaml(edit: (doc: Document) => void, file?: string): void;
}

/** What a developer runs after editing proto/: rewrites asyncapi.yaml's Herald-managed payload schema blocks. */
export async function syncManagedSchemas(root: string): Promise<void> {
  const contract = await loadContract(root);
  const spec = path.join(root, 'asyncapi.yaml');
  const synced = syncManagedBlocks(readFileSync(spec, 'utf8'), contract);
  if (synced.stale.length > 0) writeFileSync(spec, synced.text);
}
export type ContractEdit = (files: ContractFiles) => void;

export interface ContractRepo extends ContractFiles {
  git(...args: string[]): string;
  /** Applies an edit to the working tree. */
  edit(edit: ContractEdit): void;
  cleanup(): void;
}

/** The files of `root`; `onWrite` hears every file an edit writes or removes (to restore it later). */
export function contractFilesAt(root: string, onWrite?: (file: string) => void): ContractFiles {
  const abs = (f: string) => path.join(root, f);
  const files: ContractFiles = {
    root,
    read: (f) => readFileSync(abs(f), 'utf8'),
    write: (f, text) => {
      onWrite?.(f);
      mkdirSync(path.dirname(abs(f)), { recursive: true });
      writeFileSync(abs(f), text);
    },
    remove: (f) => {
      onWrite?.(f);
      rmSync(abs(f), { recursive: true, force: true });
    },
    replace: (f, from, to) => {
      const text = files.read(f);
      const found = typeof from === 'string' ? text.includes(from) : from.test(text);
      if (!found) throw new Error(`fixture edit: ${String(from)} not found in ${f}`);
      files.write(f, text.replace(from, to));
    },
    yaml: (edit, f = 'asyncapi.yaml') => {
      const doc = parseDocument(files.read(f));
      edit(doc);
      files.write(f, doc.toString({ lineWidth: 0 }));
    },
  };
  return files;
}

export function createContractRepo(options: { branch?: string; base?: ContractEdit; paths?: string[]; from?: string } = {}): ContractRepo {
  const root = mkdtempSync(path.join(os.tmpdir(), 'herald-gates-'));
  const git = (...args: string[]) =>
    execFileSync('git', ['-C', root, '-c', 'user.name=herald-test', '-c', 'user.email=test@herald.invalid', '-c', 'commit.gpgsign=false', ...args], { encoding: 'utf8' }).trim();
  git('init', '--quiet', '--initial-branch', options.branch ?? 'main');
  const from = options.from ?? repoRoot;
  for (const p of options.paths ?? contractPaths) if (existsSync(path.join(from, p))) cpSync(path.join(from, p), path.join(root, p), { recursive: true });
  const files = contractFilesAt(root);
  options.base?.(files);
  git('add', '-A');
  git('commit', '--quiet', '-m', 'Baseline contract');
  return {
    ...files,
    git,
    edit: (edit) => edit(files),
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}
