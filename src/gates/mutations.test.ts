// Mutation self-test: every single-step mutation of a contract (test/support/contract-mutations.ts),
// each judged by the breaking and asyncapi gates (real buf) against the unmutated contract, must
// reach its expected verdict for the expected reason, with unique ids. Run on this repository's
// contract (whose pacts decide which wire-safe deletions block) and on the shop fixture contract.
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import protobuf from 'protobufjs';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../test/support/contract-repo.ts';
import { BatchJudge, removeJudgeDirs } from '../../test/support/mutation-judge.ts';
import { contractMutations, type Mutation, type MutationKind } from '../../test/support/contract-mutations.ts';
import type { BufFinding } from './buf-cli.ts';
import { consumersOf, loadContractView } from './contract-view.ts';
import { diagnosticIds, isBlocking } from './diagnostics.ts';
import { comparisonWith, runComparisonGates } from './run-check.ts';

const temps: string[] = [];
afterAll(() => {
  temps.forEach((t) => rmSync(t, { recursive: true, force: true }));
  removeJudgeDirs();
});
const tempDir = (label: string) => {
  const d = mkdtempSync(path.join(os.tmpdir(), `herald-mutation-${label}-`));
  temps.push(d);
  return d;
};

/** Which JSON paths reach `type` from each top-level message, computed with protobufjs directly (not the gate's graph). */
function protoIndex(root: string) {
  const protoDir = path.join(root, 'proto');
  const files: string[] = [];
  const walk = (d: string) => readdirSync(d, { withFileTypes: true }).forEach((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : e.name.endsWith('.proto') && files.push(path.join(d, e.name))));
  walk(protoDir);
  const pb = new protobuf.Root();
  pb.resolvePath = (_o, t) => (path.isAbsolute(t) ? t : path.join(protoDir, t));
  pb.loadSync(files, { keepCase: true }).resolveAll();
  const paths = (from: string, target: string, prefix = '', seen: string[] = []): string[] => {
    if (from === target) return [prefix];
    if (seen.includes(from)) return [];
    const t = pb.lookup(from);
    if (!(t instanceof protobuf.Type)) return [];
    return t.fieldsArray.flatMap((f) => (f.resolvedType ? paths(f.resolvedType.fullName.slice(1), target, [prefix, protobuf.util.camelCase(f.name)].filter(Boolean).join('.'), [...seen, from]) : []));
  };
  return { paths };
}

/** Every JSON path each pact interaction's body carries, keyed by its metadata `type`. */
function pactBodies(root: string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const dir = path.join(root, 'pacts');
  if (!existsSync(dir)) return out;
  const flatten = (v: unknown, prefix: string, into: Set<string>) => {
    if (Array.isArray(v)) return v.forEach((x) => flatten(x, prefix, into));
    if (typeof v !== 'object' || v === null) return;
    for (const [k, x] of Object.entries(v)) {
      into.add(prefix ? `${prefix}.${k}` : k);
      flatten(x, prefix ? `${prefix}.${k}` : k, into);
    }
  };
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.json'))) {
    const pact = JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as { interactions: { metadata?: { type?: string }; contents?: { content?: unknown } }[] };
    for (const i of pact.interactions) {
      if (!i.metadata?.type) continue;
      const set = out.get(i.metadata.type) ?? new Set<string>();
      flatten(i.contents?.content, '', set);
      out.set(i.metadata.type, set);
    }
  }
  return out;
}

interface Subject { name: string; from: string; paths: string[]; kinds: MutationKind[] }

const allKinds: MutationKind[] = ['field delete', 'field delete+reserve', 'field retype', 'field renumber', 'field rename', 'field cardinality', 'field into oneof',
  'enum value remove', 'operation drop message', 'operation drop', 'channel address', 'channel partitions', 'channel drop', 'header required'];

const subjects: Subject[] = [
  { name: "this repository's contract", from: repoRoot, paths: ['asyncapi.yaml', 'buf.yaml', 'proto', 'pacts'], kinds: allKinds },
  // The shop fixture declares no headers and lists no messages on receive operations.
  { name: 'the shop fixture contract', from: path.join(repoRoot, 'test/fixtures/shop'), paths: ['asyncapi.yaml', 'buf.yaml', 'proto'],
    kinds: allKinds.filter((k) => k !== 'header required') },
  // The downstream test's own contract (another company's packages, maps, oneofs, nested enums, its pacts).
  { name: 'the downstream fixture contract', from: path.join(repoRoot, 'test/fixtures/downstream'), paths: ['asyncapi.yaml', 'buf.yaml', 'proto', 'pacts'],
    kinds: allKinds.filter((k) => k !== 'header required' && k !== 'operation drop message') },
];

