// Scale-out: two `tributary start` processes share one real redis-server. A client
// subscribed on replica A gets the event of a webhook call that the service made to
// replica B (a load balancer sends each wherever it likes).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReplicas, stopReplicas, type Replica } from '../helpers/replicas.ts';
import { removeTempDir, startBackend, type Backend } from '../helpers/backend.ts';
import { writeSources } from '../helpers/openapi.ts';
import { redisServerBinary, startRedis, type RedisServer } from '../policies/fixtures/redis.ts';
import { SECRET, shopDoc, sign, sseSubscribe } from './fixtures.ts';

const binary = redisServerBinary();
let redis: RedisServer;
let backend: Backend;
let dir: string;
const replicas: Replica[] = [];

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
  replicas.push(...(await startReplicas(`${dir}/.meshrc.yaml`, 2, { TEST_REDIS_URL: redis.url, TEST_WEBHOOK_SECRET: SECRET })));
}, 120_000);

afterAll(async () => {
  await stopReplicas(replicas);
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
