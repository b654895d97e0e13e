// /health (liveness: the process and its loops run) and /ready (readiness: it is doing its job), by
// the Kubernetes convention. /ready names every reason it fails: a consumer that makes no progress
// while entries wait, a relay whose backlog does not shrink, a growing dead-letter stream, a Redis
// that refuses writes. It never decides a business outcome and never fails liveness on Redis alone.
import type { FastifyInstance } from 'fastify';
import { envInt, type Env } from './env.ts';

/** Thresholds of /ready, from the environment (documented in docs/services.md). */
export interface ReadinessThresholds {
  /** A consumer with entries waiting that finishes none for this long is stalled. */
  consumerStallMs: number;
  /** A relay with a backlog that publishes nothing for this long is stuck. */
  relayStallMs: number;
  /** The window over which dead-letter growth is measured. */
  deadLetterWindowMs: number;
  /** More new dead letters than this within the window makes the service unready. */
  deadLetterMaxGrowth: number;
  /** A probe that has not answered after this long fails. */
  probeTimeoutMs: number;
}

export const DEFAULT_READINESS: ReadinessThresholds = {
  // Longer than a handler's retries with backoff and a claim interval, so a slow event is not a stall.
  consumerStallMs: 30_000,
  // Several relay rounds (each blocks at most 1 s) with their retry pauses.
  relayStallMs: 30_000,
  // A minute: long enough for a scrape-interval probe to see it, short enough to recover on its own.
  deadLetterWindowMs: 60_000,
  // Any new dead letter is an event nobody will apply: worth an operator's eye.
  deadLetterMaxGrowth: 0,
  probeTimeoutMs: 2000,
};

export function loadReadinessThresholds(env: Env): ReadinessThresholds {
  return {
    consumerStallMs: envInt(env, 'READY_CONSUMER_STALL_MS', DEFAULT_READINESS.consumerStallMs, 1, 86_400_000),
    relayStallMs: envInt(env, 'READY_RELAY_STALL_MS', DEFAULT_READINESS.relayStallMs, 1, 86_400_000),
    deadLetterWindowMs: envInt(env, 'READY_DLQ_WINDOW_MS', DEFAULT_READINESS.deadLetterWindowMs, 1, 86_400_000),
    deadLetterMaxGrowth: envInt(env, 'READY_DLQ_MAX_GROWTH', DEFAULT_READINESS.deadLetterMaxGrowth, 0, 1_000_000_000),
    probeTimeoutMs: envInt(env, 'READY_PROBE_TIMEOUT_MS', DEFAULT_READINESS.probeTimeoutMs, 1, 60_000),
  };
}

/** What one probe found; `reason` names why it is not ready (kebab-case, stable, documented). */
export type ProbeResult = Record<string, unknown> & { ok: boolean; reason?: string };

export interface Probe {
  name: string;
  /** Liveness: false only when restarting the process would help (a loop that died). */
  live?(): ProbeResult;
  /** Readiness. */
  ready(): Promise<ProbeResult>;
}

/**
 * Tracks whether a queue drains: `busy` (entries are waiting) since when, and the last progress.
 * The caller compares the time without progress with its threshold.
 */
export class ProgressWatch {
  #busySince: number | undefined;
  #lastProgress: number | undefined;
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  progressed(): void {
    this.#lastProgress = this.#now();
  }

  get lastProgress(): number | undefined {
    return this.#lastProgress;
  }

  /** Milliseconds without progress while busy, or 0 when idle or moving. */
  observe(busy: boolean): number {
    const now = this.#now();
    if (!busy) {
      this.#busySince = undefined;
      return 0;
    }
    this.#busySince ??= now;
    const since = Math.max(this.#busySince, this.#lastProgress ?? 0);
    return now - since;
  }
}

/** Growth of a count over a sliding window, sampled whenever /ready is asked. */
export class GrowthWatch {
  readonly #samples: Array<{ at: number; value: number }> = [];
  readonly #windowMs: number;
  readonly #now: () => number;

  constructor(windowMs: number, now: () => number = Date.now) {
    this.#windowMs = windowMs;
    this.#now = now;
  }

  /** How much the value grew since the oldest sample still inside the window. */
  sample(value: number): number {
    const now = this.#now();
    this.#samples.push({ at: now, value });
    // Keep one sample at or before the window's start, so growth spans the whole window.
    while (this.#samples.length > 1 && this.#samples[1]!.at <= now - this.#windowMs) this.#samples.shift();
    return value - Math.min(...this.#samples.map((s) => s.value));
  }
}

const healthResponse = {
  type: 'object',
  required: ['status', 'service', 'checks'],
  properties: {
    status: { type: 'string', enum: ['ok', 'failing', 'ready', 'unready'] },
    service: { type: 'string' },
    roles: { type: 'array', items: { type: 'string' } },
    reasons: { type: 'array', items: { type: 'string' } },
    checks: { type: 'object', additionalProperties: { type: 'object', additionalProperties: true } },
  },
} as const;

export class Health {
  readonly #probes: Probe[] = [];
  readonly thresholds: ReadinessThresholds;

  constructor(thresholds: ReadinessThresholds) {
    this.thresholds = thresholds;
  }

  add(probe: Probe): void {
    this.#probes.push(probe);
  }

  async readiness(): Promise<{ ok: boolean; reasons: string[]; checks: Record<string, ProbeResult> }> {
    const checks: Record<string, ProbeResult> = {};
    const results = await Promise.all(this.#probes.map(async (probe) => {
      try {
        return [probe.name, await withTimeout(probe.ready(), this.thresholds.probeTimeoutMs)] as const;
      } catch (error) {
        return [probe.name, { ok: false, reason: `${probe.name}-unanswered`, error: error instanceof Error ? error.message : String(error) }] as const;
      }
    }));
    for (const [name, result] of results) checks[name] = result;
    const reasons = results.filter(([, r]) => !r.ok).map(([name, r]) => r.reason ?? `${name}-failing`);
    return { ok: reasons.length === 0, reasons, checks };
  }

  register(app: FastifyInstance, identity: { service: string; roles: readonly string[] }): void {
    const schema = { response: { 200: healthResponse, 503: healthResponse } };
    app.get('/health', { schema }, async (_request, reply) => {
      const checks: Record<string, ProbeResult> = {};
      for (const probe of this.#probes) if (probe.live) checks[probe.name] = probe.live();
      const ok = Object.values(checks).every((c) => c.ok);
      return reply.status(ok ? 200 : 503).send({ status: ok ? 'ok' : 'failing', ...identity, checks });
    });
    app.get('/ready', { schema }, async (_request, reply) => {
      const { ok, reasons, checks } = await this.readiness();
      return reply.status(ok ? 200 : 503).send({ status: ok ? 'ready' : 'unready', ...identity, reasons, checks });
    });
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
