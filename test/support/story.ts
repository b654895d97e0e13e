// The walkthrough story (docs/walkthrough.md) over HTTP only, shared by the single-node and the cluster e2e
// files: create → update → buy → revenue → retire → buy refused → old purchase unchanged.
import { expect } from 'vitest';
import { http, waitFor, type Stack } from './services.ts';

/**
 * The story's HTTP clients of a stack (or of the stack a getter returns when called, for a file that starts
 * it in beforeAll): Catalog and Sales with `auth`, Reporting, and a wait for a movie's version in Sales.
 */
export function storyClients(stack: Stack | (() => Stack), auth: Record<string, string>) {
  const url = (service: string) => (typeof stack === 'function' ? stack() : stack).process(service).url;
  const catalog = (method: string, path: string, body?: unknown) => http(url('catalog'), method, path, body, auth);
  const sales = (method: string, path: string, body?: unknown) => http(url('sales'), method, path, body, auth);
  const reporting = (path: string) => http(url('reporting'), 'GET', path);
  const projected = (movieId: string, version: number) =>
    waitFor(`sales projection of ${movieId} at v${version}`, async () => {
      const response = await sales('GET', `/movies/${movieId}`);
      return response.status === 200 && response.body.version === version ? response.body : undefined;
    });
  return { catalog, sales, reporting, projected };
}

/** Runs the story against a started stack; returns the movie and the purchase it made. */
export async function walkthroughStory(stack: Stack, auth: Record<string, string>): Promise<{ id: string; purchaseId: string }> {
  const { catalog, sales, reporting, projected } = storyClients(stack, auth);

  const created = await catalog('POST', '/movies', { title: 'Dune', price: { amountMinor: 1299, currencyCode: 'EUR' }, genres: ['science-fiction'], releaseYear: 2021 });
  expect(created.status).toBe(201);
  const id = created.body.movieId as string;
  expect(await projected(id, 1)).toMatchObject({ title: 'Dune', price: { amountMinor: 1299, currencyCode: 'EUR' }, status: 'active' });

  const updated = await catalog('PATCH', `/movies/${id}`, { expectedVersion: 1, price: { amountMinor: 999, currencyCode: 'EUR' } });
  expect(updated.body).toMatchObject({ version: 2, price: { amountMinor: 999 } });
  await projected(id, 2);

  const bought = await sales('POST', '/purchases', { movieId: id, customerId: 'alice', quantity: 2 });
  expect(bought.status).toBe(201);
  expect(bought.body).toMatchObject({ movie: { title: 'Dune', unitPrice: { amountMinor: 999 }, catalogVersion: 2 }, total: { amountMinor: 1998, currencyCode: 'EUR' } });
  // Reporting projects the PurchaseCompleted that Sales' relay published.
  const revenue = await waitFor('reporting revenue of the purchase', async () => {
    const response = await reporting(`/revenue/${id}`);
    return response.status === 200 ? response.body : undefined;
  });
  expect(revenue).toEqual({ movieId: id, title: 'Dune', quantity: 2, purchases: 1, revenue: [{ currencyCode: 'EUR', amountMinor: '1998' }] });

  const retired = await catalog('POST', `/movies/${id}/retire`, { reason: 'licence ended' });
  expect(retired.body).toMatchObject({ status: 'retired', version: 3 });
  await projected(id, 3);

  const refused = await sales('POST', '/purchases', { movieId: id, customerId: 'bob', quantity: 1 });
  expect(refused.status).toBe(409);
  expect(refused.body.code).toBe('HERALD_ERR_NOT_SELLABLE');

  expect((await sales('GET', `/purchases/${bought.body.purchaseId}`)).body).toEqual(bought.body);
  expect((await catalog('GET', `/movies/${id}`)).body).toMatchObject({ status: 'retired', title: 'Dune' });
  expect((await catalog('GET', `/movies/${id}/events`)).body.events.map((e: { type: string }) => e.type)).toEqual(['MovieCreated', 'MovieUpdated', 'MovieRetired']);
  return { id, purchaseId: bought.body.purchaseId as string };
}
