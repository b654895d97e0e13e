// End to end with real processes: Redis, Catalog, Sales and Reporting as child processes (each as its own
// FCALL-only ACL user), driven over HTTP only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http, startStack, type Stack } from '../support/services.ts';
import { storyClients, walkthroughStory } from '../support/story.ts';

let stack: Stack;
const token = 'e2e-token';
const auth = { authorization: `Bearer ${token}` };

beforeAll(async () => {
  stack = await startStack({ env: { SERVICE_TOKEN: token } });
});
afterAll(async () => {
  await stack?.stop();
});

const { catalog, sales, reporting, projected } = storyClients(() => stack, auth);

describe('catalog, sales and reporting, end to end', () => {
  it('create → update → buy → revenue → retire → buy refused → old purchase unchanged', async () => {
    await walkthroughStory(stack, auth);
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
