// The small pure pieces: target joining, header filtering, Retry-After and backoff.
import { describe, expect, it } from 'vitest';
import { outgoingHeaders } from '../../src/upstream/headers.ts';
import { joinPath, parseEndpoint } from '../../src/upstream/path.ts';
import { parseRetryAfter } from '../../src/upstream/retry-after.ts';
import { backoffDelay, isRetryableMethod, isRetryableStatus } from '../../src/upstream/retry.ts';

describe('joinPath', () => {
  it.each([
    ['/api', '/users', '/api/users'],
    ['/api/', '/users', '/api/users'],
    ['/', '/users', '/users'],
    ['/api', '', '/api'],
    ['/api/', '//x', '/api//x'],
    ['/api', '/a%2Fb?q=1', '/api/a%2Fb?q=1'],
  ])('%s + %s = %s', (base, path, expected) => {
    expect(joinPath(base, path)).toBe(expected);
  });

  it('refuses a path without a leading slash', () => {
    expect(() => joinPath('/api', 'users')).toThrow(/must start with "\/"/);
  });
});

describe('parseEndpoint', () => {
  it('splits origin and base path', () => {
    expect(parseEndpoint('S', 'http://127.0.0.1:4001/api/v1')).toEqual({ origin: 'http://127.0.0.1:4001', basePath: '/api/v1' });
    expect(parseEndpoint('S', 'https://example.com')).toEqual({ origin: 'https://example.com', basePath: '/' });
  });

  it.each(['not a url', 'ftp://example.com/', 'http://example.com/api?key=1', 'http://user:pw@example.com/'])('refuses %s', (endpoint) => {
    expect(() => parseEndpoint('S', endpoint)).toThrow(/Source "S"/);
  });
});

describe('outgoingHeaders', () => {
  it('drops hop-by-hop, framing and Connection-listed fields, keeping the rest lower-cased', () => {
    expect(
      outgoingHeaders({
        Connection: 'X-A, x-b',
        'X-A': '1',
        'x-b': '2',
        'Proxy-Authorization': 'p',
        'Keep-Alive': 'timeout=1',
        TE: 'trailers',
        Trailer: 'x',
        'Transfer-Encoding': 'chunked',
        Upgrade: 'h2c',
        Host: 'h',
        'Content-Length': '3',
        Expect: '100-continue',
        Authorization: 'Bearer t',
        'X-Request-Id': 'r',
      }),
    ).toEqual({ authorization: 'Bearer t', 'x-request-id': 'r' });
  });

  it('accepts no headers', () => {
    expect(outgoingHeaders(undefined)).toEqual({});
  });
});

describe('parseRetryAfter', () => {
  const now = Date.UTC(1994, 10, 6, 8, 49, 30);

  it('reads delay-seconds', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
  });

  it('reads all three HTTP-date forms as GMT (RFC 9110 §5.6.7)', () => {
    expect(parseRetryAfter('Sun, 06 Nov 1994 08:49:37 GMT', now)).toBe(7000);
    expect(parseRetryAfter('Sunday, 06-Nov-94 08:49:37 GMT', now)).toBe(7000);
    expect(parseRetryAfter('Sun Nov  6 08:49:37 1994', now)).toBe(7000);
  });

  it('treats a date in the past as no wait', () => {
    expect(parseRetryAfter('Sun, 06 Nov 1994 08:00:00 GMT', now)).toBe(0);
  });

  it.each([undefined, '', '-1', '1.5', 'soon', '1994-11-06', 'Sun, 06 Nov 1994 08:49:37 CET', ['1', '2']])('ignores %j', (value) => {
    expect(parseRetryAfter(value as string | string[] | undefined, now)).toBeUndefined();
  });
});

describe('retry policy', () => {
  it('retries only safe methods', () => {
    expect(['GET', 'HEAD', 'OPTIONS', 'get'].map(isRetryableMethod)).toEqual([true, true, true, true]);
    expect(['POST', 'PUT', 'PATCH', 'DELETE'].map(isRetryableMethod)).toEqual([false, false, false, false]);
  });

  it('retries only "try again later" statuses', () => {
    expect([429, 502, 503, 504].map(isRetryableStatus)).toEqual([true, true, true, true]);
    expect([200, 301, 400, 404, 500, 501].map(isRetryableStatus)).toEqual([false, false, false, false, false, false]);
  });

  it('draws the backoff uniformly below a doubling, capped ceiling', () => {
    expect([0, 1, 2, 3].map((n) => backoffDelay(n, 50, 300, () => 0.999))).toEqual([49, 99, 199, 299]);
    expect(backoffDelay(5, 50, 300, () => 0)).toBe(0);
  });
});
