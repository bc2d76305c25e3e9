// Prometheus metrics as an operator scrapes them: a plain two-source config serves
// /metrics on the gateway port, with upstream latency by source and operation template,
// retries, circuit states, link batch sizes and the schema build; counts are exact,
// durations only present. Labels stay bounded whatever clients send. Metrics off means
// no route and nothing registered. Real backends over loopback; the gateway in process,
// and over real sockets for the metrics port of its own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { register } from 'prom-client';
import { createGateway, type Gateway } from '../../src/gateway.ts';
import { createLogger } from '../../src/observability/log.ts';
import { upstreamCalls } from '../../src/observability/channels.ts';
import { MAX_OPERATION_NAMES } from '../../src/observability/metrics.ts';
import { removeTempDir, startBackend, type Backend } from '../helpers/backend.ts';
import { freePort } from '../helpers/free-port.ts';
import { graphql, rest } from '../helpers/gateway.ts';
import { arrayOf, getOp, objectOf, openapiDoc, pathParam, queryParam, ref, STRING, writeSources } from '../helpers/openapi.ts';

// --- a small parser of the text exposition format ------------------------------------

interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

function parse(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return samples;
}

/** The value of the one sample of `name` whose labels include `labels`; 0 when there is none. */
function valueOf(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (found.length > 1) throw new Error(`${name} ${JSON.stringify(labels)} matches ${found.length} samples`);
  return found[0]?.value ?? 0;
}

