// The passthrough end to end, over real sockets: a gateway server hosting
// createPassthrough, the real upstream client, and two recording services. Source `a`
// lives at `/api/a` on service A, which also serves `/secret` and `/api/b/...` so that
// any escape from the base path would be seen; source `b` lives on service B. Hostile
// request-targets go out on bare sockets, byte for byte.
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PassthroughSettings, UpstreamSettings } from '../../src/config/schema.ts';
import { createLogger } from '../../src/observability/log.ts';
import { createPassthrough } from '../../src/passthrough/route.ts';
import { useSetHeaders } from '../../src/policies/set-headers.ts';
import { createUpstreamClient } from '../../src/upstream/client.ts';
import type { UpstreamClient } from '../../src/upstream/types.ts';
import { BIG_BODY_BYTES, bigBody, startBackend, type Backend } from './fixtures/backend.ts';
import { rawRequest, type RawResponse } from './fixtures/raw-http.ts';

const MAX_BODY = 64 * 1024;
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'OPTIONS'] as const;

let serviceA: Backend;
let serviceB: Backend;
let downPort: number;
let upstream: UpstreamClient;
let gateway: http.Server;
let port: number;
const logLines: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  [serviceA, serviceB] = await Promise.all([startBackend(), startBackend()]);
  downPort = await closedPort();
  const settings = UpstreamSettings.parse({ retries: 0, connectTimeoutMs: 1_000, timeoutMs: 5_000 });
  upstream = createUpstreamClient({
    sources: [
      { name: 'a', endpoint: `http://127.0.0.1:${serviceA.port}/api/a`, settings },
      { name: 'b', endpoint: `http://127.0.0.1:${serviceB.port}/api/b`, settings },
      { name: 'hidden', endpoint: `http://127.0.0.1:${serviceA.port}/api/a`, settings },
      { name: 'down', endpoint: `http://127.0.0.1:${downPort}/api`, settings },
    ],
    // What an auth policy's gateway-set headers do (policies/set-headers.ts): replace the client's own value.
    outbound: [useSetHeaders(new Map(['a', 'b', 'hidden', 'down'].map((s) => [s, () => ({ 'x-authenticated-user': 'alice' })]))).outbound!],
  });
  const defaults = PassthroughSettings.parse({});
  const passthrough = createPassthrough({
    settings: PassthroughSettings.parse({
      // This suite is about path safety and streaming, on paths no schema declares;
      // declared.e2e.test.ts covers what `declared` (the default) refuses.
      mode: 'any',
      maxBodyBytes: MAX_BODY,
      methods: [...METHODS],
      // `te` is allow-listed on purpose: hop-by-hop must win over the allow-list.
      forwardHeaders: [...defaults.forwardHeaders, 'X-Allowed', 'x-named-in-connection', 'x-authenticated-user', 'te'],
    }),
    sources: [
      { name: 'a', passthrough: true },
      { name: 'b', passthrough: true, forwardHeaders: ['accept', 'x-b-only'] },
      { name: 'hidden', passthrough: false },
      { name: 'down', passthrough: true },
    ],
    upstream,
    logger: createLogger({
      level: 'debug',
      destination: new Writable({
        write(chunk: Buffer, _encoding, callback) {
          logLines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
          callback();
        },
      }),
    }),
  });
  gateway = http.createServer((req, res) => (passthrough.matches(req.url ?? '') ? void passthrough.handle(req, res) : ((res.statusCode = 404), res.end())));
  await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
  port = (gateway.address() as AddressInfo).port;
});

afterAll(async () => {
  gateway.closeAllConnections();
  await new Promise<void>((resolve) => gateway.close(() => resolve()));
  await upstream.close();
  await Promise.all([serviceA.close(), serviceB.close()]);
});

beforeEach(() => {
  serviceA.requests.length = 0;
  serviceB.requests.length = 0;
  logLines.length = 0;
});

/** A refusal: status, catalogue code, and the guarantee that no service was called. */
interface Refused {
  readonly status: number;
  readonly code?: string;
}
/** An acceptance: the exact request-target service A must have received. */
interface Forwarded {
  readonly forwardedAs: string;
}

