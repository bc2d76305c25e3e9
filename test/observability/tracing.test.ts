// OpenTelemetry tracing as an operator relies on it: the client's trace continued through
// the gateway to every backend (GraphQL fields, link batches, the passthrough), the
// gateway's spans exported over OTLP/HTTP with the configured service name, and nothing
// at all when tracing is off. Real backends and a real OTLP/HTTP receiver on loopback that
// decodes what it gets; the gateway in process, and once as `tributary start` configured
// by the standard environment variables alone.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../../src/gateway.ts';
import { linkBatches, upstreamCalls } from '../../src/observability/channels.ts';
import { forceFlushTracing } from '../../src/observability/tracing.ts';
import { ERRORS } from '../../src/errors.ts';
import { removeTempDir, startBackend, type Backend } from '../helpers/backend.ts';
import { freePort } from '../helpers/free-port.ts';
import { graphql, rest } from '../helpers/gateway.ts';
import { arrayOf, getOp, objectOf, openapiDoc, pathParam, queryParam, ref, STRING, writeSources } from '../helpers/openapi.ts';
import { KIND, startReceiver, type ReceivedSpan, type Receiver } from './otlp-receiver.ts';

const BIN = path.resolve(import.meta.dirname, '../../bin/tributary.js');

const POSTS = [
  { id: 'p1', title: 'One', userId: 'u1' },
  { id: 'p2', title: 'Two', userId: 'u2' },
  { id: 'p3', title: 'Three', userId: 'u1' },
];
const USERS = [
  { id: 'u1', name: 'Ann' },
  { id: 'u2', name: 'Bo' },
];

const BLOG = openapiDoc({
  title: 'Blog',
  paths: { '/posts': getOp('posts', { response: arrayOf(ref('Post')) }) },
  schemas: { Post: objectOf({ id: STRING, title: STRING, userId: STRING }) },
});
const PEOPLE = openapiDoc({
  title: 'People',
  paths: {
    '/users': getOp('usersByIds', { params: [queryParam('ids', arrayOf(STRING), { style: 'form', explode: false })], response: arrayOf(ref('User')) }),
    '/users/{id}': getOp('user', { params: [pathParam('id')], response: ref('User') }),
  },
  schemas: { User: objectOf({ id: STRING, name: STRING }) },
});

// A cross-source link; People retries once at once, so a retried call needs no timer.
const TRIBUTARY = `  links:
    - { field: Post.author, target: Query.usersByIds, key: userId, keysArg: ids }
  sources:
    People: { upstream: { retries: 1, retryBaseDelayMs: 0 } }
`;

const ENV_KEYS = [
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
  'OTEL_SERVICE_NAME',
  'OTEL_TRACES_SAMPLER',
  'OTEL_TRACES_SAMPLER_ARG',
  'OTEL_SDK_DISABLED',
  'OTEL_TRACES_EXPORTER',
];

let blog: Backend;
let people: Backend;
let receiver: Receiver;
let flaky = 0;
const dirs: string[] = [];
const savedEnv: Record<string, string | undefined> = {};

beforeAll(async () => {
  // The suite decides the OTEL_* environment itself, whatever the machine's is.
  for (const key of ENV_KEYS) {
    savedEnv[key] = process.env[key];
    delete process.env[key];
  }
  receiver = await startReceiver();
  blog = await startBackend((_req, url) => (url.pathname === '/posts' ? { status: 200, body: POSTS } : undefined));
  people = await startBackend((req, url) => {
    if (url.pathname === '/users') {
      const ids = (url.searchParams.get('ids') ?? '').split(',');
      return { status: 200, body: USERS.filter((u) => ids.includes(u.id)) };
    }
    if (url.pathname === '/users/flaky')
      return (flaky += 1) === 1 ? { status: 503, body: { message: 'later' } } : { status: 200, body: { id: 'flaky', name: 'Flo' } };
    if (url.pathname === '/users/broken') {
      req.socket.destroy();
      return undefined;
    }
    const one = /^\/users\/(.+)$/.exec(url.pathname);
    return one ? { status: 200, body: USERS.find((u) => u.id === one[1]) ?? USERS[0] } : undefined;
  });
});

