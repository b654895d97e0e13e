// Drift check: compares Sales' projection with Catalog's state folded from the catalog channel itself
// (never an HTTP call to Catalog). Reports every difference; it never repairs anything.
import type { RedisConnection } from 'herald/runtime';
import { createFoldingProjection, createMovieProjection, liveProjectionKeys, rebuildProjectionKeys, type ProjectedMovie, type ProjectionKeys } from './projection.ts';
import { foldCatalogStream } from './replay.ts';

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
}

/**
 * Catalog's state per movie, folded from the channel by the projection rule itself (applyToRow, through
 * the rebuild's fold), in memory: nothing is written, the live projection is never touched.
 */
export async function foldCatalogChannel(redis: RedisConnection): Promise<Map<string, ProjectedMovie>> {
  const folded = createFoldingProjection(redis, rebuildProjectionKeys('drift-never-written'));
  await foldCatalogStream(redis, folded, { write: false });
  return new Map((await folded.all()).map((row) => [row.movieId, row]));
}

export async function checkDrift(redis: RedisConnection, keys: ProjectionKeys = liveProjectionKeys): Promise<DriftReport> {
  const catalog = await foldCatalogChannel(redis);
  const rows = await createMovieProjection(redis, keys).all();
  return compareProjection(catalog, rows);
}

/** Pure comparison, field by field. */
export function compareProjection(catalog: Map<string, ProjectedMovie>, rows: readonly ProjectedMovie[]): DriftReport {
  const differences: Drift[] = [];
  const seen = new Set<string>();
  for (const row of rows) {
    seen.add(row.movieId);
    const truth = catalog.get(row.movieId);
    if (!truth) {
      differences.push({ movieId: row.movieId, field: 'unknown-to-catalog', projection: `v${row.version}` });
      continue;
    }
    const pairs: Array<[Drift['field'], string, string]> = [
      ['version', String(row.version), String(truth.version)],
      ['title', row.title, truth.title],
      ['price', `${row.price.amountMinor} ${row.price.currencyCode}`, `${truth.price.amountMinor} ${truth.price.currencyCode}`],
      ['status', row.status, truth.status],
    ];
    for (const [field, projection, catalogValue] of pairs) {
      if (projection !== catalogValue) differences.push({ movieId: row.movieId, field, projection, catalog: catalogValue });
    }
  }
  for (const [movieId, truth] of catalog) {
    if (!seen.has(movieId)) differences.push({ movieId, field: 'missing-in-projection', catalog: `v${truth.version}` });
  }
  return { catalogMovies: catalog.size, projectionMovies: rows.length, differences };
}

export function formatDriftReport(report: DriftReport): string {
  const head = `drift check: ${report.catalogMovies} movies in the catalog stream, ${report.projectionMovies} in the projection, ${report.differences.length} differences\n`;
  return head + report.differences.map((d) => `  ${d.movieId} ${d.field}: projection=${d.projection ?? '-'} catalog=${d.catalog ?? '-'}\n`).join('');
}
