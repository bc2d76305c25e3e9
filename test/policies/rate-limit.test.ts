// Rate limiting on /graphql and the passthrough: global, per source and per field rules;
// 429 with Retry-After and RateLimit-* fields; identities counted apart; X-Forwarded-For
// believed only from trusted proxies; batches counted per operation; the RateLimit-*
// numbers of the rule that refused (else the tightest); and the documented behaviour
// when Redis is down.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { codes, startGateway, type RunningGateway } from './fixtures/gateway.ts';
import { redisServerBinary, startRedis, type RedisServer } from './fixtures/redis.ts';
import { startWorld, type World } from './fixtures/world.ts';

let world: World;
const started: RunningGateway[] = [];
let n = 0;

beforeAll(async () => {
  world = await startWorld();
});
afterAll(async () => {
  await Promise.all(started.map((g) => g.close()));
  await world?.close();
});
beforeEach(() => world.reset());

/** `socket`: on a loopback port, for the tests whose counting depends on the peer's real address. */
async function gatewayWith(yaml: string, options: { socket?: boolean } = {}): Promise<RunningGateway> {
  const g = await startGateway(world, yaml, { configName: `rl-${n++}.yaml`, ...options });
  started.push(g);
  return g;
}
const list = { query: '{ listProducts { id } }' };

