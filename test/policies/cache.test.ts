// Response caching: opt-in by rule, per session, never with errors, invalidated by
// mutations; and the passthrough's HTTP cache, which follows upstream Cache-Control.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from './fixtures/gateway.ts';
import { startWorld, type World } from './fixtures/world.ts';

let world: World;
let g: RunningGateway;

beforeAll(async () => {
  world = await startWorld();
  g = await startGateway(
    world,
    [
      '  sources:',
      '    People:',
      '      forwardHeaders: [authorization]',
      '  policies:',
      '    cache:',
      '      passthrough: { enabled: true }',
      '      rules:',
      "        - { coordinate: 'Query.listProducts', ttlMs: 60000 }",
      "        - { coordinate: 'Query.fault', ttlMs: 60000 }",
      "        - { coordinate: 'Query.userById', ttlMs: 60000 }",
      "        - { source: Catalog, ttlMs: 60000 }",
    ].join('\n'),
  );
});
afterAll(async () => {
  await g?.close();
  await world?.close();
});
beforeEach(() => world.reset());

const calls = (path: string) => [...world.catalog.calls, ...world.people.calls].filter((c) => c.method === 'GET' && c.url === path).length;

describe('GraphQL response cache', () => {
  it('serves a covered query from the cache, per variables', async () => {
    const a = await g.graphql({ query: '{ listProducts { id name } }' });
    const b = await g.graphql({ query: '{ listProducts { id name } }' });
    expect(b.json).toEqual(a.json);
    expect(calls('/products')).toBe(1);
  });

  it('does not cache a query with a root field no rule covers', async () => {
    const q = { query: '{ listProducts { id } whoami { user } }' };
    await g.graphql(q);
    await g.graphql(q);
    expect(calls('/whoami')).toBe(2);
  });

  it('never caches a result with errors', async () => {
    await g.graphql({ query: '{ fault(kind: "500") { id } }' });
    await g.graphql({ query: '{ fault(kind: "500") { id } }' });
    expect(calls('/fault/500')).toBe(2);
  });

  it('keys entries per session: one caller never gets another caller\'s answer', async () => {
    const q = { query: '{ userById(id: "7") { id name } }' };
    await g.graphql(q, { authorization: 'Bearer alice' });
    await g.graphql(q, { authorization: 'Bearer alice' });
    await g.graphql(q, { authorization: 'Bearer bob' });
    expect(world.people.calls.map((c) => c.headers.authorization)).toEqual(['Bearer alice', 'Bearer bob']);
  });

  it('drops entries holding the type a mutation returns', async () => {
    await g.graphql({ query: '{ listProducts { id } }' });
    world.reset();
    await g.graphql({ query: '{ listProducts { id } }' });
    expect(calls('/products')).toBe(0);
    await g.graphql({ query: 'mutation { createProduct(input: { name: "Mug" }) { id name } }' });
    await g.graphql({ query: '{ listProducts { id } }' });
    expect(calls('/products')).toBe(1);
  });
});

describe('passthrough HTTP cache', () => {
  it('stores a GET the upstream marks cacheable and serves it again without a call', async () => {
    const first = await fetch(`${g.base}/rest/Catalog/products`);
    const second = await fetch(`${g.base}/rest/Catalog/products`);
    expect(second.headers.get('x-cache')).toBe('HIT');
    expect(await second.json()).toEqual(await first.json());
    expect(calls('/products')).toBeLessThanOrEqual(1);
  });

  it('does not store what the upstream does not mark cacheable', async () => {
    await fetch(`${g.base}/rest/Catalog/products/1`);
    await fetch(`${g.base}/rest/Catalog/products/1`);
    expect(calls('/products/1')).toBe(2);
  });

  it('keys per credential: another Authorization misses', async () => {
    world.reset();
    await fetch(`${g.base}/rest/Catalog/products`, { headers: { authorization: 'Bearer carol' } });
    await fetch(`${g.base}/rest/Catalog/products`, { headers: { authorization: 'Bearer dave' } });
    expect(calls('/products')).toBe(2);
  });

  it('an unsafe request to the source invalidates its entries', async () => {
    await fetch(`${g.base}/rest/Catalog/products`);
    world.reset();
    expect((await fetch(`${g.base}/rest/Catalog/products`)).headers.get('x-cache')).toBe('HIT');
    await fetch(`${g.base}/rest/Catalog/products`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"Cup"}' });
    expect((await fetch(`${g.base}/rest/Catalog/products`)).headers.get('x-cache')).toBe('MISS');
    expect(calls('/products')).toBe(1);
  });
});
