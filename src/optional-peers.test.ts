// A missing optional peer is named with the exact line that installs it, at the version herald pins.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { installLine, isResolvable, requirePeers } from './optional-peers.ts';

const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { devDependencies: Record<string, string> };

describe('optional peers', () => {
  it('names the exact npm install line, pinned to the version herald is tested with', () => {
    expect(installLine(['@pact-foundation/pact'])).toBe(`npm install -D @pact-foundation/pact@${manifest.devDependencies['@pact-foundation/pact']}`);
    expect(installLine(['@asyncapi/generator', '@asyncapi/html-template'])).toBe(
      `PUPPETEER_SKIP_DOWNLOAD=1 npm install -D @asyncapi/generator@${manifest.devDependencies['@asyncapi/generator']} @asyncapi/html-template@${manifest.devDependencies['@asyncapi/html-template']}`);
  });

  it('throws HERALD_ERR_TOOL with that line for the missing ones only, and never says npm ci', () => {
    const installed = (name: string) => name === '@asyncapi/generator';
    let thrown: unknown;
    try {
      requirePeers(['@asyncapi/generator', '@asyncapi/html-template'], 'herald docs', installed);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ code: 'HERALD_ERR_TOOL' });
    const message = (thrown as Error).message;
    expect(message).toContain(`Install it with: PUPPETEER_SKIP_DOWNLOAD=1 npm install -D @asyncapi/html-template@${manifest.devDependencies['@asyncapi/html-template']}`);
    expect(message).not.toContain('@asyncapi/generator@');
    expect(message).not.toMatch(/npm ci/);
  });

  it('finds the peers installed here, and not a package that does not exist', () => {
    expect(isResolvable('@pact-foundation/pact')).toBe(true);
    expect(isResolvable('@asyncapi/html-template')).toBe(true);
    expect(isResolvable('herald-no-such-package')).toBe(false);
  });
});
