// Server-side code as Redis Functions: libraries installed once by a deployer (an admin connection,
// `herald redis setup` or `herald dev`), called by services with FCALL. Services never send a script body:
// their ACL users may FCALL and nothing else of scripting, so no service can run arbitrary Lua.
import { HeraldError } from '../core/errors.ts';
import type { RedisConnection, RedisValue } from './connection.ts';
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

/** The full FUNCTION LOAD source of a library: shebang, prelude, body. */
export function librarySource(library: FunctionLibrary): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(library.name)) {
    throw new HeraldError('HERALD_ERR_CONFIG', `function library name "${library.name}" must be letters, digits and _`, { library: library.name });
  }
  return `#!lua name=${library.name}\n${functionPrelude}${library.body}`;
}

/**
 * Installs (or replaces) libraries. Needs a connection allowed to run FUNCTION LOAD (an operator's,
 * never a service's). Returns the names loaded, in order.
 */
export async function loadFunctionLibraries(admin: RedisConnection, libraries: readonly FunctionLibrary[]): Promise<string[]> {
  const loaded: string[] = [];
  for (const library of libraries) {
    try {
      await admin.sendCommand(['FUNCTION', 'LOAD', 'REPLACE', librarySource(library)]);
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
export async function fcall(redis: RedisConnection, name: string, keys: readonly RedisValue[], args: readonly RedisValue[]): Promise<unknown> {
  try {
    return await redis.sendCommand(['FCALL', name, String(keys.length), ...keys, ...args]);
  } catch (error) {
    if (error instanceof Error && /Function not found/i.test(error.message)) {
      throw new HeraldError('HERALD_ERR_CONFIG', `Redis function ${name} is not installed; run \`herald redis setup\` (herald dev does it for you)`, { function: name }, { cause: error });
    }
    throw error;
  }
}