afterAll(async () => {
  await blog?.close();
  await people?.close();
  await receiver?.close();
  for (const dir of dirs) await removeTempDir(dir);
  for (const key of ENV_KEYS) {
    if (savedEnv[key] === undefined) delete process.env[key];
    else process.env[key] = savedEnv[key];
  }
});

async function configDir(tributary: string): Promise<string> {
  const sources = [
    { name: 'Blog', spec: 'blog.yaml', endpoint: blog.url },
    { name: 'People', spec: 'people.yaml', endpoint: people.url },
  ];
  const dir = await writeSources({ specs: { 'blog.yaml': BLOG, 'people.yaml': PEOPLE }, sources, tributary });
  dirs.push(dir);
  return dir;
}

/** A W3C traceparent of a client's own span: version 00, the given flags. */
function clientTrace(flags = '01'): { traceId: string; spanId: string; header: string } {
  const traceId = randomBytes(16).toString('hex');
  const spanId = randomBytes(8).toString('hex');
  return { traceId, spanId, header: `00-${traceId}-${spanId}-${flags}` };
}

/** traceparent as a backend received it. */
function parsed(header: unknown): { traceId: string; parentId: string; flags: string } {
  expect(header, 'a traceparent on the backend call').toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
  const [, traceId, parentId, flags] = (header as string).split('-');
  return { traceId, parentId, flags };
}

/** The backend calls made since `before` (an index into `calls`), all backends. */
function callsSince(before: { blog: number; people: number }) {
  return [...blog.calls.slice(before.blog), ...people.calls.slice(before.people)];
}
const mark = () => ({ blog: blog.calls.length, people: people.calls.length });

const spansOf = (traceId: string) => receiver.spans.filter((s) => s.traceId === traceId);
function only(spans: ReceivedSpan[], predicate: (s: ReceivedSpan) => boolean, what: string): ReceivedSpan {
  const found = spans.filter(predicate);
  expect(found, `exactly one ${what} among ${spans.map((s) => s.name).join(', ')}`).toHaveLength(1);
  return found[0];
}

