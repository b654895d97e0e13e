// The `herald` command's conventions, in-process: --version, --help on every command, one exit-code
// convention (0 ok, 1 failed, 2 bad usage), a missing contract names the flag that points at one, a
// proto syntax error shows buf's line first without cascading errors, and no stack without --verbose.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from './main.ts';

const repoRoot = join(import.meta.dirname, '..', '..');
const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
const scratch = mkdtempSync(join(tmpdir(), 'herald-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function herald(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const sink = (append: (s: string) => void) => new Writable({ write(chunk, _enc, done) { append(chunk.toString()); done(); } });
  const code = await main(argv, { stdout: sink((s) => (out += s)), stderr: sink((s) => (err += s)) });
  return { code, out, err };
}

/** A copy of this repository's contract, optionally with one line of one .proto broken. */
function contractCopy(name: string, breakProto?: { file: string; from: string; to: string }): string {
  const dir = join(scratch, name);
  for (const entry of ['asyncapi.yaml', 'buf.yaml', 'proto']) cpSync(join(repoRoot, entry), join(dir, entry), { recursive: true });
  if (breakProto) {
    const file = join(dir, breakProto.file);
    const text = readFileSync(file, 'utf8');
    expect(text).toContain(breakProto.from);
    writeFileSync(file, text.replace(breakProto.from, breakProto.to));
  }
  return dir;
}

const commandNames = ['generate', 'check', 'docs', 'replay', 'inspect', 'dev', 'fingerprint', 'schemas', 'redis'];

describe('herald CLI conventions', () => {
  it('prints its version with --version and -v', async () => {
    for (const flag of ['--version', '-v']) expect(await herald(flag)).toEqual({ code: 0, out: `herald ${version}\n`, err: '' });
  });

  it.each(commandNames)('prints the usage of %s with --help and -h, exit 0', async (name) => {
    for (const flag of ['--help', '-h']) {
      const { code, out } = await herald(name, flag);
      expect(code).toBe(0);
      expect(out).toMatch(new RegExp(`^Usage:\\s+herald ${name}\\b`));
      expect(out).toMatch(/Exit codes: 0 /);
    }
  });

  it('lists the commands with --help (exit 0), and alone as a usage error (exit 2)', async () => {
    const help = await herald('--help');
    expect(help.code).toBe(0);
    for (const name of commandNames) expect(help.out).toMatch(new RegExp(`^  ${name} `, 'm'));
    expect(help.out).toContain('Exit codes: 0 ok, 1 a check or the command failed, 2 bad usage.');
    const bare = await herald();
    expect(bare.code).toBe(2);
    expect(bare.err).toMatch(/^Usage: herald <command>/);
  });

  it.each([
    { name: 'an unknown command', argv: ['deploy'], message: /unknown command "deploy"/ },
    { name: 'an unknown option', argv: ['generate', '--bogus'], message: /herald generate: unknown option --bogus\. Run `herald generate --help`/ },
    { name: 'a missing value', argv: ['generate', '--spec'], message: /herald generate: --spec needs a value/ },
    { name: 'a value followed by another flag', argv: ['check', '--against', '--format', 'json'], message: /herald check: --against needs a value/ },
    { name: 'a bad enum value', argv: ['check', '--format', 'xml'], message: /--format must be one of text, json, github, not "xml"/ },
    { name: 'an unknown gate', argv: ['check', '--gate', 'lint,nope'], message: /unknown gate nope/ },
    { name: 'a stray argument', argv: ['docs', 'extra'], message: /herald docs: unexpected argument extra/ },
    { name: 'a bad port', argv: ['docs', '--port', 'eighty'], message: /--port must be a TCP port/ },
    { name: 'replay without what to replay', argv: ['replay'], message: /give --channel and --group/ },
    { name: 'an option whose value is missing at the end', argv: ['inspect', '--redis'], message: /--redis needs a value/ },
    { name: '--cwd without a folder', argv: ['check', '--cwd'], message: /--cwd needs a value/ },
  ])('exits 2 on $name, with one line saying what is wrong', async ({ argv, message }) => {
    const { code, out, err } = await herald(...argv);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toMatch(message);
    expect(err.trim().split('\n')).toHaveLength(1);
  });

  it.each([
    { command: 'generate', flag: '--spec <file>' },
    { command: 'check', flag: '--cwd <dir>' },
    { command: 'docs', flag: '--cwd <dir>' },
  ])('says how to point $command at an asyncapi.yaml when there is none (exit 2)', async ({ command, flag }) => {
    const empty = mkdtempSync(join(scratch, 'empty-'));
    const { code, err } = await herald(command, '--cwd', empty);
    expect(code).toBe(2);
    expect(err).toContain(`no AsyncAPI document at ${join(empty, 'asyncapi.yaml')}; point herald at yours with ${flag}`);
  });

  it.each(['generate', 'check', 'docs'])('%s shows buf\'s line first for a proto syntax error, and nothing cascades (exit 1)', async (command) => {
    const dir = contractCopy(`syntax-${command}`, { file: 'proto/herald/catalog/movie/v1/movie.proto', from: 'string title = 2;', to: 'string title = 2' });
    const { code, out, err } = await herald(command, '--cwd', dir, ...(command === 'docs' ? ['--out', join(dir, 'site')] : []));
    expect(code).toBe(1);
    expect(out).toBe('');
    const lines = err.trim().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^herald ${command}: proto/herald/catalog/movie/v1/movie\\.proto:\\d+:\\d+: \\S`));
    expect(lines).toHaveLength(2);
    expect(err).not.toMatch(/no such Type|illegal token|asyncapi|\n\s+at /);
  });

  it('puts a proto syntax error in check\'s github annotations, and runs no other gate', async () => {
    const dir = contractCopy('syntax-github', { file: 'proto/herald/common/v1/money.proto', from: 'message Money {', to: 'message Money {\n  strin oops = 99;' });
    const { code, out } = await herald('check', '--cwd', dir, '--format', 'github');
    expect(code).toBe(1);
    expect(out).toMatch(/^::error file=proto\/herald\/common\/v1\/money\.proto,line=\d+,title=herald check \(lint\) COMPILE::.*strin/m);
    expect(out.match(/^::error/gm)).toHaveLength(1);
  });

  it('prints one line for an unexpected error, and its stack only with --verbose', async () => {
    const dir = contractCopy('stack');
    const plain = await herald('generate', '--cwd', dir, '--no-validate', '--out', '/dev/null/generated');
    expect(plain.code).toBe(1);
    expect(plain.err).toMatch(/^herald generate: .*(ENOTDIR|not a directory)/);
    expect(plain.err).not.toMatch(/\n\s+at /);
    const verbose = await herald('generate', '--cwd', dir, '--no-validate', '--out', '/dev/null/generated', '--verbose');
    expect(verbose.code).toBe(1);
    expect(verbose.err).toMatch(/\n\s+at /);
  });
});
