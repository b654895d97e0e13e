import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { ClientClosedError, ErrorReply, MultiErrorReply, SocketClosedUnexpectedlyError, TimeoutError } from 'redis';
import { deadLetterReasons, errorCodes, DeadLetterError, HeraldError, isDeadLetterError, isHeraldError, isInfrastructureError, isNotReadyError, NotReadyError } from './errors.ts';

const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
// The runtime's own section; the services' codes are checked by services/shared/errors.test.ts.
const runtimeSection = doc.slice(doc.indexOf('## Runtime codes'), doc.indexOf('\n## ', doc.indexOf('## Runtime codes') + 1));
const documented = new Map([...runtimeSection.matchAll(/^\| `(HERALD_ERR_\w+)` \| (\d{3}) \| (.+) \|$/gm)].map((m) => [m[1]!, Number(m[2])]));

test('every runtime error code is documented with its HTTP status, and no documented code is stale', () => {
  const declared = new Map(Object.entries(errorCodes).map(([code, { status }]) => [code, status]));
  expect([...documented.keys()].sort()).toEqual([...declared.keys()].sort());
  for (const [code, status] of declared) expect(documented.get(code), code).toBe(status);
});

test('every dead-letter reason is documented', () => {
  for (const reason of deadLetterReasons) {
    expect(doc).toContain(`| \`${reason}\` |`);
  }
});

test('guards recognise each error by name and code', () => {
  const dead = new DeadLetterError('undecodable', 'bad bytes');
  const early = new NotReadyError('waiting for version 3');
  expect(isHeraldError(dead) && isDeadLetterError(dead) && !isNotReadyError(dead)).toBe(true);
  expect(isNotReadyError(early) && !isDeadLetterError(early)).toBe(true);
  expect(new HeraldError('HERALD_ERR_EVENT_TOO_LARGE', 'event e1 is too large').statusCode).toBe(413);
  expect(isHeraldError(new Error('plain'))).toBe(false);
});

// Built from node-redis's own classes (this test may import Redis; the core itself never does).
test.each([
  { name: 'NOPERM reply', error: new ErrorReply("NOPERM User sales has no permissions to run the 'evalsha' command"), infrastructure: true },
  { name: 'OOM reply', error: new ErrorReply("OOM command not allowed when used memory > 'maxmemory'."), infrastructure: true },
  { name: 'BUSY reply', error: new ErrorReply('BUSY Redis is busy running a script.'), infrastructure: true },
  { name: 'LOADING reply', error: new ErrorReply('LOADING Redis is loading the dataset in memory'), infrastructure: true },
  { name: 'socket closed', error: new SocketClosedUnexpectedlyError(), infrastructure: true },
  { name: 'client closed', error: new ClientClosedError(), infrastructure: true },
  { name: 'command timeout', error: new TimeoutError('Command timeout'), infrastructure: true },
  { name: 'connection refused', error: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' }), infrastructure: true },
  { name: 'OOM inside a MULTI', error: new MultiErrorReply([new ErrorReply('OOM command not allowed')], [0]), infrastructure: true },
  { name: 'a cause that is NOPERM', error: new Error('apply failed', { cause: new ErrorReply('NOPERM no permissions') }), infrastructure: true },
  { name: 'MOVED reply (a pipeline to a slot that moved)', error: new ErrorReply('MOVED 7418 127.0.0.1:35507'), infrastructure: true },
  { name: 'ASK reply (a pipeline to a slot being migrated)', error: new ErrorReply('ASK 7418 127.0.0.1:35507'), infrastructure: true },
  { name: 'WRONGTYPE reply (a bug, not an outage)', error: new ErrorReply('WRONGTYPE Operation against a key holding the wrong kind of value'), infrastructure: false },
  { name: 'a handler verdict', error: new Error('price must not be negative'), infrastructure: false },
  { name: 'a dead-letter verdict', error: new DeadLetterError('rejected', 'no'), infrastructure: false },
])('isInfrastructureError: $name -> $infrastructure', ({ error, infrastructure }) => {
  expect(isInfrastructureError(error)).toBe(infrastructure);
});
