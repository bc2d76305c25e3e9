// The circuit breaker on its own with a hand-moved clock, then inside the client against
// a real server that counts calls, to show an open circuit sends nothing upstream.
import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { isTributaryError } from '../../src/errors.ts';
import { CircuitBreaker, createUpstreamClient, type BreakerState } from '../../src/upstream/index.ts';
import { manualClock, refusedPort, settings, startServer, type TestServer } from './helpers.ts';

describe('CircuitBreaker', () => {
  function breaker(clock = manualClock()): { breaker: CircuitBreaker; clock: ReturnType<typeof manualClock>; changes: string[] } {
    const changes: string[] = [];
    const b = new CircuitBreaker({
      failureThreshold: 3,
      openMs: 1000,
      now: clock.now,
      onChange: (from: BreakerState, to: BreakerState) => changes.push(`${from}->${to}`),
    });
    return { breaker: b, clock, changes };
  }

  it('opens after the threshold of consecutive failures', () => {
    const { breaker: b } = breaker();
    b.record(false);
    b.record(false);
    expect(b.state).toBe('closed');
    expect(b.allow()).toBe(true);
    b.record(false);
    expect(b.state).toBe('open');
    expect(b.allow()).toBe(false);
  });

  it('counts consecutive failures only: a success resets the count', () => {
    const { breaker: b } = breaker();
    b.record(false);
    b.record(false);
    b.record(true);
    b.record(false);
    b.record(false);
    expect(b.state).toBe('closed');
  });

  it('half-opens after openMs and lets exactly one probe through', () => {
    const { breaker: b, clock } = breaker();
    for (let i = 0; i < 3; i++) b.record(false);
    clock.advance(999);
    expect(b.state).toBe('open');
    expect(b.allow()).toBe(false);
    clock.advance(1);
    expect(b.state).toBe('half-open');
    expect(b.allow()).toBe(true);
    expect(b.allow()).toBe(false);
    expect(b.allow()).toBe(false);
  });

  it('closes when the probe succeeds', () => {
    const { breaker: b, clock, changes } = breaker();
    for (let i = 0; i < 3; i++) b.record(false);
    clock.advance(1000);
    expect(b.allow()).toBe(true);
    b.record(true);
    expect(b.state).toBe('closed');
    expect(b.allow()).toBe(true);
    expect(changes).toEqual(['closed->open', 'open->half-open', 'half-open->closed']);
  });

  it('re-opens for another openMs when the probe fails', () => {
    const { breaker: b, clock } = breaker();
    for (let i = 0; i < 3; i++) b.record(false);
    clock.advance(1000);
    expect(b.allow()).toBe(true);
    b.record(false);
    expect(b.state).toBe('open');
    clock.advance(999);
    expect(b.allow()).toBe(false);
    clock.advance(1);
    expect(b.allow()).toBe(true);
  });

  it('frees the probe slot if the probe never reports', () => {
    const { breaker: b, clock } = breaker();
    for (let i = 0; i < 3; i++) b.record(false);
    clock.advance(1000);
    expect(b.allow()).toBe(true);
    clock.advance(999);
    expect(b.allow()).toBe(false);
    clock.advance(1);
    expect(b.allow()).toBe(true);
  });
});

