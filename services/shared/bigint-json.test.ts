import { describe, expect, it } from 'vitest';
import { parseJsonWithBigInts, stringifyJsonWithBigInts } from './bigint-json.ts';

describe('bigint JSON codec', () => {
  it('writes bigints as decimal strings and reads them back only at the declared paths', () => {
    const value = { price: { amountMinor: 900719925474099312n }, note: { amountMinor: '42' } };
    const json = stringifyJsonWithBigInts(value);
    expect(json).toBe('{"price":{"amountMinor":"900719925474099312"},"note":{"amountMinor":"42"}}');
    // `note.amountMinor` has the same property name but is not declared: it stays a string.
    expect(parseJsonWithBigInts(json, ['price.amountMinor'])).toEqual(value);
  });

  it('matches any one property with *, and leaves absent paths alone', () => {
    const json = '{"a":{"total":"1"},"b":{"total":"-2"},"c":{}}';
    expect(parseJsonWithBigInts(json, ['*.total', 'd.total'])).toEqual({ a: { total: 1n }, b: { total: -2n }, c: {} });
  });

  it('refuses a declared path that holds no decimal integer (a JSON number may have lost digits already)', () => {
    expect(() => parseJsonWithBigInts('{"price":{"amountMinor":1.5}}', ['price.amountMinor'])).toThrow(/price\.amountMinor/);
    expect(() => parseJsonWithBigInts('{"price":{"amountMinor":9007199254740993}}', ['price.amountMinor'])).toThrow(/not a decimal integer/);
  });
});
