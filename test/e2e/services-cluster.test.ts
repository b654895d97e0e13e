// The walkthrough story end to end on a real Redis Cluster (3 masters, 1 replica each): Catalog, Sales and
// Reporting as child processes, each its own FCALL-only ACL user connected with REDIS_CLUSTER_URLS, driven
// over HTTP only. Their keys carry hash tags (docs/scale-out.md), so every Redis Function call stays on one
// slot; without them Catalog's first command fails with CROSSSLOT.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeConnection, keySlot } from 'herald/runtime';
import { catalogKeysFor, catalogLayout } from '../../services/catalog/event-store.ts';
import { salesKeysFor, salesLayout } from '../../services/sales/projection.ts';
import { reportingKeysFor, reportingLayout } from '../../services/reporting/ledger.ts';
import { http, startStack, type Stack } from '../support/services.ts';
import { walkthroughStory } from '../support/story.ts';

let stack: Stack;
const token = 'e2e-cluster-token';
const auth = { authorization: `Bearer ${token}` };

beforeAll(async () => {
  stack = await startStack({ cluster: true, env: { SERVICE_TOKEN: token } });
}, 90_000);
afterAll(async () => {
  await stack?.stop();
});

describe('catalog, sales and reporting on a Redis Cluster', () => {
  it('create → update → buy → revenue → retire → buy refused → old purchase unchanged', async () => {
    const { id, purchaseId } = await walkthroughStory(stack, auth);

    // The state is where the layout says, in the tagged keys.
    const catalog = catalogKeysFor(catalogLayout({ cluster: true }));
    const sales = salesKeysFor(salesLayout({ cluster: true }));
    const reporting = reportingKeysFor(reportingLayout({ cluster: true }));
    const admin = await stack.admin();
    try {
      expect(Number(await admin.sendCommand(['LLEN', catalog.events(id)]))).toBe(3);
      expect(await admin.sendCommand(['HEXISTS', sales.live.movies, id])).toBe(1);
      expect(await admin.sendCommand(['EXISTS', sales.purchase(purchaseId)])).toBe(1);
      expect(await admin.sendCommand(['HEXISTS', reporting.purchases, purchaseId])).toBe(1);
      // Every committed event has been relayed: the outboxes are empty.
      expect(Number(await admin.sendCommand(['XLEN', catalog.outbox(0)]))).toBe(0);
      expect(Number(await admin.sendCommand(['XLEN', sales.outbox]))).toBe(0);
    } finally {
      await closeConnection(admin);
    }
    const masters = await stack.cluster!.masterPorts();
    expect(masters).toHaveLength(3);
    // Sales' keys follow catalog.movie.v1's partitions (one here): a movie's row and purchase share its
    // Catalog partition's slot. Reporting follows sales.purchase.v1, another tag.
    expect(keySlot(sales.live.movies)).toBe(keySlot(catalog.events(id)));
    expect(keySlot(sales.purchase(purchaseId))).toBe(keySlot(catalog.events(id)));
    expect(keySlot(reporting.purchases)).not.toBe(keySlot(sales.live.movies));
  });

  it('pages the movie list and keeps serving reads', async () => {
    const ids: string[] = [];
    for (const title of ['Alien', 'Brazil', 'Casablanca']) {
      const created = await http(stack.process('catalog').url, 'POST', '/movies', { title, price: { amountMinor: 500, currencyCode: 'EUR' }, releaseYear: 1980 }, auth);
      expect(created.status).toBe(201);
      ids.push(created.body.movieId);
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await http(stack.process('catalog').url, 'GET', `/movies?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((m: { movieId: string }) => m.movieId));
      cursor = page.body.nextCursor;
    } while (cursor);
    for (const id of ids) expect(seen).toContain(id);
    expect((await http(stack.process('sales').url, 'GET', '/health')).body).toMatchObject({ status: 'ok', checks: { consumer: { running: true } } });
  });
});