const hostile: ReadonlyArray<readonly [target: string, expected: Refused | Forwarded]> = [
  // ---- leaving `/api/a` by dot-segments, however spelt ----
  ['/rest/a/../b/x', { status: 400, code: 'PASSTHROUGH_BAD_PATH' }],
  ['/rest/a/../../secret', { status: 400, code: 'PASSTHROUGH_BAD_PATH' }],
  ['/rest/a/..', { status: 400, code: 'PASSTHROUGH_BAD_PATH' }],
  ['/rest/a/.', { status: 400, code: 'PASSTHROUGH_BAD_PATH' }],
  ['/rest/a/./x', { status: 400, code: 'PASSTHROUGH_BAD_PATH' }],
  ['/rest/a/%2e%2e/%2e%2e/secret', { status: 400, code: 'PASSTHROUGH_BAD_PATH' }],
  ['/rest/a/%2E%2e/b/x', { status: 400, code: 'PASSTHROUGH_BAD_PATH' }],
  ['/rest/a/.%2e/.%2e/secret', { status: 400, code: 'PASSTHROUGH_BAD_PATH' }],
  ['/rest/a/%252e%252e/%252e%252e/secret', { status: 400, code: 'PASSTHROUGH_BAD_PATH' }],
  ['/rest/a/..;/..;/secret', { status: 400, code: 'PASSTHROUGH_BAD_PATH' }],
  ['/rest/a/..%3b/secret', { status: 400, code: 'PASSTHROUGH_BAD_PATH' }],
  ['/rest/a/%c0%ae%c0%ae/secret', { status: 400, code: 'PASSTHROUGH_BAD_PATH' }],
  ['/rest/a/%ef%bc%8e%ef%bc%8e/secret', { status: 400, code: 'PASSTHROUGH_BAD_PATH' }],
  // ---- another host, backslashes, encoded slashes ----
  ['/rest/a//evil.com/x', { status: 400, code: 'PASSTHROUGH_BAD_PATH' }],
  ['/rest/a/\\evil.com', { status: 400, code: 'PASSTHROUGH_BAD_PATH' }],
  ['/rest/a/%5c..%5c..%5csecret', { status: 400, code: 'PASSTHROUGH_BAD_PATH' }],
  ['/rest/a/x%2f..%2f..%2fsecret', { status: 400, code: 'PASSTHROUGH_BAD_PATH' }],
  ['/rest/a/%2f%2fevil.com/x', { status: 400, code: 'PASSTHROUGH_BAD_PATH' }],
  // ---- header injection and malformed escapes ----
  ['/rest/a/%0d%0aSet-Cookie:x=1', { status: 400, code: 'PASSTHROUGH_BAD_PATH' }],
  ['/rest/a/%00', { status: 400, code: 'PASSTHROUGH_BAD_PATH' }],
  ['/rest/a/x?a=%0d%0aSet-Cookie:x=1', { status: 400, code: 'PASSTHROUGH_BAD_PATH' }],
  ['/rest/a/%', { status: 400, code: 'PASSTHROUGH_BAD_PATH' }],
  // ---- the source segment itself ----
  ['/rest/../secret', { status: 404, code: 'PASSTHROUGH_UNKNOWN_SOURCE' }],
  ['/rest/..%2fa/x', { status: 404, code: 'PASSTHROUGH_UNKNOWN_SOURCE' }],
  ['/rest/%61/x', { status: 404, code: 'PASSTHROUGH_UNKNOWN_SOURCE' }],
  ['/rest/A/x', { status: 404, code: 'PASSTHROUGH_UNKNOWN_SOURCE' }],
  ['/rest/c/x', { status: 404, code: 'PASSTHROUGH_UNKNOWN_SOURCE' }],
  ['/rest/hidden/x', { status: 404, code: 'PASSTHROUGH_UNKNOWN_SOURCE' }],
  ['/rest', { status: 404, code: 'PASSTHROUGH_UNKNOWN_SOURCE' }],
  ['/rest/', { status: 404, code: 'PASSTHROUGH_UNKNOWN_SOURCE' }],
  ['/rest?source=a', { status: 404, code: 'PASSTHROUGH_UNKNOWN_SOURCE' }],
  // ---- not the passthrough at all: absolute-form and look-alike prefixes ----
  ['http://127.0.0.1:1/rest/a/x', { status: 404 }],
  ['/restful/a/x', { status: 404 }],
  // ---- odd but harmless: appended under `/api/a`, one spelling ----
  ['/rest/a/@evil.com', { forwardedAs: '/api/a/@evil.com' }],
  ['/rest/a/x:y@evil.com/z', { forwardedAs: '/api/a/x:y@evil.com/z' }],
  ['/rest/a/http://evil.com/x', { forwardedAs: '/api/a/http://evil.com/x' }],
  ['/rest/a/%7euser/a%20b/%41', { forwardedAs: '/api/a/~user/a%20b/A' }],
  ['/rest/a/..foo/x', { forwardedAs: '/api/a/..foo/x' }],
  ['/rest/a/x?next=../../secret', { forwardedAs: '/api/a/x?next=../../secret' }],
  ['/rest/a/x#../../secret', { forwardedAs: '/api/a/x' }],
  ['/rest/a', { forwardedAs: '/api/a/' }],
  ['/rest/a?x=1', { forwardedAs: '/api/a/?x=1' }],
];

