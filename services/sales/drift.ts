// Drift check: compares Sales' live projection with Catalog's own state, read through Catalog's public
// read API (GET /movies pages, GET /movies/:id), never Catalog's Redis keys and never the stream (a
// forged event in the stream would be "truth" there). It reads the projection without changing it;
// with `repair` it rewrites only the rows that still differ, each guarded by a compare-and-set.
// Run: `REDIS_URL=... CATALOG_URL=http://127.0.0.1:3001 node --conditions=herald-source services/sales/drift.ts [--repair]`.
import { closeConnection, fcall, HeraldError, isClusterConnection, type RedisConnection } from 'herald/runtime';
import { connectToolRedis } from '../shared/redis-connect.ts';
import { text } from '../shared/redis-replies.ts';
import { rowCodec } from './projection-rule.ts';
import { createMovieProjection, salesKeysFor, salesLayout, type ProjectedMovie, type ProjectionKeys, type ProjectionSpace } from './projection.ts';

export interface Drift {
  movieId: string;
  field: 'missing-in-projection' | 'unknown-to-catalog' | 'title' | 'price' | 'status' | 'version';
  projection?: string;
  catalog?: string;
}

export interface DriftReport {
  catalogMovies: number;
  projectionMovies: number;
  differences: Drift[];
  /** Movies that still differ after the check (and its repair, if asked). */
  unrepaired: number;
  /** Rows rewritten from Catalog's state (repair mode only). */
  repaired?: number;
}

/** Catalog as the drift check sees it: its read API. */
export interface CatalogReader {
  /** Every movie, page by page. */
  list(): AsyncIterable<ProjectedMovie>;
  /** One movie, or undefined when Catalog answers 404. */
  get(movieId: string): Promise<ProjectedMovie | undefined>;
}

interface CatalogMovieJson {
  movieId: string;
  title: string;
  price: { amountMinor: number; currencyCode: string };
  status: 'active' | 'retired';
  version: number;
}

function fromCatalogJson(movie: CatalogMovieJson): ProjectedMovie {
  return {
    movieId: movie.movieId, title: movie.title, status: movie.status, version: movie.version,
    price: { amountMinor: BigInt(movie.price.amountMinor), currencyCode: movie.price.currencyCode },
  };
}

/** A CatalogReader over HTTP (Node's fetch), e.g. `http://127.0.0.1:3001`. */
export function httpCatalogReader(baseUrl: string, pageSize = 100): CatalogReader {
  const base = baseUrl.replace(/\/$/, '');
  const getJson = async (path: string): Promise<{ status: number; body: unknown }> => {
    const response = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(10_000) });
    if (response.status !== 200 && response.status !== 404) {
      throw new HeraldError('HERALD_ERR_CONFIG', `Catalog at ${base} answered ${response.status} to GET ${path}; check CATALOG_URL`, { field: 'CATALOG_URL' });
    }
    return { status: response.status, body: await response.json() };
  };
  return {
    async *list() {
      let cursor: string | undefined;
      do {
        const { body } = await getJson(`/movies?limit=${pageSize}${cursor ? `&cursor=${cursor}` : ''}`);
        const page = body as { items: CatalogMovieJson[]; nextCursor?: string };
        for (const movie of page.items) yield fromCatalogJson(movie);
        cursor = page.nextCursor;
      } while (cursor);
    },
    async get(movieId) {
      const { status, body } = await getJson(`/movies/${movieId}`);
      return status === 404 ? undefined : fromCatalogJson(body as CatalogMovieJson);
    },
  };
}

/** Pure comparison of one movie, field by field; [] when they agree. */
export function compareMovie(movieId: string, row: ProjectedMovie | undefined, truth: ProjectedMovie | undefined): Drift[] {
  if (!row && !truth) return [];
  if (!truth) return [{ movieId, field: 'unknown-to-catalog', projection: `v${row!.version}` }];
  if (!row) return [{ movieId, field: 'missing-in-projection', catalog: `v${truth.version}` }];
  const pairs: Array<[Drift['field'], string, string]> = [
    ['version', String(row.version), String(truth.version)],
    ['title', row.title, truth.title],
    ['price', `${row.price.amountMinor} ${row.price.currencyCode}`, `${truth.price.amountMinor} ${truth.price.currencyCode}`],
    ['status', row.status, truth.status],
  ];
  return pairs.filter(([, a, b]) => a !== b).map(([field, projection, catalog]) => ({ movieId, field, projection, catalog }));
}

