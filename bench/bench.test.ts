// Smoke run of every benchmark with tiny N, so none of them rots: each must produce a sane, positive
// figure and results.md must get the table. No timed assertions: quick figures mean nothing.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { benchmarks, runBenchmarks, type BenchRunResult } from './run.ts';

const dir = mkdtempSync(join(tmpdir(), 'herald-bench-test-'));
const resultsFile = join(dir, 'results.md');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let result: BenchRunResult;

/** First number in a table cell, with its k/M suffix applied ("12.3 k events/s" -> 12300). */
function figure(cell: string): number {
  const match = /(\d+(?:\.\d+)?)\s*(k|M)?/.exec(cell);
  if (!match) return Number.NaN;
  return Number(match[1]) * (match[2] === 'M' ? 1e6 : match[2] === 'k' ? 1e3 : 1);
}

test('every benchmark runs in quick mode and reports a positive figure', async () => {
  result = await runBenchmarks({ quick: true, resultsFile, log: () => {} });
  expect(result.failures).toEqual([]);
  for (const [number, benchmark] of benchmarks.entries()) {
    const rows = result.rows.filter((row) => row.benchmark.startsWith(`${number + 1}.`));
    expect(rows.length, benchmark.name).toBeGreaterThan(0);
    for (const row of rows) {
      expect(figure(row.herald), `${row.benchmark}: ${row.herald}`).toBeGreaterThan(0);
      if (row.baseline !== '–') expect(figure(row.baseline), `${row.benchmark}: ${row.baseline}`).toBeGreaterThan(0);
      if (row.ratio !== '–') expect(figure(row.ratio), `${row.benchmark}: ratio`).toBeGreaterThan(0);
    }
  }
}, 240_000);

test('results.md gets the table and the machine it ran on', () => {
  const markdown = readFileSync(resultsFile, 'utf8');
  expect(markdown).toBe(result.markdown);
  expect(markdown).toContain('| Benchmark | Herald | Raw baseline | Ratio | Goal | Met |');
  expect(markdown.split('\n').filter((line) => /^\| \d\. /.test(line))).toHaveLength(result.rows.length);
  expect(markdown).toMatch(/\d+ cores/);
  expect(markdown).toMatch(/Node v\d+/);
  expect(markdown).toMatch(/Redis \d+\.\d+/);
  expect(markdown).toContain('appendonly yes');
});
