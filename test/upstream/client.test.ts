// The UpstreamClient against real node:http servers: what goes on the wire, retries,
// timeouts, error mapping, size caps, redirects and probes. Backoff waits go through an
// injected `sleep` that records the delay and returns at once, so nothing here waits on
// the clock or depends on the machine's speed.
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { isTributaryError, TributaryError } from '../../src/errors.ts';
import { createUpstreamClient, type UpstreamClientOptions } from '../../src/upstream/client.ts';
import type { UpstreamClient } from '../../src/upstream/types.ts';
import type { UpstreamSettings } from '../../src/config/schema.ts';
import { readBody, refusedPort, settings, startServer, type Handler, type TestServer } from './helpers.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function server(handler: Handler): Promise<TestServer> {
  const s = await startServer(handler);
  cleanups.push(() => s.close());
  return s;
}

function client(
  endpoint: string,
  overrides: Partial<UpstreamSettings> = {},
  options: Omit<UpstreamClientOptions, 'sources'> = {},
): { client: UpstreamClient; delays: number[] } {
  const delays: number[] = [];
  const c = createUpstreamClient({
    sources: [{ name: 'Orders', endpoint, settings: settings({ breakerFailureThreshold: 100, ...overrides }) }],
    sleep: async (ms) => void delays.push(ms),
    ...options,
  });
  cleanups.push(() => c.close());
  return { client: c, delays };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

async function tributaryRejection(promise: Promise<unknown>): Promise<TributaryError> {
  const err = await rejection(promise);
  if (!isTributaryError(err)) throw new Error(`expected a TributaryError, got ${String(err)}`);
  return err;
}

async function drain(body: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const ok: Handler = (_req, res) => res.end('ok');

describe('the request target', () => {
  it('appends the path and query to the endpoint base path', async () => {
    const s = await server(ok);
    const { client: c } = client(`${s.origin}/api/v1`);
    const res = await c.request('Orders', { method: 'GET', path: '/users/42?expand=team' });
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe('ok');
    expect(res.attempts).toBe(1);
    expect(s.received.map((r) => r.url)).toEqual(['/api/v1/users/42?expand=team']);
  });

  it('collapses the doubled slash at the join only, and resolves nothing', async () => {
    const s = await server(ok);
    const { client: c } = client(`${s.origin}/api/`);
    await c.request('Orders', { method: 'GET', path: '/users' });
    await c.request('Orders', { method: 'GET', path: '//evil.example/x' });
    await c.request('Orders', { method: 'GET', path: '/../admin' });
    expect(s.received.map((r) => r.url)).toEqual(['/api/users', '/api//evil.example/x', '/api/../admin']);
    // The host is the endpoint's whatever the path says.
    expect(s.received.every((r) => r.headers.host === `127.0.0.1:${s.port}`)).toBe(true);
  });

  it('uses the bare path when the endpoint has none', async () => {
    const s = await server(ok);
    const { client: c } = client(s.origin);
    await c.request('Orders', { method: 'GET', path: '/users' });
    expect(s.received.map((r) => r.url)).toEqual(['/users']);
  });

  it('refuses a path that does not start with "/" as a programming error', async () => {
    const s = await server(ok);
    const { client: c } = client(`${s.origin}/api`);
    const err = await rejection(c.request('Orders', { method: 'GET', path: 'users' }));
    expect(err).toBeInstanceOf(Error);
    expect(isTributaryError(err)).toBe(false);
    expect(s.received).toHaveLength(0);
  });
});

describe('request headers', () => {
  it('does not forward hop-by-hop, host or content-length headers given by the caller', async () => {
    let body = '';
    const s = await server(async (req, res) => {
      body = await readBody(req);
      res.end();
    });
    const { client: c } = client(s.origin);
    await c.request('Orders', {
      method: 'POST',
      path: '/orders',
      headers: {
        Connection: 'close, X-Conn-Only',
        'Keep-Alive': 'timeout=5',
        'Proxy-Authorization': 'Basic eA==',
        'Proxy-Connection': 'keep-alive',
        TE: 'trailers',
        Trailer: 'X-Checksum',
        'Transfer-Encoding': 'chunked',
        Upgrade: 'websocket',
        Host: 'evil.example',
        'Content-Length': '999',
        'X-Conn-Only': 'secret',
        'X-Request-Id': 'abc',
        Accept: 'application/json',
        'Content-Type': 'text/plain',
      },
      body: 'hello',
    });
    const headers = s.received[0]!.headers;
    for (const name of ['keep-alive', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'x-conn-only']) {
      expect(headers, name).not.toHaveProperty(name);
    }
    expect(headers.connection ?? '').not.toMatch(/x-conn-only|close/i);
    expect(headers.host).toBe(`127.0.0.1:${s.port}`);
    expect(headers['content-length']).toBe('5');
    expect(body).toBe('hello');
    expect(headers['x-request-id']).toBe('abc');
    expect(headers.accept).toBe('application/json');
    expect(headers['content-type']).toBe('text/plain');
  });
});

describe('retries', () => {
  it('retries a GET on 503 and returns the answer that finally came', async () => {
    const s = await server((_req, res, index) => {
      res.statusCode = index < 2 ? 503 : 200;
      res.end(index < 2 ? 'busy' : 'done');
    });
    const { client: c, delays } = client(s.origin, { retries: 2 });
    const res = await c.request('Orders', { method: 'GET', path: '/x' });
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe('done');
    expect(res.attempts).toBe(3);
    expect(s.received).toHaveLength(3);
    expect(delays).toHaveLength(2);
  });

  it('gives up after `retries` extra attempts and returns the last answer', async () => {
    const s = await server((_req, res) => {
      res.statusCode = 503;
      res.end('still busy');
    });
    const { client: c } = client(s.origin, { retries: 2 });
    const res = await c.request('Orders', { method: 'HEAD', path: '/x' });
    expect(res.status).toBe(503);
    expect(res.attempts).toBe(3);
    expect(s.received).toHaveLength(3);
  });

  it.each(['POST', 'PUT', 'PATCH', 'DELETE'])('never retries a %s', async (method) => {
    const s = await server((_req, res) => {
      res.statusCode = 503;
      res.end();
    });
    const { client: c, delays } = client(s.origin, { retries: 3 });
    const res = await c.request('Orders', { method, path: '/x', body: '{}' });
    expect(res.status).toBe(503);
    expect(res.attempts).toBe(1);
    expect(s.received).toHaveLength(1);
    expect(delays).toEqual([]);
  });

  it('does not retry statuses that are not "try again later"', async () => {
    const s = await server((_req, res) => {
      res.statusCode = 500;
      res.end();
    });
    const { client: c } = client(s.origin, { retries: 3 });
    const res = await c.request('Orders', { method: 'GET', path: '/x' });
    expect(res.status).toBe(500);
    expect(s.received).toHaveLength(1);
  });

  it('retries a GET after a reset connection, but not a POST', async () => {
    const s = await server((req, res, index) => {
      if (req.method === 'POST' || index === 0) req.socket.destroy();
      else res.end('ok');
    });
    const { client: c } = client(s.origin, { retries: 2 });
    const res = await c.request('Orders', { method: 'GET', path: '/x' });
    expect(res.status).toBe(200);
    expect(res.attempts).toBe(2);
    expect(s.received).toHaveLength(2);

    const err = await tributaryRejection(c.request('Orders', { method: 'POST', path: '/x', body: '{}' }));
    expect(err.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(s.received).toHaveLength(3);
  });

  it('backs off exponentially with full jitter, capped by retryMaxDelayMs', async () => {
    const s = await server((_req, res) => {
      res.statusCode = 502;
      res.end();
    });
    const { client: c, delays } = client(s.origin, { retries: 4, retryBaseDelayMs: 100, retryMaxDelayMs: 300 }, { random: () => 0.5 });
    await c.request('Orders', { method: 'GET', path: '/x' });
    // Ceilings 100, 200, 400→300, 800→300, each halved by the injected jitter.
    expect(delays).toEqual([50, 100, 150, 150]);
  });

  it('waits as long as Retry-After says in seconds', async () => {
    const s = await server((_req, res, index) => {
      if (index === 0) {
        res.writeHead(429, { 'retry-after': '1' });
        res.end();
      } else res.end('ok');
    });
    const { client: c, delays } = client(s.origin, { retries: 2, retryMaxDelayMs: 2000 });
    const res = await c.request('Orders', { method: 'GET', path: '/x' });
    expect(res.status).toBe(200);
    expect(delays).toEqual([1000]);
    expect(s.received).toHaveLength(2);
  });

  it('waits until a Retry-After HTTP-date', async () => {
    const now = Date.UTC(2030, 0, 1, 12, 0, 0);
    const s = await server((_req, res, index) => {
      if (index === 0) {
        res.writeHead(503, { 'retry-after': new Date(now + 1500).toUTCString() });
        res.end();
      } else res.end('ok');
    });
    // toUTCString has second precision, so the date is 1 s after `now`.
    const { client: c, delays } = client(s.origin, { retries: 2 }, { now: () => now });
    const res = await c.request('Orders', { method: 'GET', path: '/x' });
    expect(res.status).toBe(200);
    expect(delays).toEqual([1000]);
  });

  it('returns the answer at once when Retry-After is beyond retryMaxDelayMs', async () => {
    const s = await server((_req, res) => {
      res.writeHead(503, { 'retry-after': '5' });
      res.end('come back later');
    });
    const { client: c, delays } = client(s.origin, { retries: 2, retryMaxDelayMs: 2000 });
    const res = await c.request('Orders', { method: 'GET', path: '/x' });
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.body.toString()).toBe('come back later');
    expect(res.attempts).toBe(1);
    expect(s.received).toHaveLength(1);
    expect(delays).toEqual([]);
  });

  it('does not retry a request whose body is a stream (it cannot be sent twice)', async () => {
    const s = await server(async (req, res) => {
      await readBody(req);
      res.statusCode = 503;
      res.end();
    });
    const { client: c } = client(s.origin, { retries: 2 });
    const res = await c.request('Orders', { method: 'OPTIONS', path: '/x', body: Readable.from(['a', 'b']) });
    expect(res.attempts).toBe(1);
    expect(s.received).toHaveLength(1);
  });
});

describe('failures', () => {
  it('maps a server that never answers to UPSTREAM_TIMEOUT', async () => {
    const s = await server(() => {
      // Never answers.
    });
    const { client: c } = client(s.origin, { timeoutMs: 200, retries: 0 });
    const err = await tributaryRejection(c.request('Orders', { method: 'GET', path: '/slow' }));
    expect(err.code).toBe('UPSTREAM_TIMEOUT');
    expect(err.message).toBe('Source "Orders" did not answer within 200 ms');
    expect(err.extensions).toEqual({ source: 'Orders' });
    expect(err.message).not.toContain(String(s.port));
    expect(s.received).toHaveLength(1);
  });

  it('retries a timed-out GET', async () => {
    const s = await server(() => {});
    const { client: c, delays } = client(s.origin, { timeoutMs: 200, retries: 1 });
    const err = await tributaryRejection(c.request('Orders', { method: 'GET', path: '/slow' }));
    expect(err.code).toBe('UPSTREAM_TIMEOUT');
    expect(s.received).toHaveLength(2);
    expect(delays).toHaveLength(1);
  });

  it('maps a body that stalls to UPSTREAM_TIMEOUT', async () => {
    const s = await server((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial');
    });
    const { client: c } = client(s.origin, { timeoutMs: 200, retries: 0 });
    const err = await tributaryRejection(c.request('Orders', { method: 'GET', path: '/slow' }));
    expect(err.code).toBe('UPSTREAM_TIMEOUT');
  });

  it('maps a refused connection to UPSTREAM_UNAVAILABLE without the address in the message', async () => {
    const port = await refusedPort();
    const { client: c } = client(`http://127.0.0.1:${port}/api`, { retries: 0 });
    const err = await tributaryRejection(c.request('Orders', { method: 'GET', path: '/x' }));
    expect(err.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(err.message).toBe('Source "Orders" is unavailable');
    expect(err.message).not.toContain('127.0.0.1');
    expect(err.message).not.toContain(String(port));
    expect(err.extensions).toEqual({ source: 'Orders' });
    // The log still learns where the call went.
    expect(err.detail?.url).toBe(`http://127.0.0.1:${port}/api/x`);
  });

  it('propagates a caller abort as an abort, without retrying', async () => {
    const s = await server(() => {});
    const { client: c, delays } = client(s.origin, { retries: 2, breakerFailureThreshold: 1 });
    const controller = new AbortController();
    const pending = c.request('Orders', { method: 'GET', path: '/x', signal: controller.signal });
    await s.waitForRequests(1);
    const reason = new Error('client went away');
    controller.abort(reason);
    expect(await rejection(pending)).toBe(reason);
    expect(s.received).toHaveLength(1);
    expect(delays).toEqual([]);
    // An abort says nothing about the service.
    expect(c.breakerState('Orders')).toBe('closed');
  });

  it('ends a call aborted while it waits for a free connection, and never sends it', async () => {
    // One connection, held by the first call: the second waits in the pool's queue.
    const s = await server((req, res) => {
      if (req.url === '/held') return;
      res.end('late');
    });
    const { client: c } = client(s.origin, { connections: 1, retries: 0, timeoutMs: 60_000 });
    const held = new AbortController();
    const first = c.request('Orders', { method: 'GET', path: '/held', signal: held.signal });
    await s.waitForRequests(1);
    const controller = new AbortController();
    const queued = c.request('Orders', { method: 'GET', path: '/queued', signal: controller.signal });
    const reason = new Error('client went away');
    controller.abort(reason);
    expect(await rejection(queued)).toBe(reason);
    held.abort(new Error('done'));
    await rejection(first);

    expect(s.received.map((r) => r.url)).toEqual(['/held']);
  });

  it('aborts every call one caller signal carries, buffered and streamed, and none that already finished', async () => {
    // A request's signal carries all the calls it makes; they share one listener on it.
    const s = await server((req, res) => {
      if (req.url === '/quick') return void res.end('{}');
    });
    const { client: c } = client(s.origin, { retries: 0, timeoutMs: 60_000 });
    const controller = new AbortController();
    const signal = controller.signal;
    const quick = await c.request('Orders', { method: 'GET', path: '/quick', signal });
    expect(quick.status).toBe(200);
    const held = [1, 2, 3].map((i) => c.request('Orders', { method: 'GET', path: `/held/${i}`, signal }));
    const streamed = c.stream('Orders', { method: 'GET', path: '/held/streamed', signal });
    await s.waitForRequests(5);
    const reason = new Error('client went away');
    controller.abort(reason);
    for (const pending of [...held, streamed]) expect(await rejection(pending)).toBe(reason);
    expect(c.breakerState('Orders')).toBe('closed');
  });

  it('rejects a call for an unknown source with a plain Error', async () => {
    const s = await server(ok);
    const { client: c } = client(s.origin);
    const err = await rejection(c.request('Nope', { method: 'GET', path: '/x' }));
    expect(err).toBeInstanceOf(Error);
    expect(isTributaryError(err)).toBe(false);
    await expect(c.stream('Nope', { method: 'GET', path: '/x' })).rejects.toThrow(/Unknown upstream source "Nope"/);
    await expect(c.probe('Nope')).rejects.toThrow(/Unknown upstream source "Nope"/);
    expect(() => c.breakerState('Nope')).toThrow(/Unknown upstream source "Nope"/);
  });

  it('refuses two sources with one name', () => {
    const source = { name: 'Orders', endpoint: 'http://127.0.0.1:1', settings: settings() };
    expect(() => createUpstreamClient({ sources: [source, source] })).toThrow(/declared twice/);
  });
});

describe('requests undici refuses to send', () => {
  // Found by an outside probe: a header value with CR/LF or a code point above U+00FF
  // was refused by undici, reported as UPSTREAM_UNAVAILABLE, retried twice and counted
  // three times by the breaker. Nothing was ever sent; none of that may happen.
  const CASES: { name: string; request: { method: string; path: string; headers?: Record<string, string> } }[] = [
    { name: 'a header value with CR/LF', request: { method: 'GET', path: '/x', headers: { 'x-note': 'a\r\nx-injected: 1' } } },
    { name: 'a header value with U+0100', request: { method: 'GET', path: '/x', headers: { 'x-note': '\u0100' } } },
    { name: 'a header value with a lone surrogate', request: { method: 'GET', path: '/x', headers: { 'x-note': '\ud800' } } },
    { name: 'a header value with NUL', request: { method: 'GET', path: '/x', headers: { 'x-note': 'a\u0000' } } },
    { name: 'a header name that is not a token', request: { method: 'GET', path: '/x', headers: { 'x note': '1' } } },
    { name: 'a path with a space', request: { method: 'GET', path: '/a b' } },
    { name: 'a path with U+0100', request: { method: 'GET', path: '/\u0100' } },
    { name: 'a method that is not a token', request: { method: 'GE T', path: '/x' } },
  ];

  for (const c of CASES) {
    for (const call of ['request', 'stream'] as const) {
      it(`${c.name} (${call}): an internal error, never sent, never retried, never counted`, async () => {
        const s = await server(ok);
        const { client: cl, delays } = client(s.origin, { retries: 2, breakerFailureThreshold: 1 });
        for (let i = 0; i < 3; i++) {
          const err = await tributaryRejection(cl[call]('Orders', { ...c.request, operation: 'GET /x' }));
          expect(err.code).toBe('INTERNAL_SERVER_ERROR');
          expect(err.message).toBe('Unexpected error.');
          expect(err.extensions).toEqual({});
          expect(err.detail).toMatchObject({ source: 'Orders', reason: 'the request could not be sent as built' });
        }
        expect(s.received).toHaveLength(0);
        expect(delays).toEqual([]);
        expect(cl.breakerState('Orders')).toBe('closed');
        expect(cl.openOperations('Orders')).toEqual([]);
        // The source is still there for a request that can be sent.
        expect((await cl.request('Orders', { method: 'GET', path: '/x', operation: 'GET /x' })).status).toBe(200);
      });
    }
  }
});

describe('the response size cap', () => {
  it('rejects a request() answer whose Content-Length is over the cap', async () => {
    const s = await server((_req, res) => res.end(Buffer.alloc(2000, 'a')));
    const { client: c } = client(s.origin, { maxResponseBytes: 1000 });
    const err = await tributaryRejection(c.request('Orders', { method: 'GET', path: '/big' }));
    expect(err.code).toBe('UPSTREAM_RESPONSE_TOO_LARGE');
    expect(err.extensions).toEqual({ source: 'Orders' });
    expect(s.received).toHaveLength(1);
  });

  it('stops reading an unsized body as soon as it passes the cap', async () => {
    // Chunked and never finished: only counting as the bytes arrive can end this call.
    const s = await server((_req, res) => {
      res.writeHead(200);
      res.write(Buffer.alloc(600, 'a'));
      res.write(Buffer.alloc(600, 'b'));
    });
    const { client: c } = client(s.origin, { maxResponseBytes: 1000, timeoutMs: 60_000 });
    const err = await tributaryRejection(c.request('Orders', { method: 'GET', path: '/big' }));
    expect(err.code).toBe('UPSTREAM_RESPONSE_TOO_LARGE');
    expect(s.received).toHaveLength(1);
  });

  it('accepts a body of exactly the cap', async () => {
    const s = await server((_req, res) => {
      res.writeHead(200);
      res.end(Buffer.alloc(1000, 'a'));
    });
    const { client: c } = client(s.origin, { maxResponseBytes: 1000 });
    const res = await c.request('Orders', { method: 'GET', path: '/fits' });
    expect(res.body).toHaveLength(1000);
  });

  it('errors a stream() body once it passes the cap', async () => {
    const s = await server((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.write(Buffer.alloc(600, 'a'));
      res.write(Buffer.alloc(600, 'b'));
    });
    const { client: c } = client(s.origin, { maxResponseBytes: 1000, timeoutMs: 60_000 });
    const res = await c.stream('Orders', { method: 'GET', path: '/big' });
    expect(res.status).toBe(200);
    const err = await tributaryRejection(drain(res.body));
    expect(err.code).toBe('UPSTREAM_RESPONSE_TOO_LARGE');
  });

  it('refuses a stream() whose Content-Length is over the cap before handing anything over', async () => {
    const s = await server((_req, res) => res.end(Buffer.alloc(2000, 'a')));
    const { client: c } = client(s.origin, { maxResponseBytes: 1000 });
    const err = await tributaryRejection(c.stream('Orders', { method: 'GET', path: '/big' }));
    expect(err.code).toBe('UPSTREAM_RESPONSE_TOO_LARGE');
  });
});

describe('stream()', () => {
  it('passes the answer through and streams a request body upstream', async () => {
    let received = '';
    const s = await server(async (req, res) => {
      received = await readBody(req);
      res.writeHead(201, { 'content-type': 'text/plain', 'x-upstream': 'yes' });
      res.end('created');
    });
    const { client: c } = client(`${s.origin}/api`);
    const res = await c.stream('Orders', {
      method: 'POST',
      path: '/upload',
      headers: { 'content-type': 'text/plain' },
      body: Readable.from([Buffer.from('part one, '), Buffer.from('part two')]),
    });
    expect(res.status).toBe(201);
    expect(res.headers['x-upstream']).toBe('yes');
    expect(await drain(res.body)).toBe('created');
    expect(received).toBe('part one, part two');
    expect(s.received.map((r) => `${r.method} ${r.url}`)).toEqual(['POST /api/upload']);
  });

  it('is never retried', async () => {
    const s = await server((_req, res) => {
      res.statusCode = 503;
      res.end();
    });
    const { client: c, delays } = client(s.origin, { retries: 3 });
    const res = await c.stream('Orders', { method: 'GET', path: '/x' });
    expect(res.status).toBe(503);
    await drain(res.body);
    expect(s.received).toHaveLength(1);
    expect(delays).toEqual([]);
  });

  it('errors the body with UPSTREAM_TIMEOUT when it stalls past timeoutMs', async () => {
    const s = await server((_req, res) => {
      res.writeHead(200);
      res.write('partial');
    });
    const { client: c } = client(s.origin, { timeoutMs: 200 });
    // Headers normally arrive well within the deadline and the body then errors; on a
    // machine too slow for that, stream() itself times out. Either way: UPSTREAM_TIMEOUT.
    const err = await tributaryRejection(c.stream('Orders', { method: 'GET', path: '/x' }).then((res) => drain(res.body)));
    expect(err.code).toBe('UPSTREAM_TIMEOUT');
  });
});

describe('redirects', () => {
  it('returns a 3xx as it is, without following it', async () => {
    const s = await server((req, res) => {
      if (req.url === '/api/old') {
        res.writeHead(302, { location: '/api/new' });
        res.end();
      } else res.end('followed');
    });
    const { client: c } = client(`${s.origin}/api`);
    const res = await c.request('Orders', { method: 'GET', path: '/old' });
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/api/new');
    expect(res.attempts).toBe(1);
    const streamed = await c.stream('Orders', { method: 'GET', path: '/old' });
    expect(streamed.status).toBe(302);
    await drain(streamed.body);
    expect(s.received.map((r) => r.url)).toEqual(['/api/old', '/api/old']);
  });
});

describe('probe()', () => {
  it('counts any HTTP answer as reachable and asks the base path', async () => {
    const s = await server((_req, res) => {
      res.statusCode = 404;
      res.end('no such thing');
    });
    const { client: c } = client(`${s.origin}/api/v1`);
    expect(await c.probe('Orders')).toEqual({ reachable: true, status: 404 });
    expect(s.received.map((r) => `${r.method} ${r.url}`)).toEqual(['GET /api/v1']);
  });

  it('reports an unreachable source without its address', async () => {
    const port = await refusedPort();
    const { client: c } = client(`http://127.0.0.1:${port}`, { breakerFailureThreshold: 1 });
    const result = await c.probe('Orders');
    expect(result.reachable).toBe(false);
    expect(result.error).toBe('Source "Orders" is unavailable');
    // Not counted by the breaker.
    expect(c.breakerState('Orders')).toBe('closed');
  });
});

describe('answers without a body (RFC 9112 §6.3)', () => {
  // A 204 or 304 ends with its header section whatever its Content-Length says; servers
  // (and Prism) do send one, though RFC 9110 §8.6 forbids it. undici reads the missing
  // bytes as a broken body, which must not make the service look unavailable.
  const noBody: Handler = (req, res) => {
    const status = req.url === '/not-modified' ? 304 : 204;
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': '4' });
    res.end();
  };

  it.each([
    ['PUT', '/banner', 204],
    ['DELETE', '/banner', 204],
    ['GET', '/not-modified', 304],
  ])('%s %s answering %i with a Content-Length is an answer with an empty body', async (method, path, status) => {
    const s = await server(noBody);
    const { client: c, delays } = client(s.origin, { retries: 2, breakerFailureThreshold: 1 });
    for (let i = 0; i < 3; i++) {
      const res = await c.request('Orders', { method, path, headers: { 'content-type': 'application/json' }, body: method === 'PUT' ? '{}' : undefined });
      expect(res.status).toBe(status);
      expect(res.body.length).toBe(0);
      expect(res.attempts).toBe(1);
    }
    expect(delays).toEqual([]);
    expect(s.received).toHaveLength(3);
    expect(c.breakerState('Orders')).toBe('closed');
    expect(c.openOperations('Orders')).toEqual([]);
  });

  it('stream() hands over an empty body for such a 204', async () => {
    const s = await server(noBody);
    const { client: c } = client(s.origin, { breakerFailureThreshold: 1 });
    const res = await c.stream('Orders', { method: 'PUT', path: '/banner', body: '{}' });
    expect(res.status).toBe(204);
    expect(await drain(res.body)).toBe('');
    expect(c.breakerState('Orders')).toBe('closed');
  });
});
