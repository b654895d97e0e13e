// How every `herald` command reads its arguments: node:util parseArgs, strict, with one error type for
// bad usage (exit 2). It never prints and never exits; main.ts turns a UsageError into one line.
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** The command was called wrongly: unknown option, missing value, bad value, stray argument. Exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  /** Whether to point at `herald <command> --help`: yes for a bad option, no when the message says what to do. */
  readonly helpHint: boolean;
  constructor(message: string, options: { helpHint?: boolean } = {}) {
    super(message);
    this.helpHint = options.helpHint ?? true;
  }
}

export function isUsageError(error: unknown): error is UsageError {
  return error instanceof Error && error.name === 'UsageError';
}

export type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

/** parseArgs's messages, cut to what a person needs (they otherwise explain `--` at length). */
function usageMessage(error: Error & { code?: string }): string {
  const text = error.message;
  if (error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option ${/'([^']+)'/.exec(text)?.[1] ?? text}`;
  if (error.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return `unexpected argument ${/'([^']*)'/.exec(text)?.[1] ?? text}`;
  if (error.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    // "Option '-o, --out <value>' argument missing", or "... argument is ambiguous" when another flag follows.
    const missing = /Option '(?:-\w, )?(--[\w-]+)(?: <value>)?' argument (?:missing|is ambiguous)/.exec(text);
    if (missing) return `${missing[1]} needs a value`;
  }
  return text;
}

/**
 * Strict parseArgs for one command: every option must be declared, values must be present. Options
 * given twice keep the last value, as most CLIs do. Positionals only when `positionals` is true.
 */
export function parseCommandArgs<T extends OptionsConfig>(args: string[], options: T, config: { positionals?: boolean } = {}) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: config.positionals ?? false });
  } catch (error) {
    const e = error as Error & { code?: string };
    if (e.code?.startsWith('ERR_PARSE_ARGS_')) throw new UsageError(usageMessage(e));
    throw error;
  }
}

/** An option value that must be one of `allowed`; anything else is a usage error naming them. */
export function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${flag} must be one of ${allowed.join(', ')}, not "${value}"`);
}

/** A TCP port option (0 lets the system pick, when `allowZero`). */
export function portOption(flag: string, value: string, allowZero = false): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535 || (!allowZero && port === 0)) throw new UsageError(`${flag} must be a TCP port (${allowZero ? 0 : 1}-65535), not "${value}"`);
  return port;
}
