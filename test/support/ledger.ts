// The fault suite's ledger: every effect a driver saw acknowledged (movie versions, purchases), and the
// check that Redis holds exactly those effects after a fault. It reads Redis as the admin user and never
// repairs anything: a difference is reported, counted and fails the scenario.
import type { RedisConnection } from 'herald/runtime';
import { parseEntries } from 'herald/runtime';

/** One acknowledged write: Catalog answered 2xx for this version with this price. */
interface AckedWrite { movieId: string; version: number; amountMinor: number }
interface AckedPurchase { purchaseId: string; eventId: string; movieId: string }

export interface LedgerReport {
  scenario: string;
  /** Committed Catalog events + acknowledged purchases that were checked. */
  eventsChecked: number;
  /** Acknowledged or committed effects missing anywhere downstream. */
  lost: number;
  /** Effects present more than once, or present without a committed cause (ghosts). */
  duplicated: number;
  /** Channel entries published more than once (allowed: at-least-once delivery; the inbox dedupes). */
  redelivered: number;
  /** Requests whose outcome the driver could not know (connection lost); either outcome is accepted. */
  inDoubt: number;
  projectionMismatches: number;
  deadLetters: Record<string, number>;
  problems: string[];
}

export class Ledger {
  readonly scenario: string;
  readonly writes: AckedWrite[] = [];
  readonly purchases: AckedPurchase[] = [];
  inDoubt = 0;
  /** Event id -> expected DLQ reason, for bad entries the scenario put on the channel on purpose. */
  readonly injected = new Map<string, string>();
  /**
   * Stream entry id -> expected DLQ reason, for injected copies that reuse a real event's id (tampered
   * content): the id alone cannot tell them from the real event.
   */
  readonly injectedEntries = new Map<string, string>();
  /** Forged event ids Sales could not tell from real ones and applied (the drift check must repair them). */
  readonly forgedApplied = new Set<string>();

  constructor(scenario: string) {
    this.scenario = scenario;
  }

  write(movieId: string, version: number, amountMinor: number): void {
    this.writes.push({ movieId, version, amountMinor });
  }

  purchase(purchaseId: string, eventId: string, movieId: string): void {
    this.purchases.push({ purchaseId, eventId, movieId });
  }

