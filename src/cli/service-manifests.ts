// Per-service manifests: `services/<name>/manifest.json` says what a generic layer needs to know about a
// service (name, key prefix, default port, roles, its Redis Functions library and the Redis commands its
// own code sends). `herald dev`, `herald redis setup`, the ACL users and the test harness read them, so
// adding a service is its folder plus its manifest. This module never imports a service's code.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HeraldError } from '../runtime/core/errors.ts';
import { runtimeLibrary, type FunctionLibrary } from '../runtime/redis/functions.ts';

export interface ServiceManifest {
  /** The service's name, as the contract's operations call it (`x-herald-service`). */
  name: string;
  description?: string;
  /** Every key the service owns starts with `<keyPrefix>:`. */
  keyPrefix: string;
  /** Default HTTP port (`herald dev` and PORT's default). */
  port: number;
  /** Roles `main.ts` can run (`--roles=`); every one by default. */
  roles: string[];
  /** Its Redis Functions library (Lua, relative to the folder), named after the service. */
  functions?: string;
  /** Redis commands the service's own code sends on its own keys (the runtime's come from redis-acl.ts). */
  redisCommands: string[];
  /** The folder it lives in. */
  dir: string;
}

const servicesDir = (root: string) => join(root, 'services');

function invalid(path: string, message: string): HeraldError {
  return new HeraldError('HERALD_ERR_CONFIG', `${path}: ${message}`, { path });
}

/** Reads and checks one manifest. */
export function readServiceManifest(dir: string): ServiceManifest {
  const path = join(dir, 'manifest.json');
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw invalid(path, `cannot read: ${error instanceof Error ? error.message : String(error)}`);
  }
  const name = raw.name;
  if (typeof name !== 'string' || !/^[a-z][a-z0-9_]*$/.test(name)) throw invalid(path, 'name must be lower-case letters, digits and _');
  const keyPrefix = raw.keyPrefix;
  if (typeof keyPrefix !== 'string' || !/^[a-z][a-z0-9_.-]*$/.test(keyPrefix)) throw invalid(path, 'keyPrefix must be a plain key prefix without ":" or "*"');
  const port = raw.port;
  if (!Number.isInteger(port) || (port as number) < 1 || (port as number) > 65535) throw invalid(path, 'port must be a TCP port');
  const strings = (field: string): string[] => {
    const value = raw[field] ?? [];
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && /^[a-z|_]+$/.test(v))) throw invalid(path, `${field} must be a list of lower-case names`);
    return value as string[];
  };
  const roles = strings('roles');
  if (roles.length === 0) throw invalid(path, 'roles must name at least one role');
  const functions = raw.functions;
  if (functions !== undefined && (typeof functions !== 'string' || !existsSync(join(dir, functions)))) throw invalid(path, `functions names no file in ${dir}`);
  return {
    name, keyPrefix, port: port as number, roles, redisCommands: strings('redisCommands'), dir,
    ...(typeof raw.description === 'string' ? { description: raw.description } : {}),
    ...(typeof functions === 'string' ? { functions } : {}),
  };
}

/** Every `services/<name>/manifest.json` under `root`, sorted by name; none when there is no services/ folder. */
export function readServiceManifests(root: string): ServiceManifest[] {
  const dir = servicesDir(root);
  if (!existsSync(dir)) return [];
  const manifests = readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, 'manifest.json')))
    .map((entry) => readServiceManifest(join(dir, entry.name)))
    .sort((a, b) => a.name.localeCompare(b.name));
  const prefixes = new Set<string>();
  for (const manifest of manifests) {
    if (prefixes.has(manifest.keyPrefix)) throw invalid(join(manifest.dir, 'manifest.json'), `keyPrefix "${manifest.keyPrefix}" is already another service's`);
    prefixes.add(manifest.keyPrefix);
  }
  return manifests;
}

/** A service's Redis Functions library, named after the service; undefined when it has none. */
export function serviceLibrary(manifest: ServiceManifest): FunctionLibrary | undefined {
  if (!manifest.functions) return undefined;
  return { name: manifest.name, body: readFileSync(join(manifest.dir, manifest.functions), 'utf8') };
}

/** What `herald redis setup` installs: the runtime's library, then every service's under `root`. */
export function functionLibraries(root: string): FunctionLibrary[] {
  return [runtimeLibrary, ...readServiceManifests(root).flatMap((m) => serviceLibrary(m) ?? [])];
}
