// Response caching: opt-in by rule, per session, never with errors, invalidated by
// mutations; and the passthrough's HTTP cache, which follows upstream Cache-Control.
// The session part of the key holds every input the config's templates let reach an
// upstream (one isolation table), and config load refuses the templates it cannot hold.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.ts';
import { TributaryError } from '../../src/errors.ts';
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
      '        - { source: Catalog, ttlMs: 60000 }',
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

  it("keys entries per session: one caller never gets another caller's answer", async () => {
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
    const first = await g.fetch('/rest/Catalog/products');
    const second = await g.fetch('/rest/Catalog/products');
    expect(second.headers.get('x-cache')).toBe('HIT');
    expect(await second.json()).toEqual(await first.json());
    expect(calls('/products')).toBeLessThanOrEqual(1);
  });

  it('does not store what the upstream does not mark cacheable', async () => {
    await g.fetch('/rest/Catalog/products/1');
    await g.fetch('/rest/Catalog/products/1');
    expect(calls('/products/1')).toBe(2);
  });

  it('keys per credential: another Authorization misses', async () => {
    world.reset();
    await g.fetch('/rest/Catalog/products', { headers: { authorization: 'Bearer carol' } });
    await g.fetch('/rest/Catalog/products', { headers: { authorization: 'Bearer dave' } });
    expect(calls('/products')).toBe(2);
  });

  it('an unsafe request to the source invalidates its entries', async () => {
    await g.fetch('/rest/Catalog/products');
    world.reset();
    expect((await g.fetch('/rest/Catalog/products')).headers.get('x-cache')).toBe('HIT');
    await g.fetch('/rest/Catalog/products', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"Cup"}' });
    expect((await g.fetch('/rest/Catalog/products')).headers.get('x-cache')).toBe('MISS');
    expect(calls('/products')).toBe(1);
  });
});

// ---- The cache key holds everything that reaches the upstream (issue 9) ----

const SECRET = 'a-test-secret-that-is-long-enough-for-hs256';
const jwtFor = (claims: Record<string, unknown>) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject('ada').setExpirationTime('5m').sign(new TextEncoder().encode(SECRET));

/** A config whose People handler has `peopleExtra` (YAML at 8 spaces) and `tributary` lines (at 2 spaces). */
function configText(peopleExtra: string[], tributary: string[]): string {
  return [
    'sources:',
    '  - name: Catalog',
    '    handler:',
    '      openapi:',
    '        source: ./catalog.yaml',
    `        endpoint: ${world.catalog.url}`,
    '  - name: People',
    '    handler:',
    '      openapi:',
    '        source: ./people.yaml',
    `        endpoint: ${world.people.url}`,
    ...peopleExtra.map((l) => `        ${l}`),
    ...(tributary.length ? ['tributary:', ...tributary.map((l) => `  ${l}`)] : []),
    '',
  ].join('\n');
}

let isolated = 0;
async function gatewayFor(text: string): Promise<RunningGateway> {
  const file = join(world.dir, `isolation-${isolated++}.yaml`);
  await writeFile(file, text);
  // The fixture writes the world's own config; this one is ours.
  return startGateway({ ...world, config: async () => file });
}

const whoamiCached = ['policies:', '  cache:', '    rules:', "      - { coordinate: 'Query.whoami', ttlMs: 60000 }"];
const jwtOptional = ['  auth:', '    jwt: { secret: ' + SECRET + ', algorithms: [HS256] }', '    default: optional'];

interface IsolationCase {
  readonly name: string;
  readonly people?: string[];
  readonly tributary?: string[];
  /** The request of caller `who` (headers and GraphQL extensions); `x-user` upstream must become `seen(who)`. */
  readonly request: (who: string) => Promise<{ headers?: Record<string, string>; extensions?: Record<string, unknown> }>;
  readonly seen?: (who: string) => string;
}

const ISOLATION: IsolationCase[] = [
  {
    name: '{context.headers.x}',
    people: ["operationHeaders: { x-user: '{context.headers.x-caller}' }"],
    request: async (who) => ({ headers: { 'x-caller': who } }),
  },
  {
    name: "{context.headers['x']}",
    people: ['operationHeaders: { x-user: "{context.headers[\'x-caller\']}" }'],
    request: async (who) => ({ headers: { 'x-caller': who } }),
  },
  {
    name: '{context.req.headers.x}',
    people: ["operationHeaders: { x-user: '{context.req.headers.x-caller}' }"],
    request: async (who) => ({ headers: { 'x-caller': who } }),
  },
  {
    name: 'a cookie',
    people: ["operationHeaders: { x-user: '{context.headers.cookie}' }"],
    request: async (who) => ({ headers: { cookie: `session=${who}` } }),
    seen: (who) => `session=${who}`,
  },
  {
    name: '{context.requestId}',
    people: ["operationHeaders: { x-user: '{context.requestId}' }"],
    request: async (who) => ({ headers: { 'x-request-id': who } }),
  },
  { name: 'a forwarded header', tributary: ['sources:', '  People: { forwardHeaders: [x-user] }'], request: async (who) => ({ headers: { 'x-user': who } }) },
  {
    name: 'setHeaders from a JWT claim (same subject)',
    tributary: ['sources:', "  People: { setHeaders: { x-user: '{claims.tenant}' } }"],
    request: async (who) => ({ headers: { authorization: `Bearer ${await jwtFor({ tenant: who })}` } }),
  },
  {
    name: '{context.principal.claims.x} (same subject)',
    people: ["operationHeaders: { x-user: '{context.principal.claims.tenant}' }"],
    request: async (who) => ({ headers: { authorization: `Bearer ${await jwtFor({ tenant: who })}` } }),
  },
  {
    name: '{context.params.extensions.x}, when allowed',
    people: ["operationHeaders: { x-user: '{context.params.extensions.tenant}' }"],
    tributary: ['sources:', '  People: { allowClientTemplates: true }'],
    request: async (who) => ({ extensions: { tenant: who } }),
  },
];

