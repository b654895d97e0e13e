#!/usr/bin/env node
// The `herald` command. In a packed install it runs the compiled dist/; in a checkout of the
// repository (no dist/), Node >= 24 runs the TypeScript sources directly.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const compiled = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const major = Number(process.versions.node.split('.')[0]);
if (!existsSync(compiled) && major < 24) {
  console.error(`herald: Node ${process.versions.node} is too old to run from source; use Node >= 24 (scripts/node24.sh).`);
  process.exit(1);
}
const { main } = await import(existsSync(compiled) ? '../dist/cli/main.js' : '../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
