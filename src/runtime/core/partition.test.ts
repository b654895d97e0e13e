import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { partitionOf } from './partition.ts';

describe('partitionOf', () => {
  it('matches the published CRC-32 check value and worked example', () => {
    // CRC-32/ISO-HDLC check value of "123456789" is 0xCBF43926 = 3421780262.
    expect(partitionOf('123456789', 1000)).toBe(3421780262 % 1000);
    // The worked example in the docs: crc32("movie-42") = 1442569498, so partition 1442569498 % 8 = 2.
    expect(partitionOf('movie-42', 8)).toBe(2);
  });

  it('agrees with Python zlib.crc32 on non-ASCII subjects', () => {
    const subjects = ['movie-1', 'ümlaut-é', '映画-7', '0192f0a8-7c3e-7b6a-9d2e-0c4f5a6b7c8d', '🎬'];
    const script = `import sys, zlib\nfor s in sys.argv[1:]: print(zlib.crc32(s.encode("utf-8")) % 16)`;
    const python = execFileSync('python3', ['-c', script, ...subjects], { encoding: 'utf8' }).trim().split('\n').map(Number);
    expect(subjects.map((s) => partitionOf(s, 16))).toEqual(python);
  });

  it('sends every event to partition 0 when there is one partition or no subject', () => {
    expect(partitionOf('movie-42', 1)).toBe(0);
    expect(partitionOf(undefined, 8)).toBe(0);
    expect(partitionOf('', 8)).toBe(0);
  });

  it('refuses a partition count that is not a positive integer up to the limit', () => {
    for (const bad of [0, -1, 1.5, 1025, Number.NaN]) expect(() => partitionOf('x', bad)).toThrow(/partitions must be an integer/);
  });

  it('spreads subjects evenly enough over partitions', () => {
    const counts = new Array(8).fill(0);
    for (let i = 0; i < 8000; i++) counts[partitionOf(`movie-${i}`, 8)]++;
    for (const c of counts) expect(c).toBeGreaterThan(800);
  });
});