async function scrape(gateway: Gateway, headers: Record<string, string> = {}): Promise<Sample[]> {
  const answer = await rest(gateway, 'GET', '/metrics', { headers });
  expect(answer.status).toBe(200);
  expect(answer.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parse(answer.body);
}

// --- two REST services ---------------------------------------------------------------

const BLOG = openapiDoc({
  title: 'Blog',
  paths: {
    '/posts': getOp('posts', { response: arrayOf(ref('Post')) }),
    '/users': getOp('usersByIds', { params: [queryParam('ids', arrayOf(STRING), { style: 'form', explode: false })], response: arrayOf(ref('User')) }),
    '/users/{id}': getOp('user', { params: [pathParam('id')], response: ref('User') }),
  },
  schemas: { Post: objectOf({ id: STRING, title: STRING, userId: STRING }), User: objectOf({ id: STRING, name: STRING }) },
});

const ITEM = objectOf({ id: STRING });
const SHOP = openapiDoc({
  title: 'Shop',
  paths: {
    '/items': getOp('items', { response: arrayOf(ITEM) }),
    '/flaky': getOp('flaky', { response: ITEM }),
    '/dropped': getOp('dropped', { response: ITEM }),
    '/broken': getOp('broken', { response: ITEM }),
  },
});

const POSTS = [
  { id: 'p1', title: 'One', userId: 'u1' },
  { id: 'p2', title: 'Two', userId: 'u2' },
  { id: 'p3', title: 'Three', userId: 'u1' },
];
const USERS = [
  { id: 'u1', name: 'Ann' },
  { id: 'u2', name: 'Bo' },
];

// Nothing about observability: metrics are on by default. Shop's circuits stay open for an
// hour once opened, so that reading the gauge never races the open period.
const PLAIN = `  links:
    - { field: Post.author, target: Query.usersByIds, key: userId, keysArg: ids }
  sources:
    Shop:
      upstream: { breakerOpenMs: 3600000 }
`;

let blog: Backend;
let shop: Backend;
let flakyCalls = 0;
const dirs: string[] = [];

async function gatewayWith(tributary: string): Promise<Gateway> {
  const sources = [
    { name: 'Blog', spec: 'blog.yaml', endpoint: blog.url },
    { name: 'Shop', spec: 'shop.yaml', endpoint: shop.url },
  ];
  const dir = await writeSources({ specs: { 'blog.yaml': BLOG, 'shop.yaml': SHOP }, sources, tributary });
  dirs.push(dir);
  return createGateway({ configFile: `${dir}/.meshrc.yaml`, logger: createLogger({ level: 'silent' }) });
}

beforeAll(async () => {
  blog = await startBackend((_req, url) => {
    if (url.pathname === '/posts') return { status: 200, body: POSTS };
    if (url.pathname === '/users') {
      const ids = (url.searchParams.get('ids') ?? '').split(',');
      return { status: 200, body: USERS.filter((u) => ids.includes(u.id)) };
    }
    if (url.pathname.startsWith('/users/')) return { status: 200, body: USERS[0] };
    return undefined;
  });
  shop = await startBackend((req, url) => {
    if (url.pathname === '/items') return { status: 200, body: [{ id: 'i1' }] };
    // Every other call answers 503, which the client retries once it has waited.
    if (url.pathname === '/flaky') return flakyCalls++ % 2 === 0 ? { status: 503, body: { message: 'busy' } } : { status: 200, body: { id: 'f' } };
    if (url.pathname === '/dropped') {
      req.socket.destroy();
      return undefined;
    }
    if (url.pathname === '/broken') return { status: 500, body: { message: 'down' } };
    return undefined;
  });
});

afterAll(async () => {
  await blog?.close();
  await shop?.close();
  for (const dir of dirs) await removeTempDir(dir);
});

// First, while no gateway in this process has metrics on: nothing may be registered.
describe('metrics off (tributary.observability.metrics.enabled: false)', () => {
  let gateway: Gateway;
  beforeAll(async () => {
    gateway = await gatewayWith(`${PLAIN}  observability: { metrics: { enabled: false } }\n`);
  });
  afterAll(() => gateway?.close({ graceMs: 0 }));

  it('has no /metrics route, registers no tributary_ metric and does not listen to the channels', async () => {
    const unknown = await rest(gateway, 'GET', '/no-such-route');
    const metrics = await rest(gateway, 'GET', '/metrics');
    expect(metrics.status).toBe(unknown.status);
    expect(metrics.body).not.toContain('tributary_');
    expect((await graphql(gateway, 'query Feed { posts { id author { name } } }')).body.errors).toBeUndefined();
    expect((await rest(gateway, 'GET', '/rest/Blog/users/u1')).status).toBe(200);
    const names = (await register.getMetricsAsJSON()).map((m) => m.name);
    expect(names.filter((n) => n.startsWith('tributary_'))).toEqual([]);
    expect(upstreamCalls.hasSubscribers).toBe(false);
  });
});

describe('a plain two-source config: /metrics on the gateway port', () => {
  let gateway: Gateway;
  beforeAll(async () => {
    gateway = await gatewayWith(PLAIN);
  });
  afterAll(() => gateway?.close({ graceMs: 0 }));

  it('serves Prometheus text with Node process metrics and the schema build', async () => {
    const samples = await scrape(gateway);
    expect(valueOf(samples, 'process_cpu_user_seconds_total')).toBeGreaterThanOrEqual(0);
    expect(samples.some((s) => s.name === 'nodejs_eventloop_lag_seconds')).toBe(true);
    expect(valueOf(samples, 'tributary_schema_build_duration_seconds_count', { reason: 'start', outcome: 'ok' })).toBe(1);
    expect(valueOf(samples, 'tributary_schema_build_duration_seconds_sum', { reason: 'start', outcome: 'ok' })).toBeGreaterThan(0);
    // The circuit of every source, closed.
    expect(valueOf(samples, 'tributary_upstream_circuit_state', { source: 'Blog' })).toBe(0);
    expect(
      samples
        .filter((s) => s.name === 'tributary_upstream_circuit_state')
        .map((s) => s.labels.source)
        .sort(),
    ).toEqual(['Blog', 'Shop']);
  });

  it('upstream calls: a duration histogram and a count per source, operation template and status class; link batch sizes', async () => {
    const before = await scrape(gateway);
    expect((await graphql(gateway, 'query Feed { posts { id author { name } } }')).body.errors).toBeUndefined();
    expect((await graphql(gateway, '{ items { id } }')).body.errors).toBeUndefined();
    expect((await rest(gateway, 'GET', '/rest/Blog/users/u1')).status).toBe(200);
    expect((await rest(gateway, 'GET', '/rest/Blog/users/u2')).status).toBe(200);
    const after = await scrape(gateway);
    const delta = (name: string, labels: Record<string, string>) => valueOf(after, name, labels) - valueOf(before, name, labels);

    const expected = [
      { source: 'Blog', operation: 'GET /posts', calls: 1 },
      { source: 'Blog', operation: 'GET /users', calls: 1 },
      { source: 'Blog', operation: 'GET /users/{id}', calls: 2 },
      { source: 'Shop', operation: 'GET /items', calls: 1 },
    ];
    for (const { source, operation, calls } of expected) {
      const labels = { source, operation, status_class: '2xx' };
      expect({ operation, count: delta('tributary_upstream_request_duration_seconds_count', labels) }).toEqual({ operation, count: calls });
      expect({ operation, count: delta('tributary_upstream_requests_total', labels) }).toEqual({ operation, count: calls });
      expect(valueOf(after, 'tributary_upstream_request_duration_seconds_sum', labels)).toBeGreaterThanOrEqual(0);
      expect(valueOf(after, 'tributary_upstream_request_duration_seconds_bucket', { ...labels, le: '+Inf' })).toBe(
        valueOf(after, 'tributary_upstream_request_duration_seconds_count', labels),
      );
    }
    // Two distinct authors of three posts: one bulk batch of two keys.
    expect(delta('tributary_link_batch_size_count', { link: 'Post.author', kind: 'bulk' })).toBe(1);
    expect(delta('tributary_link_batch_size_sum', { link: 'Post.author', kind: 'bulk' })).toBe(2);
    // GraphQL requests, by operation and outcome; nothing is in flight once answered.
    expect(delta('tributary_graphql_requests_total', { operation_name: 'Feed', operation_type: 'query', outcome: 'ok' })).toBe(1);
    expect(delta('tributary_graphql_requests_total', { operation_name: '(anonymous)', operation_type: 'query', outcome: 'ok' })).toBe(1);
    expect(delta('tributary_graphql_request_duration_seconds_count', { operation_type: 'query', outcome: 'ok' })).toBe(2);
    expect(valueOf(after, 'tributary_requests_in_flight', { kind: 'graphql' })).toBe(0);
    expect(valueOf(after, 'tributary_requests_in_flight', { kind: 'passthrough' })).toBe(0);
  });

  it('retries: counted from the attempts, for a call answered in the end and for one that failed', async () => {
    const before = await scrape(gateway);
    flakyCalls = 0;
    expect((await graphql(gateway, '{ flaky { id } }')).body.errors).toBeUndefined();
    const dropped = await graphql(gateway, '{ dropped { id } }');
    expect(dropped.body.errors?.[0]?.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
    const after = await scrape(gateway);
    const delta = (name: string, labels: Record<string, string>) => valueOf(after, name, labels) - valueOf(before, name, labels);
    // 503 then 200: one retry. A dropped connection, tried 1 + 2 (the default retries) times.
    expect(delta('tributary_upstream_retries_total', { source: 'Shop', operation: 'GET /flaky' })).toBe(1);
    expect(delta('tributary_upstream_requests_total', { source: 'Shop', operation: 'GET /flaky', status_class: '2xx' })).toBe(1);
    expect(shop.calls.filter((c) => c.url === '/dropped')).toHaveLength(3);
    expect(delta('tributary_upstream_retries_total', { source: 'Shop', operation: 'GET /dropped' })).toBe(2);
    expect(delta('tributary_upstream_requests_total', { source: 'Shop', operation: 'GET /dropped', status_class: 'error' })).toBe(1);
    expect(delta('tributary_upstream_errors_total', { source: 'Shop', operation: 'GET /dropped', code: 'UPSTREAM_UNAVAILABLE' })).toBe(1);
    expect(delta('tributary_graphql_requests_total', { operation_name: '(anonymous)', operation_type: 'query', outcome: 'error' })).toBe(1);
  });

  it('the operation circuit gauge flips to open after breakerFailureThreshold (5) failed calls', async () => {
    const before = await scrape(gateway);
    expect(before.filter((s) => s.name === 'tributary_upstream_operation_circuit_state')).toEqual([]);
    for (let i = 0; i < 5; i++) expect((await graphql(gateway, '{ broken { id } }')).body.errors).toHaveLength(1);
    const after = await scrape(gateway);
    expect(after.filter((s) => s.name === 'tributary_upstream_operation_circuit_state')).toEqual([
      { name: 'tributary_upstream_operation_circuit_state', labels: { source: 'Shop', operation: 'GET /broken' }, value: 2 },
    ]);
    // 500 is not retried: five calls, all 5xx; the source itself still answers, so its circuit stays closed.
    expect(valueOf(after, 'tributary_upstream_requests_total', { source: 'Shop', operation: 'GET /broken', status_class: '5xx' })).toBe(5);
    expect(valueOf(after, 'tributary_upstream_circuit_state', { source: 'Shop' })).toBe(0);
    const refused = await graphql(gateway, '{ broken { id } }');
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('UPSTREAM_CIRCUIT_OPEN');
  });

  it('labels are bounded by construction: made-up operation names, paths and sources add no series of their own', async () => {
    const madeUp = async (token: string, names: number) => {
      for (let i = 0; i < names; i++) await graphql(gateway, `query ${token}_${i} { __typename }`);
      await graphql(gateway, `query ${token}_${'x'.repeat(80)} { __typename }`);
      for (let i = 0; i < 20; i++) {
        await rest(gateway, 'GET', `/rest/Blog/users/${token}-${i}`);
        await rest(gateway, 'GET', `/rest/Blog/${token}-${i}`);
        await rest(gateway, 'GET', `/rest/${token}${i}/x`);
        await rest(gateway, 'GET', `/${token}/${i}`);
      }
    };
    const series = (samples: readonly Sample[]) =>
      new Set(samples.filter((s) => s.name.startsWith('tributary_')).map((s) => `${s.name}${JSON.stringify(s.labels)}`));
    const other = { operation_name: '(other)', operation_type: 'query', outcome: 'ok' };
    const first = 'zqa';
    const start = await scrape(gateway);
    // More names than there are slots: the rest count as `(other)`.
    await madeUp(first, MAX_OPERATION_NAMES + 20);
    const full = await scrape(gateway);
    expect(valueOf(full, 'tributary_graphql_requests_total', other) - valueOf(start, 'tributary_graphql_requests_total', other)).toBeGreaterThanOrEqual(21);
    const names = new Set(full.filter((s) => s.name === 'tributary_graphql_requests_total').map((s) => s.labels.operation_name!));
    expect([...names].filter((n) => !n.startsWith('(')).length).toBeLessThanOrEqual(MAX_OPERATION_NAMES);
    // Once the slots are taken, as many new made-up values again add not one series.
    await madeUp('zqb', MAX_OPERATION_NAMES);
    const after = await scrape(gateway);
    expect([...series(after)].filter((key) => !series(full).has(key))).toEqual([]);
    // Only operation names carry client text; upstream labels are the config's sources and the schema's templates.
    const ours = after.filter((s) => s.name.startsWith('tributary_'));
    expect(ours.filter((s) => s.name !== 'tributary_graphql_requests_total' && Object.values(s.labels).some((v) => v.includes('zq')))).toEqual([]);
    const upstream = ours.filter((s) => s.name.startsWith('tributary_upstream_'));
    expect(new Set(upstream.map((s) => s.labels.source))).toEqual(new Set(['Blog', 'Shop']));
    const templates = new Set(['GET /posts', 'GET /users', 'GET /users/{id}', 'GET /items', 'GET /flaky', 'GET /dropped', 'GET /broken']);
    expect(upstream.filter((s) => s.labels.operation !== undefined && !templates.has(s.labels.operation))).toEqual([]);
    // The 40 made-up ids are calls of one template.
    const users = { source: 'Blog', operation: 'GET /users/{id}', status_class: '2xx' };
    expect(valueOf(after, 'tributary_upstream_requests_total', users) - valueOf(start, 'tributary_upstream_requests_total', users)).toBe(40);
  });
});

describe("requireAuth: /graphql's credentials, required on /metrics", () => {
  const KEY = 'metrics-scraper-key';
  let gateway: Gateway;
  beforeAll(async () => {
    gateway = await gatewayWith(
      `${PLAIN}  policies:\n    auth:\n      default: none\n      apiKeys:\n        header: x-api-key\n        keys:\n          - { id: scraper, key: ${KEY} }\n  observability: { metrics: { requireAuth: true } }\n`,
    );
  });
  afterAll(() => gateway?.close({ graceMs: 0 }));

  const cases: { name: string; headers: Record<string, string>; status: number }[] = [
    { name: 'no credentials', headers: {}, status: 401 },
    { name: 'a wrong key', headers: { 'x-api-key': 'nope' }, status: 401 },
    { name: 'the key', headers: { 'x-api-key': KEY }, status: 200 },
  ];
  it.each(cases)('$name → $status', async ({ headers, status }) => {
    const answer = await rest(gateway, 'GET', '/metrics', { headers });
    expect(answer.status).toBe(status);
    if (status === 401) {
      expect(answer.headers.get('www-authenticate')).toContain('ApiKey');
      expect(answer.json()).toEqual({ error: { code: 'UNAUTHENTICATED', message: expect.any(String) } });
    } else expect(answer.body).toContain('tributary_upstream_circuit_state');
  });

  it('/graphql, anonymous by config, is not affected', async () => {
    expect((await graphql(gateway, '{ items { id } }')).body.errors).toBeUndefined();
  });

  it('without an auth policy to check credentials, requireAuth is a config error', async () => {
    await expect(gatewayWith(`${PLAIN}  observability: { metrics: { requireAuth: true } }\n`)).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining('tributary.observability.metrics.requireAuth'),
    });
  });
});

