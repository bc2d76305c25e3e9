// The circuit breaker on its own with a hand-moved clock, then inside the client against
// real servers that count calls: what counts against a source, what against one
// operation, what never counts, and that an open circuit sends nothing upstream.
import type { ServerResponse } from 'node:http';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { isTributaryError } from '../../src/errors.ts';
import { createLogger } from '../../src/observability/log.ts';
import { CircuitBreaker, type BreakerState } from '../../src/upstream/breaker.ts';
import { createUpstreamClient } from '../../src/upstream/client.ts';
import type { UpstreamClient } from '../../src/upstream/types.ts';
import type { UpstreamSettings } from '../../src/config/schema.ts';
import { manualClock, refusedPort, settings, startServer, type Handler, type TestServer } from './helpers.ts';

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

  it('hands the probe slot back on release(), so the next call may probe at once', () => {
    const { breaker: b, clock } = breaker();
    for (let i = 0; i < 3; i++) b.record(false);
    clock.advance(1000);
    expect(b.allow()).toBe(true);
    expect(b.allow()).toBe(false);
    b.release();
    expect(b.state).toBe('half-open');
    expect(b.allow()).toBe(true);
  });

  it('is idle only while closed with no failure remembered', () => {
    const { breaker: b } = breaker();
    expect(b.idle).toBe(true);
    b.record(false);
    expect(b.idle).toBe(false);
    b.record(true);
    expect(b.idle).toBe(true);
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

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Setup {
  server: TestServer;
  clock: ReturnType<typeof manualClock>;
  client: UpstreamClient;
  log: string[];
}

/** A client over one source `Orders` on `server` (or on a refused port), threshold 3 unless told. */
async function setup(respond: Handler, overrides: Partial<UpstreamSettings> = {}, endpoint?: 'refused'): Promise<Setup> {
  const server = await startServer(respond);
  cleanups.push(() => server.close());
  const clock = manualClock();
  const log: string[] = [];
  const logger = createLogger({
    level: 'info',
    destination: new Writable({
      write(chunk: Buffer, _encoding, callback) {
        log.push(chunk.toString('utf8'));
        callback();
      },
    }),
  });
  const origin = endpoint === 'refused' ? `http://127.0.0.1:${await refusedPort()}` : server.origin;
  const client = createUpstreamClient({
    sources: [{ name: 'Orders', endpoint: origin, settings: settings({ breakerFailureThreshold: 3, breakerOpenMs: 5000, retries: 0, ...overrides }) }],
    now: clock.now,
    sleep: async () => {},
    logger,
  });
  cleanups.push(() => client.close());
  return { server, clock, client, log };
}

const GET_A = { method: 'GET', path: '/a/1', operation: 'GET /a/{id}' } as const;
const GET_B = { method: 'GET', path: '/b', operation: 'GET /b' } as const;

/**
 * Calls GET /b until refused connections open the source circuit. The first call may
 * still find a keep-alive socket the server just closed (a reset, which counts against
 * the operation): how many calls that takes depends on when the FIN arrives.
 */
async function refusedUntilOpen(client: UpstreamClient): Promise<void> {
  for (let i = 0; i < 10 && client.breakerState('Orders') !== 'open'; i++) expect(await outcome(client.request('Orders', GET_B))).toBe('UPSTREAM_UNAVAILABLE');
}

/** The call's outcome: its status, or the code (or message) of what it threw. */
async function outcome(call: Promise<{ status: number }>): Promise<number | string> {
  try {
    return (await call).status;
  } catch (err) {
    return isTributaryError(err) ? err.code : String(err);
  }
}

/** `/a/…` answers with `status`, everything else 200. */
function answering(status: number): Handler {
  return (req, res) => {
    res.statusCode = req.url?.startsWith('/a/') ? status : 200;
    res.end('{}');
  };
}

interface CountingCase {
  readonly name: string;
  readonly respond: Handler;
  readonly settings?: Partial<UpstreamSettings>;
  readonly endpoint?: 'refused';
  /** Makes the calls; returns each one's outcome. */
  readonly run: (s: Setup) => Promise<(number | string)[]>;
  readonly outcomes: (number | string)[];
  readonly source: BreakerState;
  readonly openOperations: string[];
  /** Requests the server received, all told. */
  readonly received: number;
}

const times = async (n: number, call: () => Promise<number | string>): Promise<(number | string)[]> => {
  const out: (number | string)[] = [];
  for (let i = 0; i < n; i++) out.push(await call());
  return out;
};

const COUNTING: CountingCase[] = [
  {
    name: '10 calls to one endpoint answering 500 open only that operation; another operation still answers',
    respond: answering(500),
    run: async ({ client }) => [...(await times(10, () => outcome(client.request('Orders', GET_A)))), await outcome(client.request('Orders', GET_B))],
    outcomes: [500, 500, 500, ...Array(7).fill('UPSTREAM_CIRCUIT_OPEN'), 200],
    source: 'closed',
    openOperations: ['GET /a/{id}'],
    received: 4,
  },
  {
    name: 'a retried logical call counts once, however many attempts it made',
    respond: answering(503),
    settings: { retries: 2 },
    run: async ({ client }) => times(2, () => outcome(client.request('Orders', GET_A))),
    outcomes: [503, 503],
    source: 'closed',
    openOperations: [],
    // Two calls of three attempts each: six 503s, two failures, under the threshold of 3.
    received: 6,
  },
  {
    name: 'connection refused opens the source circuit: every operation is refused',
    respond: answering(200),
    endpoint: 'refused',
    run: async ({ client }) => [
      ...(await times(3, () => outcome(client.request('Orders', GET_A)))),
      await outcome(client.request('Orders', GET_B)),
      await outcome(client.stream('Orders', GET_B)),
    ],
    outcomes: ['UPSTREAM_UNAVAILABLE', 'UPSTREAM_UNAVAILABLE', 'UPSTREAM_UNAVAILABLE', 'UPSTREAM_CIRCUIT_OPEN', 'UPSTREAM_CIRCUIT_OPEN'],
    source: 'open',
    openOperations: [],
    received: 0,
  },
  {
    // The request reached the service, which broke the connection: a handler a client
    // can crash with some argument must not be a way to open the whole source.
    name: 'a socket reset after the request went out counts against the operation only',
    respond: (req) => req.socket.destroy(),
    run: async ({ client }) => [
      ...(await times(3, () => outcome(client.request('Orders', GET_A)))),
      await outcome(client.request('Orders', GET_A)),
      await outcome(client.request('Orders', GET_B)),
    ],
    outcomes: ['UPSTREAM_UNAVAILABLE', 'UPSTREAM_UNAVAILABLE', 'UPSTREAM_UNAVAILABLE', 'UPSTREAM_CIRCUIT_OPEN', 'UPSTREAM_UNAVAILABLE'],
    source: 'closed',
    openOperations: ['GET /a/{id}'],
    received: 4,
  },
  {
    name: 'response timeouts count against the operation only',
    respond: (req, res) => {
      if (!req.url?.startsWith('/a/')) res.end('{}');
      // `/a/…` never answers.
    },
    settings: { timeoutMs: 150 },
    run: async ({ client }) => [...(await times(3, () => outcome(client.request('Orders', GET_A)))), await outcome(client.request('Orders', GET_B))],
    outcomes: ['UPSTREAM_TIMEOUT', 'UPSTREAM_TIMEOUT', 'UPSTREAM_TIMEOUT', 200],
    source: 'closed',
    openOperations: ['GET /a/{id}'],
    received: 4,
  },
  {
    name: '4xx answers never open anything',
    respond: (_req, res) => {
      res.statusCode = 404;
      res.end();
    },
    run: async ({ client }) => times(10, () => outcome(client.request('Orders', GET_A))),
    outcomes: Array(10).fill(404),
    source: 'closed',
    openOperations: [],
    received: 10,
  },
  {
    name: 'answers over the size cap never count',
    respond: (_req, res) => res.end('x'.repeat(200)),
    settings: { maxResponseBytes: 100 },
    run: async ({ client }) => times(5, () => outcome(client.request('Orders', GET_A))),
    outcomes: Array(5).fill('UPSTREAM_RESPONSE_TOO_LARGE'),
    source: 'closed',
    openOperations: [],
    received: 5,
  },
  {
    name: 'requests undici refuses to send are internal errors, sent nowhere, retried never, counted never',
    respond: answering(200),
    settings: { retries: 2 },
    run: async ({ client }) => [
      ...(await times(10, () => outcome(client.request('Orders', { ...GET_A, headers: { 'x-note': 'a\r\nx-injected: 1' } })))),
      ...(await times(10, () => outcome(client.request('Orders', { ...GET_A, headers: { 'x-note': '\u0100' } })))),
      ...(await times(10, () => outcome(client.stream('Orders', { ...GET_A, headers: { 'x-note': '\ud800' } })))),
      await outcome(client.request('Orders', GET_A)),
    ],
    outcomes: [...Array(30).fill('INTERNAL_SERVER_ERROR'), 200],
    source: 'closed',
    openOperations: [],
    received: 1,
  },
  {
    name: 'caller aborts never count',
    respond: () => {
      // Never answers: the caller gives up first.
    },
    run: async ({ client, server }) =>
      times(5, async () => {
        const controller = new AbortController();
        const pending = outcome(client.request('Orders', { ...GET_A, signal: controller.signal }));
        await server.waitForRequests(server.received.length + 1);
        controller.abort(new Error('client went away'));
        return pending;
      }),
    outcomes: Array(5).fill('Error: client went away'),
    source: 'closed',
    openOperations: [],
    received: 5,
  },
  {
    name: 'without a declared operation, 5xx count against the method of the source',
    respond: answering(500),
    run: async ({ client }) => [
      ...(await times(3, () => outcome(client.request('Orders', { method: 'GET', path: '/a/1' })))),
      await outcome(client.request('Orders', { method: 'GET', path: '/b' })),
      await outcome(client.request('Orders', { method: 'POST', path: '/b' })),
    ],
    outcomes: [500, 500, 500, 'UPSTREAM_CIRCUIT_OPEN', 200],
    source: 'closed',
    openOperations: ['GET *'],
    received: 4,
  },
];

describe('what counts, and against whom', () => {
  for (const c of COUNTING) {
    it(c.name, async () => {
      const s = await setup(c.respond, c.settings, c.endpoint);
      expect(await c.run(s)).toEqual(c.outcomes);
      expect(s.client.breakerState('Orders')).toBe(c.source);
      expect(s.client.openOperations('Orders').map((o) => o.operation)).toEqual(c.openOperations);
      expect(s.server.received).toHaveLength(c.received);
    });
  }
});

describe('the circuits in the client', () => {
  it('rejects with no upstream call while open, then closes on a good probe', async () => {
    let status = 500;
    const { server, clock, client } = await setup((_req, res) => {
      res.statusCode = status;
      res.end();
    });
    for (let i = 0; i < 3; i++) expect((await client.request('Orders', GET_A)).status).toBe(500);
    expect(client.openOperations('Orders')).toEqual([{ operation: 'GET /a/{id}', state: 'open' }]);
    for (const call of [client.request('Orders', GET_A), client.stream('Orders', GET_A)]) {
      const err = await call.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isTributaryError(err) && err.code).toBe('UPSTREAM_CIRCUIT_OPEN');
      // The client learns the source, not the operation; the log learns both.
      expect(isTributaryError(err) && err.extensions).toEqual({ source: 'Orders' });
      expect(isTributaryError(err) && err.message).toBe('Source "Orders" is temporarily unavailable for this operation after repeated failures');
      expect(isTributaryError(err) && err.detail).toEqual({ source: 'Orders', operation: 'GET /a/{id}' });
    }
    expect(server.received).toHaveLength(3);

    clock.advance(5000);
    expect(client.openOperations('Orders')).toEqual([{ operation: 'GET /a/{id}', state: 'half-open' }]);
    status = 200;
    expect((await client.request('Orders', GET_A)).status).toBe(200);
    expect(client.openOperations('Orders')).toEqual([]);
    expect(server.received).toHaveLength(4);
  });

  it('re-opens an operation circuit when its half-open probe fails', async () => {
    const { server, clock, client } = await setup(answering(502));
    for (let i = 0; i < 3; i++) await client.request('Orders', GET_A);
    clock.advance(5000);
    expect((await client.request('Orders', GET_A)).status).toBe(502);
    expect(client.openOperations('Orders')).toEqual([{ operation: 'GET /a/{id}', state: 'open' }]);
    await expect(client.request('Orders', GET_A)).rejects.toMatchObject({ code: 'UPSTREAM_CIRCUIT_OPEN' });
    expect(server.received).toHaveLength(4);
  });

  it('lets only one call through while half-open', async () => {
    const held: ServerResponse[] = [];
    const { server, clock, client } = await setup((_req, res, index) => {
      if (index < 3) {
        res.statusCode = 503;
        res.end();
      } else held.push(res);
    });
    for (let i = 0; i < 3; i++) await client.request('Orders', { ...GET_A, method: 'POST' });
    clock.advance(5000);
    const probe = client.request('Orders', { ...GET_A, method: 'POST' });
    await server.waitForRequests(4);
    await expect(client.request('Orders', { ...GET_A, method: 'POST' })).rejects.toMatchObject({ code: 'UPSTREAM_CIRCUIT_OPEN' });
    held[0]!.end('fine');
    expect((await probe).status).toBe(200);
    expect(client.openOperations('Orders')).toEqual([]);
    expect(server.received).toHaveLength(4);
  });

  it('hands a half-open probe slot back when the probe ends with no verdict', async () => {
    let mode: 'fail' | 'big' | 'ok' = 'fail';
    const { server, clock, client } = await setup(
      (_req, res) => {
        res.statusCode = mode === 'fail' ? 500 : 200;
        res.end(mode === 'big' ? 'x'.repeat(200) : '');
      },
      { maxResponseBytes: 100 },
    );
    for (let i = 0; i < 3; i++) await client.request('Orders', GET_A);
    clock.advance(5000);
    mode = 'big';
    // The probe's answer is over the cap: it says nothing, so the slot is free again...
    expect(await outcome(client.request('Orders', GET_A))).toBe('UPSTREAM_RESPONSE_TOO_LARGE');
    expect(client.openOperations('Orders')).toEqual([{ operation: 'GET /a/{id}', state: 'half-open' }]);
    mode = 'ok';
    // ...and the next call probes at once instead of waiting another openMs.
    expect(await outcome(client.request('Orders', GET_A))).toBe(200);
    expect(client.openOperations('Orders')).toEqual([]);
    expect(server.received).toHaveLength(5);
  });

  it('settles a probe through two half-open circuits by scope: the answer closes the source, its 500 re-opens the operation', async () => {
    const { server, clock, client } = await setup((req, res) => {
      res.statusCode = req.url?.startsWith('/a/') ? 500 : 200;
      res.end();
    });
    // Open GET /a/{id} first (5xx), then the source (connections refused).
    for (let i = 0; i < 3; i++) await client.request('Orders', GET_A);
    await server.refuse(true);
    await refusedUntilOpen(client);
    expect(client.breakerState('Orders')).toBe('open');
    clock.advance(5000);
    await server.refuse(false);
    // Both half-open: GET /a's probe is let through by the source and fails (500)...
    expect(await outcome(client.request('Orders', GET_A))).toBe(500);
    // ...which proved the host answers: the source circuit closed, the operation re-opened.
    expect(client.breakerState('Orders')).toBe('closed');
    expect(client.openOperations('Orders')).toEqual([{ operation: 'GET /a/{id}', state: 'open' }]);
    expect(await outcome(client.request('Orders', GET_A))).toBe('UPSTREAM_CIRCUIT_OPEN');
    expect(await outcome(client.request('Orders', GET_B))).toBe(200);
    expect(server.received).toHaveLength(5);
  });

  it('hands the source probe slot back when an open operation circuit refuses the call', async () => {
    const held: ServerResponse[] = [];
    const { server, clock, client } = await setup((req, res) => {
      if (req.url?.startsWith('/a/')) {
        // The answer starts and then breaks off: an operation failure, no word on the host.
        res.writeHead(200);
        res.write('partial');
        held.push(res);
      } else res.end();
    });
    const pending = [0, 1, 2].map(() => outcome(client.request('Orders', GET_A)));
    await server.waitForRequests(3);
    // Meanwhile refused connections open the source circuit at t0.
    await server.refuse(true);
    await refusedUntilOpen(client);
    expect(client.breakerState('Orders')).toBe('open');
    // At t0 + 2 s the three GET /a answers break off: GET /a/{id} opens then.
    clock.advance(2000);
    for (const res of held) res.socket?.destroy();
    expect(await Promise.all(pending)).toEqual(['UPSTREAM_UNAVAILABLE', 'UPSTREAM_UNAVAILABLE', 'UPSTREAM_UNAVAILABLE']);
    expect(client.openOperations('Orders')).toEqual([{ operation: 'GET /a/{id}', state: 'open' }]);
    // At t0 + 5 s the source is half-open, GET /a/{id} still open.
    clock.advance(3000);
    expect(client.breakerState('Orders')).toBe('half-open');
    expect(await outcome(client.request('Orders', GET_A))).toBe('UPSTREAM_CIRCUIT_OPEN');
    // The refused call gave the source's probe slot back: GET /b may probe now.
    await server.refuse(false);
    expect(await outcome(client.request('Orders', GET_B))).toBe(200);
    expect(client.breakerState('Orders')).toBe('closed');
    expect(server.received).toHaveLength(4);
  });

  it('names the operation in its log lines', async () => {
    const { client, log } = await setup(answering(500));
    for (let i = 0; i < 3; i++) await client.request('Orders', GET_A);
    const opened = log.map((line) => JSON.parse(line) as { msg: string; operation?: string }).find((l) => l.msg.includes('opened'));
    expect(opened).toMatchObject({ msg: 'circuit for GET /a/{id} of source "Orders" opened', operation: 'GET /a/{id}' });
  });

  it("names the last call in the source circuit's log line", async () => {
    const { client, log } = await setup(answering(200), {}, 'refused');
    for (let i = 0; i < 3; i++) await outcome(client.request('Orders', GET_A));
    const opened = log.map((line) => JSON.parse(line) as { msg: string; operation?: string }).find((l) => l.msg.includes('opened'));
    expect(opened).toMatchObject({ msg: 'circuit for source "Orders" opened (last call: GET /a/{id})', operation: 'GET /a/{id}' });
  });

  it('lets probes through an open circuit without counting them', async () => {
    const { client } = await setup(answering(200), { breakerFailureThreshold: 1 }, 'refused');
    await outcome(client.request('Orders', GET_A));
    expect(client.breakerState('Orders')).toBe('open');
    expect((await client.probe('Orders')).reachable).toBe(false);
    expect(client.breakerState('Orders')).toBe('open');
  });
});