describe('passthrough: hostile request-targets never leave the source base path', () => {
  it.each(hostile)('GET %s', async (target, expected) => {
    const response = await rawRequest(port, { target });
    if ('forwardedAs' in expected) {
      expect(response.status).toBe(200);
      expect(serviceA.requests.map((r) => r.url)).toEqual([expected.forwardedAs]);
    } else {
      expect(response.status).toBe(expected.status);
      if (expected.code !== undefined) expect(json(response).error.code).toBe(expected.code);
      // Refused before any upstream call: no service saw anything.
      expect(serviceA.requests).toEqual([]);
    }
    expect(serviceA.requests.every((r) => r.url.startsWith('/api/a/'))).toBe(true);
    expect(serviceB.requests).toEqual([]);
  });
});

describe('passthrough: forwarding', () => {
  it('forwards method, path, query, body and allow-listed headers only', async () => {
    const payload = JSON.stringify({ name: 'Ada', tags: ['x', 'y'] });
    const response = await rawRequest(port, {
      method: 'POST',
      target: '/rest/a/items/42?status=201&q=a%20b&q=c',
      body: payload,
      headers: {
        connection: 'close, x-named-in-connection',
        accept: 'application/json',
        'content-type': 'application/json',
        authorization: 'Bearer client',
        'x-request-id': 'req-1',
        'x-allowed': 'yes',
        'x-named-in-connection': 'hop',
        'x-not-allowed': 'no',
        cookie: 'session=secret',
        te: 'trailers',
        'proxy-authorization': 'Basic Zm9vOmJhcg==',
        'keep-alive': 'timeout=5',
        'x-forwarded-for': '203.0.113.9',
        'x-forwarded-host': 'evil.example',
        'x-forwarded-proto': 'https',
        'x-authenticated-user': 'mallory',
        via: '1.0 corp-proxy',
      },
    });

    expect(response.status).toBe(201);
    expect(response.headers['x-echo']).toEqual(['yes']);
    expect(json(response)).toEqual({ method: 'POST', url: '/api/a/items/42?status=201&q=a%20b&q=c', body: payload });

    expect(serviceA.requests).toHaveLength(1);
    const seen = serviceA.requests[0]!;
    expect(seen.body.toString('utf8')).toBe(payload);
    expect(seen.headers).toMatchObject({
      host: `127.0.0.1:${serviceA.port}`,
      accept: 'application/json',
      'content-type': 'application/json',
      authorization: 'Bearer client',
      'x-request-id': 'req-1',
      'x-allowed': 'yes',
      // Appended to, so the service can trust the rightmost entry.
      'x-forwarded-for': '203.0.113.9, 127.0.0.1',
      // What the gateway saw, not what the client claimed.
      'x-forwarded-host': `127.0.0.1:${port}`,
      'x-forwarded-proto': 'http',
      via: '1.0 corp-proxy, 1.1 tributary',
      // The gateway's own value wins over the client's.
      'x-authenticated-user': 'alice',
    });
    for (const name of ['x-not-allowed', 'cookie', 'te', 'proxy-authorization', 'keep-alive', 'x-named-in-connection']) {
      expect(seen.headers, name).not.toHaveProperty(name);
    }
  });

  it('passes an upstream error status and body through unchanged', async () => {
    const response = await rawRequest(port, { target: '/rest/a/missing?status=404' });
    expect(response.status).toBe(404);
    expect(json(response)).toMatchObject({ url: '/api/a/missing?status=404' });
  });

  it('uses a source’s own header allow-list instead of the global one', async () => {
    const response = await rawRequest(port, {
      target: '/rest/b/things',
      headers: { accept: 'application/json', 'x-b-only': '1', authorization: 'Bearer client', 'x-request-id': 'req-2' },
    });
    expect(response.status).toBe(200);
    expect(serviceA.requests).toEqual([]);
    expect(serviceB.requests.map((r) => r.url)).toEqual(['/api/b/things']);
    expect(serviceB.requests[0]!.headers).toMatchObject({ accept: 'application/json', 'x-b-only': '1' });
    expect(serviceB.requests[0]!.headers).not.toHaveProperty('authorization');
    expect(serviceB.requests[0]!.headers).not.toHaveProperty('x-request-id');
  });

  it('streams response headers back without hop-by-hop fields', async () => {
    const response = await rawRequest(port, { target: '/rest/a/hop' });
    expect(response.status).toBe(200);
    expect(response.body.toString('utf8')).toBe('hop-by-hop body');
    expect(response.headers).toMatchObject({
      'x-end-to-end': ['kept'],
      'cache-control': ['max-age=60'],
      'set-cookie': ['a=1', 'b=2'],
      // The gateway's own connection to the client, not the service's.
      connection: ['close'],
    });
    for (const name of ['x-hop-secret', 'proxy-authenticate', 'upgrade', 'trailer', 'keep-alive', 'x-checksum']) {
      expect(response.headers, name).not.toHaveProperty(name);
    }
  });

  it('streams a 5 MiB download intact', async () => {
    const response = await rawRequest(port, { target: '/rest/a/big' });
    expect(response.status).toBe(200);
    expect(response.body.length).toBe(BIG_BODY_BYTES);
    expect(sha256(response.body)).toBe(sha256(bigBody()));
  });

  it('streams a chunked upload under the limit intact', async () => {
    const chunks = Array.from({ length: 15 }, (_, i) => Buffer.alloc(4 * 1024, i));
    const response = await rawRequest(port, { method: 'PUT', target: '/rest/a/upload', chunks });
    expect(response.status).toBe(200);
    expect(serviceA.requests).toHaveLength(1);
    expect(sha256(serviceA.requests[0]!.body)).toBe(sha256(Buffer.concat(chunks)));
  });

  it('forwards HEAD and answers it without a body', async () => {
    const response = await rawRequest(port, { method: 'HEAD', target: '/rest/a/items' });
    expect(response.status).toBe(200);
    expect(response.body.length).toBe(0);
    expect(serviceA.requests.map((r) => `${r.method} ${r.url}`)).toEqual(['HEAD /api/a/items']);
  });

  it('logs each call at debug level with source, method, status and duration', async () => {
    await rawRequest(port, { target: '/rest/a/logged' });
    const line = logLines.find((l) => l.msg === 'passthrough call');
    expect(line).toMatchObject({ level: 20, source: 'a', method: 'GET', status: 200 });
    expect(typeof line?.ms).toBe('number');
  });
});

