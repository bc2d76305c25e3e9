// Scale-out: two `tributary start` processes share one real redis-server and nothing
// else. A rate limit of N per minute holds across both together, and a response cached
// by one replica is served by the other without another upstream call.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReplicas, stopReplicas, type Replica } from '../helpers/replicas.ts';
import { redisServerBinary, startRedis, type RedisServer } from '../policies/fixtures/redis.ts';
import { startWorld, type World } from '../policies/fixtures/world.ts';

const binary = redisServerBinary();
const LIMIT = 4;
let redis: RedisServer;
let world: World;
const replicas: Replica[] = [];

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
  replicas.push(...(await startReplicas(config, 2, { TEST_REDIS_URL: redis.url, NODE_ENV: 'production' })));
}, 120_000);

afterAll(async () => {
  await stopReplicas(replicas);
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