describe('the breaker in the client', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function setup(respond: (res: ServerResponse, index: number) => void, threshold = 3, retries = 0) {
    const server: TestServer = await startServer((_req, res, index) => respond(res, index));
    cleanups.push(() => server.close());
    const clock = manualClock();
    const client = createUpstreamClient({
      sources: [
        { name: 'Orders', endpoint: server.origin, settings: settings({ breakerFailureThreshold: threshold, breakerOpenMs: 5000, retries }) },
      ],
      now: clock.now,
      sleep: async () => {},
    });
    cleanups.push(() => client.close());
    return { server, clock, client };
  }

  it('opens after N failing calls, then rejects with no upstream call until it half-opens', async () => {
    let status = 500;
    const { server, clock, client } = await setup((res) => {
      res.statusCode = status;
      res.end();
    });
    for (let i = 0; i < 3; i++) {
      expect((await client.request('Orders', { method: 'GET', path: '/x' })).status).toBe(500);
    }
    expect(client.breakerState('Orders')).toBe('open');
    expect(server.received).toHaveLength(3);

    for (const call of [
      client.request('Orders', { method: 'GET', path: '/x' }),
      client.stream('Orders', { method: 'GET', path: '/x' }),
    ]) {
      const err = await call.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isTributaryError(err) && err.code).toBe('UPSTREAM_CIRCUIT_OPEN');
      expect(isTributaryError(err) && err.extensions).toEqual({ source: 'Orders' });
    }
    expect(server.received).toHaveLength(3);

    clock.advance(5000);
    expect(client.breakerState('Orders')).toBe('half-open');
    status = 200;
    expect((await client.request('Orders', { method: 'GET', path: '/x' })).status).toBe(200);
    expect(client.breakerState('Orders')).toBe('closed');
    expect(server.received).toHaveLength(4);
  });

  it('re-opens when the half-open probe fails', async () => {
    const { server, clock, client } = await setup((res) => {
      res.statusCode = 502;
      res.end();
    });
    for (let i = 0; i < 3; i++) await client.request('Orders', { method: 'GET', path: '/x' });
    clock.advance(5000);
    expect((await client.request('Orders', { method: 'GET', path: '/x' })).status).toBe(502);
    expect(client.breakerState('Orders')).toBe('open');
    await expect(client.request('Orders', { method: 'GET', path: '/x' })).rejects.toMatchObject({ code: 'UPSTREAM_CIRCUIT_OPEN' });
    expect(server.received).toHaveLength(4);
  });

  it('lets only one call through while half-open', async () => {
    const held: ServerResponse[] = [];
    const { server, clock, client } = await setup((res, index) => {
      if (index < 3) {
        res.statusCode = 503;
        res.end();
      } else held.push(res);
    });
    for (let i = 0; i < 3; i++) await client.request('Orders', { method: 'POST', path: '/x' });
    clock.advance(5000);
    const probe = client.request('Orders', { method: 'GET', path: '/x' });
    await server.waitForRequests(4);
    await expect(client.request('Orders', { method: 'GET', path: '/x' })).rejects.toMatchObject({ code: 'UPSTREAM_CIRCUIT_OPEN' });
    held[0]!.end('fine');
    expect((await probe).status).toBe(200);
    expect(client.breakerState('Orders')).toBe('closed');
    expect(server.received).toHaveLength(4);
  });

  it('counts each attempt and stops retrying once the circuit opens', async () => {
    const { server, client } = await setup(
      (res) => {
        res.statusCode = 503;
        res.end();
      },
      2,
      5,
    );
    const res = await client.request('Orders', { method: 'GET', path: '/x' });
    expect(res.status).toBe(503);
    expect(res.attempts).toBe(2);
    expect(server.received).toHaveLength(2);
    expect(client.breakerState('Orders')).toBe('open');
  });

  it('counts network errors and 5xx, but not 4xx answers', async () => {
    const { client } = await setup((res, index) => {
      res.statusCode = index % 2 === 0 ? 404 : 429;
      res.end();
    }, 2);
    for (let i = 0; i < 4; i++) await client.request('Orders', { method: 'GET', path: '/x' });
    expect(client.breakerState('Orders')).toBe('closed');

    const port = await refusedPort();
    const down = createUpstreamClient({
      sources: [{ name: 'Down', endpoint: `http://127.0.0.1:${port}`, settings: settings({ breakerFailureThreshold: 2, retries: 0 }) }],
    });
    cleanups.push(() => down.close());
    await expect(down.request('Down', { method: 'GET', path: '/' })).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    expect(down.breakerState('Down')).toBe('closed');
    await expect(down.request('Down', { method: 'GET', path: '/' })).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    expect(down.breakerState('Down')).toBe('open');
    await expect(down.request('Down', { method: 'GET', path: '/' })).rejects.toMatchObject({ code: 'UPSTREAM_CIRCUIT_OPEN' });
  });

  it('lets probes through an open circuit without counting them', async () => {
    const { server, client } = await setup((res) => {
      res.statusCode = 500;
      res.end();
    }, 1);
    await client.request('Orders', { method: 'GET', path: '/x' });
    expect(client.breakerState('Orders')).toBe('open');
    expect(await client.probe('Orders')).toEqual({ reachable: true, status: 500 });
    expect(server.received).toHaveLength(2);
    expect(client.breakerState('Orders')).toBe('open');
  });
});
