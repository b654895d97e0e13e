// End to end with real processes: Redis, Catalog, Sales and Reporting as child processes (each as its own
// FCALL-only ACL user), driven over HTTP only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http, startStack, waitFor, type Stack } from '../support/services.ts';

let stack: Stack;
const token = 'e2e-token';
const auth = { authorization: `Bearer ${token}` };

beforeAll(async () => {
  stack = await startStack({ env: { SERVICE_TOKEN: token } });
});
afterAll(async () => {
  await stack?.stop();
});

const catalog = (method: string, path: string, body?: unknown) => http(stack.process('catalog').url, method, path, body, auth);
const sales = (method: string, path: string, body?: unknown) => http(stack.process('sales').url, method, path, body, auth);
const reporting = (path: string) => http(stack.process('reporting').url, 'GET', path);
const projected = (movieId: string, version: number) =>
  waitFor(`sales projection of ${movieId} at v${version}`, async () => {
    const response = await sales('GET', `/movies/${movieId}`);
    return response.status === 200 && response.body.version === version ? response.body : undefined;
  });

describe('catalog, sales and reporting, end to end', () => {
  it('create → update → buy → revenue → retire → buy refused → old purchase unchanged', async () => {
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
  });

  it('answers bad input with 400 naming the field and writes nothing', async () => {
    const before = (await catalog('GET', '/movies?limit=100')).body.items.length;
    const bad = await catalog('POST', '/movies', { title: '', price: { amountMinor: 100, currencyCode: 'EUR' }, releaseYear: 2000 });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'HERALD_ERR_VALIDATION', field: 'body.title' });
    expect((await catalog('GET', '/movies?limit=100')).body.items.length).toBe(before);
    const badBuy = await sales('POST', '/purchases', { movieId: 'not-a-uuid', customerId: 'alice', quantity: 1 });
    expect(badBuy.body).toMatchObject({ statusCode: 400, field: 'body.movieId' });
    const unauthorised = await http(stack.process('catalog').url, 'POST', '/movies', { title: 'x', price: { amountMinor: 1, currencyCode: 'EUR' }, releaseYear: 2000 });
    expect(unauthorised.status).toBe(401);
    expect((await catalog('GET', '/movies?limit=100')).body.items.length).toBe(before);
  });

  it('keeps selling while the Catalog process is stopped', async () => {
    const created = await catalog('POST', '/movies', { title: 'Heat', price: { amountMinor: 799, currencyCode: 'USD' }, releaseYear: 1995 });
    await projected(created.body.movieId, 1);
    await stack.process('catalog').kill();
    const bought = await sales('POST', '/purchases', { movieId: created.body.movieId, customerId: 'carol', quantity: 1 });
    expect(bought.status).toBe(201);
    expect((await sales('GET', `/purchases/${bought.body.purchaseId}`)).body.total).toEqual({ amountMinor: 799, currencyCode: 'USD' });
    await stack.process('catalog').start();
    expect((await catalog('GET', `/movies/${created.body.movieId}`)).status).toBe(200);
  });

  it('reports health and metrics on every service', async () => {
    expect((await reporting('/health')).body).toMatchObject({ status: 'ok', service: 'reporting', checks: { consumer: { running: true } } });
    expect((await http(stack.process('catalog').url, 'GET', '/health')).body).toMatchObject({ status: 'ok', service: 'catalog' });
    expect((await http(stack.process('sales').url, 'GET', '/health')).body).toMatchObject({ status: 'ok', checks: { consumer: { running: true } } });
    expect((await http(stack.process('sales').url, 'GET', '/metrics')).body).toContain('herald_purchases_total');
    expect(stack.process('sales').output()).toMatch(/"traceparent":"00-[0-9a-f]{32}-[0-9a-f]{16}-01".*"msg":"event handled"/);
  });
});
