// Test harness for the gates: a throwaway git repository holding a contract snapshot committed on
// `main`, onto which a fixture's changed files are copied (uncommitted), as a developer would edit.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface ContractRepo {
  root: string;
  git(...args: string[]): string;
  /** Copies every file under `dir` onto the working tree. */
  overlay(dir: string): void;
  cleanup(): void;
}

export function createContractRepo(baseDir: string, options: { branch?: string } = {}): ContractRepo {
  const root = mkdtempSync(path.join(os.tmpdir(), 'herald-gates-'));
  const git = (...args: string[]) =>
    execFileSync('git', ['-C', root, '-c', 'user.name=herald-test', '-c', 'user.email=test@herald.invalid', '-c', 'commit.gpgsign=false', ...args], { encoding: 'utf8' }).trim();
  git('init', '--quiet', '--initial-branch', options.branch ?? 'main');
  cpSync(baseDir, root, { recursive: true });
  git('add', '-A');
  git('commit', '--quiet', '-m', 'Baseline contract');
  return {
    root,
    git,
    overlay: (dir) => cpSync(dir, root, { recursive: true }),
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}
