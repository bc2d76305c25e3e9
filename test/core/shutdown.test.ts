// Graceful shutdown, end to end: the real `tributary start` as a child process (one
// process serving from its thread, and `--workers 2`), in front of a real loopback
// backend that holds every request until the test releases it, so that requests are
// provably in flight when the signal comes. Plus the same contract in process, through
// gateway.close(), where /readyz and the response headers can be watched mid-drain.
// Guarantees (README "Graceful shutdown"):
//   - on SIGTERM no new connection is accepted, /readyz answers 503 `draining`;
//   - every request in flight (GraphQL, passthrough, streamed passthrough) completes;
//     those whose headers were not sent yet get `Connection: close`, and every socket
//     is closed after its last response;
//   - past tributary.server.shutdownGraceMs the rest are cut;
//   - one log line per process reports drained and cut; the exit code is 0.
import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { removeTempDir, startBackend, writeTempDir, type Backend } from '../helpers/backend.ts';
import { freePort } from '../helpers/free-port.ts';
import { createGateway, type Gateway } from '../../src/gateway.ts';
import { createLogger } from '../../src/observability/log.ts';
import { PoliciesSettings } from '../../src/config/policies.ts';
import { perWorkerStateWarnings } from '../../src/runtime/workers.ts';

const BIN = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'tributary.js');

const SPEC = `
openapi: 3.0.3
info: { title: Items, version: '1' }
paths:
  /items/{id}:
    get:
      operationId: item
      parameters:
        - { name: id, in: path, required: true, schema: { type: string } }
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: { $ref: '#/components/schemas/Item' }
  /stream:
    get:
      operationId: stream
      responses:
        '200':
          description: ok
          content:
            text/plain:
              schema: { type: string }
components:
  schemas:
    Item:
      type: object
      properties:
        id: { type: string }
        name: { type: string }
`;

/** A backend that answers its readiness probe (GET /) at once and holds everything else until release(). */
interface HoldingBackend {
  readonly backend: Backend;
  /** Resolves once `n` held requests have arrived. */
  received(n: number): Promise<void>;
  release(): void;
}

async function holdingBackend(): Promise<HoldingBackend> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let count = 0;
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  const backend = await startBackend(async (_req, url) => {
    if (url.pathname === '/') return { status: 200, body: { ok: true } };
    count += 1;
    for (const w of waiters) if (count >= w.n) w.resolve();
    if (url.pathname === '/stream') {
      // Headers and a first chunk now, the rest on release: a streamed answer in flight.
      const body = new PassThrough();
      body.write('first;');
      void released.then(() => body.end('last'));
      return { status: 200, headers: { 'content-type': 'text/plain' }, body };
    }
    await released;
    const id = url.pathname.split('/').pop()!;
    return { status: 200, body: { id, name: `Item ${id}` } };
  });
  return {
    backend,
    received: (n) => new Promise<void>((resolve) => (count >= n ? resolve() : waiters.push({ n, resolve }))),
    release,
  };
}

async function writeGatewayConfig(backend: Backend, tributary = ''): Promise<{ dir: string; configFile: string }> {
  const dir = await writeTempDir({
    'items.yaml': SPEC,
    '.meshrc.yaml': `sources:\n  - name: Items\n    handler:\n      openapi:\n        source: ./items.yaml\n        endpoint: ${backend.url}\n${tributary}`,
  });
  return { dir, configFile: path.join(dir, '.meshrc.yaml') };
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** Resolves when the server closed the connection (the agent keeps it alive otherwise). */
  socketClosed: Promise<void>;
}

/** One request on its own keep-alive connection, so that who closes the socket is visible. `onData` sees each chunk. */
function send(port: number, pathName: string, options: { body?: string; onData?: (text: string) => void } = {}): Promise<Answer> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  agents.push(agent);
  return new Promise<Answer>((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path: pathName,
        agent,
        method: options.body ? 'POST' : 'GET',
        headers: options.body ? { 'content-type': 'application/json' } : {},
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
          options.onData?.(chunk);
        });
        res.once('error', reject);
        res.once('end', () => resolve({ status: res.statusCode!, headers: res.headers, body, socketClosed }));
      },
    );
    const socketClosed = new Promise<void>((resolveClosed) => req.once('socket', (socket) => socket.once('close', () => resolveClosed())));
    req.once('error', reject);
    req.end(options.body);
  });
}

