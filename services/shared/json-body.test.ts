import { describe, expect, it } from 'vitest';
import { bodyDefect, duplicateKeyPath, parseJsonBody } from './json-body.ts';

describe('duplicateKeyPath', () => {
  it.each([
    { text: '{"a":1,"b":2}', expect: undefined },
    { text: '{"a":1,"a":2}', expect: 'body.a' },
    { text: '{"a":{"b":1,"c":{"b":2}},"b":3}', expect: undefined },
    { text: '{"a":{"b":1,"b":2}}', expect: 'body.a.b' },
    { text: '[{"a":1},{"a":1}]', expect: undefined },
    { text: '[{"a":1},{"x":[1,{"k":1,"k":2}]}]', expect: 'body.1.x.1.k' },
    { text: '{"s":"a\\"b,\\\\","t":"{\\"s\\":1}","s":0}', expect: 'body.s' },
    { text: '{"\\u0061":1,"a":2}', expect: 'body.a' },
    { text: '{"k":"v","v":"k"}', expect: undefined },
  ])('$text -> $expect', ({ text, expect: expected }) => {
    JSON.parse(text); // every case is valid JSON
    expect(duplicateKeyPath(text)).toBe(expected);
  });
});

describe('bodyDefect', () => {
  it('names a lone surrogate in a key or a value, and accepts a surrogate pair', () => {
    expect(bodyDefect(JSON.parse('{"t":"x\\ud800y"}'))).toEqual({ field: 'body.t', problem: 'is not valid UTF-8 (lone surrogate)' });
    expect(bodyDefect(JSON.parse('{"a":["ok","\\udc00"]}'))).toEqual({ field: 'body.a.1', problem: 'is not valid UTF-8 (lone surrogate)' });
    expect(bodyDefect(JSON.parse('{"\\ud800":1}'))?.problem).toMatch(/key that is not valid UTF-8/);
    expect(bodyDefect(JSON.parse('{"t":"\\ud83c\\udfac"}'))).toBeUndefined();
  });

  it('stops at 16 levels however deep the body goes, without recursion', () => {
    const deep = JSON.parse('['.repeat(100_000) + ']'.repeat(100_000));
    expect(bodyDefect(deep)?.problem).toBe('is nested deeper than 16 levels');
    expect(() => parseJsonBody('{"a":' + '['.repeat(100_000) + ']'.repeat(100_000) + '}')).toThrow(/body\.a\.0\.0.* is nested deeper than 16 levels/);
  });
});