/** Pure comparison of every movie. */
export function compareProjection(catalog: Map<string, ProjectedMovie>, rows: readonly ProjectedMovie[]): DriftReport {
  const differences: Drift[] = [];
  const seen = new Set<string>();
  for (const row of rows) {
    seen.add(row.movieId);
    differences.push(...compareMovie(row.movieId, row, catalog.get(row.movieId)));
  }
  for (const [movieId, truth] of catalog) if (!seen.has(movieId)) differences.push(...compareMovie(movieId, undefined, truth));
  return { catalogMovies: catalog.size, projectionMovies: rows.length, differences, unrepaired: new Set(differences.map((d) => d.movieId)).size };
}

export interface DriftOptions {
  /** The live projection's keys: Sales' layout on this connection by default (every partition). */
  keys?: ProjectionKeys | ProjectionSpace;
  /** Differences are re-read after this pause, so events still in flight are not reported (default 2 s). */
  settleMs?: number;
  /** Rewrite each row that still differs with Catalog's state (or delete a row Catalog does not know). */
  repair?: boolean;
}

export async function checkDrift(redis: RedisConnection, catalog: CatalogReader, options: DriftOptions = {}): Promise<DriftReport> {
  // On a cluster the live keys carry their partition's hash tag; the projection reads each movie's.
  const projection = createMovieProjection(redis, options.keys ?? salesKeysFor(salesLayout({ cluster: isClusterConnection(redis) })).liveSpace);
  const truth = new Map<string, ProjectedMovie>();
  for await (const movie of catalog.list()) truth.set(movie.movieId, movie);
  // The projection is read a page at a time through its indexes (partition after partition), never all at once.
  const rows: ProjectedMovie[] = [];
  let after: string | undefined;
  do {
    const page = await projection.page({ limit: 500, ...(after ? { after } : {}) });
    rows.push(...page.items);
    after = page.nextCursor;
  } while (after);
  const first = compareProjection(truth, rows);
  if (first.differences.length === 0) return first;
  // Re-read only what differed, after a pause: a PATCH still travelling to Sales is not drift.
  await new Promise((resolve) => setTimeout(resolve, options.settleMs ?? 2000));
  const differences: Drift[] = [];
  let repaired = 0;
  let unrepaired = 0;
  for (const movieId of new Set(first.differences.map((d) => d.movieId))) {
    const keys = projection.keysOf(movieId);
    const rawRow = await redis.sendCommand(['HGET', keys.movies, movieId]);
    const rowJson = rawRow === null || rawRow === undefined ? '' : text(rawRow);
    const row = rowJson ? (await projection.get(movieId)) : undefined;
    const now = await catalog.get(movieId);
    const found = compareMovie(movieId, row, now);
    differences.push(...found);
    if (found.length === 0) continue;
    // Catalog is the truth even when the row is *ahead* of it: Sales only learns versions from Catalog, so
    // a row beyond Catalog's version came from a forged event.
    const fixed = options.repair
      // functions.lua: sales_repair, a compare-and-set on the row (a row the consumer changed meanwhile is left alone).
      && Number(await fcall(redis, 'sales_repair', [keys.movies, keys.index], [movieId, rowJson, now ? rowCodec.encode(now) : ''])) === 1;
    if (fixed) repaired++;
    else unrepaired++;
  }
  return { catalogMovies: first.catalogMovies, projectionMovies: first.projectionMovies, differences, unrepaired, ...(options.repair ? { repaired } : {}) };
}

export function formatDriftReport(report: DriftReport): string {
  const head = `drift check: ${report.catalogMovies} movies in Catalog, ${report.projectionMovies} in the projection, ${report.differences.length} differences`
    + (report.repaired !== undefined ? `, ${report.repaired} rows repaired` : '') + '\n';
  return head + report.differences.map((d) => `  ${d.movieId} ${d.field}: projection=${d.projection ?? '-'} catalog=${d.catalog ?? '-'}\n`).join('');
}

/** `drift.ts [--repair]`: exit code 1 when a difference remains unrepaired. */
export async function runDriftCommand(
  argv: readonly string[],
  io: { stdout: NodeJS.WritableStream },
  env: Record<string, string | undefined> = process.env,
): Promise<number> {
  const redis = await connectToolRedis(env.REDIS_URL ?? 'redis://127.0.0.1:6379', env, { name: 'sales:drift' });
  try {
    const repair = argv.includes('--repair');
    const report = await checkDrift(redis, httpCatalogReader(env.CATALOG_URL ?? 'http://127.0.0.1:3001'), { repair });
    io.stdout.write(formatDriftReport(report));
    return report.unrepaired > 0 ? 1 : 0;
  } finally {
    await closeConnection(redis);
  }
}

if (import.meta.main) {
  process.exitCode = await runDriftCommand(process.argv.slice(2), process);
}
