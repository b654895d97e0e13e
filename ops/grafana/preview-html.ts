// Renders the dashboard's panels as one static, portal-styled HTML page from Prometheus query results:
// a line chart per time-series panel, a number per stat panel. No script, no network: it is only a
// picture of what ops/grafana/herald.json shows, for the README (Grafana itself is not packaged here).
import { portalCss } from '../../src/docs/portal-css.ts';

export interface PanelResult {
  title: string;
  description: string;
  type: 'timeseries' | 'stat';
  unit: string;
  /** One line per series: its legend and [unix seconds, value] points. */
  series: Array<{ legend: string; points: Array<[number, number]> }>;
}

const palette = ['#4f46e5', '#0e9f6e', '#c2410c', '#b45309', '#0891b2', '#7c3aed', '#db2777', '#65a30d'];

const escape = (text: string) => text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

export function formatValue(value: number, unit: string): string {
  if (!Number.isFinite(value)) return '–';
  if (unit === 'bytes') return value >= 1 << 20 ? `${(value / (1 << 20)).toFixed(1)} MiB` : `${(value / 1024).toFixed(1)} KiB`;
  if (unit === 's') return value >= 1 ? `${value.toFixed(2)} s` : `${(value * 1000).toFixed(value < 0.01 ? 2 : 1)} ms`;
  if (unit === 'percentunit') return `${(value * 100).toFixed(1)} %`;
  if (unit === 'reqps' || unit === 'ops') return `${value.toFixed(value < 10 ? 2 : 0)}/s`;
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}

function chart(panel: PanelResult): string {
  const width = 520;
  const height = 170;
  const pad = { left: 64, right: 8, top: 8, bottom: 22 };
  const points = panel.series.flatMap((s) => s.points);
  if (points.length === 0) return '<p class="empty">no data</p>';
  const t0 = Math.min(...points.map((p) => p[0]));
  const t1 = Math.max(...points.map((p) => p[0]));
  const max = Math.max(...points.map((p) => p[1]).filter(Number.isFinite), 0) || 1;
  const x = (t: number) => pad.left + ((t - t0) / Math.max(t1 - t0, 1)) * (width - pad.left - pad.right);
  const y = (v: number) => pad.top + (1 - v / max) * (height - pad.top - pad.bottom);
  const grid = [0, 0.5, 1].map((f) => `<line x1="${pad.left}" x2="${width - pad.right}" y1="${y(max * f)}" y2="${y(max * f)}" class="grid"/><text x="${pad.left - 6}" y="${y(max * f) + 4}" class="axis" text-anchor="end">${escape(formatValue(max * f, panel.unit))}</text>`).join('');
  const lines = panel.series.map((series, i) => {
    const d = series.points.filter((p) => Number.isFinite(p[1])).map((p, j) => `${j === 0 ? 'M' : 'L'}${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join('');
    return `<path d="${d}" fill="none" stroke="${palette[i % palette.length]}" stroke-width="1.8"/>`;
  }).join('');
  const minutes = ((t1 - t0) / 60).toFixed(1);
  return `<svg viewBox="0 0 ${width} ${height}" role="img" aria-label="${escape(panel.title)}">${grid}${lines}<text x="${width - pad.right}" y="${height - 4}" class="axis" text-anchor="end">last ${minutes} min</text></svg>`;
}

function legend(panel: PanelResult): string {
  return `<ul class="legend">${panel.series.slice(0, 6).map((s, i) => {
    const last = s.points.at(-1)?.[1] ?? Number.NaN;
    return `<li><i style="background:${palette[i % palette.length]}"></i>${escape(s.legend)} <b>${escape(formatValue(last, panel.unit))}</b></li>`;
  }).join('')}${panel.series.length > 6 ? `<li>+${panel.series.length - 6} more</li>` : ''}</ul>`;
}

function stat(panel: PanelResult): string {
  if (panel.series.length === 0) return '<p class="empty">no data</p>';
  return `<div class="stats">${panel.series.slice(0, 4).map((s) => `<div><span class="big">${escape(formatValue(s.points.at(-1)?.[1] ?? Number.NaN, panel.unit))}</span><span class="sub">${escape(s.legend)}</span></div>`).join('')}</div>`;
}

export function renderPreview(title: string, subtitle: string, panels: PanelResult[]): string {
  const cards = panels.map((panel) => `<section class="panel ${panel.type}"><h3>${escape(panel.title)}</h3>${panel.type === 'stat' ? stat(panel) : `${chart(panel)}${legend(panel)}`}</section>`).join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title><style>${portalCss}
body { padding: 20px 24px; }
header h1 { margin: 0; font-size: 1.35rem; } header p { margin: 2px 0 14px; color: var(--muted); font-size: .9rem; }
.grid-panels { display: grid; grid-template-columns: repeat(3, 1fr); gap: 12px; }
.panel { background: var(--surface); border: 1px solid var(--line); border-radius: 10px; padding: 10px 12px; }
.panel.timeseries { grid-column: span 1; }
.panel h3 { margin: 0 0 6px; font-size: .86rem; }
svg { width: 100%; height: auto; display: block; }
svg .grid { stroke: var(--line); } svg .axis { font: 10px var(--mono); fill: var(--muted); }
.legend { list-style: none; margin: 4px 0 0; padding: 0; font-size: .72rem; color: var(--muted); }
.legend li { display: flex; gap: 6px; align-items: center; white-space: nowrap; overflow: hidden; }
.legend i { width: 10px; height: 3px; border-radius: 2px; flex: none; } .legend b { color: var(--ink); margin-left: auto; font-family: var(--mono); }
.stats { display: flex; gap: 18px; flex-wrap: wrap; padding: 8px 0; }
.stats .big { display: block; font-size: 1.7rem; font-weight: 700; color: var(--brand); font-family: var(--mono); }
.stats .sub { font-size: .72rem; color: var(--muted); }
.empty { color: var(--muted); font-size: .8rem; }
</style></head><body><header><h1>${escape(title)}</h1><p>${escape(subtitle)}</p></header><main class="grid-panels">${cards}</main></body></html>`;
}