  /** Compares the ledger with what Catalog, the channel, Sales and the DLQ hold now. */
  async verify(admin: RedisConnection): Promise<LedgerReport> {
    const problems: string[] = [];
    const problem = (text: string) => {
      if (problems.length < 20) problems.push(text);
    };
    let lost = 0;
    let duplicated = 0;

    // Catalog's committed events, straight from its event lists.
    const movieIds = (await admin.sendCommand(['ZRANGE', 'catalog:movies:index', '0', '-1'])) as Buffer[];
    const committed = new Map<string, { movieId: string; version: number; amountMinor?: number }>();
    const byVersion = new Map<string, { eventId: string; amountMinor?: number }>();
    for (const raw of movieIds) {
      const movieId = raw.toString();
      const events = (await admin.sendCommand(['LRANGE', `catalog:movie:${movieId}:events`, '0', '-1'])) as Buffer[];
      for (const json of events) {
        const event = JSON.parse(json.toString()) as { eventId: string; version: number; fields?: { price?: { amountMinor: string } }; changes?: { price?: { amountMinor: string } } };
        const price = event.fields?.price ?? event.changes?.price;
        const amountMinor = price ? Number(price.amountMinor) : undefined;
        committed.set(event.eventId, { movieId, version: event.version, ...(amountMinor === undefined ? {} : { amountMinor }) });
        byVersion.set(`${movieId}@${event.version}`, { eventId: event.eventId, ...(amountMinor === undefined ? {} : { amountMinor }) });
      }
    }

    // 1. No acknowledged write lost: its version exists in Catalog with the price the driver sent.
    for (const write of this.writes) {
      const stored = byVersion.get(`${write.movieId}@${write.version}`);
      if (!stored || stored.amountMinor !== write.amountMinor) {
        lost++;
        problem(`acknowledged write ${write.movieId} v${write.version} is not in Catalog`);
      }
    }

    // 2. Every committed event is on the channel; nothing on it that Catalog did not commit.
    const onChannel = new Map<string, number>();
    for (const entry of await readStream(admin, 'catalog.movie.v1')) {
      const id = entry.fields.get('id')?.toString() ?? '';
      if (this.injected.has(id) || this.forgedApplied.has(id) || this.injectedEntries.has(entry.id)) continue;
      onChannel.set(id, (onChannel.get(id) ?? 0) + 1);
    }
    let redelivered = 0;
    for (const [id, count] of onChannel) {
      redelivered += count - 1;
      if (!committed.has(id)) {
        duplicated++;
        problem(`ghost event ${id} on catalog.movie.v1`);
      }
    }
    for (const id of committed.keys()) {
      if (!onChannel.has(id)) {
        lost++;
        problem(`committed event ${id} never reached catalog.movie.v1`);
      }
    }

    // 3. Exactly once in effect: Sales' inbox holds each committed event id, and nothing else (a run
    // stays far below the inbox window of 100 000 ids, so none has left it).
    const inbox = new Set(((await admin.sendCommand(['ZRANGE', 'sales:inbox:window', '0', '-1'])) as Buffer[]).map(String));
    for (const id of committed.keys()) {
      if (!inbox.has(id)) {
        lost++;
        problem(`committed event ${id} was never applied by Sales`);
      }
    }
    for (const id of inbox) {
      if (!committed.has(id) && !this.forgedApplied.has(id)) {
        duplicated++;
        problem(`Sales applied ${id}, which Catalog never committed`);
      }
    }

    // 4. The projection equals Catalog's current state.
    const current = hashOf((await admin.sendCommand(['HGETALL', 'catalog:movies:current'])) as unknown);
    const projected = hashOf((await admin.sendCommand(['HGETALL', 'sales:movies'])) as unknown);
    let projectionMismatches = 0;
    for (const [movieId, json] of current) {
      const truth = JSON.parse(json) as { title: string; price: { amountMinor: string | number; currencyCode: string }; status: string; version: number };
      const rowJson = projected.get(movieId);
      const row = rowJson ? (JSON.parse(rowJson) as typeof truth) : undefined;
      const same = row && row.title === truth.title && String(row.price.amountMinor) === String(truth.price.amountMinor)
        && row.price.currencyCode === truth.price.currencyCode && row.status === truth.status && Number(row.version) === Number(truth.version);
      if (!same) {
        projectionMismatches++;
        problem(`projection of ${movieId}: ${rowJson ?? 'missing'} differs from catalog v${truth.version}`);
      }
    }
    if (projected.size !== current.size) {
      projectionMismatches += Math.abs(projected.size - current.size);
      problem(`projection has ${projected.size} movies, catalog ${current.size}`);
    }

    // 5. Purchases: each acknowledged one stored once and published; no purchase nobody was told about.
    const purchaseEvents = new Map<string, Set<string>>();
    for (const entry of await readStream(admin, 'sales.purchase.v1')) {
      const subject = entry.fields.get('subject')?.toString() ?? '';
      const ids = purchaseEvents.get(subject) ?? new Set<string>();
      ids.add(entry.fields.get('id')?.toString() ?? '');
      purchaseEvents.set(subject, ids);
    }
    for (const purchase of this.purchases) {
      if (Number(await admin.sendCommand(['EXISTS', `sales:purchase:${purchase.purchaseId}`])) !== 1) {
        lost++;
        problem(`acknowledged purchase ${purchase.purchaseId} is not stored`);
      }
      const events = purchaseEvents.get(purchase.purchaseId);
      if (!events?.has(purchase.eventId)) {
        lost++;
        problem(`PurchaseCompleted of ${purchase.purchaseId} never reached sales.purchase.v1`);
      }
      if (events && events.size > 1) {
        duplicated += events.size - 1;
        problem(`purchase ${purchase.purchaseId} was published as ${events.size} different events`);
      }
    }
    const storedPurchases = await countKeys(admin, 'sales:purchase:*');
    const unexplained = storedPurchases - this.purchases.length;
    if (unexplained > this.inDoubt || unexplained < 0) {
      duplicated += Math.max(0, unexplained - this.inDoubt);
      problem(`${storedPurchases} purchases stored, ${this.purchases.length} acknowledged, ${this.inDoubt} in doubt`);
    }

    // 6. Every dead letter says why; every injected bad entry is among them.
    const deadLetters: Record<string, number> = {};
    const dead = new Map<string, string>();
    const deadEntries = new Map<string, string>();
    for (const letter of await readStream(admin, 'catalog.movie.v1.dlq')) {
      const reason = letter.fields.get('x-dlq-reason')?.toString();
      if (!reason) problem(`dead letter ${letter.id} has no reason`);
      deadLetters[reason ?? 'none'] = (deadLetters[reason ?? 'none'] ?? 0) + 1;
      const streamId = letter.fields.get('x-dlq-stream-id')?.toString() ?? '';
      if (this.injectedEntries.has(streamId)) {
        deadEntries.set(streamId, reason ?? 'none');
        continue;
      }
      dead.set(letter.fields.get('id')?.toString() ?? '', reason ?? 'none');
      if (!this.injected.has(letter.fields.get('id')?.toString() ?? '')) problem(`good event ${letter.fields.get('id')} was dead-lettered (${reason})`);
    }
    for (const [streamId, expected] of this.injectedEntries) {
      if (!deadEntries.has(streamId)) {
        lost++;
        problem(`injected ${expected} entry ${streamId} did not reach the DLQ`);
      } else if (deadEntries.get(streamId) !== expected) {
        problem(`injected ${expected} entry ${streamId} was dead-lettered as ${deadEntries.get(streamId)}`);
      }
    }
    for (const [id, expected] of this.injected) {
      if (expected === 'held') {
        // Early for good (its predecessor never comes): held, pending, never dead-lettered.
        if (dead.has(id)) problem(`held event ${id} was dead-lettered as ${dead.get(id)}`);
        continue;
      }
      if (!dead.has(id)) {
        lost++;
        problem(`injected ${expected} event ${id} did not reach the DLQ`);
      } else if (dead.get(id) !== expected) {
        problem(`injected ${expected} event ${id} was dead-lettered as ${dead.get(id)}`);
      }
    }
    if (deadLetters.none) problems.push('a dead letter has no reason');

    return {
      scenario: this.scenario,
      eventsChecked: committed.size + this.purchases.length + this.injected.size + this.injectedEntries.size + this.forgedApplied.size,
      lost, duplicated, redelivered, inDoubt: this.inDoubt, projectionMismatches, deadLetters, problems,
    };
  }
}

