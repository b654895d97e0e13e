// Server-side code as Redis Functions: libraries installed once by a deployer (an admin connection,
// `herald redis setup` or `herald dev`), called by services with FCALL. Services never send a script body:
// their ACL users may FCALL and nothing else of scripting, so no service can run arbitrary Lua.
import { createHash } from 'node:crypto';
import { HeraldError } from '../core/errors.ts';
import { sendToEveryMaster } from './cluster-connection.ts';
import type { RedisConnection, RedisValue } from './connection.ts';
import { pipelineWithWait, type WaitForReplicas } from './replica-wait.ts';

export type { WaitForReplicas } from './replica-wait.ts';
import { inboxLua } from './inbox.ts';
import { outboxLua } from './outbox.ts';
import { safeTrimLua } from './safe-trim.ts';

/** One Redis Functions library: its name and the Lua body that registers its functions. */
export interface FunctionLibrary {
  /** Library name (FUNCTION LOAD's `#!lua name=`), for example `herald` or `sales`. */
  readonly name: string;
  /** Lua that calls `redis.register_function`; it may use the prelude's `herald.*` helpers. */
  readonly body: string;
}

/**
 * Lua every library starts with: the runtime's patterns, as locals under `herald`. A library cannot
 * call another library's Lua, so the patterns travel as source, written once here.
 */
export const functionPrelude = `local herald = {}\n${outboxLua}\n${inboxLua}\n`;

/** The runtime's own library: the retention trim (retention.ts) the producers call. */
export const runtimeLibrary: FunctionLibrary = {
  name: 'herald',
  body: `redis.register_function('herald_trim_safely', function(keys, args)\n${safeTrimLua}\nend)\n`,
};

/** A fingerprint of what a library runs (prelude and body): 16 hex digits of SHA-256. */
export function libraryFingerprint(library: FunctionLibrary): string {
  return createHash('sha256').update(functionPrelude).update(library.body).digest('hex').slice(0, 16);
}

/** The read-only function every library gets, answering its fingerprint: `<name>_version`. */
export function versionFunction(library: FunctionLibrary): string {
  return `${library.name}_version`;
}

/** The full FUNCTION LOAD source of a library: shebang, prelude, body, and its version function. */
export function librarySource(library: FunctionLibrary): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(library.name)) {
    throw new HeraldError('HERALD_ERR_CONFIG', `function library name "${library.name}" must be letters, digits and _`, { library: library.name });
  }
  const version = `redis.register_function{function_name='${versionFunction(library)}', callback=function() return '${libraryFingerprint(library)}' end, flags={'no-writes'}}\n`;
  return `#!lua name=${library.name}\n${functionPrelude}${library.body}${version}`;
}

/**
 * Fails fast, naming the fix, when Redis lacks `library` or holds another version of it (the code was
 * upgraded and `herald redis setup` was not run): a function with other arguments would misbehave, not fail.
 * Needs only FCALL_RO, which every service user has.
 */
export async function assertLibraryInstalled(redis: RedisConnection, library: FunctionLibrary): Promise<void> {
  const wanted = libraryFingerprint(library);
  let installed: string;
  try {
    installed = String(await redis.sendCommand(['FCALL_RO', versionFunction(library), '0']));
  } catch (error) {
    if (error instanceof Error && /Function not found/i.test(error.message)) {
      throw new HeraldError('HERALD_ERR_CONFIG', `Redis has no function library "${library.name}"; run \`herald redis setup\` (herald dev does it for you)`, { library: library.name }, { cause: error });
    }
    throw error;
  }
  if (installed !== wanted) {
    throw new HeraldError('HERALD_ERR_CONFIG', `Redis holds version ${installed} of function library "${library.name}", this code needs ${wanted}; run \`herald redis setup\``, { library: library.name, installed, wanted });
  }
}

/**
 * Installs (or replaces) libraries. Needs a connection allowed to run FUNCTION LOAD (an operator's,
 * never a service's). Returns the names loaded, in order.
 */
export async function loadFunctionLibraries(admin: RedisConnection, libraries: readonly FunctionLibrary[]): Promise<string[]> {
  const loaded: string[] = [];
  for (const library of libraries) {
    try {
      // On a cluster every master needs the library (its replicas get it by replication).
      await sendToEveryMaster(admin, ['FUNCTION', 'LOAD', 'REPLACE', librarySource(library)]);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new HeraldError('HERALD_ERR_CONFIG', `cannot load Redis function library "${library.name}": ${message}`, { library: library.name }, { cause: error });
    }
    loaded.push(library.name);
  }
  return loaded;
}

/**
 * Calls an installed function. A missing function becomes one line that says what to run; every
 * other error (a refused command, OOM, a connection loss) is Redis' own and reaches the caller.
 */
export async function fcall(redis: RedisConnection, name: string, keys: readonly RedisValue[], args: readonly RedisValue[], options: FcallOptions = {}): Promise<unknown> {
  const command = ['FCALL', name, String(keys.length), ...keys, ...args];
  try {
    if (!options.waitForReplicas) return await redis.sendCommand(command);
    return await callAndWait(redis, command, options.waitForReplicas);
  } catch (error) {
    if (error instanceof Error && /Function not found/i.test(error.message)) {
      throw new HeraldError('HERALD_ERR_CONFIG', `Redis function ${name} is not installed; run \`herald redis setup\` (herald dev does it for you)`, { function: name }, { cause: error });
    }
    throw error;
  }
}


export interface FcallOptions {
  /**
   * Confirm the function's writes reached this many replicas before answering (WAIT in the same pipeline,
   * so on a cluster it reaches the master that ran the function); fewer in time throws
   * HERALD_ERR_NOT_REPLICATED: a failover could lose the write, so it is reported as failed.
   */
  waitForReplicas?: WaitForReplicas;
}

/** Sends one write and WAIT in one pipeline (one node on a cluster: routed by the write's first key). */
async function callAndWait(redis: RedisConnection, command: RedisValue[], wait: WaitForReplicas): Promise<unknown> {
  return (await pipelineWithWait(redis, [command], wait))[0];
}

/** Confirms that every write this connection sent to `stream`'s node so far reached the replicas (XLEN + WAIT). */
export async function waitForStreamReplicas(redis: RedisConnection, stream: string, wait: WaitForReplicas): Promise<void> {
  await callAndWait(redis, ['XLEN', stream], wait);
}
