// Secure by default: hostile requests sent to a gateway whose config sets no policies at
// all (and, for credentials, one that only turns JWT auth on), over real sockets, against
// backends that count every call. Each case states the status, the error code and —
// the point of refusing early — that no upstream saw a single request.
import { SignJWT } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { rawRequest } from '../passthrough/fixtures/raw-http.ts';
import { codes, startGateway, type SocketGateway } from './fixtures/gateway.ts';
import { startWorld, type World } from './fixtures/world.ts';

const SECRET = 'a-test-secret-that-is-long-enough-for-hs256';
let world: World;
let plain: SocketGateway;
let guarded: SocketGateway;

beforeAll(async () => {
  world = await startWorld();
  plain = await startGateway(world, '', { socket: true });
  guarded = await startGateway(world, `  policies:\n    auth:\n      jwt:\n        secret: ${SECRET}\n        algorithms: [HS256]\n`, {
    configName: 'guarded.yaml',
    socket: true,
  });
});
afterAll(async () => {
  await Promise.all([plain?.close(), guarded?.close()]);
  await world?.close();
});
beforeEach(() => world.reset());

interface Outcome {
  status: number;
  code: unknown;
  headers: Headers | Record<string, string[]>;
}

const gql =
  (query: string) =>
  async (g: SocketGateway): Promise<Outcome> => {
    const r = await g.graphql({ query });
    const all = codes(r.json);
    return { status: r.status, code: all.find((c) => c !== 'GRAPHQL_VALIDATION_FAILED') ?? all[0], headers: r.headers };
  };
const http =
  (path: string, init: RequestInit) =>
  async (g: SocketGateway): Promise<Outcome> => {
    const r = await fetch(g.base + path, init);
    const body = (await r.json().catch(() => ({}))) as { errors?: Array<{ extensions?: { code?: unknown } }>; error?: { code?: unknown } };
    return { status: r.status, code: body.errors?.[0]?.extensions?.code ?? body.error?.code, headers: r.headers };
  };
const raw =
  (request: Parameters<typeof rawRequest>[1]) =>
  async (g: SocketGateway): Promise<Outcome> => {
    const r = await rawRequest(g.port, request);
    const body = JSON.parse(r.body.toString('utf8') || '{}') as { errors?: Array<{ extensions?: { code?: unknown } }>; error?: { code?: unknown } };
    return { status: r.status, code: body.errors?.[0]?.extensions?.code ?? body.error?.code, headers: r.headers };
  };
const bearer = (token: string) => ({ 'content-type': 'application/json', authorization: `Bearer ${token}` });
const query = JSON.stringify({ query: '{ listProducts { id } }' });

