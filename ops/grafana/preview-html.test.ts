import { describe, expect, it } from 'vitest';
import { formatValue, renderPreview } from './preview-html.ts';

describe('dashboard preview page', () => {
  it('draws a chart per time series panel and a number per stat panel, escaped, with no script', () => {
    const html = renderPreview('Herald <services>', 'from real data', [
      { title: 'Requests', description: '', type: 'timeseries', unit: 'reqps', series: [{ legend: 'catalog /movies 201', points: [[0, 1], [2, 3]] }] },
      { title: 'Dead letters', description: '', type: 'stat', unit: 'short', series: [{ legend: 'catalog.movie.v1.dlq', points: [[0, 7]] }] },
      { title: 'Empty', description: '', type: 'timeseries', unit: 's', series: [] },
    ]);
    expect(html).toContain('Herald &lt;services&gt;');
    expect(html.match(/<section class="panel/g)).toHaveLength(3);
    expect(html).toMatch(/<path d="M[\d.]+,[\d.]+L[\d.]+,[\d.]+"/);
    expect(html).toContain('<span class="big">7</span>');
    expect(html).toContain('no data');
    expect(html).not.toContain('<script');
  });

  it.each([
    [0.0123, 's', '12.3 ms'], [2.5, 's', '2.50 s'], [3 * 1024 * 1024, 'bytes', '3.0 MiB'], [0.042, 'percentunit', '4.2 %'], [4.2, 'ops', '4.20/s'], [7, 'short', '7'],
  ])('formats %s %s as %s', (value, unit, text) => {
    expect(formatValue(value, unit)).toBe(text);
  });
});
