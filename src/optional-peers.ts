// Herald's optional peer packages (the Pact core, the AsyncAPI generator and its HTML template): heavy
// tools only some commands need. This module finds them and, when one is missing, names the exact
// `npm install` line. It never installs anything.
import { readFileSync } from 'node:fs';
import { HeraldError } from './runtime/core/errors.ts';

export type OptionalPeer = '@pact-foundation/pact' | '@asyncapi/generator' | '@asyncapi/html-template';

/** Herald's own package.json sits one level above this module, in the source tree (src/) and in dist/ alike. */
function heraldManifest(): { peerDependencies?: Record<string, string> } {
  return JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { peerDependencies?: Record<string, string> };
}

/** `name@version`, the version Herald is tested with (the lower bound of its peer range). */
export function peerSpec(name: OptionalPeer): string {
  const range = heraldManifest().peerDependencies?.[name];
  const version = range?.replace(/^[\^~>=\s]+/, '');
  return version ? `${name}@${version}` : name;
}

/**
 * The one line a person runs to install the missing peers, pinned as Herald tests them. html-template
 * depends on puppeteer, whose install script downloads a Chrome that Herald never uses (it renders one
 * HTML page, no PDF), and fails where downloads are blocked: the line skips that download.
 */
export function installLine(names: readonly OptionalPeer[]): string {
  const skipBrowser = names.includes('@asyncapi/html-template') ? 'PUPPETEER_SKIP_DOWNLOAD=1 ' : '';
  return `${skipBrowser}npm install -D ${names.map(peerSpec).join(' ')}`;
}

/** Whether Node would resolve `name` from Herald's own modules (where the command imports it). */
export function isResolvable(name: string): boolean {
  try {
    // Every peer exposes its package.json (none has an `exports` map), and resolving it needs no entry point.
    import.meta.resolve(`${name}/package.json`);
    return true;
  } catch {
    return false;
  }
}

/** HERALD_ERR_TOOL for `what` (a command or page), naming the missing peers and the line that installs them. */
export function missingPeersError(missing: readonly OptionalPeer[], what: string): HeraldError {
  const them = missing.length === 1 ? 'it' : 'them';
  return new HeraldError('HERALD_ERR_TOOL', `${what} needs ${missing.join(' and ')} (optional peer${missing.length === 1 ? '' : 's'} of herald, not installed). Install ${them} with: ${installLine(missing)}`, { missing });
}

/** Throws missingPeersError when any of `names` does not resolve from Herald's modules. */
export function requirePeers(names: readonly OptionalPeer[], what: string, resolvable: (name: string) => boolean = isResolvable): void {
  const missing = names.filter((name) => !resolvable(name));
  if (missing.length > 0) throw missingPeersError(missing, what);
}