describe('cache key isolation: two callers differing only in what reaches the upstream never share an entry', () => {
  for (const row of ISOLATION) {
    it(`identity through ${row.name}`, async () => {
      const tributary = [
        ...(row.tributary ?? []),
        ...whoamiCached,
        ...(row.tributary?.some((l) => l.includes('claims')) || row.name.includes('principal') ? jwtOptional : []),
      ];
      const gw = await gatewayFor(configText(row.people ?? [], tributary));
      try {
        const ask = async (who: string) => {
          const { headers, extensions } = await row.request(who);
          const answer = await gw.graphql({ query: '{ whoami { user } }', ...(extensions ? { extensions } : {}) }, headers);
          expect(answer.json.errors).toBeUndefined();
          return (answer.json.data?.whoami as { user: string | null }).user;
        };
        const seen = row.seen ?? ((who: string) => who);
        world.reset();
        expect(await ask('alice')).toBe(seen('alice'));
        expect(await ask('alice')).toBe(seen('alice'));
        expect(await ask('bob')).toBe(seen('bob'));
        // The repeat was a hit (the rule does cache), and each caller reached the service with its own value.
        expect(world.people.calls.filter((c) => c.url === '/whoami').map((c) => c.headers['x-user'])).toEqual([seen('alice'), seen('bob')]);
      } finally {
        await gw.close();
      }
    });
  }
});

interface RefusalCase {
  readonly name: string;
  readonly people: string[];
  readonly tributary: string[];
  /** The template line's key path and the problem after it. */
  readonly expected: string;
}

const REFUSALS: RefusalCase[] = [
  {
    name: 'a context path the key cannot account for, under a coordinate rule',
    people: ["operationHeaders: { x-user: '{context.req.socket.remoteAddress}' }"],
    tributary: whoamiCached,
    expected:
      'sources[1].handler.openapi.operationHeaders.x-user: template "{context.req.socket.remoteAddress}" reads context.req.socket.remoteAddress, which the response cache key cannot account for, and tributary.policies.cache.rules[0] may cache answers of any source (source "People"); pass the caller\'s identity as {context.headers.<name>}, a forwarded header or setHeaders instead, or remove the rule',
  },
  {
    name: 'the request URL in a query parameter, under a source rule for that source',
    people: ["queryParams: { from: '{context.request.url}' }"],
    tributary: ['policies:', '  cache:', '    rules:', '      - { source: Catalog, ttlMs: 1000 }', '      - { source: People, ttlMs: 1000 }'],
    expected:
      'sources[1].handler.openapi.queryParams.from: template "{context.request.url}" reads context.request.url, which the response cache key cannot account for, and tributary.policies.cache.rules[1] caches answers of source "People" (source "People"); pass the caller\'s identity as {context.headers.<name>}, a forwarded header or setHeaders instead, or remove the rule',
  },
  {
    name: 'client-set GraphQL extensions in an upstream header, not allowed',
    people: ["operationHeaders: { x-user: 'tenant-{context.params.extensions.tenant}' }"],
    tributary: [],
    expected:
      'sources[1].handler.openapi.operationHeaders.x-user: template "tenant-{context.params.extensions.tenant}" reads context.params.extensions.tenant, which the client sets freely in its GraphQL request (query, variables, operationName, extensions); set tributary.sources.People.allowClientTemplates: true to send it anyway (the values it reads then become part of the response cache key)',
  },
  {
    name: 'a JSON-pointer read into the whole context',
    people: ["operationHeaders: { x-user: '{context#/req/socket/remoteAddress}' }"],
    tributary: whoamiCached,
    expected:
      'sources[1].handler.openapi.operationHeaders.x-user: template "{context#/req/socket/remoteAddress}" reads context.req.socket.remoteAddress, which the response cache key cannot account for, and tributary.policies.cache.rules[0] may cache answers of any source (source "People"); pass the caller\'s identity as {context.headers.<name>}, a forwarded header or setHeaders instead, or remove the rule',
  },
];

describe('config load refuses templates the cache key cannot hold, or that the client would choose', () => {
  for (const row of REFUSALS) {
    it(row.name, () => {
      const text = configText(row.people, row.tributary);
      const line = text.split('\n').findIndex((l) => l.includes(row.people[0]!)) + 1;
      let error: unknown;
      try {
        parseConfig(text, '/cfg/.meshrc.yaml');
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(TributaryError);
      expect({ code: (error as TributaryError).code, message: (error as TributaryError).message }).toEqual({
        code: 'CONFIG_INVALID',
        message: `/cfg/.meshrc.yaml:${line}: ${row.expected}`,
      });
    });
  }

  it.each([
    ['no cache rule at all', ["operationHeaders: { x-user: '{context.req.socket.remoteAddress}' }"], []],
    [
      'a source rule for another source only',
      ["operationHeaders: { x-user: '{context.req.socket.remoteAddress}' }"],
      ['policies:', '  cache:', '    rules:', '      - { source: Catalog, ttlMs: 1000 }'],
    ],
    [
      'client templates where allowed',
      ["operationHeaders: { x-user: '{context.params.extensions.tenant}' }"],
      ['sources:', '  People: { allowClientTemplates: true }', ...whoamiCached],
    ],
  ])('accepts %s', (_name, people, tributary) => {
    expect(parseConfig(configText(people, tributary), '/cfg/.meshrc.yaml').contextReads.length).toBe(1);
  });
});
