import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { catalogMovie } from '../../generated/channels/catalog-movie.ts';
import { salesPurchase } from '../../generated/channels/sales-purchase.ts';
import { command } from '../cli/commands/fingerprint.ts';
import { loadContract } from './contract.ts';
import { canonicalSchemaText, schemaFingerprint, schemaTextPath } from './fingerprint.ts';

const repoRoot = join(import.meta.dirname, '..', '..');

async function fingerprintCli(args: string[]): Promise<{ code: number; stdout: string }> {
  let stdout = '';
  const sink = new Writable({ write(chunk, _enc, done) { stdout += String(chunk); done(); } });
  const code = await command.run(args, { cwd: repoRoot, verbose: false, stdout: sink, stderr: sink });
  return { code, stdout };
}

describe('the schema fingerprint', () => {
  it.each([
    { name: 'already canonical', input: 'syntax = "proto3";\n\nmessage A {}\n', expected: 'syntax = "proto3";\n\nmessage A {}\n' },
    { name: 'CRLF line endings', input: 'syntax = "proto3";\r\nmessage A {}\r\n', expected: 'syntax = "proto3";\nmessage A {}\n' },
    { name: 'trailing blanks on a line', input: 'message A {}  \t\n', expected: 'message A {}\n' },
    { name: 'no final newline', input: 'message A {}', expected: 'message A {}\n' },
    { name: 'several final newlines', input: 'message A {}\n\n\n', expected: 'message A {}\n' },
    { name: 'a byte order mark', input: '\uFEFFmessage A {}\n', expected: 'message A {}\n' },
  ])('puts text in canonical form: $name', ({ input, expected }) => {
    expect(canonicalSchemaText(input)).toBe(expected);
  });

  it('is the first 16 hex digits of the SHA-256 of the UTF-8 bytes', () => {
    const text = '// prix en €\nmessage A {}\n';
    expect(schemaFingerprint(text)).toBe(createHash('sha256').update(Buffer.from(text, 'utf8')).digest('hex').slice(0, 16));
  });

  it('equals the sha256 of each shipped schema file, as generated code sends it', async () => {
    const generated = [...Object.values(catalogMovie.messages), ...Object.values(salesPurchase.messages)];
    for (const message of generated) {
      const bytes = readFileSync(join(repoRoot, 'generated', schemaTextPath(message.type)));
      const fingerprint = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
      expect(message.dataschema).toBe(`herald:${message.type}#sha256-${fingerprint}`);
    }
    const contract = await loadContract(repoRoot);
    expect(contract.messages.map((m) => m.protoType).sort()).toEqual(generated.map((m) => m.type).sort());
  });

  it('herald fingerprint --text prints exactly the hashed bytes', async () => {
    const { code, stdout } = await fingerprintCli(['herald.catalog.movie.v1.MovieCreated', '--text']);
    expect(code).toBe(0);
    expect(stdout).toBe(readFileSync(join(repoRoot, 'generated', schemaTextPath('herald.catalog.movie.v1.MovieCreated')), 'utf8'));
    const listed = await fingerprintCli(['MovieCreated']);
    expect(listed.stdout).toBe(`${schemaFingerprint(stdout)}  herald.catalog.movie.v1.MovieCreated  ${catalogMovie.messages.MovieCreated.dataschema}\n`);
  });
});
