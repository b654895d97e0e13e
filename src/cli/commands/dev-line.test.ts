// How `herald dev` prints its children's lines: JSON stays JSON (pino-pretty and log shippers parse it),
// everything else gets the child's name in front.
import { describe, expect, it } from 'vitest';
import { devLine } from './dev.ts';

describe('herald dev output lines', () => {
  it('keeps a JSON log line byte for byte when it names its service', () => {
    const line = '{"level":30,"time":1,"service":"catalog","msg":"catalog listening on http://127.0.0.1:3001"}';
    expect(devLine('catalog', line)).toBe(line);
  });

  it('adds the service as a field, not a text prefix, to a JSON line without one', () => {
    const printed = devLine('sales', '{"level":40,"msg":"slow"}');
    expect(JSON.parse(printed)).toEqual({ service: 'sales', level: 40, msg: 'slow' });
  });

  it.each([
    ['a pretty line', '[10:00:00.000] INFO (catalog): request completed'],
    ['a crash on stderr', 'catalog: failed to start: cannot reach Redis'],
    ['broken JSON', '{"level":30,'],
    ['a JSON array', '[1,2]'],
  ])('prefixes %s with the child name', (_name, line) => {
    expect(devLine('catalog', line)).toBe(`[catalog] ${line}`);
  });
});
