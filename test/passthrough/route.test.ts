// Guarantees of the route itself that need an upstream client misbehaving on cue, so the
// client here is a stub that fails the way the contract (src/upstream/types.ts) says
// the real one can. Requests still travel over real sockets to a real node:http server.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PassthroughSettings } from '../../src/config/schema.ts';
import { TributaryError } from '../../src/errors.ts';
import { silentLogger } from '../../src/observability/log.ts';
import { createPassthrough } from '../../src/passthrough/route.ts';
import type { UpstreamClient, UpstreamStreamResponse } from '../../src/upstream/types.ts';
import { rawRequest } from './fixtures/raw-http.ts';

/** What a client library might put in a message or detail: none of it may reach a client. */
const INTERNAL = 'http://10.0.0.7:8080/internal/users';

const failures: Record<string, () => Error> = {
  timeout: () => new TributaryError('UPSTREAM_TIMEOUT', `GET ${INTERNAL} timed out`, { detail: { url: INTERNAL } }),
  unavailable: () => new TributaryError('UPSTREAM_UNAVAILABLE', `connect ECONNREFUSED ${INTERNAL}`, { detail: { url: INTERNAL } }),
  open: () => new TributaryError('UPSTREAM_CIRCUIT_OPEN', `circuit for ${INTERNAL} is open`),
  'too-large': () => new TributaryError('UPSTREAM_RESPONSE_TOO_LARGE', `${INTERNAL} sent too much`),
  bug: () => new Error(`undici exploded on ${INTERNAL}`),
};

function stubClient(): UpstreamClient {
  return {
    async stream(source): Promise<UpstreamStreamResponse> {
      const fail = failures[source];
      if (fail) throw fail();
      // `midway`: the answer starts, then the body fails (e.g. the response cap is hit).
      const body = new Readable({ read() {} });
      body.push('partial ');
      setTimeout(() => body.destroy(failures['too-large']!()), 20);
      return { status: 200, headers: { 'content-type': 'text/plain' }, body };
    },
    request: () => Promise.reject(new Error('not used')),
    admit: () => Promise.reject(new Error('not used')),
    probe: () => Promise.reject(new Error('not used')),
    breakerState: () => 'closed',
    openOperations: () => [],
    close: () => Promise.resolve(),
  };
}

let server: http.Server;
let port: number;

beforeAll(async () => {
  const passthrough = createPassthrough({
    // `any`: these sources have no schema; the failures, not the declarations, are under test.
    settings: PassthroughSettings.parse({ prefix: '/api/rest', mode: 'any' }),
    sources: [...Object.keys(failures), 'midway'].map((name) => ({ name, passthrough: true })),
    upstream: stubClient(),
    logger: silentLogger,
  });
  server = http.createServer((req, res) => void passthrough.handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('upstream failures map to the catalogue status and say nothing about the upstream', () => {
  const cases = [
    ['timeout', 504, 'UPSTREAM_TIMEOUT'],
    ['unavailable', 502, 'UPSTREAM_UNAVAILABLE'],
    ['open', 503, 'UPSTREAM_CIRCUIT_OPEN'],
    // The catalogue's status, even when the error object carries another one.
    ['too-large', 502, 'UPSTREAM_RESPONSE_TOO_LARGE'],
    ['bug', 500, 'INTERNAL_SERVER_ERROR'],
  ] as const;

  it.each(cases)('%s → %i %s', async (source, status, code) => {
    const response = await rawRequest(port, { target: `/api/rest/${source}/users` });
    expect(response.status).toBe(status);
    const body = JSON.parse(response.body.toString('utf8')) as { error: { code: string; message: string } };
    expect(body.error.code).toBe(code);
    expect(body.error.message.length).toBeGreaterThan(0);
    for (const leak of ['10.0.0.7', '8080', '/internal', 'ECONNREFUSED', 'undici']) expect(response.raw.toString('latin1')).not.toContain(leak);
  });
});

describe('matches', () => {
  const passthrough = (enabled: boolean) =>
    createPassthrough({ settings: PassthroughSettings.parse({ enabled, prefix: '/api/rest' }), sources: [], upstream: stubClient(), logger: silentLogger });
  const cases = [
    ['/api/rest', true, true],
    ['/api/rest/', true, true],
    ['/api/rest/a', true, true],
    ['/api/rest/a/b?c=d', true, true],
    ['/api/rest?x', true, true],
    ['/api/rest#x', true, true],
    ['/api/restful', true, false],
    ['/api/res', true, false],
    ['/API/rest/a', true, false],
    ['/api/%72est/a', true, false],
    ['http://host/api/rest/a', true, false],
    ['/other/api/rest/a', true, false],
    ['/api/rest/a', false, false],
  ] as const;

  it.each(cases)('%s (enabled: %s) → %s', (url, enabled, expected) => {
    expect(passthrough(enabled).matches(url)).toBe(expected);
  });
});

describe('an upstream body that fails after the status line went out', () => {
  it('cuts the connection rather than pass off a truncated body as complete', async () => {
    // The status is already sent, so the only honest signal left is an unterminated
    // chunked body: the client must not be able to read it as a whole answer.
    await expect(rawRequest(port, { target: '/api/rest/midway/x' })).rejects.toThrow(/truncated|ECONNRESET/);
  });
});
