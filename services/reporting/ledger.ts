// Reporting's revenue ledger in Redis: each purchase's line is added to its movie's totals once, by one
// Redis Function (functions.lua: reporting_record) that also records the event in the bounded inbox.
//
// Key layout (every key starts with `reporting:`; no other service reads them):
//   reporting:movie:<movieId>   HASH  movieId, title (as last sold), quantity, purchases, revenue:<currency> (int64 minor units)
//   reporting:movies            ZSET  every movie id with revenue, score 0 (paged by id)
//   reporting:purchases         HASH  purchaseId -> revenue line JSON (the purchase is counted)
//   reporting:inbox:window      ZSET  ids of the events applied most recently, cut to INBOX_WINDOW ids
// On Redis Cluster every key carries one hash tag after `reporting:` (reportingLayout), so
// reporting_record touches one slot.
import { defaultInboxWindow, fcall, serviceKeyLayout, servicePartitionKey, type RedisConnection, type ServiceKeyLayout, type WaitForReplicas } from 'herald/runtime';
import { salesPurchase } from '../../generated/channels/sales-purchase.ts';
import { stringifyJsonWithBigInts } from '../shared/bigint-json.ts';
import { text, textRecord } from '../shared/redis-replies.ts';
import type { RevenueLine } from './revenue.ts';

/** Reporting's layout: one set of keys along sales.purchase.v1, tagged on a cluster. */
export function reportingLayout(options: { cluster?: boolean } = {}): ServiceKeyLayout {
  return serviceKeyLayout('reporting', { address: salesPurchase.address, partitions: 1 }, options);
}

export function reportingKeysFor(layout: ServiceKeyLayout) {
  const key = (...parts: string[]) => servicePartitionKey(layout, 0, ...parts);
  return {
    movie: (movieId: string) => key('movie', movieId),
    movies: key('movies'),
    purchases: key('purchases'),
    inbox: key('inbox', 'window'),
  };
}

/** Today's keys (one node). */
export const reportingKeys = reportingKeysFor(reportingLayout());
const reportingKeysForDefault = reportingKeys;

export interface MovieRevenue {
  movieId: string;
  title: string;
  quantity: number;
  purchases: number;
  /** Revenue per currency, in minor units; sorted by currency code. */
  revenue: Array<{ currencyCode: string; amountMinor: bigint }>;
}

export interface RevenuePage {
  items: MovieRevenue[];
  nextCursor?: string;
}

export interface RevenueLedger {
  /** Adds a purchase's line once; says whether it was applied or a duplicate. */
  record(eventId: string, line: RevenueLine): Promise<'applied' | 'duplicate'>;
  get(movieId: string): Promise<MovieRevenue | undefined>;
  /** A page of movies in id order, after `cursor` (the last id of the previous page). */
  list(options: { cursor?: string; limit: number }): Promise<RevenuePage>;
}

function fromHash(fields: Record<string, string>): MovieRevenue | undefined {
  if (!fields.movieId) return undefined;
  const revenue = Object.entries(fields)
    .filter(([name]) => name.startsWith('revenue:'))
    .map(([name, value]) => ({ currencyCode: name.slice('revenue:'.length), amountMinor: BigInt(value) }))
    .sort((a, b) => a.currencyCode.localeCompare(b.currencyCode));
  return { movieId: fields.movieId, title: fields.title ?? '', quantity: Number(fields.quantity ?? 0), purchases: Number(fields.purchases ?? 0), revenue };
}

export function createRevenueLedger(redis: RedisConnection, options: { inboxWindow?: number; keys?: ReturnType<typeof reportingKeysFor>; waitForReplicas?: WaitForReplicas } = {}): RevenueLedger {
  const reportingKeys = options.keys ?? reportingKeysForDefault;
  const window = String(options.inboxWindow ?? defaultInboxWindow);
  const ledger: RevenueLedger = {
    async record(eventId, line) {
      const reply = await fcall(redis, 'reporting_record', [reportingKeys.inbox, reportingKeys.purchases, reportingKeys.movie(line.movieId), reportingKeys.movies], [
        eventId, line.purchaseId, stringifyJsonWithBigInts(line), line.movieId, line.title, String(line.quantity), line.currencyCode, line.amountMinor.toString(), window,
      ], options.waitForReplicas ? { waitForReplicas: options.waitForReplicas } : {});
      return text(reply) as 'applied' | 'duplicate';
    },
    async get(movieId) {
      return fromHash(textRecord(await redis.sendCommand(['HGETALL', reportingKeys.movie(movieId)])));
    },
    async list({ cursor, limit }) {
      const ids = ((await redis.sendCommand(['ZRANGE', reportingKeys.movies, cursor ? `(${cursor}` : '-', '+', 'BYLEX', 'LIMIT', '0', String(limit + 1)])) as unknown[]).map(text);
      const page = ids.slice(0, limit);
      const items = (await Promise.all(page.map((id) => ledger.get(id)))).filter((m): m is MovieRevenue => m !== undefined);
      return ids.length > limit ? { items, nextCursor: page[page.length - 1]! } : { items };
    },
  };
  return ledger;
}
