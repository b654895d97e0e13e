// The projection rule of Sales, pure: how one catalog event changes one movie row. The live consumer
// runs it inside Redis (functions.lua: sales_apply); the rebuild and the drift check run this. One table
// of cases (projection-rule.test.ts) runs against both, so the two can never drift apart.
// The row codec is here too: the one JSON layout of a row, written by both.
import { parseJsonWithBigInts, stringifyJsonWithBigInts } from '../shared/bigint-json.ts';

export interface ProjectedMovie {
  movieId: string;
  title: string;
  price: { amountMinor: bigint; currencyCode: string };
  status: 'active' | 'retired';
  /** Catalog version of the last applied event. */
  version: number;
  /** Id of the last applied event: a redelivery of it is a duplicate even after it left the inbox window. */
  lastEventId?: string;
  /**
   * Digest of the last applied event's content (handlers.ts: eventDigest): its id arriving with other
   * content is tampered, not a redelivery. Absent on rows written before it existed.
   */
  lastDigest?: string;
}

/**
 * What applying an event did. `tampered`: the row's last event id arrived with other content (or
 * claiming another version). `conflict`: another event id claims the version the row is at (one of the
 * two is forged, or was republished under a new id). Both are refused, never applied.
 */
export type ApplyOutcome = 'applied' | 'duplicate' | 'early' | 'tampered' | 'conflict';

export type ProjectionChange =
  | { kind: 'upsert'; movie: ProjectedMovie }
  | { kind: 'retire'; movieId: string; version: number };

export interface RowVerdict {
  outcome: ApplyOutcome;
  /** The row after the event: the new row when applied, the old one (or none) otherwise. */
  row: ProjectedMovie | undefined;
}

export function changeTarget(change: ProjectionChange): { movieId: string; version: number } {
  return change.kind === 'upsert' ? { movieId: change.movie.movieId, version: change.movie.version } : { movieId: change.movieId, version: change.version };
}

/**
 * Applies event `eventId`, whose content has `digest`, to `row`. `inInbox` says whether the inbox window
 * already holds the id. The row's last event id again is a duplicate with the same content at the same
 * version, tampered otherwise; a known id or an older version is a duplicate; another id at the row's
 * version is a conflict; anything but the next version is early (it waits for its predecessor); a
 * retire of a movie with no row is early too.
 */
export function applyToRow(row: ProjectedMovie | undefined, eventId: string, change: ProjectionChange, inInbox: boolean, digest = ''): RowVerdict {
  const current = row?.version ?? 0;
  const { version } = changeTarget(change);
  if (row && row.lastEventId === eventId) {
    const sameContent = !row.lastDigest || !digest || row.lastDigest === digest;
    return { outcome: version === current && sameContent ? 'duplicate' : 'tampered', row };
  }
  if (inInbox) return { outcome: 'duplicate', row };
  if (row?.lastEventId && version === current) return { outcome: 'conflict', row };
  if (version <= current) return { outcome: 'duplicate', row };
  if (version > current + 1) return { outcome: 'early', row };
  if (change.kind === 'retire') {
    if (!row) return { outcome: 'early', row };
    const { lastDigest: _, ...kept } = row;
    return { outcome: 'applied', row: { ...kept, status: 'retired', version, lastEventId: eventId, ...(digest ? { lastDigest: digest } : {}) } };
  }
  // Field by field, not by spreading: a rebuild applies this once per event.
  const { movieId, title, price, status } = change.movie;
  const next: ProjectedMovie = { movieId, title, price, status, version, lastEventId: eventId };
  if (digest) next.lastDigest = digest;
  return { outcome: 'applied', row: next };
}

/** Where the row's bigints live (explicit paths, never a property-name guess). */
const rowBigInts = ['price.amountMinor'];

export const rowCodec = {
  encode(row: ProjectedMovie): string {
    const { movieId, title, price, status, version, lastEventId, lastDigest } = row;
    return stringifyJsonWithBigInts({ movieId, title, price: { amountMinor: price.amountMinor, currencyCode: price.currencyCode }, status, version, ...(lastEventId ? { lastEventId } : {}), ...(lastDigest ? { lastDigest } : {}) });
  },
  decode(json: string): ProjectedMovie {
    const raw = parseJsonWithBigInts<ProjectedMovie>(json, rowBigInts);
    // Lua's cjson may write the version as 3 or 3.0; the row's shape is fixed here.
    return {
      movieId: raw.movieId, title: raw.title, price: { amountMinor: raw.price.amountMinor, currencyCode: raw.price.currencyCode }, status: raw.status, version: Number(raw.version),
      ...(raw.lastEventId ? { lastEventId: raw.lastEventId } : {}),
      ...(raw.lastDigest ? { lastDigest: raw.lastDigest } : {}),
    };
  },
};
