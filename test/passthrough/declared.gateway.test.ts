// The declared passthrough inside a whole gateway: the operations come from the schema
// Mesh built and the transforms left, and field rules (rate limits, cache TTLs) reach the
// same upstream operation through /rest. Runs over the policy suites' two-source world
// (test/policies/fixtures/world.ts), whose backends count every call.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../../src/gateway.ts';
import { silentLogger } from '../../src/observability/log.ts';
import { inProcessFetch } from '../helpers/gateway.ts';
import { startWorld, type World } from '../policies/fixtures/world.ts';

let world: World;
let configs = 0;
const running: Gateway[] = [];

beforeAll(async () => {
  world = await startWorld();
});
afterAll(async () => {
  await Promise.all(running.map((g) => g.close()));
  await world?.close();
});
beforeEach(() => world.reset());

interface Started {
  /** fetch() of a path, through gateway.inject. */
  readonly fetch: ReturnType<typeof inProcessFetch>;
  graphql(query: string): Promise<{ status: number; body: { data?: unknown; errors?: Array<{ extensions?: { code?: string } }> } }>;
}

/** A gateway over the world, with `catalogTransforms` (YAML under the Catalog source) and `tributary` (YAML under `tributary:`). */
async function start(options: { catalogTransforms?: string; tributary?: string } = {}): Promise<Started> {
  const file = join(world.dir, `declared-${configs++}.yaml`);
  await writeFile(
    file,
    [
      'sources:',
      '  - name: Catalog',
      '    handler:',
      '      openapi:',
      '        source: ./catalog.yaml',
      `        endpoint: ${world.catalog.url}`,
      ...(options.catalogTransforms ? ['    transforms:', options.catalogTransforms.replace(/\n+$/, '')] : []),
      '  - name: People',
      '    handler:',
      '      openapi:',
      '        source: ./people.yaml',
      `        endpoint: ${world.people.url}`,
      ...(options.tributary ? ['tributary:', options.tributary.replace(/\n+$/, '')] : []),
      '',
    ].join('\n'),
  );
  const gateway = await createGateway({ configFile: file, logger: silentLogger });
  running.push(gateway);
  const send = inProcessFetch(gateway);
  return {
    fetch: send,
    async graphql(query) {
      const response = await send('/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
      return { status: response.status, body: (await response.json()) as never };
    },
  };
}

const withoutFault = '      - filterSchema:\n          filters:\n            - Query.!fault\n';

describe('what the served schema declares', () => {
  const table = [
    { name: 'a declared GET', setup: {}, method: 'GET', path: '/rest/Catalog/products/1', status: 200 },
    { name: 'a declared POST', setup: {}, method: 'POST', path: '/rest/Catalog/products', status: 200 },
    { name: 'an undeclared path', setup: {}, method: 'GET', path: '/rest/Catalog/admin', status: 404, code: 'PASSTHROUGH_NOT_DECLARED' },
    {
      name: 'an undeclared method on a declared path',
      setup: {},
      method: 'DELETE',
      path: '/rest/Catalog/products/1',
      status: 405,
      code: 'PASSTHROUGH_METHOD_NOT_ALLOWED',
    },
    { name: 'an operation filterSchema kept', setup: { catalogTransforms: withoutFault }, method: 'GET', path: '/rest/Catalog/products', status: 200 },
    {
      name: 'an operation filterSchema removed',
      setup: { catalogTransforms: withoutFault },
      method: 'GET',
      path: '/rest/Catalog/fault/500',
      status: 404,
      code: 'PASSTHROUGH_NOT_DECLARED',
    },
    {
      name: 'a removed operation with `mode: any`',
      setup: { catalogTransforms: withoutFault, tributary: '  passthrough:\n    mode: any\n' },
      method: 'GET',
      path: '/rest/Catalog/fault/503',
      status: 503,
    },
    {
      name: 'an undeclared path with `mode: any`',
      setup: { tributary: '  passthrough:\n    mode: any\n' },
      method: 'GET',
      path: '/rest/Catalog/admin',
      status: 404,
      code: undefined,
      reaches: true,
    },
    {
      name: 'an undeclared path, source set to `any`',
      setup: { tributary: '  sources:\n    Catalog:\n      passthrough: any\n' },
      method: 'GET',
      path: '/rest/Catalog/admin',
      status: 404,
      code: undefined,
      reaches: true,
    },
    {
      name: 'another source keeps the global mode',
      setup: { tributary: '  sources:\n    Catalog:\n      passthrough: any\n' },
      method: 'GET',
      path: '/rest/People/admin',
      status: 404,
      code: 'PASSTHROUGH_NOT_DECLARED',
    },
    {
      name: 'a source set to `declared` under a global `any`',
      setup: { tributary: '  passthrough:\n    mode: any\n  sources:\n    People:\n      passthrough: declared\n' },
      method: 'GET',
      path: '/rest/People/admin',
      status: 404,
      code: 'PASSTHROUGH_NOT_DECLARED',
    },
  ] as const;

  it.each(table)('$name: $method $path → $status', async (row) => {
    const g = await start(row.setup);
    world.reset();
    const response = await g.fetch(
      row.path,
      row.method === 'POST' ? { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"Cup"}' } : { method: row.method },
    );
    expect(response.status).toBe(row.status);
    const code = 'code' in row ? row.code : undefined;
    if (code !== undefined) {
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe(code);
      expect(world.calls()).toBe(0);
    } else {
      // Forwarded: the service answered (its own 404 for an unknown route, in `any` mode).
      expect(world.calls()).toBe(1);
      if ('reaches' in row) expect(await response.json()).toEqual({ message: 'no route' });
    }
  });
});

describe('field rate limits reach the same operation through the passthrough', () => {
  const limited = '  policies:\n    rateLimit:\n      rules:\n        - { limit: 2, windowSec: 60, field: Query.productById }\n';

  it('two GraphQL selections, then the passthrough call is refused with no upstream call', async () => {
    const g = await start({ tributary: limited });
    for (const id of ['1', '2']) expect((await g.graphql(`{ productById(id: "${id}") { id } }`)).status).toBe(200);
    const before = world.calls();
    const refused = await g.fetch('/rest/Catalog/products/1');
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ error: { code: 'RATE_LIMITED' } });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(world.calls()).toBe(before);
    // Another operation of the same source has no field rule and is not charged.
    expect((await g.fetch('/rest/Catalog/products')).status).toBe(200);
  });

  it('two passthrough calls, then the GraphQL selection is refused with no upstream call', async () => {
    const g = await start({ tributary: limited });
    for (const id of ['1', '2']) {
      const response = await g.fetch(`/rest/Catalog/products/${id}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('ratelimit-limit')).toBe('2');
    }
    const before = world.calls();
    const refused = await g.graphql('{ productById(id: "1") { id } }');
    expect(refused.body.errors?.map((e) => e.extensions?.code)).toEqual(['RATE_LIMITED']);
    expect(world.calls()).toBe(before);
  });

  it('follow a renamed field: the rule names the coordinate as served', async () => {
    const renamed =
      '      - rename:\n          renames:\n            - from: { type: Query, field: productById }\n              to: { type: Query, field: product }\n';
    const g = await start({
      catalogTransforms: renamed,
      tributary: '  policies:\n    rateLimit:\n      rules:\n        - { limit: 1, windowSec: 60, field: Query.product }\n',
    });
    expect((await g.graphql('{ product(id: "1") { id } }')).status).toBe(200);
    const before = world.calls();
    expect((await g.fetch('/rest/Catalog/products/2')).status).toBe(429);
    expect(world.calls()).toBe(before);
  });
});

describe('field cache rules reach the same operation through the passthrough', () => {
  it('caches GETs of the operation behind a `Type.field` rule, and only those', async () => {
    const g = await start({
      tributary:
        '  policies:\n    cache:\n      rules:\n        - { coordinate: Query.listProducts, ttlMs: 60000 }\n      passthrough:\n        enabled: true\n',
    });
    const first = await g.fetch('/rest/Catalog/products');
    const second = await g.fetch('/rest/Catalog/products');
    expect([first.headers.get('x-cache'), second.headers.get('x-cache')]).toEqual(['MISS', 'HIT']);
    expect(await second.json()).toEqual(await first.json());
    expect(world.catalog.calls).toHaveLength(1);
    // No rule covers People's operations.
    const other = await g.fetch('/rest/People/users/1');
    expect(other.headers.get('x-cache')).toBeNull();
    // A successful unsafe call to the source drops its entries.
    expect((await g.fetch('/rest/Catalog/products', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"Cup"}' })).status).toBe(
      200,
    );
    expect((await g.fetch('/rest/Catalog/products')).headers.get('x-cache')).toBe('MISS');
  });
});

describe('an undeclared call meets the policies before its 404', () => {
  it('answers 401 without credentials, so an anonymous client cannot map the operations; 404 with them', async () => {
    const g = await start({
      tributary: "  policies:\n    auth:\n      apiKeys:\n        keys:\n          - { id: partner, key: 'partner-key-0123456789' }\n",
    });
    const table = [
      { path: '/rest/Catalog/admin', key: undefined, status: 401, code: 'UNAUTHENTICATED' },
      { path: '/rest/Catalog/products', key: undefined, status: 401, code: 'UNAUTHENTICATED' },
      { path: '/rest/Catalog/admin', key: 'partner-key-0123456789', status: 404, code: 'PASSTHROUGH_NOT_DECLARED' },
    ] as const;
    for (const row of table) {
      const response = await g.fetch(row.path, { headers: row.key ? { 'x-api-key': row.key } : {} });
      expect({ path: row.path, status: response.status, code: ((await response.json()) as { error: { code: string } }).error.code }).toEqual({
        path: row.path,
        status: row.status,
        code: row.code,
      });
    }
    expect(world.calls()).toBe(0);
  });

  it('counts an undeclared call against the rate limits', async () => {
    const g = await start({ tributary: '  policies:\n    rateLimit:\n      rules:\n        - { limit: 1, windowSec: 60 }\n' });
    expect((await g.fetch('/rest/Catalog/admin')).status).toBe(404);
    expect((await g.fetch('/rest/Catalog/products')).status).toBe(429);
    expect(world.calls()).toBe(0);
  });
});
