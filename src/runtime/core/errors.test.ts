import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { errorCodes, DeadLetterError, HeraldError, isDeadLetterError, isHeraldError, isNotReadyError, NotReadyError } from './errors.ts';

const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
const documented = new Map([...doc.matchAll(/^\| `(HERALD_ERR_\w+)` \| (\d{3}) \| (.+) \|$/gm)].map((m) => [m[1]!, Number(m[2])]));

test('every error code is documented with its HTTP status, and no documented code is stale', () => {
  const declared = new Map(Object.entries(errorCodes).map(([code, { status }]) => [code, status]));
  expect([...documented.keys()].sort()).toEqual([...declared.keys()].sort());
  for (const [code, status] of declared) expect(documented.get(code), code).toBe(status);
});

test('every dead-letter reason is documented', () => {
  for (const reason of ['invalid-envelope', 'unknown-schema', 'unknown-type', 'undecodable', 'max-deliveries', 'rejected', 'too-large']) {
    expect(doc).toContain(`| \`${reason}\` |`);
  }
});

test('guards recognise each error by name and code', () => {
  const dead = new DeadLetterError('undecodable', 'bad bytes');
  const early = new NotReadyError('waiting for version 3');
  expect(isHeraldError(dead) && isDeadLetterError(dead) && !isNotReadyError(dead)).toBe(true);
  expect(isNotReadyError(early) && !isDeadLetterError(early)).toBe(true);
  expect(new HeraldError('HERALD_ERR_NOT_FOUND', 'movie m1 not found').statusCode).toBe(404);
  expect(isHeraldError(new Error('plain'))).toBe(false);
});
