// Verdicts of `herald check` on fixture contract changes: each incompatible change must fail and be
// named (gate, code, element, consumer); each compatible one must pass. Real buf, real git.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createContractRepo, type ContractRepo } from '../../test/support/contract-repo.ts';
import type { Diagnostic, GateName } from './diagnostics.ts';
import { isBlocking } from './diagnostics.ts';
import { renderReport } from './report.ts';
import { runCheck } from './run-check.ts';

const fixtures = path.resolve(import.meta.dirname, '../../test/fixtures/gates');
const staticGates: GateName[] = ['lint', 'breaking', 'asyncapi'];
/** Failing cases skip lint (its AsyncAPI validation costs ~1 s and is not what they test). */
const compareGates: GateName[] = ['breaking', 'asyncapi'];

interface Expected { gate: GateName; code: string; element: string; consumers?: string[] }
interface Case { name: string; fixture: string; verdict: 'fail' | 'pass'; expect?: Expected[] }

const cases: Case[] = [
  { name: 'a field type changed', fixture: 'field-type-changed', verdict: 'fail', expect: [
    { gate: 'breaking', code: 'FIELD_WIRE_JSON_COMPATIBLE_TYPE', element: 'herald.catalog.movie.v1.Movie.title', consumers: ['sales'] },
    { gate: 'asyncapi', code: 'PAYLOAD_INCOMPATIBLE', element: 'MovieCreated', consumers: ['sales'] },
  ] },
  { name: 'a field deleted without reserving it', fixture: 'field-deleted', verdict: 'fail', expect: [
    { gate: 'breaking', code: 'FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED', element: 'herald.catalog.movie.v1.MovieRetired.reason', consumers: ['sales'] },
  ] },
  { name: 'a field renumbered', fixture: 'field-renumbered', verdict: 'fail', expect: [
    { gate: 'breaking', code: 'FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED', element: 'herald.catalog.movie.v1.Movie.release_year', consumers: ['sales'] },
  ] },
  { name: 'an enum value removed', fixture: 'enum-value-removed', verdict: 'fail', expect: [
    { gate: 'breaking', code: 'ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED', element: 'herald.catalog.movie.v1.MovieStatus.MOVIE_STATUS_RETIRED', consumers: ['sales'] },
  ] },
  { name: 'a message removed from a channel', fixture: 'message-removed-from-channel', verdict: 'fail', expect: [
    { gate: 'asyncapi', code: 'MESSAGE_REMOVED_FROM_CHANNEL', element: 'MovieRetired', consumers: ['sales'] },
  ] },
  { name: 'a channel renamed (address changed)', fixture: 'channel-address-changed', verdict: 'fail', expect: [
    { gate: 'asyncapi', code: 'CHANNEL_ADDRESS_CHANGED', element: 'catalogMovie', consumers: ['sales'] },
  ] },
  { name: 'a channel removed', fixture: 'channel-removed', verdict: 'fail', expect: [
    { gate: 'asyncapi', code: 'CHANNEL_REMOVED', element: 'salesPurchase', consumers: ['reporting'] },
  ] },
  { name: 'a required header added', fixture: 'required-header-added', verdict: 'fail', expect: [
    { gate: 'asyncapi', code: 'HEADER_REQUIRED_ADDED', element: 'headers.tenant', consumers: ['sales'] },
    { gate: 'asyncapi', code: 'HEADER_REQUIRED_ADDED', element: 'headers.tenant', consumers: ['reporting'] },
  ] },
  { name: 'an optional field added', fixture: 'optional-field-added', verdict: 'pass' },
  { name: 'a new message on a channel', fixture: 'new-message', verdict: 'pass' },
  { name: 'a new channel', fixture: 'new-channel', verdict: 'pass' },
  { name: 'a new enum value', fixture: 'new-enum-value', verdict: 'pass' },
  { name: 'a documentation change', fixture: 'doc-change', verdict: 'pass' },
  { name: 'a new v2 package beside v1', fixture: 'v2-package', verdict: 'pass' },
  { name: 'an allow-listed break', fixture: 'allow-listed-break', verdict: 'pass' },
];

const repos: ContractRepo[] = [];
afterAll(() => repos.forEach((r) => r.cleanup()));

function repoWith(fixture: string): ContractRepo {
  const repo = createContractRepo(path.join(fixtures, 'base'));
  repos.push(repo);
  repo.overlay(path.join(fixtures, fixture));
  return repo;
}

const mentions = (d: Diagnostic, element: string) =>
  [d.path.channel, d.path.message, d.path.field, `${d.path.message}.${d.path.field}`].includes(element);