async function hs256(claims: Record<string, unknown>, secret = SECRET, exp: number | string = '5m'): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject('ada').setIssuedAt().setExpirationTime(exp).sign(new TextEncoder().encode(secret));
}
function unsigned(): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part({ sub: 'admin', exp: Math.floor(Date.now() / 1000) + 600 })}.`;
}

interface HostileCase {
  readonly name: string;
  readonly gateway: 'plain' | 'guarded';
  readonly send: (g: SocketGateway) => Promise<Outcome>;
  readonly status: number;
  readonly code: string;
}

const CASES: HostileCase[] = [
  { name: 'token flood', gateway: 'plain', send: gql(`{ ${'listProducts '.repeat(5_000)}}`), status: 400, code: 'OPERATION_LIMIT_EXCEEDED' },
  { name: '600-deep nesting', gateway: 'plain', send: gql(`${'{ a '.repeat(600)}${'}'.repeat(600)}`), status: 400, code: 'OPERATION_LIMIT_EXCEEDED' },
  {
    name: '1000 aliases',
    gateway: 'plain',
    send: gql(`{ ${Array.from({ length: 1_000 }, (_, i) => `a${i}: listProducts { id }`).join(' ')} }`),
    status: 400,
    code: 'OPERATION_LIMIT_EXCEEDED',
  },
  {
    name: '16 aliases (over the alias limit, under the token limit)',
    gateway: 'plain',
    send: gql(`{ ${Array.from({ length: 16 }, (_, i) => `a${i}: listProducts { id }`).join(' ')} }`),
    status: 400,
    code: 'OPERATION_LIMIT_EXCEEDED',
  },
  {
    name: 'directive flood',
    gateway: 'plain',
    send: gql(`{ listProducts { id ${'@include(if: true) '.repeat(60)} } }`),
    status: 400,
    code: 'OPERATION_LIMIT_EXCEEDED',
  },
  {
    name: 'oversized body (Content-Length)',
    gateway: 'plain',
    send: http('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ listProducts { id } } #${'x'.repeat(2 * 1024 * 1024)}` }),
    }),
    status: 413,
    code: 'PAYLOAD_TOO_LARGE',
  },
  {
    name: 'oversized body (chunked, no Content-Length)',
    gateway: 'plain',
    send: raw({
      method: 'POST',
      target: '/graphql',
      headers: { 'content-type': 'application/json' },
      chunks: Array.from({ length: 24 }, () => Buffer.alloc(64 * 1024, 0x20)),
    }),
    status: 413,
    code: 'PAYLOAD_TOO_LARGE',
  },
  {
    name: 'malformed JSON',
    gateway: 'plain',
    send: http('/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": "{ listProducts { id } }"' }),
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    name: 'batched operations (batching off)',
    gateway: 'plain',
    send: http('/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: `[${query},${query}]` }),
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    name: 'mutation over GET',
    gateway: 'plain',
    send: http(`/graphql?query=${encodeURIComponent('mutation { createProduct(input: { name: "x" }) { id } }')}`, { headers: { 'x-graphql-yoga-csrf': '1' } }),
    status: 405,
    code: 'BAD_REQUEST',
  },
  {
    name: 'CSRF: GET without a preflight header',
    gateway: 'plain',
    send: http(`/graphql?query=${encodeURIComponent('{ listProducts { id } }')}`, {}),
    status: 403,
    code: 'CSRF_HEADER_REQUIRED',
  },
  {
    name: 'CSRF: form POST',
    gateway: 'plain',
    send: http('/graphql', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'query=%7BlistProducts%7Bid%7D%7D' }),
    status: 403,
    code: 'CSRF_HEADER_REQUIRED',
  },
  {
    name: 'CSRF: text/plain POST',
    gateway: 'plain',
    send: http('/graphql', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: query }),
    status: 403,
    code: 'CSRF_HEADER_REQUIRED',
  },
  {
    name: 'CSRF: multipart POST',
    gateway: 'plain',
    send: (g) => {
      const form = new FormData();
      form.append('operations', query);
      form.append('map', '{}');
      return http('/graphql', { method: 'POST', body: form })(g);
    },
    status: 403,
    code: 'CSRF_HEADER_REQUIRED',
  },
  { name: 'path argument ".."', gateway: 'plain', send: gql('{ productById(id: "..") { id } }'), status: 200, code: 'BAD_USER_INPUT' },
  {
    name: 'path argument "%2e%2e" (double decoding)',
    gateway: 'plain',
    send: gql('{ productById(id: "%2e%2e") { id } }'),
    status: 200,
    code: 'BAD_USER_INPUT',
  },
  {
    name: 'path argument "．．" (fullwidth dots)',
    gateway: 'plain',
    send: gql('{ productById(id: "\\uFF0E\\uFF0E") { id } }'),
    status: 200,
    code: 'BAD_USER_INPUT',
  },
  { name: 'path argument with CRLF', gateway: 'plain', send: gql('{ productById(id: "1\\r\\nX-Injected: yes") { id } }'), status: 200, code: 'BAD_USER_INPUT' },
  { name: 'path argument empty', gateway: 'plain', send: gql('{ productById(id: "") { id } }'), status: 200, code: 'BAD_USER_INPUT' },
  {
    name: 'passthrough: ".." to another source',
    gateway: 'plain',
    send: raw({ target: '/rest/Catalog/../People/users/1' }),
    status: 400,
    code: 'PASSTHROUGH_BAD_PATH',
  },
  { name: 'passthrough: encoded ".."', gateway: 'plain', send: raw({ target: '/rest/Catalog/%2e%2e/admin' }), status: 400, code: 'PASSTHROUGH_BAD_PATH' },
  {
    name: 'passthrough: encoded CRLF',
    gateway: 'plain',
    send: raw({ target: '/rest/Catalog/products%0D%0AX-Injected:%20yes' }),
    status: 400,
    code: 'PASSTHROUGH_BAD_PATH',
  },
  {
    name: 'passthrough: oversized body',
    gateway: 'plain',
    send: http('/rest/Catalog/products', { method: 'POST', headers: { 'content-type': 'application/json' }, body: 'x'.repeat(2 * 1024 * 1024) }),
    status: 413,
    code: 'PAYLOAD_TOO_LARGE',
  },
  {
    name: 'no credentials',
    gateway: 'guarded',
    send: http('/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: query }),
    status: 401,
    code: 'UNAUTHENTICATED',
  },
  {
    name: 'JWT with a bad signature',
    gateway: 'guarded',
    send: async (g) => http('/graphql', { method: 'POST', headers: bearer(await hs256({}, 'another-secret-that-is-long-enough-for-hs256')), body: query })(g),
    status: 401,
    code: 'UNAUTHENTICATED',
  },
  {
    name: 'expired JWT',
    gateway: 'guarded',
    send: async (g) => http('/graphql', { method: 'POST', headers: bearer(await hs256({}, SECRET, Math.floor(Date.now() / 1000) - 3_600)), body: query })(g),
    status: 401,
    code: 'UNAUTHENTICATED',
  },
  {
    name: 'JWT with alg "none"',
    gateway: 'guarded',
    send: http('/graphql', { method: 'POST', headers: bearer(unsigned()), body: query }),
    status: 401,
    code: 'UNAUTHENTICATED',
  },
  {
    name: 'malformed bearer token',
    gateway: 'guarded',
    send: http('/graphql', { method: 'POST', headers: bearer('not a token'), body: query }),
    status: 401,
    code: 'UNAUTHENTICATED',
  },
  { name: 'passthrough: no credentials', gateway: 'guarded', send: http('/rest/Catalog/products', {}), status: 401, code: 'UNAUTHENTICATED' },
  {
    name: 'passthrough: expired JWT',
    gateway: 'guarded',
    send: async (g) =>
      http('/rest/Catalog/products', { headers: { authorization: `Bearer ${await hs256({}, SECRET, Math.floor(Date.now() / 1000) - 3_600)}` } })(g),
    status: 401,
    code: 'UNAUTHENTICATED',
  },
];

