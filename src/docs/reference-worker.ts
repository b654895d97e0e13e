// Child process that runs the official @asyncapi/generator with @asyncapi/html-template on one
// bundled AsyncAPI document. Argv: <document.json> <outDir> <templateDir> <params JSON>. Never installs.
import { createRequire } from 'node:module';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

const [documentPath, outDir, templateDir, paramsJson] = process.argv.slice(2);
if (!documentPath || !outDir || !templateDir || !paramsJson) {
  process.stderr.write('usage: reference-worker.ts <document.json> <outDir> <templateDir> <params JSON>\n');
  process.exit(2);
}

// The generator resolves a global `npm` when its module loads, only to install templates, which we
// never do (the template is passed by path). Node distributions without npm beside them make that
// lookup throw, so an inert stand-in is put where its resolver looks (NODE_MODULES).
const shimRoot = join(tmpdir(), 'herald-generator-npm-shim');
mkdirSync(join(shimRoot, 'node_modules', 'npm'), { recursive: true });
writeFileSync(join(shimRoot, 'node_modules', 'npm', 'package.json'), '{"name":"npm","version":"0.0.0","main":"index.js"}\n');
writeFileSync(join(shimRoot, 'node_modules', 'npm', 'index.js'), 'module.exports = {};\n');
process.env['NODE_MODULES'] = [shimRoot, process.env['NODE_MODULES']].filter(Boolean).join(':');

const require = createRequire(join(templateDir, 'package.json'));
const Generator = require('@asyncapi/generator') as new (
  template: string,
  target: string,
  options: Record<string, unknown>,
) => { generateFromString(text: string, options?: Record<string, unknown>): Promise<void> };

const generator = new Generator(templateDir, outDir, {
  forceWrite: true,
  install: false,
  // Compile the template here: its shipped transpiled copy requires react's jsx-runtime by an absolute
  // path from the template's own CI machine, which exists nowhere else (a fresh clone fails on it).
  compile: true,
  templateParams: JSON.parse(paramsJson) as Record<string, string>,
});
await generator.generateFromString(readFileSync(documentPath, 'utf8'));