describe('tracing on (tributary.observability.tracing)', () => {
  let gateway: Gateway;
  beforeAll(async () => {
    const dir = await configDir(`${TRIBUTARY}  observability:\n    tracing: { endpoint: "${receiver.url}", serviceName: tributary-under-test }\n`);
    gateway = await createGateway({ configFile: `${dir}/.meshrc.yaml` });
  });
  afterAll(async () => {
    await gateway?.close({ graceMs: 0 });
  });

  it('GraphQL: the client trace reaches every backend call (root field and link batch), each call parented by its own exported client span', async () => {
    const client = clientTrace();
    const before = mark();
    const answer = await graphql(gateway, 'query Feed { posts { id author { name } } }', {
      headers: { traceparent: client.header, tracestate: 'vendor=opaque' },
    });
    expect(answer.body.errors).toBeUndefined();
    await forceFlushTracing();

    const spans = spansOf(client.traceId);
    expect(new Set(spans.map((s) => s.service))).toEqual(new Set(['tributary-under-test']));
    const server = only(spans, (s) => s.kind === KIND.server, 'server span');
    expect(server).toMatchObject({ name: 'POST /graphql', parentSpanId: client.spanId });
    expect(server.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.route': '/graphql',
      'http.response.status_code': 200,
      'graphql.operation.name': 'Feed',
      'graphql.operation.type': 'query',
    });
    const execute = only(spans, (s) => s.name === 'graphql.execute', 'execute span');
    for (const name of ['graphql.parse', 'graphql.validate', 'graphql.execute'])
      expect(only(spans, (s) => s.name === name, name).parentSpanId).toBe(server.spanId);
    const batch = only(spans, (s) => s.name === 'link Post.author', 'link batch span');
    expect(batch).toMatchObject({
      parentSpanId: execute.spanId,
      attributes: { 'tributary.link': 'Post.author', 'tributary.link.kind': 'bulk', 'tributary.link.size': 2 },
    });

    const clientSpans = spans.filter((s) => s.kind === KIND.client);
    const posts = only(clientSpans, (s) => s.attributes['tributary.source'] === 'Blog', 'Blog call');
    expect(posts).toMatchObject({ name: 'GET /posts', parentSpanId: execute.spanId, status: { code: 0 } });
    expect(posts.attributes).toMatchObject({
      'tributary.operation': 'GET /posts',
      'http.request.method': 'GET',
      'url.template': '/posts',
      'http.response.status_code': 200,
      'tributary.attempts': 1,
    });
    const users = only(clientSpans, (s) => s.attributes['tributary.source'] === 'People', 'People call');
    expect(users).toMatchObject({
      name: 'GET /users',
      parentSpanId: batch.spanId,
      attributes: { 'tributary.operation': 'GET /users', 'http.response.status_code': 200 },
    });

    const calls = callsSince(before);
    expect(calls.map((c) => c.url.split('?')[0]).sort()).toEqual(['/posts', '/users']);
    const parents = calls.map((c) => parsed(c.headers.traceparent));
    for (const p of parents) expect(p).toMatchObject({ traceId: client.traceId, flags: '01' });
    expect(parents.map((p) => p.parentId).sort()).toEqual([posts.spanId, users.spanId].sort());
    // The client's tracestate travels with the trace.
    for (const c of calls) expect(c.headers.tracestate).toBe('vendor=opaque');
  });

  it('passthrough: the client trace reaches the backend through a server span and a client span; no path, query or URL in any attribute', async () => {
    const client = clientTrace();
    const before = mark();
    const answer = await rest(gateway, 'GET', '/rest/People/users/u1?secret=s3cr3t', { headers: { traceparent: client.header } });
    expect(answer.status).toBe(200);
    await forceFlushTracing();

    const spans = spansOf(client.traceId);
    const server = only(spans, (s) => s.kind === KIND.server, 'server span');
    expect(server.attributes['tributary.request_id']).toBe(answer.headers.get('x-request-id'));
    expect(server).toMatchObject({
      name: 'GET /rest/*',
      parentSpanId: client.spanId,
      service: 'tributary-under-test',
      attributes: { 'http.route': '/rest/*', 'http.response.status_code': 200 },
    });
    const call = only(spans, (s) => s.kind === KIND.client, 'client span');
    expect(call).toMatchObject({ name: 'GET /users/{id}', parentSpanId: server.spanId });
    expect(call.attributes).toMatchObject({
      'tributary.source': 'People',
      'tributary.operation': 'GET /users/{id}',
      'tributary.streamed': true,
      'http.response.status_code': 200,
    });
    const [backendCall] = callsSince(before);
    expect(parsed(backendCall.headers.traceparent)).toEqual({ traceId: client.traceId, parentId: call.spanId, flags: '01' });
    const everything = JSON.stringify(receiver.spans.map((s) => [s.name, s.attributes, s.status]));
    for (const leak of ['s3cr3t', '?', '/users/u1', '127.0.0.1', people.url]) expect(everything).not.toContain(leak);
  });

  it('a call retried once carries its attempts; a call that fails is an error span with the catalogue code and text', async () => {
    flaky = 0;
    const client = clientTrace();
    const answer = await graphql(gateway, '{ flaky: user(id: "flaky") { name } broken: user(id: "broken") { name } }', {
      headers: { traceparent: client.header },
    });
    expect(answer.body.data).toEqual({ flaky: { name: 'Flo' }, broken: null });
    await forceFlushTracing();

    const calls = spansOf(client.traceId).filter((s) => s.kind === KIND.client);
    expect(calls).toHaveLength(2);
    const retried = calls.find((s) => s.attributes['http.response.status_code'] === 200)!;
    expect(retried).toMatchObject({ status: { code: 0 }, attributes: { 'tributary.attempts': 2, 'http.request.resend_count': 1 } });
    const failed = calls.find((s) => s !== retried)!;
    expect(failed).toMatchObject({
      name: 'GET /users/{id}',
      status: { code: 2, message: ERRORS.UPSTREAM_UNAVAILABLE.description },
      attributes: { 'error.type': 'UPSTREAM_UNAVAILABLE', 'tributary.source': 'People' },
    });
    expect(only(spansOf(client.traceId), (s) => s.name === 'graphql.execute', 'execute span')).toMatchObject({
      status: { code: 2 },
      attributes: { 'error.type': 'UPSTREAM_UNAVAILABLE' },
    });
  });

  const newTraces = [
    { name: 'no traceparent: the server span starts a new trace, and the backend gets it', sent: undefined },
    { name: 'a malformed traceparent is ignored like none', sent: '00-nothex-xyz-01' },
  ];
  it.each(newTraces)('$name', async ({ sent }) => {
    const before = mark();
    const answer = await graphql(gateway, '{ posts { id } }', { headers: sent ? { traceparent: sent } : {} });
    expect(answer.body.errors).toBeUndefined();
    await forceFlushTracing();
    const [call] = callsSince(before);
    const { traceId, parentId } = parsed(call.headers.traceparent);
    const spans = spansOf(traceId);
    expect(only(spans, (s) => s.kind === KIND.server, 'server span').parentSpanId).toBe('');
    expect(only(spans, (s) => s.kind === KIND.client, 'client span').spanId).toBe(parentId);
  });

  it('a client that did not sample its trace: nothing exported, and the backend still gets the trace, unsampled', async () => {
    const client = clientTrace('00');
    const before = mark();
    await graphql(gateway, '{ posts { id } }', { headers: { traceparent: client.header } });
    await forceFlushTracing();
    expect(spansOf(client.traceId)).toEqual([]);
    expect(parsed(callsSince(before)[0].headers.traceparent)).toMatchObject({ traceId: client.traceId, flags: '00' });
  });

  it('health probes are not traced', async () => {
    const count = receiver.spans.length;
    expect((await rest(gateway, 'GET', '/healthz')).status).toBe(200);
    await forceFlushTracing();
    expect(receiver.spans.length).toBe(count);
    expect(receiver.rejected).toEqual([]);
  });
});