describe('a metrics port of its own (real sockets)', () => {
  let gateway: Gateway;
  let metricsPort: number;
  let gatewayUrl: string;
  beforeAll(async () => {
    metricsPort = await freePort();
    gateway = await gatewayWith(`${PLAIN}  observability: { metrics: { port: ${metricsPort}, host: 127.0.0.1, path: /prometheus } }\n`);
    const { port } = await gateway.listen({ port: 0, host: '127.0.0.1' });
    gatewayUrl = `http://127.0.0.1:${port}`;
  });
  afterAll(() => gateway?.close({ graceMs: 0 }));

  it('serves the metrics there, at its path only, and not on the gateway port', async () => {
    expect((await fetch(`${gatewayUrl}/rest/Shop/items`)).status).toBe(200);
    const answer = await fetch(`http://127.0.0.1:${metricsPort}/prometheus`);
    expect(answer.status).toBe(200);
    const samples = parse(await answer.text());
    expect(
      valueOf(samples, 'tributary_upstream_request_duration_seconds_count', { source: 'Shop', operation: 'GET /items', status_class: '2xx' }),
    ).toBeGreaterThanOrEqual(1);
    expect((await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${metricsPort}/prometheus`, { method: 'POST' })).status).toBe(405);
    const unknown = await fetch(`${gatewayUrl}/no-such-route`);
    expect((await fetch(`${gatewayUrl}/prometheus`)).status).toBe(unknown.status);
  });

  it('closes with the gateway', async () => {
    await gateway.close({ graceMs: 0 });
    await expect(fetch(`http://127.0.0.1:${metricsPort}/prometheus`)).rejects.toThrow();
  });
});