describe('herald check verdicts on fixture changes', () => {
  it.each(cases)('$verdict: $name', async ({ fixture, verdict, expect: expected = [] }) => {
    const repo = repoWith(fixture);
    const report = await runCheck({ root: repo.root, gates: verdict === 'pass' ? staticGates : compareGates });
    const blocking = report.gates.flatMap((g) => g.diagnostics).filter(isBlocking);
    const text = renderReport(report, 'text');
    expect(report.baselines.join()).toMatch(/^main \(/);
    if (verdict === 'pass') {
      expect(blocking, text).toEqual([]);
      expect(report.ok).toBe(true);
      return;
    }
    expect(report.ok, text).toBe(false);
    for (const e of expected) {
      const hit = blocking.find((d) => d.gate === e.gate && d.code === e.code && mentions(d, e.element) && (!e.consumers || e.consumers.every((c) => d.consumers?.includes(c))));
      expect(hit, `${e.gate} ${e.code} on ${e.element}\n${text}`).toBeDefined();
      // The person-facing report names the gate, the element and the consumer.
      expect(text).toContain(`[${e.gate}] FAILED`);
      expect(text).toContain(e.element.split('.').pop()!);
      for (const c of e.consumers ?? []) expect(text).toContain(`consumers affected: ${c}`);
    }
  });

  it('says a renumbered field was renumbered, not only deleted', async () => {
    const report = await runCheck({ root: repoWith('field-renumbered').root, gates: ['breaking'] });
    expect(report.gates[0]!.diagnostics[0]!.message).toMatch(/"release_year" on message "Movie" was renumbered from 5 to 7/);
  });

  it('shows an allow-listed break with its reason instead of skipping it', async () => {
    const report = await runCheck({ root: repoWith('allow-listed-break').root, gates: compareGates });
    const allowed = report.gates.flatMap((g) => g.diagnostics).filter((d) => d.allowed);
    expect(allowed.map((d) => d.code).sort()).toEqual(['FIELD_WIRE_JSON_COMPATIBLE_TYPE', 'PAYLOAD_INCOMPATIBLE', 'PAYLOAD_INCOMPATIBLE']);
    const text = renderReport(report, 'text');
    expect(text).toContain('ALLOWED  proto/herald/catalog/movie/v1/movie.proto:20');
    expect(text).toContain('No event with a title has been published yet');
    expect(renderReport(report, 'github')).toContain('::notice file=proto/herald/catalog/movie/v1/movie.proto,line=20');
  });

  it('fails again once an allow-list entry has expired, and says so', async () => {
    const repo = repoWith('field-type-changed');
    writeFileSync(path.join(repo.root, 'contract-allowlist.yaml'),
      'allow:\n  - gate: breaking\n    match: FIELD_WIRE_JSON_COMPATIBLE_TYPE:*\n    reason: Temporary, until consumers migrate.\n    until: 2026-01-31\n');
    const report = await runCheck({ root: repo.root, gates: ['breaking'], today: '2026-02-01' });
    expect(report.ok).toBe(false);
    expect(report.notes.join()).toMatch(/expired on 2026-01-31/);
  });

  it('writes GitHub annotations and JSON that machines can read', async () => {
    const report = await runCheck({ root: repoWith('field-type-changed').root, gates: compareGates });
    const github = renderReport(report, 'github');
    expect(github).toMatch(/^::error file=proto\/herald\/catalog\/movie\/v1\/movie.proto,line=20,title=herald check \(breaking\) FIELD_WIRE_JSON_COMPATIBLE_TYPE::Field "2" with name "title"/m);
    expect(github).toMatch(/^::error file=asyncapi.yaml,line=\d+,title=herald check \(asyncapi\) PAYLOAD_INCOMPATIBLE::.*Consumers affected: sales/m);
    const json = JSON.parse(renderReport(report, 'json')) as { ok: boolean; gates: { gate: string; status: string }[] };
    expect(json.ok).toBe(false);
    expect(json.gates.map((g) => `${g.gate}:${g.status}`)).toEqual(['breaking:failed', 'asyncapi:failed']);
  });
});

describe('lint gate', () => {
  it('reports an AsyncAPI message whose proto type does not exist, with the official parser\'s verdict', async () => {
    const repo = createContractRepo(path.join(fixtures, 'base'));
    repos.push(repo);
    const file = path.join(repo.root, 'asyncapi.yaml');
    const { readFileSync } = await import('node:fs');
    writeFileSync(file, readFileSync(file, 'utf8').replace('x-herald-proto: herald.catalog.movie.v1.MovieRetired', 'x-herald-proto: herald.catalog.movie.v1.MovieRetire'));
    const report = await runCheck({ root: repo.root, gates: ['lint'] });
    expect(report.ok).toBe(false);
    const lint = report.gates[0]!;
    expect(lint.diagnostics.filter(isBlocking).map((d) => d.message).join('\n')).toMatch(/MovieRetire\b/);
  });
});
