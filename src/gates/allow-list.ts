// The checked-in allow-list (contract-allowlist.yaml): the reviewable path for an intentional break.
// A matched finding passes but stays in the report with its reason; an expired entry stops matching
// and says so. It never hides a finding and never matches a gate other than the one named.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { HeraldError } from '../runtime/core/errors.ts';
import type { Diagnostic, GateName } from './diagnostics.ts';
import { diagnosticId, gateNames } from './diagnostics.ts';

export const allowListFile = 'contract-allowlist.yaml';

export interface AllowEntry {
  gate: GateName;
  /** Matched against a finding's id `<CODE>:<subject>` as printed in the report; `*` is a wildcard. */
  match: string;
  reason: string;
  /** YYYY-MM-DD; from the day after, the entry no longer applies. */
  until?: string;
}

export function loadAllowList(root: string): AllowEntry[] {
  const file = path.join(root, allowListFile);
  if (!existsSync(file)) return [];
  const doc = parseYaml(readFileSync(file, 'utf8')) as { allow?: unknown } | null;
  const raw = doc?.allow ?? [];
  if (!Array.isArray(raw)) throw new HeraldError('HERALD_ERR_CONFIG', `${allowListFile}: "allow" must be a list of {gate, match, reason, until?}`);
  return raw.map((e: Record<string, unknown>, i) => {
    const where = `${allowListFile} entry ${i + 1}`;
    if (!gateNames.includes(e.gate as GateName)) throw new HeraldError('HERALD_ERR_CONFIG', `${where}: gate must be one of ${gateNames.join(', ')}`);
    if (typeof e.match !== 'string' || !e.match) throw new HeraldError('HERALD_ERR_CONFIG', `${where}: match is required (copy the [id] from the report)`);
    if (typeof e.reason !== 'string' || e.reason.trim().length < 5) throw new HeraldError('HERALD_ERR_CONFIG', `${where}: a reason is required, so reviewers know why the break is accepted`);
    const until = e.until instanceof Date ? e.until.toISOString().slice(0, 10) : e.until;
    if (until !== undefined && (typeof until !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(until))) throw new HeraldError('HERALD_ERR_CONFIG', `${where}: until must be a date YYYY-MM-DD`);
    return { gate: e.gate as GateName, match: e.match, reason: e.reason, ...(until ? { until } : {}) };
  });
}

function globToRegExp(glob: string): RegExp {
  return new RegExp(`^${glob.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
}

/** Marks allowed findings in place; returns notes about expired and unused entries. */
export function applyAllowList(diagnostics: Diagnostic[], entries: AllowEntry[], today = new Date().toISOString().slice(0, 10)): string[] {
  const notes: string[] = [];
  for (const entry of entries) {
    const re = globToRegExp(entry.match);
    const hits = diagnostics.filter((d) => d.gate === entry.gate && d.severity === 'error' && re.test(diagnosticId(d)));
    if (entry.until && entry.until < today) {
      if (hits.length > 0) notes.push(`Allow-list entry ${entry.gate} "${entry.match}" expired on ${entry.until}; the ${hits.length} finding(s) it covered fail again.`);
      else notes.push(`Allow-list entry ${entry.gate} "${entry.match}" expired on ${entry.until} and matches nothing; remove it.`);
      continue;
    }
    if (hits.length === 0) notes.push(`Allow-list entry ${entry.gate} "${entry.match}" matches no finding; remove it once the break has shipped.`);
    for (const d of hits) d.allowed = { reason: entry.reason, match: entry.match, ...(entry.until ? { until: entry.until } : {}) };
  }
  return notes;
}
