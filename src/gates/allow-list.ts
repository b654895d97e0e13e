// The checked-in allow-list (contract-allowlist.yaml): the reviewable path for an intentional break.
// One entry names one change against one baseline, by the id the report prints
// (`<CODE>:<subject>@<baseline>`); there are no wildcards. A matched finding passes but stays in the
// report with its reason; an expired entry stops matching and says so. It never hides a finding.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { HeraldError } from '../runtime/core/errors.ts';
import type { Diagnostic } from './diagnostics.ts';
import { changeId, diagnosticIds } from './diagnostics.ts';

export const allowListFile = 'contract-allowlist.yaml';

export interface AllowEntry {
  /** A finding's id exactly as printed in the report: `<CODE>:<subject>@<baseline>` (or without `@` for lint/pact). */
  id: string;
  reason: string;
  /** YYYY-MM-DD; from the day after, the entry no longer applies. */
  until?: string;
}

export function loadAllowList(root: string): AllowEntry[] {
  const file = path.join(root, allowListFile);
  if (!existsSync(file)) return [];
  const doc = parseYaml(readFileSync(file, 'utf8')) as { allow?: unknown } | null;
  const raw = doc?.allow ?? [];
  if (!Array.isArray(raw)) throw new HeraldError('HERALD_ERR_CONFIG', `${allowListFile}: "allow" must be a list of {id, reason, until?}`);
  return raw.map((e: Record<string, unknown>, i) => {
    const where = `${allowListFile} entry ${i + 1}`;
    const id = e.id ?? e.match;
    if (typeof id !== 'string' || !id) throw new HeraldError('HERALD_ERR_CONFIG', `${where}: id is required (copy the [id ...] the report prints)`);
    if (id.includes('*')) throw new HeraldError('HERALD_ERR_CONFIG', `${where}: "${id}" has a wildcard; an entry names exactly one change (copy the [id ...] the report prints)`);
    if (typeof e.reason !== 'string' || e.reason.trim().length < 5) throw new HeraldError('HERALD_ERR_CONFIG', `${where}: a reason is required, so reviewers know why the break is accepted`);
    const until = e.until instanceof Date ? e.until.toISOString().slice(0, 10) : e.until;
    if (until !== undefined && (typeof until !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(until))) throw new HeraldError('HERALD_ERR_CONFIG', `${where}: until must be a date YYYY-MM-DD`);
    return { id, reason: e.reason, ...(until ? { until } : {}) };
  });
}

/** The ids of `d` an entry can name: one per baseline, each baseline under every ref it has (`main`, `v1.0.0`). */
function acceptedIds(d: Diagnostic): string[][] {
  const base = changeId(d);
  return d.against && d.against.length > 0 ? d.against.map((b) => b.refs.map((r) => `${base}@${r}`)) : [[base]];
}

/**
 * Marks allowed findings in place; returns notes about expired and unused entries. A finding is allowed
 * when, for every baseline it was seen against, an entry names it; a finding that restates others
 * (`causes`, as PAYLOAD_INCOMPATIBLE restates buf's finding) is allowed exactly when all its causes are.
 */
export function applyAllowList(diagnostics: Diagnostic[], entries: AllowEntry[], today = new Date().toISOString().slice(0, 10)): string[] {
  const notes: string[] = [];
  const live = new Map<string, AllowEntry>();
  for (const entry of entries) {
    if (entry.until && entry.until < today) {
      const hits = diagnostics.filter((d) => acceptedIds(d).flat().includes(entry.id));
      notes.push(hits.length > 0
        ? `Allow-list entry "${entry.id}" expired on ${entry.until}; the break it covered fails again.`
        : `Allow-list entry "${entry.id}" expired on ${entry.until} and matches nothing; remove it.`);
      continue;
    }
    live.set(entry.id, entry);
  }
  const used = new Set<string>();
  const allowedChanges = new Map<string, AllowEntry>();
  for (const d of diagnostics) {
    if (d.severity !== 'error' || d.causes) continue;
    const accepted = acceptedIds(d);
    const matched = accepted.map((ids) => ids.find((id) => live.has(id)));
    if (matched.some((m) => m === undefined)) {
      // Named against one baseline but seen against others too: each baseline needs its own reviewed entry.
      for (const [i, m] of matched.entries()) if (m) used.add(m);
      const missing = accepted.filter((_ids, i) => matched[i] === undefined).map((ids) => ids[0]!);
      if (matched.some(Boolean)) notes.push(`The same change is also seen against other baselines; add an entry for each to allow it: ${missing.join(', ')}.`);
      continue;
    }
    const names = matched as string[];
    names.forEach((n) => used.add(n));
    const entry = live.get(names[0]!)!;
    d.allowed = { reason: entry.reason, match: names, ...(entry.until ? { until: entry.until } : {}) };
    allowedChanges.set(changeId(d), entry);
  }
  for (const d of diagnostics) {
    if (d.severity !== 'error' || !d.causes || d.causes.length === 0) continue;
    const entries = d.causes.map((c) => allowedChanges.get(c));
    if (entries.some((e) => e === undefined)) continue;
    d.allowed = { reason: entries[0]!.reason, match: d.causes };
  }
  for (const entry of live.values()) {
    if (!used.has(entry.id)) notes.push(`Allow-list entry "${entry.id}" matches no finding; remove it once the break has shipped.`);
  }
  return notes;
}
