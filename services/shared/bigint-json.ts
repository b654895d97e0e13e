// JSON with bigints, for stored state: a bigint is written as a decimal string and read back as a bigint
// at the paths its codec declares (`price.amountMinor`, `*.price.amountMinor`), never by guessing from a
// property's name. It never reads a bigint from a JSON number: those may already have lost digits.
import { DomainError } from './errors.ts';

export function stringifyJsonWithBigInts(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

/**
 * Parses `json` and turns the decimal strings at `paths` into bigints. A path is dot-separated; `*`
 * matches any one property (each member of a union, say). A missing path is left alone.
 */
export function parseJsonWithBigInts<T>(json: string, paths: readonly string[]): T {
  const value = JSON.parse(json) as unknown;
  for (const path of paths) revive(value, path.split('.'), path);
  return value as T;
}

function revive(node: unknown, steps: string[], path: string): void {
  if (node === null || typeof node !== 'object') return;
  const [step, ...rest] = steps;
  const record = node as Record<string, unknown>;
  const keys = step === '*' ? Object.keys(record) : [step!];
  for (const key of keys) {
    if (!Object.hasOwn(record, key)) continue;
    if (rest.length > 0) {
      revive(record[key], rest, path);
      continue;
    }
    const raw = record[key];
    if (typeof raw === 'bigint') continue;
    if (typeof raw !== 'string' || !/^-?\d+$/.test(raw)) {
      throw new DomainError('HERALD_ERR_INTERNAL', `stored JSON holds ${JSON.stringify(raw)} at ${path}, not a decimal integer`, { path });
    }
    record[key] = BigInt(raw);
  }
}
