import { expect, test } from 'vitest';
import { base64FromBytes, bytesFromBase64 } from './codec-support.ts';

test.each([
  { bytes: [], text: '' },
  { bytes: [0x66], text: 'Zg==' },
  { bytes: [0x66, 0x6f], text: 'Zm8=' },
  { bytes: [0x66, 0x6f, 0x6f], text: 'Zm9v' },
  { bytes: [0xfb, 0xff, 0xbf], text: '+/+/' },
])('base64 of $bytes is $text, and back', ({ bytes, text }) => {
  expect(base64FromBytes(Uint8Array.from(bytes))).toBe(text);
  expect([...bytesFromBase64(text, 'data')]).toEqual(bytes);
});

test('reads URL-safe and unpadded base64, and a view into a larger buffer', () => {
  expect([...bytesFromBase64('-_-_', 'data')]).toEqual([0xfb, 0xff, 0xbf]);
  expect([...bytesFromBase64('Zm8', 'data')]).toEqual([0x66, 0x6f]);
  const view = new Uint8Array(Uint8Array.from([1, 0x66, 0x6f, 2]).buffer, 1, 2);
  expect(base64FromBytes(view)).toBe('Zm8=');
});

test('refuses text that is not base64, naming the field', () => {
  expect(() => bytesFromBase64('Zm9v!', 'movie.poster')).toThrow('movie.poster: invalid base64');
  expect(() => bytesFromBase64('Zm 9v', 'x')).toThrow(/invalid base64/);
});
