// Entry point of the `herald` command: parses the subcommand and hands over to its module.
// It never does the work itself, so each command stays small and loads only what it needs.
import { isHeraldError } from '../runtime/core/errors.ts';

export interface CommandModule {
  /** One line for `herald help`. */
  readonly summary: string;
  /** Runs the command; returns the process exit code. */
  run(args: string[], context: CommandContext): Promise<number>;
}

export interface CommandContext {
  /** Directory the command works in (the project root): `--cwd` or the current directory. */
  readonly cwd: string;
  readonly verbose: boolean;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

/** Each subcommand lives in ./commands/<name>.ts and is imported only when called. */
const commands: Record<string, () => Promise<CommandModule>> = {
  generate: async () => (await import('./commands/generate.ts')).command,
  check: async () => (await import('./commands/check.ts')).command,
  docs: async () => (await import('./commands/docs.ts')).command,
  replay: async () => (await import('./commands/replay.ts')).command,
  inspect: async () => (await import('./commands/inspect.ts')).command,
  dev: async () => (await import('./commands/dev.ts')).command,
  fingerprint: async () => (await import('./commands/fingerprint.ts')).command,
  schemas: async () => (await import('./commands/schemas.ts')).command,
};

export async function main(argv: string[]): Promise<number> {
  const verbose = argv.includes('--verbose');
  let args = argv.filter((a) => a !== '--verbose');
  let cwd = process.cwd();
  const cwdAt = args.indexOf('--cwd');
  if (cwdAt >= 0 && args[cwdAt + 1]) {
    cwd = args[cwdAt + 1]!;
    args = [...args.slice(0, cwdAt), ...args.slice(cwdAt + 2)];
  }
  const [name, ...rest] = args;
  const context: CommandContext = { cwd, verbose, stdout: process.stdout, stderr: process.stderr };
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    context.stdout.write(await usage());
    return name ? 0 : 1;
  }
  const load = commands[name];
  if (!load) {
    context.stderr.write(`herald: unknown command "${name}". Run \`herald help\` for the list.\n`);
    return 2;
  }
  try {
    return await (await load()).run(rest, context);
  } catch (error) {
    // One human line; the stack only with --verbose.
    const message = error instanceof Error ? error.message : String(error);
    const code = isHeraldError(error) ? ` [${error.code}]` : '';
    context.stderr.write(`herald ${name}: ${message}${code}\n`);
    if (verbose && error instanceof Error && error.stack) context.stderr.write(`${error.stack}\n`);
    return 1;
  }
}

async function usage(): Promise<string> {
  const lines = ['Usage: herald <command> [options] [--cwd <dir>] [--verbose]', '', 'Commands:'];
  for (const [name, load] of Object.entries(commands)) {
    const summary = await load().then((c) => c.summary, () => '(not available)');
    lines.push(`  ${name.padEnd(12)} ${summary}`);
  }
  return `${lines.join('\n')}\n`;
}

if (import.meta.main) {
  process.exitCode = await main(process.argv.slice(2));
}