async function readStream(admin: RedisConnection, key: string) {
  const entries = [];
  let from = '-';
  for (;;) {
    const batch = parseEntries(await admin.sendCommand(['XRANGE', key, from, '+', 'COUNT', '5000']));
    entries.push(...batch);
    if (batch.length < 5000) return entries;
    from = `(${batch[batch.length - 1]!.id}`;
  }
}

function hashOf(reply: unknown): Map<string, string> {
  const map = new Map<string, string>();
  if (reply instanceof Map) for (const [k, v] of reply) map.set(String(k), String(v));
  else if (Array.isArray(reply)) for (let i = 0; i + 1 < reply.length; i += 2) map.set(String(reply[i]), String(reply[i + 1]));
  else if (reply && typeof reply === 'object') for (const [k, v] of Object.entries(reply)) map.set(k, String(v));
  return map;
}

async function countKeys(admin: RedisConnection, pattern: string): Promise<number> {
  let cursor = '0';
  let count = 0;
  do {
    const [next, keys] = (await admin.sendCommand(['SCAN', cursor, 'MATCH', pattern, 'COUNT', '1000'])) as [Buffer, Buffer[]];
    cursor = next.toString();
    count += keys.length;
  } while (cursor !== '0');
  return count;
}

/** One line per scenario and the totals, as the suite prints them at the end. */
export function formatLedgerSummary(reports: readonly LedgerReport[]): string {
  const lines = ['', 'Fault suite ledger', ''];
  for (const r of reports) {
    const dlq = Object.entries(r.deadLetters).map(([k, v]) => `${k}=${v}`).join(' ') || 'none';
    lines.push(`  ${r.scenario.padEnd(44)} events ${String(r.eventsChecked).padStart(6)}  lost ${r.lost}  duplicated ${r.duplicated}  redelivered ${r.redelivered}  in-doubt ${r.inDoubt}  dlq ${dlq}`);
  }
  const sum = (f: (r: LedgerReport) => number) => reports.reduce((n, r) => n + f(r), 0);
  lines.push('', `  scenarios run ${reports.length}, events checked ${sum((r) => r.eventsChecked)}, lost ${sum((r) => r.lost)}, duplicated ${sum((r) => r.duplicated)}`, '');
  return lines.join('\n');
}