const graphql = (port: number, id: string) => send(port, '/graphql', { body: JSON.stringify({ query: `{ item(id: "${id}") { id name } }` }) });

/** Resolves with the first chunk of a streamed passthrough answer, and the whole answer. */
function stream(port: number): { first: Promise<void>; answer: Promise<Answer> } {
  let sawFirst!: () => void;
  const first = new Promise<void>((resolve) => (sawFirst = resolve));
  return { first, answer: send(port, '/rest/Items/stream', { onData: () => sawFirst() }) };
}

/** Whether a new connection is accepted: false once the listener is closed (refused, or reset while closing). */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Bounded wait for the listener to go (there is no event to see it from outside): up to ~20 s. */
async function untilRefused(port: number): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (!(await accepts(port))) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('the gateway still accepts connections');
}

interface Cli {
  child: ChildProcess;
  output: string[];
  exited: Promise<number | null>;
  /** Resolves once stdout has shown `text` `times` times. */
  printed(text: string, times?: number): Promise<void>;
  /** The JSON log lines whose msg starts with `prefix`. */
  logLines(prefix: string): Array<Record<string, unknown>>;
}

const children: ChildProcess[] = [];
const cleanups: Array<() => Promise<void>> = [];
/** Client agents keep their sockets until the test ends, so that only the server closes them. */
const agents: Agent[] = [];

afterEach(async () => {
  for (const agent of agents.splice(0)) agent.destroy();
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function startCli(configFile: string, port: number, extra: string[] = []): Cli {
  const child = spawn(process.execPath, [BIN, 'start', '--config', configFile, '--port', String(port), '--host', '127.0.0.1', ...extra], {
    env: { ...process.env, NODE_ENV: 'production', TRIBUTARY_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so that the afterEach SIGKILL reaches cluster workers too.
    detached: true,
  });
  children.push(child);
  cleanups.push(async () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // the group is gone already
    }
  });
  const output: string[] = [];
  let stdout = '';
  const watchers: Array<() => void> = [];
  child.stdout!.on('data', (d: Buffer) => {
    stdout += d.toString();
    output.push(d.toString());
    for (const w of watchers) w();
  });
  child.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
  // 'close', not 'exit': 'exit' may come before the last of stdout has been read.
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return {
    child,
    output,
    exited,
    printed: (text, times = 1) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (stdout.split(text).length - 1 >= times) resolve();
        };
        watchers.push(check);
        check();
        void exited.then((code) => reject(new Error(`tributary exited (${code}) before printing "${text}":\n${output.join('')}`)));
      }),
    logLines: (prefix) =>
      stdout
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((line) => typeof line.msg === 'string' && line.msg.startsWith(prefix)),
  };
}

async function setUp(tributary = ''): Promise<{ held: HoldingBackend; configFile: string; port: number }> {
  const held = await holdingBackend();
  const { dir, configFile } = await writeGatewayConfig(held.backend, tributary);
  cleanups.push(async () => {
    await held.backend.close();
    await removeTempDir(dir);
  });
  return { held, configFile, port: await freePort() };
}

const IDS = ['1', '2', '3', '4', '5', '6', '7', '8'];

