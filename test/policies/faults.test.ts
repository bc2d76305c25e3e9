// Upstream faults: every way a REST service can misbehave, each on one field of a query
// whose other field is healthy. The client gets the healthy field's data, a coded error
// on the failing field only, and never the service's body, URL or headers — those go
// to the log, where an operator can find them.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/free-port.ts';
import { startGateway, type RunningGateway } from './fixtures/gateway.ts';
import { LEAKED_SECRET, PRODUCTS, startWorld, type World } from './fixtures/world.ts';

let world: World;
let gateway: RunningGateway;
let downPort: number;

beforeAll(async () => {
  world = await startWorld();
  downPort = await freePort();
  gateway = await startGateway(
    world,
    [
      '  sources:',
      '    Catalog:',
      '      upstream:',
      '        timeoutMs: 400',
      '        retryBaseDelayMs: 1',
      '        retryMaxDelayMs: 5',
      '        maxResponseBytes: 65536',
      '        breakerFailureThreshold: 1000',
    ].join('\n'),
    { endpoints: { People: `http://127.0.0.1:${downPort}` } },
  );
});
afterAll(async () => {
  world?.faults.releaseSlow?.();
  await gateway?.close();
  await world?.close();
});
beforeEach(() => world.reset());

interface FaultCase {
  readonly kind: string;
  readonly code: string;
  readonly status?: number;
}

const FAULTS: FaultCase[] = [
  { kind: '500', code: 'UPSTREAM_HTTP_ERROR', status: 500 },
  { kind: '503', code: 'UPSTREAM_HTTP_ERROR', status: 503 },
  { kind: '429', code: 'UPSTREAM_HTTP_ERROR', status: 429 },
  { kind: 'malformed', code: 'UPSTREAM_BAD_RESPONSE' },
  { kind: 'truncated', code: 'UPSTREAM_UNAVAILABLE' },
  { kind: 'huge', code: 'UPSTREAM_RESPONSE_TOO_LARGE' },
  { kind: 'slow', code: 'UPSTREAM_TIMEOUT' },
  { kind: 'reset', code: 'UPSTREAM_UNAVAILABLE' },
];

function expectNoLeak(text: string): void {
  expect(text).not.toContain(LEAKED_SECRET);
  expect(text).not.toContain(String(world.catalog.port));
  expect(text).not.toContain(String(downPort));
  expect(text).not.toContain('db-1.internal');
  expect(text).not.toMatch(/\/fault\//);
}

describe('an upstream fault fails its own field only, with a code and without a leak', () => {
  it.each(FAULTS)('$kind → $code', async ({ kind, code, status }) => {
    const r = await gateway.graphql({ query: `{ listProducts { id name } fault(kind: "${kind}") { id name } }` });
    expect(r.status).toBe(200);
    expect(r.json.data).toEqual({ listProducts: PRODUCTS.map(({ id, name }) => ({ id, name })), fault: null });
    expect(r.json.errors).toHaveLength(1);
    const [error] = r.json.errors!;
    expect(error!.path).toEqual(['fault']);
    expect(error!.extensions).toMatchObject({ code, source: 'Catalog', ...(status ? { status } : {}) });
    expectNoLeak(r.text);
    // Idempotent GETs are retried on "try later" answers, mutations never (see test/upstream).
    expect(world.catalog.calls.filter((c) => c.url === `/fault/${kind}`).length).toBeGreaterThanOrEqual(1);
  });

  it('logs what it kept from the client: the upstream status and body', async () => {
    const r = await gateway.graphql({ query: '{ fault(kind: "500") { id } }' });
    expectNoLeak(r.text);
    expect(gateway.log.join('')).toContain(LEAKED_SECRET);
  });

  it('a source that is down fails its fields; the other source still answers', async () => {
    const r = await gateway.graphql({ query: '{ listProducts { id } userById(id: "1") { name } }' });
    expect(r.json.data).toEqual({ listProducts: PRODUCTS.map(({ id }) => ({ id })), userById: null });
    expect(r.json.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([[['userById'], 'UPSTREAM_UNAVAILABLE']]);
    expectNoLeak(r.text);
  });

  it('the passthrough answers a down source with a coded 502 and no address', async () => {
    const response = await gateway.fetch('/rest/People/users/1');
    const text = await response.text();
    expect(response.status).toBe(502);
    expect(JSON.parse(text)).toMatchObject({ error: { code: 'UPSTREAM_UNAVAILABLE' } });
    expectNoLeak(text);
  });

  it('a mutation is never retried, even on a "try later" status', async () => {
    const r = await gateway.graphql({ query: 'mutation { createProduct(input: { name: "x" }) { id } }' });
    expect(r.json.data).toEqual({ createProduct: { id: '3' } });
    expect(world.catalog.calls.filter((c) => c.method === 'POST')).toHaveLength(1);
  });
});
