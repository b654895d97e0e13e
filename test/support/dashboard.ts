// The Grafana dashboard (ops/grafana/herald.json) checked against Prometheus exposition text: every
// query names metric families that are exported, and every label it groups by is one they carry. Used
// by the e2e observability test (the three services) and the partition metrics test (a partitioned
// channel, whose families a one-partition deployment exports without samples).
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';

export interface Family {
  type: string;
  /** Label names seen on samples; empty when the family was exported without any sample. */
  labels: Set<string>;
}

/** Metric families (name → type and label names) from exposition text. */
export function families(text: string): Map<string, Family> {
  const found = new Map<string, Family>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type && !found.has(type[1]!)) found.set(type[1]!, { type: type[2]!, labels: new Set() }); // several scrapes: keep what is known
    const sample = /^([a-zA-Z_:][\w:]*)\{([^}]*)\}/.exec(line);
    if (sample) {
      const family = found.get(sample[1]!) ?? found.get(sample[1]!.replace(/_(bucket|sum|count)$/, ''));
      for (const pair of sample[2]!.matchAll(/([a-zA-Z_]\w*)="/g)) family?.labels.add(pair[1]!);
    }
  }
  return found;
}

export interface DashboardQuery {
  panel: string;
  expr: string;
}

export function dashboardQueries(): DashboardQuery[] {
  const dashboard = JSON.parse(readFileSync(new URL('../../ops/grafana/herald.json', import.meta.url), 'utf8')) as { panels: Array<{ title: string; targets: Array<{ expr: string }> }> };
  return dashboard.panels.flatMap((panel) => panel.targets.map((target) => ({ panel: panel.title, expr: target.expr })));
}

const promqlWords = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'inf', 'nan']);
/** Labels Prometheus adds to every scraped series. */
const targetLabels = new Set(['job', 'instance']);

/** The metric names a query reads (not functions, keywords, label matchers or strings). */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without)\s*\([^)]*\)/g, ' ')
    .replace(/"[^"]*"/g, ' ');
  return [...bare.matchAll(/([a-zA-Z_:][\w:]*)(\s*\()?/g)].filter((m) => !m[2] && !promqlWords.has(m[1]!.toLowerCase())).map((m) => m[1]!);
}

/**
 * Expects every metric of the query to be exported and to carry the labels it groups by. For a family
 * exported without samples, `declaredLabels` (the registry's label names) stands in for the labels seen.
 */
export function expectQueryExported(query: DashboardQuery, exported: Map<string, Family>, declaredLabels?: (name: string) => readonly string[] | undefined): void {
  const { panel, expr } = query;
  const grouping = [...expr.matchAll(/\b(?:by|without)\s*\(([^)]*)\)/g)].flatMap((m) => m[1]!.split(',').map((l) => l.trim()).filter(Boolean));
  const names = metricNames(expr);
  expect(names.length, `${panel}: ${expr}`).toBeGreaterThan(0);
  for (const name of names) {
    const base = name.replace(/_(bucket|sum|count)$/, '');
    const familyName = exported.has(name) ? name : exported.get(base)?.type === 'histogram' ? base : undefined;
    const family = familyName === undefined ? undefined : exported.get(familyName);
    expect(family, `${panel}: ${name} is exported`).toBeDefined();
    const labels = family!.labels.size > 0 ? family!.labels : new Set(declaredLabels?.(familyName!) ?? []);
    for (const label of grouping) {
      if (targetLabels.has(label) || (label === 'le' && name.endsWith('_bucket'))) continue;
      expect(labels.has(label), `${panel}: ${name} has label ${label}`).toBe(true);
    }
  }
}