describe('tributary start: SIGTERM', () => {
  it('drains every request in flight (GraphQL, passthrough, streamed), refuses new connections, exits 0', async () => {
    const { held, configFile, port } = await setUp();
    const cli = startCli(configFile, port);
    await cli.printed('Tributary is serving');

    const queries = IDS.map((id) => graphql(port, id));
    const passthrough = ['p1', 'p2'].map((id) => send(port, `/rest/Items/items/${id}`));
    const streamed = stream(port);
    await held.received(IDS.length + 3);
    await streamed.first;

    cli.child.kill('SIGTERM');
    // Design: the listener closes at once, so a new connection (a /readyz probe
    // included) is refused; requests on open connections see /readyz 503 (below, in process).
    await untilRefused(port);
    held.release();

    const answers = await Promise.all(queries);
    for (const [i, answer] of answers.entries()) {
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body)).toEqual({ data: { item: { id: IDS[i], name: `Item ${IDS[i]}` } } });
      // Its headers were not out yet when the drain began.
      expect(answer.headers.connection).toBe('close');
      await answer.socketClosed;
    }
    for (const [i, answer] of (await Promise.all(passthrough)).entries()) {
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body)).toEqual({ id: `p${i + 1}`, name: `Item p${i + 1}` });
      expect(answer.headers.connection).toBe('close');
    }
    const streamedAnswer = await streamed.answer;
    expect(streamedAnswer.status).toBe(200);
    expect(streamedAnswer.body).toBe('first;last');
    // Headers were out before the signal (keep-alive), so the server ends the socket after it.
    await streamedAnswer.socketClosed;

    expect(await cli.exited).toBe(0);
    const lines = cli.logLines('shutdown:');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ drained: IDS.length + 3, cut: 0, graceMs: 30_000 });
    expect(typeof lines[0].ms).toBe('number');
  });

  it('cuts what is still in flight when shutdownGraceMs runs out, says so, and exits 0', async () => {
    const { held, configFile, port } = await setUp('tributary:\n  server:\n    shutdownGraceMs: 300\n');
    const cli = startCli(configFile, port);
    await cli.printed('Tributary is serving');
    // The backend never answers (release is never called).
    const queries = ['1', '2', '3'].map((id) =>
      graphql(port, id).then(
        () => 'answered',
        () => 'cut',
      ),
    );
    await held.received(3);
    cli.child.kill('SIGTERM');
    expect(await Promise.all(queries)).toEqual(['cut', 'cut', 'cut']);
    expect(await cli.exited).toBe(0);
    const lines = cli.logLines('shutdown:');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ drained: 0, cut: 3, graceMs: 300 });
  });

  it('a second signal during the drain cuts at once', async () => {
    const { held, configFile, port } = await setUp();
    const cli = startCli(configFile, port);
    await cli.printed('Tributary is serving');
    const query = graphql(port, '1').then(
      () => 'answered',
      () => 'cut',
    );
    await held.received(1);
    cli.child.kill('SIGTERM');
    await untilRefused(port);
    cli.child.kill('SIGTERM');
    expect(await query).toBe('cut');
    expect(await cli.exited).toBe(0);
    expect(cli.logLines('shutdown:')[0]).toMatchObject({ drained: 0, cut: 1, graceMs: 30_000 });
  });

  it('--workers 2: the primary forwards the signal and each worker drains; exit 0', async () => {
    const { held, configFile, port } = await setUp();
    const cli = startCli(configFile, port, ['--workers', '2']);
    await cli.printed('Tributary is serving', 2);
    const queries = IDS.map((id) => graphql(port, id));
    await held.received(IDS.length);
    cli.child.kill('SIGTERM');
    await untilRefused(port);
    held.release();
    for (const [i, answer] of (await Promise.all(queries)).entries()) {
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body)).toEqual({ data: { item: { id: IDS[i], name: `Item ${IDS[i]}` } } });
    }
    expect(await cli.exited).toBe(0);
    const lines = cli.logLines('shutdown:');
    // One line per worker; together they drained everything and cut nothing.
    expect(lines).toHaveLength(2);
    expect(lines.reduce((sum, l) => sum + (l.drained as number), 0)).toBe(IDS.length);
    expect(lines.map((l) => l.cut)).toEqual([0, 0]);
  });

  it('--workers 2 with a memory rate-limit store warns that each worker counts alone', async () => {
    const { configFile, port } = await setUp("tributary:\n  policies:\n    rateLimit:\n      rules:\n        - { limit: 5, field: 'Query.item' }\n");
    const cli = startCli(configFile, port, ['--workers', '2']);
    await cli.printed('Tributary is serving', 2);
    expect(cli.output.join('')).toContain('tributary.policies.rateLimit.store is "memory" with 2 workers: each worker counts alone');
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
  });
});

