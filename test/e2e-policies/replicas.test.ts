// Scale-out: two `tributary start` processes share one real redis-server and nothing
// else. A rate limit of N per minute holds across both together, and a response cached
// by one replica is served by the other without another upstream call.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/free-port.ts';
import { redisServerBinary, startRedis, type RedisServer } from '../policies/fixtures/redis.ts';
import { startWorld, type World } from '../policies/fixtures/world.ts';

const binary = redisServerBinary();
const LIMIT = 4;
let redis: RedisServer;
let world: World;
const replicas: Array<{ child: ChildProcess; base: string; output: string[] }> = [];

async function waitReady(base: string, child: ChildProcess, output: string[]): Promise<void> {
  // Bounded polling of /readyz: up to ~45 s in 100 ms steps; fail at once if the process died.
  for (let i = 0; i < 450; i += 1) {
    if (child.exitCode !== null) throw new Error(`replica exited with ${child.exitCode}:\n${output.join('')}`);
    try {
      if ((await fetch(`${base}/readyz`)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`replica at ${base} never became ready:\n${output.join('')}`);
}

beforeAll(async () => {
  if (!binary) return;
  redis = await startRedis(binary);
  world = await startWorld();
  const config = await world.config(
    [
      '  policies:',
      '    rateLimit:',
      '      store: redis',
      "      redisUrl: '{env.TEST_REDIS_URL}'",
      '      rules:',
      `        - { limit: ${LIMIT}, windowSec: 60, field: 'Query.productById' }`,
      '    cache:',
      '      store: redis',
      "      redisUrl: '{env.TEST_REDIS_URL}'",
      '      rules:',
      "        - { coordinate: 'Query.listProducts', ttlMs: 60000 }",
    ].join('\n'),
    'replicas.yaml',
  );
  for (let i = 0; i < 2; i += 1) {
    const port = await freePort();
    const output: string[] = [];
    const child = spawn(
      process.execPath,
      [join(process.cwd(), 'bin/tributary.js'), 'start', '--config', config, '--port', String(port), '--host', '127.0.0.1'],
      {
        env: { ...process.env, TEST_REDIS_URL: redis.url, NODE_ENV: 'production', TRIBUTARY_LOG_LEVEL: 'warn' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stdout!.on('data', (d: Buffer) => output.push(d.toString()));
    child.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
    replicas.push({ child, base: `http://127.0.0.1:${port}`, output });
  }
  await Promise.all(replicas.map((r) => waitReady(r.base, r.child, r.output)));
}, 120_000);

afterAll(async () => {
  await Promise.all(
    replicas.map(
      ({ child }) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
  await world?.close();
  await redis?.close();
});

async function ask(base: string, query: string): Promise<{ status: number; body: { data?: unknown; errors?: Array<{ extensions?: { code?: string } }> } }> {
  const response = await fetch(`${base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
  return { status: response.status, body: (await response.json()) as never };
}

describe.skipIf(binary === undefined)('two replicas sharing one Redis', () => {
  it(`hold a limit of ${LIMIT} per minute across both together`, async () => {
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT + 2; i += 1) statuses.push((await ask(replicas[i % 2]!.base, '{ productById(id: "1") { id } }')).status);
    expect(statuses).toEqual([...Array(LIMIT).fill(200), 429, 429]);
    expect(world.catalog.calls.filter((c) => c.url === '/products/1')).toHaveLength(LIMIT);
  });

  it('serve an entry cached by one replica from the other', async () => {
    const first = await ask(replicas[0]!.base, '{ listProducts { id name } }');
    const second = await ask(replicas[1]!.base, '{ listProducts { id name } }');
    expect(second).toEqual(first);
    expect(first.body.errors).toBeUndefined();
    expect(world.catalog.calls.filter((c) => c.url === '/products')).toHaveLength(1);
  });
});
