// What each consumer reads, according to its pact files: the JSON paths of every interaction's body
// (proto3 JSON names) and metadata, keyed by consumer and by the proto type in the `type` metadata.
// Impact tracing joins a changed field with these. Read-only; a pact it cannot parse is ignored.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface ConsumerReads {
  /** Pact file, repository-relative. */
  file: string;
  /** Every JSON path the pact's bodies carry, ancestors included: `movie`, `movie.price`, `movie.price.amountMinor`. */
  paths: Set<string>;
}

/** consumer -> proto type (metadata `type`) -> reads. */
export type PactReads = Map<string, Map<string, ConsumerReads>>;

function collect(value: unknown, prefix: string, into: Set<string>): void {
  if (Array.isArray(value)) {
    for (const item of value) collect(item, prefix, into);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  for (const [key, child] of Object.entries(value)) {
    const p = prefix ? `${prefix}.${key}` : key;
    into.add(p);
    collect(child, p, into);
  }
}

interface PactJson {
  consumer?: { name?: string };
  interactions?: { contents?: { content?: unknown }; metadata?: Record<string, unknown> }[];
  messages?: { contents?: unknown; metadata?: Record<string, unknown> }[];
}

export function loadPactReads(root: string, pactDir = 'pacts'): PactReads {
  const reads: PactReads = new Map();
  const dir = path.join(root, pactDir);
  if (!existsSync(dir)) return reads;
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    let json: PactJson;
    try {
      json = JSON.parse(readFileSync(path.join(dir, name), 'utf8')) as PactJson;
    } catch {
      continue;
    }
    const consumer = json.consumer?.name;
    if (!consumer) continue;
    const file = path.posix.join(pactDir.split(path.sep).join('/'), name);
    const byType = reads.get(consumer) ?? new Map<string, ConsumerReads>();
    reads.set(consumer, byType);
    for (const i of [...(json.interactions ?? []).map((x) => ({ body: x.contents?.content, metadata: x.metadata })), ...(json.messages ?? []).map((x) => ({ body: x.contents, metadata: x.metadata }))]) {
      const type = typeof i.metadata?.type === 'string' ? i.metadata.type : undefined;
      if (!type) continue;
      const entry = byType.get(type) ?? { file, paths: new Set<string>() };
      collect(i.body, '', entry.paths);
      for (const key of Object.keys(i.metadata ?? {})) entry.paths.add(`metadata.${key}`);
      byType.set(type, entry);
    }
  }
  return reads;
}
