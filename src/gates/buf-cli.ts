// Runs the real `buf` binary shipped by @bufbuild/buf and parses its `--error-format json` lines.
// It never interprets findings (the gates do) and never falls back to a buf found on PATH silently.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { HeraldError } from '../runtime/core/errors.ts';

/** One line of `buf lint|breaking --error-format json`. */
export interface BufFinding {
  path: string;
  start_line?: number;
  start_column?: number;
  end_line?: number;
  end_column?: number;
  type: string;
  message: string;
}

export interface BufRun {
  exitCode: number;
  findings: BufFinding[];
  stderr: string;
}

/** buf's native binary for this platform; HERALD_BUF overrides it (for example a system buf). */
export function bufBinary(): string {
  const override = process.env.HERALD_BUF;
  if (override) return override;
  const require = createRequire(import.meta.url);
  const arch = process.arch === 'x64' ? 'x64' : process.arch === 'arm64' ? 'aarch64' : process.arch;
  for (const candidate of [`@bufbuild/buf-${process.platform}-${arch}/bin/buf`, `@bufbuild/buf-${process.platform}-${process.arch}/bin/buf`]) {
    try {
      const resolved = require.resolve(candidate);
      if (existsSync(resolved)) return resolved;
    } catch {
      // try the next naming scheme
    }
  }
  try {
    return require.resolve('@bufbuild/buf/bin/buf');
  } catch {
    throw new HeraldError('HERALD_ERR_TOOL', 'buf is not installed: add @bufbuild/buf to your dependencies (npm install @bufbuild/buf)');
  }
}

/**
 * Runs buf in `cwd`. Exit 0 = clean, 100 = findings; anything else means buf itself failed (bad
 * input, missing baseline) and is raised as HERALD_ERR_TOOL with buf's own words.
 */
export async function runBuf(args: string[], cwd: string): Promise<BufRun> {
  const binary = bufBinary();
  const useNode = binary.endsWith('/@bufbuild/buf/bin/buf');
  const file = useNode ? process.execPath : binary;
  const argv = useNode ? [binary, ...args, '--error-format', 'json'] : [...args, '--error-format', 'json'];
  const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve, reject) => {
    execFile(file, argv, { cwd, maxBuffer: 64 * 1024 * 1024 }, (error, out, err) => {
      if (error && typeof error.code !== 'number') return reject(new HeraldError('HERALD_ERR_TOOL', `cannot run buf (${binary}): ${error.message}`));
      resolve({ code: error ? Number(error.code) : 0, stdout: String(out), stderr: String(err) });
    });
  });
  const findings: BufFinding[] = [];
  for (const line of stdout.split('\n')) {
    const text = line.trim();
    if (!text.startsWith('{')) continue;
    findings.push(JSON.parse(text) as BufFinding);
  }
  if (code !== 0 && code !== 100) {
    // Compile errors come back as findings with type COMPILE; surface them rather than failing blind.
    if (findings.length > 0) return { exitCode: code, findings, stderr };
    throw new HeraldError('HERALD_ERR_TOOL', `buf ${args[0]} failed (exit ${code}): ${(stderr || stdout).trim()}`, { args });
  }
  return { exitCode: code, findings, stderr };
}