/** Verdict counts per subject, printed for docs/gates.md. */
const counts: string[] = [];
afterAll(() => console.log(`mutation self-test:\n${counts.join('\n')}`));

describe.each(subjects)('mutation self-test: $name', ({ name, from, paths, kinds }) => {
  it('reaches the expected verdict on every single-step mutation', { timeout: 170_000 }, async () => {
    const base = tempDir('base');
    for (const p of paths) cpSync(path.join(from, p), path.join(base, p), { recursive: true });
    // Judge with the category Herald recommends (WIRE_JSON) where the contract names none.
    const bufYaml = readFileSync(path.join(base, 'buf.yaml'), 'utf8');
    if (!/^breaking:/m.test(bufYaml)) writeFileSync(path.join(base, 'buf.yaml'), `${bufYaml}breaking:\n  use:\n    - WIRE_JSON\n`);
    const judge = await BatchJudge.create(base);
    const index = protoIndex(base);
    const bodies = pactBodies(base);
    const view = await loadContractView(base);
    const carriers = [...view.channels.values()].flatMap((c) => [...c.messages.values()].map((m) => ({ channel: c.id, key: m.key, type: m.protoType ?? '' })));
    const mutations = await contractMutations(base, {
      isRead: (type, field) => carriers.some((c) => index.paths(c.type, type.fullName).some((prefix) => {
        const p = prefix ? `${prefix}.${field.jsonName}` : field.jsonName;
        return [...(bodies.get(c.type) ?? [])].some((read) => read === p || read.startsWith(`${p}.`));
      })),
      consumersOf: (type) => [...new Set(carriers.filter((c) => index.paths(c.type, type).length > 0).flatMap((c) => consumersOf(view, c.channel, c.key)))].sort(),
    });
    for (const kind of kinds) expect(mutations.some((m) => m.kind === kind), `no "${kind}" mutation generated`).toBe(true);

    const check = async (m: Mutation, dir: string, findings: BufFinding[] | undefined): Promise<string | undefined> => {
      const compare = await comparisonWith(dir, judge.baseline, await loadContractView(dir), { ...judge.reuse, ...(findings ? { findings } : {}) });
      const gates = await runComparisonGates(dir, { root: dir, gates: ['breaking', 'asyncapi'] }, [compare]);
      const all = gates.flatMap((g) => g.diagnostics);
      const blocking = all.filter(isBlocking);
      const ids = all.filter((d) => !d.causes && d.severity !== 'info').flatMap(diagnosticIds);
      if (new Set(ids).size !== ids.length) return `two findings share an id: ${ids.join(', ')}`;
      const seen = blocking.map((d) => d.code).join(', ') || 'none';
      if (m.expect.verdict === 'pass') return blocking.length === 0 ? undefined : `expected pass, blocked by ${seen}`;
      if (blocking.length === 0) return `expected fail (${m.expect.code}), passed`;
      const reasons = blocking.filter((d) => !m.expect.code || m.expect.code.test(d.code));
      if (reasons.length === 0) return `failed for another reason: ${seen}`;
      const named = new Set(reasons.flatMap((d) => d.consumers ?? []));
      const missing = (m.expect.consumers ?? []).filter((c) => !named.has(c));
      return missing.length > 0 ? `does not name consumer(s) ${missing.join(', ')}` : undefined;
    };
    // The unmutated contract, batched and alone, must pass: a harness that blocks everything proves nothing.
    expect(await check({ kind: 'field delete', target: '(none)', expect: { verdict: 'pass' }, apply: () => {} }, base, undefined)).toBeUndefined();
    let next = 0;
    const take = () => mutations.slice(next, (next += BatchJudge.size));
    const lanes = await Promise.all([judge.lane(take, check), judge.lane(take, check)]);
    const wrong = lanes.flat();
    const byKind = kinds.map((k) => `${k} ${mutations.filter((m) => m.kind === k).length}`).join(', ');
    const fails = mutations.filter((m) => m.expect.verdict === 'fail').length;
    counts.push(`${name}: ${mutations.length} mutations (${fails} must fail, ${mutations.length - fails} must pass), ${wrong.length} wrong; ${byKind}`);
    expect(wrong, wrong.join('\n')).toEqual([]);
  });
});
