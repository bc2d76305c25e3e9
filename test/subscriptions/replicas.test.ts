// Scale-out: two `tributary start` processes share one real redis-server. A client
// subscribed on replica A gets the event of a webhook call that the service made to
// replica B (a load balancer sends each wherever it likes).
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/free-port.ts';
import { removeTempDir, startBackend, type Backend } from '../helpers/backend.ts';
import { writeSources } from '../helpers/openapi.ts';
import { redisServerBinary, startRedis, type RedisServer } from '../policies/fixtures/redis.ts';
import { SECRET, shopDoc, sign, sseSubscribe } from './fixtures.ts';

const binary = redisServerBinary();
let redis: RedisServer;
let backend: Backend;
let dir: string;
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
  backend = await startBackend(() => ({ status: 200, body: { id: '1' } }));
  dir = await writeSources({
    specs: { 'shop.yaml': shopDoc() },
    sources: [{ name: 'Shop', spec: 'shop.yaml', endpoint: backend.url }],
    tributary: [
      '  subscriptions:',
      '    pubsub: redis',
      "    redisUrl: '{env.TEST_REDIS_URL}'",
      '  sources:',
      '    Shop:',
      '      webhooks:',
      '        verify: hmac-sha256',
      "        secret: '{env.TEST_WEBHOOK_SECRET}'",
    ].join('\n'),
  });
  for (let i = 0; i < 2; i += 1) {
    const port = await freePort();
    const output: string[] = [];
    const child = spawn(
      process.execPath,
      [join(process.cwd(), 'bin/tributary.js'), 'start', '--config', `${dir}/.meshrc.yaml`, '--port', String(port), '--host', '127.0.0.1'],
      {
        env: { ...process.env, TEST_REDIS_URL: redis.url, TEST_WEBHOOK_SECRET: SECRET, TRIBUTARY_LOG_LEVEL: 'warn' },
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
  await backend?.close();
  await redis?.close();
  if (dir) await removeTempDir(dir);
});

describe.skipIf(binary === undefined)('two replicas sharing one Redis', () => {
  it('subscribed on replica A, the webhook call made to replica B arrives on A', async () => {
    const [a, b] = replicas;
    const callbackUrl = `${b.base}/webhooks/Shop/onShipped/order-9`;
    // Answered once A's Redis SUBSCRIBE is acknowledged: the subscription is live.
    const stream = await sseSubscribe(`${a.base}/graphql`, 'subscription ($url: String) { onShipped(callbackUrl: $url) { orderId carrier } }', {
      url: callbackUrl,
    });
    expect(stream.status).toBe(200);
    const body = JSON.stringify({ orderId: 'o-9', carrier: 'GLS' });
    const forged = await fetch(callbackUrl, { method: 'POST', headers: { 'x-tributary-signature-256': sign(body, 'nope') }, body });
    expect(forged.status).toBe(403);
    const answer = await fetch(callbackUrl, { method: 'POST', headers: { 'x-tributary-signature-256': sign(body) }, body });
    // One replica (A) listens to the topic.
    expect([answer.status, await answer.json()]).toEqual([202, { delivered: 1 }]);
    expect(await stream.next()).toEqual({ event: 'next', data: { data: { onShipped: { orderId: 'o-9', carrier: 'GLS' } } } });
    stream.close();
  });
});
