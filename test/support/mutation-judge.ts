// Batched judging for the mutation self-test (src/gates/mutations.test.ts): many mutated copies of one
// contract judged by the real breaking and asyncapi gates with one `buf breaking` run per batch.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Baseline } from '../../src/gates/baseline.ts';
import { moduleDirs } from '../../src/gates/baseline.ts';
import { bufBinary, runBuf, type BufFinding } from '../../src/gates/buf-cli.ts';
import { loadContractView } from '../../src/gates/contract-view.ts';
import { loadProtoGraph } from '../../src/gates/proto-graph.ts';
import type { ComparisonReuse } from '../../src/gates/run-check.ts';
import type { Mutation } from './contract-mutations.ts';
import { contractFilesAt } from './contract-repo.ts';

const temps: string[] = [];
/** A temp dir removed by removeJudgeDirs(). */
function tempDir(label: string): string {
  const d = mkdtempSync(path.join(os.tmpdir(), `herald-mutation-${label}-`));
  temps.push(d);
  return d;
}
export function removeJudgeDirs(): void {
  for (const t of temps.splice(0)) rmSync(t, { recursive: true, force: true });
}

/** Every .proto file under `dir`, relative to it. */
function protoFiles(dir: string, under = ''): string[] {
  return readdirSync(path.join(dir, under), { withFileTypes: true }).flatMap((e) => {
    const rel = under ? `${under}/${e.name}` : e.name;
    return e.isDirectory() ? protoFiles(dir, rel) : e.name.endsWith('.proto') ? [rel] : [];
  });
}

/**
 * Batched judging. buf's process start dominates its cost (one run over 20 copies of the module costs
 * about 2.5 runs over one), so each batch of mutations is laid out as one buf module whose slot i holds
 * mutation i's protos under the package prefix `m<i>.` (lines unchanged), compared in one `buf breaking`
 * with an image of the unmutated contract in every slot. Findings go back to their slot without the
 * prefix, and each mutation is then judged by the real gates through comparisonWith(). A batch that does
 * not compile is judged one mutation at a time.
 */
export class BatchJudge {
  readonly base: string;
  readonly baseline: Baseline;
  readonly reuse: ComparisonReuse;
  readonly batchImage: string;
  readonly prefix: (text: string, slot: number) => string;

  private constructor(base: string, baseline: Baseline, reuse: ComparisonReuse, batchImage: string, prefix: (text: string, slot: number) => string) {
    this.base = base;
    this.baseline = baseline;
    this.reuse = reuse;
    this.batchImage = batchImage;
    this.prefix = prefix;
  }

  static readonly size = 20;

  static async create(base: string): Promise<BatchJudge> {
    const baselineDir = tempDir('baseline');
    cpSync(base, baselineDir, { recursive: true });
    const image = path.join(baselineDir, 'image.binpb');
    execFileSync(bufBinary(), ['build', '-o', image], { cwd: baselineDir });
    const baseline: Baseline = { name: 'baseline (unmutated)', refs: ['baseline'], bufAgainst: image, dir: baselineDir, asyncapiPath: 'asyncapi.yaml' };
    const reuse: ComparisonReuse = { baselineView: await loadContractView(baselineDir), baselineGraph: loadProtoGraph(baselineDir, moduleDirs(baselineDir)[0])! };
    const roots = [...new Set(protoFiles(path.join(base, 'proto')).map((f) => f.split('/')[0]!))];
    const rootsRe = roots.map((r) => r.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
    const prefix = (text: string, slot: number) => text
      .replace(new RegExp(`"(${rootsRe})/`, 'g'), `"m${slot}/$1/`)
      .replace(new RegExp(`(?<![\\w./])(${rootsRe})\\.`, 'g'), `m${slot}.$1.`);
    const batchBase = tempDir('batch-baseline');
    writeFileSync(path.join(batchBase, 'buf.yaml'), readFileSync(path.join(base, 'buf.yaml'), 'utf8'));
    for (let slot = 1; slot <= BatchJudge.size; slot++) writeSlot(batchBase, slot, base, prefix);
    const batchImage = path.join(batchBase, 'image.binpb');
    execFileSync(bufBinary(), ['build', '-o', batchImage], { cwd: batchBase });
    return new BatchJudge(base, baseline, reuse, batchImage, prefix);
  }

  /** One lane: its own slot copies of the contract and batch module; judges `take()`n mutations until none are left. */
  async lane(take: () => Mutation[], judge: (m: Mutation, dir: string, findings: BufFinding[] | undefined) => Promise<string | undefined>): Promise<string[]> {
    const wrong: string[] = [];
    const slots = Array.from({ length: BatchJudge.size }, () => {
      const dir = tempDir('slot');
      cpSync(this.base, dir, { recursive: true });
      return dir;
    });
    const batchDir = tempDir('batch');
    writeFileSync(path.join(batchDir, 'buf.yaml'), readFileSync(path.join(this.base, 'buf.yaml'), 'utf8'));
    for (let batch = take(); batch.length > 0; batch = take()) {
      const touched = slots.map(() => new Set<string>());
      const applied: boolean[] = batch.map((m, i) => {
        try {
          m.apply(contractFilesAt(slots[i]!, (f) => touched[i]!.add(f)));
          return true;
        } catch (e) {
          wrong.push(`${m.kind} ${m.target}: could not apply: ${e instanceof Error ? e.message : String(e)}`);
          return false;
        }
      });
      rmSync(path.join(batchDir, 'proto'), { recursive: true, force: true });
      for (let i = 0; i < BatchJudge.size; i++) writeSlot(batchDir, i + 1, i < batch.length ? slots[i]! : this.base, this.prefix);
      const run = await runBuf(['breaking', '--against', this.batchImage], batchDir).catch(() => undefined);
      const compiled = run && !run.findings.some((f) => f.type === 'COMPILE');
      for (const [i, m] of batch.entries()) {
        if (!applied[i]) continue;
        const slot = i + 1;
        const findings = compiled
          ? run.findings.filter((f) => f.path.startsWith(`proto/m${slot}/`)).map((f) => ({
            ...f, path: f.path.replace(`proto/m${slot}/`, 'proto/'), message: f.message.replace(new RegExp(`\\bm${slot}\\.`, 'g'), ''),
          }))
          : undefined;
        const problem = await judge(m, slots[i]!, findings).catch((e: unknown) => `threw ${e instanceof Error ? e.message : String(e)}`);
        if (problem) wrong.push(`${m.kind} ${m.target}: ${problem}`);
      }
      for (const [i, files] of touched.entries()) {
        for (const f of files) {
          rmSync(path.join(slots[i]!, f), { recursive: true, force: true });
          if (existsSync(path.join(this.base, f))) cpSync(path.join(this.base, f), path.join(slots[i]!, f), { recursive: true });
        }
      }
    }
    return wrong;
  }
}

/** Slot `slot` of a batch module: the protos of `from`, under the package prefix `m<slot>.`. */
function writeSlot(batchDir: string, slot: number, from: string, prefix: (text: string, slot: number) => string): void {
  for (const rel of protoFiles(path.join(from, 'proto'))) {
    const target = path.join(batchDir, 'proto', `m${slot}`, rel);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, prefix(readFileSync(path.join(from, 'proto', rel), 'utf8'), slot));
  }
}

