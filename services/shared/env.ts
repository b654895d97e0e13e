// Reads service configuration from environment variables, failing with HERALD_ERR_CONFIG naming the
// variable. It never logs values: some are secrets.
import { HeraldError } from 'herald/runtime';

export type Env = Record<string, string | undefined>;

export function envString(env: Env, name: string, fallback: string): string {
  const value = env[name];
  return value === undefined || value === '' ? fallback : value;
}

export function envOptional(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

export function envInt(env: Env, name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new HeraldError('HERALD_ERR_CONFIG', `${name} must be an integer between ${min} and ${max}, got "${raw}"`, { field: name });
  }
  return value;
}

/** Roles a process runs, from `--roles=a,b` or ROLES; every known role when neither is given. */
export function envRoles<R extends string>(env: Env, argv: readonly string[], known: readonly R[]): R[] {
  const flag = argv.find((a) => a.startsWith('--roles='))?.slice('--roles='.length);
  const raw = flag ?? env.ROLES;
  if (!raw) return [...known];
  const roles = raw.split(',').map((r) => r.trim()).filter(Boolean);
  for (const role of roles) {
    if (!known.includes(role as R)) {
      throw new HeraldError('HERALD_ERR_CONFIG', `unknown role "${role}"; known roles: ${known.join(', ')}`, { field: 'ROLES' });
    }
  }
  return roles as R[];
}