describe('sampling', () => {
  const cases = [
    { name: 'config sampleRatio: 0', tracing: '{ endpoint: "RECEIVER", sampleRatio: 0 }', env: {} },
    {
      name: 'OTEL_TRACES_SAMPLER=parentbased_traceidratio, OTEL_TRACES_SAMPLER_ARG=0',
      tracing: '{ endpoint: "RECEIVER" }',
      env: { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0' },
    },
  ];
  it.each(cases)(
    '$name: a new trace is not sampled (sent on, flag 00, not exported); a sampled client trace still is (parent-based)',
    async ({ tracing, env }) => {
      Object.assign(process.env, env);
      const dir = await configDir(`${TRIBUTARY}  observability:\n    tracing: ${tracing.replace('RECEIVER', receiver.url)}\n`);
      const gateway = await createGateway({ configFile: `${dir}/.meshrc.yaml` });
      for (const key of Object.keys(env)) delete process.env[key];
      try {
        let before = mark();
        await graphql(gateway, '{ posts { id } }');
        await forceFlushTracing();
        const fresh = parsed(callsSince(before)[0].headers.traceparent);
        expect(fresh.flags).toBe('00');
        expect(spansOf(fresh.traceId)).toEqual([]);

        const client = clientTrace();
        before = mark();
        await graphql(gateway, '{ posts { id } }', { headers: { traceparent: client.header } });
        await forceFlushTracing();
        expect(parsed(callsSince(before)[0].headers.traceparent)).toMatchObject({ traceId: client.traceId, flags: '01' });
        expect(
          spansOf(client.traceId)
            .map((s) => s.kind)
            .sort(),
        ).toEqual([KIND.internal, KIND.internal, KIND.internal, KIND.server, KIND.client].sort());
      } finally {
        await gateway.close({ graceMs: 0 });
      }
    },
  );
});

describe('tracing off (no endpoint configured anywhere)', () => {
  let gateway: Gateway;
  beforeAll(async () => {
    // Metrics off as well: they subscribe to the same channels, and this is about tracing's cost.
    const dir = await configDir(`${TRIBUTARY}  observability: { metrics: { enabled: false } }\n`);
    gateway = await createGateway({ configFile: `${dir}/.meshrc.yaml` });
  });
  afterAll(async () => {
    await gateway?.close({ graceMs: 0 });
  });

  it('no channel subscriber, so publishing costs nothing', () => {
    expect(upstreamCalls.hasSubscribers).toBe(false);
    expect(linkBatches.hasSubscribers).toBe(false);
  });

  it('no module of src/ loads OpenTelemetry before tracing starts: type imports only, the one dynamic import in observability/tracing.ts', async () => {
    const root = path.resolve(import.meta.dirname, '../../src');
    const files = (await readdir(root, { recursive: true })).filter((f) => f.endsWith('.ts'));
    const offenders: string[] = [];
    for (const file of files) {
      const text = await readFile(path.join(root, file), 'utf8');
      if (/^\s*import\s+(?!type\b)[^;]*?from\s+'@opentelemetry\//m.test(text)) offenders.push(`${file}: a value import`);
      if (/import\(\s*'@opentelemetry\//.test(text) && file !== path.join('observability', 'tracing.ts')) offenders.push(`${file}: a dynamic import`);
    }
    expect(offenders).toEqual([]);
  });

  // The gateway takes no part in the trace: it neither starts one nor forwards the
  // client's (traceparent is not in the passthrough's default forwardHeaders; an operator
  // who lists it there forwards the client's own value, like any other header).
  const requests = [
    {
      name: 'GraphQL without traceparent',
      send: (g: Gateway, headers: Record<string, string>) => graphql(g, '{ posts { id author { name } } }', { headers }),
      traceparent: false,
    },
    {
      name: 'GraphQL with the client traceparent',
      send: (g: Gateway, headers: Record<string, string>) => graphql(g, '{ posts { id author { name } } }', { headers }),
      traceparent: true,
    },
    {
      name: 'passthrough with the client traceparent',
      send: (g: Gateway, headers: Record<string, string>) => rest(g, 'GET', '/rest/People/users/u1', { headers }),
      traceparent: true,
    },
  ];
  it.each(requests)('$name: no traceparent or tracestate upstream, nothing exported', async ({ send, traceparent }) => {
    const count = receiver.spans.length;
    const before = mark();
    await send(gateway, traceparent ? { traceparent: clientTrace().header, tracestate: 'vendor=opaque' } : {});
    await forceFlushTracing();
    const calls = callsSince(before);
    expect(calls.length).toBeGreaterThan(0);
    for (const call of calls) {
      expect(call.headers.traceparent).toBeUndefined();
      expect(call.headers.tracestate).toBeUndefined();
    }
    expect(receiver.spans.length).toBe(count);
  });
});

describe('tributary start, configured by OTEL_EXPORTER_OTLP_ENDPOINT and OTEL_SERVICE_NAME alone', () => {
  it('continues the client trace to the backends and exports to the endpoint with the service name; the shutdown flushes', async () => {
    const dir = await configDir(TRIBUTARY);
    const port = await freePort();
    const child = spawn(process.execPath, [BIN, 'start', '--config', `${dir}/.meshrc.yaml`, '--port', String(port), '--host', '127.0.0.1'], {
      cwd: tmpdir(),
      env: { ...process.env, NODE_ENV: 'development', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SERVICE_NAME: 'tributary-from-env' },
    });
    let output = '';
    const serving = new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString('utf8');
        if (output.includes('Tributary is serving')) resolve();
      });
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      child.once('exit', (code) => reject(new Error(`tributary start exited with ${code} before serving:\n${output}`)));
    });
    try {
      await serving;
      const client = clientTrace();
      const before = mark();
      const answer = await fetch(`http://127.0.0.1:${port}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', traceparent: client.header },
        body: JSON.stringify({ query: '{ posts { id author { name } } }' }),
      });
      expect(((await answer.json()) as { errors?: unknown }).errors).toBeUndefined();
      const calls = callsSince(before);
      expect(calls).toHaveLength(2);
      for (const call of calls) expect(parsed(call.headers.traceparent).traceId).toBe(client.traceId);

      // The shutdown flushes what the batch processor still holds.
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      expect((await exited)[0]).toBe(0);
      const spans = spansOf(client.traceId);
      expect(new Set(spans.map((s) => s.service))).toEqual(new Set(['tributary-from-env']));
      expect(only(spans, (s) => s.kind === KIND.server, 'server span').parentSpanId).toBe(client.spanId);
      const clientIds = spans.filter((s) => s.kind === KIND.client).map((s) => s.spanId);
      for (const call of calls) expect(clientIds).toContain(parsed(call.headers.traceparent).parentId);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