describe('global rules', () => {
  it('allow N requests per window per client, then answer 429 with Retry-After and RateLimit-*, on /graphql and the passthrough alike', async () => {
    const g = await gatewayWith('  policies:\n    rateLimit:\n      rules:\n        - { limit: 3, windowSec: 60 }\n');
    const first = await g.graphql(list);
    expect(first.status).toBe(200);
    expect(first.headers.get('ratelimit-limit')).toBe('3');
    expect(first.headers.get('ratelimit-remaining')).toBe('2');
    expect((await g.fetch('/rest/Catalog/products')).headers.get('ratelimit-remaining')).toBe('1');
    expect((await g.graphql(list)).status).toBe(200);
    const callsBefore = world.calls();

    const refused = await g.graphql(list);
    expect({ status: refused.status, codes: codes(refused.json) }).toEqual({ status: 429, codes: ['RATE_LIMITED'] });
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.headers.get('ratelimit-remaining')).toBe('0');

    const passthrough = await g.fetch('/rest/Catalog/products');
    expect(passthrough.status).toBe(429);
    expect(await passthrough.json()).toMatchObject({ error: { code: 'RATE_LIMITED' } });
    expect(Number(passthrough.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(world.calls()).toBe(callsBefore);
  });

  it('count authenticated identities apart, and ignore a spoofed X-Forwarded-For from an untrusted peer', async () => {
    const g = await gatewayWith(
      [
        '  policies:',
        '    auth:',
        '      apiKeys:',
        '        keys: [{ id: a, key: key-aaaaaaaaaaaa }, { id: b, key: key-bbbbbbbbbbbb }]',
        '      default: optional',
        '    rateLimit:',
        '      rules:',
        '        - { limit: 1, windowSec: 60 }',
      ].join('\n'),
      { socket: true },
    );
    expect((await g.graphql(list, { 'x-api-key': 'key-aaaaaaaaaaaa' })).status).toBe(200);
    expect((await g.graphql(list, { 'x-api-key': 'key-aaaaaaaaaaaa' })).status).toBe(429);
    expect((await g.graphql(list, { 'x-api-key': 'key-bbbbbbbbbbbb' })).status).toBe(200);
    expect((await g.graphql(list, { 'x-forwarded-for': '198.51.100.1' })).status).toBe(200);
    expect((await g.graphql(list, { 'x-forwarded-for': '198.51.100.2' })).status).toBe(429);
  });

  it('believe X-Forwarded-For from a trusted proxy: clients behind it are counted apart', async () => {
    const g = await gatewayWith('  policies:\n    trustedProxies: [127.0.0.1]\n    rateLimit:\n      rules:\n        - { limit: 1, windowSec: 60, by: ip }\n', {
      socket: true,
    });
    expect((await g.graphql(list, { 'x-forwarded-for': '198.51.100.1' })).status).toBe(200);
    expect((await g.graphql(list, { 'x-forwarded-for': '198.51.100.2' })).status).toBe(200);
    expect((await g.graphql(list, { 'x-forwarded-for': '198.51.100.1' })).status).toBe(429);
  });
});

describe('per source and per field', () => {
  it('a source rule refuses that source only: its fields get RATE_LIMITED, the others still answer', async () => {
    const g = await gatewayWith('  policies:\n    rateLimit:\n      rules:\n        - { limit: 1, windowSec: 60, source: People }\n');
    const query = { query: '{ listProducts { id } a: userById(id: "1") { name } b: userById(id: "2") { name } }' };
    const first = await g.graphql(query);
    expect(first.json.errors).toBeUndefined();
    expect(world.people.calls).toHaveLength(2);
    const second = await g.graphql(query);
    expect(second.status).toBe(429);
    expect(second.json.data).toEqual({ listProducts: [{ id: '1' }, { id: '2' }], a: null, b: null });
    expect(new Set(codes(second.json))).toEqual(new Set(['RATE_LIMITED']));
    expect(world.people.calls).toHaveLength(2);
    expect((await g.fetch('/rest/People/users/1')).status).toBe(429);
    expect((await g.fetch('/rest/Catalog/products')).status).toBe(200);
  });

  it('a field rule counts each selection of the field and refuses the whole operation', async () => {
    const g = await gatewayWith("  policies:\n    rateLimit:\n      rules:\n        - { limit: 3, windowSec: 60, field: 'Query.listProducts' }\n");
    expect((await g.graphql({ query: '{ a: listProducts { id } b: listProducts { id } }' })).status).toBe(200);
    expect((await g.graphql({ query: '{ userById(id: "1") { name } }' })).status).toBe(200);
    const refused = await g.graphql({ query: '{ a: listProducts { id } b: listProducts { id } }' });
    expect({ status: refused.status, codes: codes(refused.json), data: refused.json.data }).toEqual({ status: 429, codes: ['RATE_LIMITED'], data: undefined });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('names an unknown source in a config error', async () => {
    await expect(gatewayWith('  policies:\n    rateLimit:\n      rules:\n        - { limit: 1, source: Nope }\n')).rejects.toThrow(
      'tributary.policies.rateLimit.rules[0].source: no Mesh source is named "Nope"; known: Catalog, People.',
    );
  });
});

describe('batches', () => {
  const batch = async (g: RunningGateway, n: number, query = list.query) => {
    const r = await g.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(Array.from({ length: n }, () => ({ query }))),
    });
    return { status: r.status, headers: r.headers, json: (await r.json()) as unknown };
  };

  it('a batch of N operations counts N times against a global rule, and is refused whole past the limit', async () => {
    const g = await gatewayWith('  policies:\n    limits: { maxBatch: 10 }\n    rateLimit:\n      rules:\n        - { limit: 5, windowSec: 60 }\n');
    const first = await batch(g, 3);
    expect({ status: first.status, remaining: first.headers.get('ratelimit-remaining') }).toEqual({ status: 200, remaining: '2' });
    expect(world.catalog.calls).toHaveLength(3);
    const refused = await batch(g, 3);
    expect({
      status: refused.status,
      codes: ((refused.json as { errors?: Array<{ extensions?: { code?: string } }> }).errors ?? []).map((e) => e.extensions?.code),
    }).toEqual({
      status: 429,
      codes: ['RATE_LIMITED'],
    });
    expect(refused.headers.get('ratelimit-remaining')).toBe('0');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(world.catalog.calls).toHaveLength(3);
    expect((await g.graphql(list)).status).toBe(429);
  });

  it('a batch counts each operation against a field rule: the operation past the limit is refused, the others answer', async () => {
    const g = await gatewayWith(
      "  policies:\n    limits: { maxBatch: 10 }\n    rateLimit:\n      rules:\n        - { limit: 3, windowSec: 60, field: 'Query.listProducts' }\n",
    );
    const answer = await batch(g, 4);
    const results = answer.json as Array<{ data?: unknown; errors?: Array<{ extensions?: { code?: string } }> }>;
    expect(results.map((r) => (r.errors ? r.errors.map((e) => e.extensions?.code).join() : 'ok')).sort()).toEqual(['RATE_LIMITED', 'ok', 'ok', 'ok']);
    expect(world.catalog.calls).toHaveLength(3);
    expect((await g.graphql(list)).status).toBe(429);
  });
});

describe('RateLimit-* fields', () => {
  const numbers = (h: Headers) => ({ limit: h.get('ratelimit-limit'), remaining: h.get('ratelimit-remaining'), retryAfter: h.get('retry-after') });

  it.each([
    {
      name: 'a global rule refuses while another global rule, listed first, is just as used up',
      yaml: '        - { limit: 2, windowSec: 3600 }\n        - { limit: 1, windowSec: 60 }\n',
      query: list,
      windowSec: 60,
      expected: { status: 429, limit: '1', remaining: '0' },
    },
    {
      name: 'a field rule refuses while a global rule has room',
      yaml: "        - { limit: 100, windowSec: 60 }\n        - { limit: 1, windowSec: 30, field: 'Query.listProducts' }\n",
      query: list,
      windowSec: 30,
      expected: { status: 429, limit: '1', remaining: '0' },
    },
    {
      name: 'a source rule refuses while a global rule has room',
      yaml: '        - { limit: 100, windowSec: 60 }\n        - { limit: 1, windowSec: 30, source: People }\n',
      query: { query: '{ userById(id: "1") { name } }' },
      windowSec: 30,
      expected: { status: 429, limit: '1', remaining: '0' },
    },
  ])('a 429 carries the numbers of the rule that refused it: $name', async ({ yaml, query, windowSec, expected }) => {
    const g = await gatewayWith(`  policies:\n    rateLimit:\n      rules:\n${yaml}`);
    expect((await g.graphql(query)).status).toBe(200);
    const refused = await g.graphql(query);
    const got = numbers(refused.headers);
    expect({ status: refused.status, limit: got.limit, remaining: got.remaining }).toEqual(expected);
    const retryAfter = Number(got.retryAfter);
    const reset = Number(refused.headers.get('ratelimit-reset'));
    // Retry-After and RateLimit-Reset describe the same window: the refusing rule's (at most its length).
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(windowSec);
    expect(Math.abs(retryAfter - reset)).toBeLessThanOrEqual(1);
  });

  it.each([
    [
      'a global rule tighter than a field rule',
      "        - { limit: 3, windowSec: 60 }\n        - { limit: 10, windowSec: 60, field: 'Query.listProducts' }\n",
      { limit: '3', remaining: '2' },
    ],
    [
      'a field rule tighter than a global rule',
      "        - { limit: 10, windowSec: 60 }\n        - { limit: 3, windowSec: 60, field: 'Query.listProducts' }\n",
      { limit: '3', remaining: '2' },
    ],
    [
      'a source rule tighter than a global rule',
      '        - { limit: 10, windowSec: 60 }\n        - { limit: 3, windowSec: 60, source: Catalog }\n',
      { limit: '3', remaining: '2' },
    ],
  ])('with no refusal, the tightest window is reported: %s', async (_name, yaml, expected) => {
    const g = await gatewayWith(`  policies:\n    rateLimit:\n      rules:\n${yaml}`);
    const r = await g.graphql(list);
    expect(r.status).toBe(200);
    expect({ limit: r.headers.get('ratelimit-limit'), remaining: r.headers.get('ratelimit-remaining') }).toEqual(expected);
  });
});

const binary = redisServerBinary();
describe.skipIf(binary === undefined)('Redis store down', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis(binary!);
  });
  afterAll(async () => {
    await redis?.close();
  });

  it('fails open or closed, as configured', async () => {
    const rules = `      rules:\n        - { limit: 100, windowSec: 60 }\n`;
    const open = await gatewayWith(`  policies:\n    rateLimit:\n      store: redis\n      redisUrl: ${redis.url}\n      onStoreDown: open\n${rules}`);
    const closed = await gatewayWith(`  policies:\n    rateLimit:\n      store: redis\n      redisUrl: ${redis.url}\n      onStoreDown: closed\n${rules}`);
    expect((await open.graphql(list)).headers.get('ratelimit-remaining')).toBe('99');
    expect((await closed.graphql(list)).headers.get('ratelimit-remaining')).toBe('98');
    await redis.stop();
    world.reset();
    const allowed = await open.graphql(list);
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('ratelimit-remaining')).toBeNull();
    const refused = await closed.graphql(list);
    expect({ status: refused.status, codes: codes(refused.json) }).toEqual({ status: 503, codes: ['RATE_LIMIT_UNAVAILABLE'] });
    expect((await closed.fetch('/rest/Catalog/products')).status).toBe(503);
    expect(world.catalog.calls).toHaveLength(1);
    const metrics = await (await import('prom-client')).register.getSingleMetricAsString('tributary_policy_store_errors_total');
    expect(metrics).toMatch(/policy="rate_limit",outcome="allowed"} [1-9]/);
  });
});