describe('hostile requests are refused before any upstream call', () => {
  it.each(CASES)('$name → $status $code, zero upstream calls', async (c) => {
    const outcome = await c.send(c.gateway === 'plain' ? plain : guarded);
    expect({ status: outcome.status, code: outcome.code }).toEqual({ status: c.status, code: c.code });
    if (c.status === 401) {
      const challenge = outcome.headers instanceof Headers ? outcome.headers.get('www-authenticate') : outcome.headers['www-authenticate']?.[0];
      expect(challenge).toMatch(/^Bearer realm="tributary"/);
    }
    expect(world.calls()).toBe(0);
  });
});

describe('what is not refused is sent safely', () => {
  it('encodes "?", "#", "/" and "%" inside a path argument as data of one segment', async () => {
    const r = await plain.graphql({ query: '{ a: productById(id: "a?b#c/d%e") { id } b: productById(id: "v1/2.0/x") { id } }' });
    expect(r.status).toBe(200);
    expect(world.catalog.calls.map((c) => c.url).sort()).toEqual(['/products/a%3Fb%23c%2Fd%25e', '/products/v1%2F2.0%2Fx']);
  });

  it('never forwards hop-by-hop fields, Host or Content-Length, even when allow-listed', async () => {
    const g = await startGateway(
      world,
      '  sources:\n    People:\n      forwardHeaders: [connection, x-hop, keep-alive, te, upgrade, host, content-length, x-secret]\n',
      { configName: 'hop.yaml', socket: true },
    );
    try {
      // A bare socket: fetch would drop `Connection` and `Keep-Alive` before they left.
      const body = JSON.stringify({ query: '{ whoami { secret connection } }' });
      const r = await rawRequest(g.port, {
        method: 'POST',
        target: '/graphql',
        headers: {
          'content-type': 'application/json',
          connection: 'close, x-hop',
          'keep-alive': 'timeout=5',
          te: 'trailers',
          'x-hop': 'should-not-pass',
          'x-secret': 'kept',
        },
        body,
      });
      expect(JSON.parse(r.body.toString('utf8'))).toEqual({ data: { whoami: { secret: 'kept', connection: null } } });
      const sent = world.people.calls[0]!.headers;
      expect(sent['x-hop']).toBeUndefined();
      expect(sent['keep-alive']).toBeUndefined();
      expect(sent.host).toBe(`127.0.0.1:${world.people.port}`);
    } finally {
      await g.close();
    }
  });

  it('answers with the limits turned up where an operator configured them', async () => {
    const g = await startGateway(world, '  policies:\n    limits:\n      maxAliases: 20\n      maxCost: 20\n', { configName: 'limits.yaml' });
    try {
      const aliases = await g.graphql({ query: `{ ${Array.from({ length: 16 }, (_, i) => `a${i}: __typename`).join(' ')} }` });
      expect(aliases.status).toBe(200);
      const costly = await g.graphql({ query: `{ ${Array.from({ length: 5 }, (_, i) => `a${i}: listProducts { id name price }`).join(' ')} }` });
      expect({ status: costly.status, codes: codes(costly.json), limit: costly.json.errors?.[0]?.extensions?.limit }).toEqual({
        status: 400,
        codes: ['OPERATION_LIMIT_EXCEEDED'],
        limit: 'cost',
      });
      expect(world.calls()).toBe(0);
    } finally {
      await g.close();
    }
  });
});