describe('gateway.close(): the drain seen from inside', () => {
  let gateway: Gateway | undefined;
  afterEach(async () => {
    await gateway?.close({ graceMs: 0 });
    gateway = undefined;
  });

  it('/readyz answers 503 draining at once, new connections are refused, the request in flight finishes', async () => {
    const { held, configFile } = await setUp();
    const log: string[] = [];
    const logger = createLogger({ level: 'info', destination: new Writable({ write: (chunk: Buffer, _e, cb) => (log.push(chunk.toString()), cb()) }) });
    gateway = await createGateway({ configFile, logger });
    const { port } = await gateway.listen({ port: 0, host: '127.0.0.1' });
    expect((await gateway.yoga.fetch('http://gw/readyz')).status).toBe(200);

    const inFlight = graphql(port, '42');
    await held.received(1);
    const closed = gateway.close();

    const probesBefore = held.backend.calls.filter((c) => c.url === '/').length;
    const ready = await gateway.yoga.fetch('http://gw/readyz');
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ ready: false, draining: true, sources: [] });
    // Draining answers without asking any upstream.
    expect(held.backend.calls.filter((c) => c.url === '/').length).toBe(probesBefore);
    // The listening socket is closed in this turn of the event loop.
    await new Promise((resolve) => setImmediate(resolve));
    expect(await accepts(port)).toBe(false);

    held.release();
    const answer = await inFlight;
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ data: { item: { id: '42', name: 'Item 42' } } });
    expect(answer.headers.connection).toBe('close');
    await closed;
    const lines = log.map((l) => JSON.parse(l) as { msg: string; drained: number; cut: number }).filter((l) => l.msg.startsWith('shutdown:'));
    expect(lines).toEqual([expect.objectContaining({ drained: 1, cut: 0 })]);
  });

  it('closes idle keep-alive connections at once', async () => {
    const { configFile } = await setUp();
    gateway = await createGateway({ configFile, logger: createLogger({ level: 'silent' }) });
    const { port } = await gateway.listen({ port: 0, host: '127.0.0.1' });
    const idle = await send(port, '/healthz');
    expect(idle.status).toBe(200);
    expect(idle.headers.connection).toBe('keep-alive');
    await gateway.close();
    await idle.socketClosed;
  });
});

describe('start-up warnings for state that does not cross workers', () => {
  const rule = { limit: 5, field: 'Query.item' };
  const table: Array<{ name: string; policies: unknown; workers: number; expected: string[] }> = [
    { name: 'memory rate limit, 1 worker', policies: { rateLimit: { rules: [rule] } }, workers: 1, expected: [] },
    {
      name: 'memory rate limit, 4 workers',
      policies: { rateLimit: { rules: [rule] } },
      workers: 4,
      expected: ['rateLimit.store is "memory" with 4 workers: each worker counts alone'],
    },
    {
      name: 'redis rate limit, 4 workers',
      policies: { rateLimit: { store: 'redis', redisUrl: 'redis://127.0.0.1:6379', rules: [rule] } },
      workers: 4,
      expected: [],
    },
    {
      name: 'memory cache with rules, 2 workers',
      policies: { cache: { rules: [{ coordinate: 'Item', ttlMs: 1000 }] } },
      workers: 2,
      expected: ['cache.store is "memory" with 2 workers: each worker caches alone'],
    },
    { name: 'memory cache with no rules (caches nothing), 2 workers', policies: { cache: {} }, workers: 2, expected: [] },
    { name: 'no rate limit, no cache, 8 workers', policies: {}, workers: 8, expected: [] },
  ];
  for (const { name, policies, workers, expected } of table) {
    it(name, () => {
      const warnings = perWorkerStateWarnings(PoliciesSettings.parse(policies), workers);
      expect(warnings).toHaveLength(expected.length);
      for (const [i, text] of expected.entries()) expect(warnings[i]).toContain(text);
    });
  }
});
