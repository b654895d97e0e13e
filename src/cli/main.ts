// Entry point of the `herald` command: reads the global options, picks the subcommand and hands over
// to its module. It never does a command's work itself, and it owns the exit-code convention:
// 0 ok, 1 the command ran and something failed (a gate, a stale file, an invalid contract, a tool),
// 2 bad usage (unknown command or option, missing or invalid value, nothing to work on).
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { isHeraldError } from '../runtime/core/errors.ts';
import { isUsageError } from './args.ts';
import { withoutStackFrames } from './output.ts';

export interface CommandModule {
  /** One line for `herald --help`. */
  readonly summary: string;
  /** The text of `herald <command> --help`: a usage line, then one line per option. */
  readonly usage: string;
  /**
   * Why the command cannot run in this install, if it cannot (for example `dev`, which needs this
   * repository's reference services). Such a command is left out of the command list.
   */
  readonly unavailable?: string;
  /** Runs the command; returns the process exit code (0, 1 or 2 as above). Throws UsageError for bad usage. */
  run(args: string[], context: CommandContext): Promise<number>;
}

export interface CommandContext {
  /** Directory the command works in (the project root): `--cwd` or the current directory. */
  readonly cwd: string;
  readonly verbose: boolean;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

export const exitCodes = { ok: 0, failed: 1, usage: 2 } as const;

/** Each subcommand lives in ./commands/<name>.ts and is imported only when called. */
const commands: Record<string, () => Promise<CommandModule>> = {
  generate: async () => (await import('./commands/generate.ts')).command,
  check: async () => (await import('./commands/check.ts')).command,
  docs: async () => (await import('./commands/docs.ts')).command,
  replay: async () => (await import('./commands/replay.ts')).command,
  inspect: async () => (await import('./commands/inspect.ts')).command,
  dev: async () => (await import('./commands/dev.ts')).command,
  redis: async () => (await import('./commands/redis.ts')).command,
  fingerprint: async () => (await import('./commands/fingerprint.ts')).command,
  schemas: async () => (await import('./commands/schemas.ts')).command,
};

const globalUsage = `Usage: herald <command> [options]
       herald <command> --help     options of one command
       herald --version
Global options (anywhere on the line):
  --cwd <dir>    work in <dir> (the folder that holds asyncapi.yaml) instead of the current one
  --verbose      more detail, and the stack trace of an unexpected error
Exit codes: 0 ok, 1 a check or the command failed, 2 bad usage.`;

/** The package's version, from the package.json one level above src/ or dist/. */
export function heraldVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

interface GlobalOptions {
  cwd: string;
  verbose: boolean;
  version: boolean;
  help: boolean;
  /** The rest of the line, in order: the command name, then its own arguments. */
  rest: string[];
}

/**
 * The global options may stand anywhere on the line (`herald check --verbose`), so they are taken out
 * first with parseArgs in non-strict mode; everything else is left, in order, for the subcommand's own
 * strict parseArgs. Only what is declared here is removed.
 */
function parseGlobals(argv: string[]): GlobalOptions {
  const { values, tokens } = parseArgs({
    args: argv, strict: false, allowPositionals: true, tokens: true,
    options: { cwd: { type: 'string' }, verbose: { type: 'boolean' }, version: { type: 'boolean', short: 'v' }, help: { type: 'boolean', short: 'h' } },
  });
  const taken = new Set<number>();
  let terminated = false;
  for (const token of tokens) {
    if (token.kind === 'option-terminator') terminated = true;
    if (terminated || token.kind !== 'option' || !['cwd', 'verbose', 'version', 'help'].includes(token.name)) continue;
    taken.add(token.index);
    if (token.name === 'cwd' && token.inlineValue === false) taken.add(token.index + 1);
  }
  const cwd = typeof values.cwd === 'string' ? values.cwd : process.cwd();
  return { cwd, verbose: values.verbose === true, version: values.version === true, help: values.help === true, rest: argv.filter((_, i) => !taken.has(i)) };
}

export async function main(argv: string[], io: { stdout?: NodeJS.WritableStream; stderr?: NodeJS.WritableStream } = {}): Promise<number> {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  const cwdAt = argv.findIndex((a) => a === '--cwd');
  if (cwdAt >= 0 && (argv[cwdAt + 1] === undefined || argv[cwdAt + 1]!.startsWith('-'))) {
    stderr.write('herald: --cwd needs a value (the folder to work in)\n');
    return exitCodes.usage;
  }
  const globals = parseGlobals(argv);
  const [name, ...rest] = globals.rest;
  const context: CommandContext = { cwd: globals.cwd, verbose: globals.verbose, stdout, stderr };
  if (globals.version) {
    stdout.write(`herald ${heraldVersion()}\n`);
    return exitCodes.ok;
  }
  if (!name || name === 'help') {
    const topic = name === 'help' ? rest[0] : undefined;
    if (topic && commands[topic]) {
      stdout.write(`${(await commands[topic]()).usage}\n`);
      return exitCodes.ok;
    }
    // `herald` alone is a usage error; `herald --help` and `herald help` are not.
    const asked = globals.help || name === 'help';
    (asked ? stdout : stderr).write(await usage());
    return asked ? exitCodes.ok : exitCodes.usage;
  }
  const load = commands[name];
  if (!load) {
    stderr.write(`herald: unknown command "${name}". Run \`herald --help\` for the list.\n`);
    return exitCodes.usage;
  }
  try {
    const command = await load();
    if (globals.help) {
      stdout.write(`${command.usage}\n`);
      return exitCodes.ok;
    }
    if (command.unavailable) {
      stderr.write(`herald ${name}: ${command.unavailable}\n`);
      return exitCodes.usage;
    }
    return await command.run(rest, context);
  } catch (error) {
    if (isUsageError(error)) {
      stderr.write(`herald ${name}: ${error.message}${error.helpHint ? `. Run \`herald ${name} --help\` for its options.` : ''}\n`);
      return exitCodes.usage;
    }
    // One human line (or a list of findings); the stack only with --verbose.
    const message = error instanceof Error ? error.message : String(error);
    const code = isHeraldError(error) ? ` [${error.code}]` : '';
    stderr.write(`herald ${name}: ${globals.verbose ? message : withoutStackFrames(message)}${code}\n`);
    if (globals.verbose && error instanceof Error && error.stack) stderr.write(`${error.stack}\n`);
    return exitCodes.failed;
  }
}

async function usage(): Promise<string> {
  const lines = [globalUsage, '', 'Commands:'];
  for (const [name, load] of Object.entries(commands)) {
    const command = await load().catch(() => undefined);
    if (!command || command.unavailable) continue;
    lines.push(`  ${name.padEnd(12)} ${command.summary}`);
  }
  return `${lines.join('\n')}\n`;
}

if (import.meta.main) {
  process.exitCode = await main(process.argv.slice(2));
}