describe('passthrough: refusals', () => {
  it('answers 413 for a declared body over the limit without calling the service', async () => {
    const response = await rawRequest(port, { method: 'POST', target: '/rest/a/upload', body: Buffer.alloc(MAX_BODY + 1) });
    expect(response.status).toBe(413);
    expect(json(response).error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(serviceA.requests).toEqual([]);
  });

  it('answers 413 for a chunked body that grows past the limit, and the service never gets it whole', async () => {
    // Several in a row: a client's oversized uploads must not open the service's circuit.
    for (let i = 0; i < 7; i += 1) {
      const chunks = Array.from({ length: 40 }, () => Buffer.alloc(4 * 1024, 0x61));
      const response = await rawRequest(port, { method: 'POST', target: '/rest/a/upload', chunks });
      expect(response.status).toBe(413);
      expect(json(response).error.code).toBe('PAYLOAD_TOO_LARGE');
    }
    expect(serviceA.requests.filter((r) => r.complete)).toEqual([]);
    expect(upstream.breakerState('a')).toBe('closed');
  });

  it('answers 405 with Allow for a method it does not forward', async () => {
    const response = await rawRequest(port, { method: 'DELETE', target: '/rest/a/items/1' });
    expect(response.status).toBe(405);
    expect(json(response).error.code).toBe('PASSTHROUGH_METHOD_NOT_ALLOWED');
    expect(response.headers.allow).toEqual([METHODS.join(', ')]);
    expect(serviceA.requests).toEqual([]);
  });

  it('answers 502 UPSTREAM_UNAVAILABLE for a service that is down, without naming it', async () => {
    const response = await rawRequest(port, { target: '/rest/down/items' });
    expect(response.status).toBe(502);
    expect(json(response).error.code).toBe('UPSTREAM_UNAVAILABLE');
    const text = response.body.toString('utf8');
    for (const secret of ['127.0.0.1', String(downPort), '/api/items', 'ECONNREFUSED']) expect(text).not.toContain(secret);
    // The operator gets the detail in the log.
    const warning = logLines.find((l) => l.level === 40);
    expect(warning).toMatchObject({ source: 'down', code: 'UPSTREAM_UNAVAILABLE' });
    expect(JSON.stringify(warning)).toContain(String(downPort));
  });
});

function json(response: RawResponse): { error: { code: string; message: string } } & Record<string, unknown> {
  expect(response.headers['content-type']?.[0]).toMatch(/^application\/json/);
  return JSON.parse(response.body.toString('utf8')) as { error: { code: string; message: string } } & Record<string, unknown>;
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A port nothing listens on: bound once, then released. */
async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: free } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return free;
}
