// One contract, every store: the memory and Redis implementations of the rate-limit
// counters, the GraphQL response store and the passthrough key-value store must behave
// the same (hono's common.case.test pattern). The Redis run uses a real redis-server.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cache } from '@envelop/response-cache';
import { memoryKv, redisKv, type KvStore } from '../../src/policies/cache/kv.ts';
import { memoryResponseStore, redisResponseStore, resilientResponseStore } from '../../src/policies/cache/stores.ts';
import { memoryCounters, redisCounters, type CounterFactory } from '../../src/policies/rate-limit/counters.ts';
import { silentLogger } from '../../src/observability/log.ts';
import { redisServerBinary, startRedis, type RedisServer } from './fixtures/redis.ts';

interface Stores {
  counters: CounterFactory;
  responses: Cache;
  kv: KvStore;
}

const binary = redisServerBinary();
let redis: RedisServer | undefined;
let client: Redis | undefined;

beforeAll(async () => {
  if (!binary) return;
  redis = await startRedis(binary);
  client = new Redis(redis.url, { lazyConnect: true });
  await client.connect();
});
afterAll(async () => {
  client?.disconnect();
  await redis?.close();
});

let run = 0;
const implementations: Array<[string, () => Stores, boolean]> = [
  ['memory', () => ({ counters: memoryCounters(`t${++run}:`), responses: memoryResponseStore(100), kv: memoryKv(100) }), true],
  [
    'redis',
    () => ({ counters: redisCounters(client!, `t${++run}:`), responses: redisResponseStore(client!, `t${run}:`), kv: redisKv(client!) }),
    binary !== undefined,
  ],
];

describe.each(implementations)('%s store', (_name, make, available) => {
  it.skipIf(!available)('counts a fixed window per key: N allowed, then refused with the time to the reset', async () => {
    const { counters } = make();
    const counter = counters({ id: 'rule', limit: 3, windowSec: 60 });
    const seen = [];
    for (let i = 0; i < 4; i += 1) seen.push(await counter.consume(':alice'));
    expect(seen.map((s) => [s.allowed, s.remaining])).toEqual([
      [true, 2],
      [true, 1],
      [true, 0],
      [false, 0],
    ]);
    expect(seen[3]!.resetMs).toBeGreaterThan(0);
    expect(seen[3]!.resetMs).toBeLessThanOrEqual(60_000);
    expect((await counter.consume(':bob')).allowed).toBe(true);
  });

  it.skipIf(!available)('never lets concurrent requests take more than the limit', async () => {
    const counter = make().counters({ id: 'burst', limit: 10, windowSec: 60 });
    const results = await Promise.all(Array.from({ length: 50 }, () => counter.consume(':same')));
    expect(results.filter((r) => r.allowed)).toHaveLength(10);
  });

  it.skipIf(!available)('stores responses and invalidates them by entity and by type', async () => {
    const { responses } = make();
    await responses.set('q1', { data: { a: 1 } }, [{ typename: 'Product', id: '1' }], 60_000);
    await responses.set('q2', { data: { b: 2 } }, [{ typename: 'Product', id: '2' }], 60_000);
    await responses.set('q3', { data: { c: 3 } }, [{ typename: 'User', id: '1' }], 60_000);
    expect(await responses.get('q1')).toEqual({ data: { a: 1 } });
    await responses.invalidate([{ typename: 'Product', id: '1' }]);
    expect(await responses.get('q1')).toBeFalsy();
    expect(await responses.get('q2')).toEqual({ data: { b: 2 } });
    await responses.invalidate([{ typename: 'Product' }]);
    expect(await responses.get('q2')).toBeFalsy();
    expect(await responses.get('q3')).toEqual({ data: { c: 3 } });
  });

  it.skipIf(!available)('keeps key-value entries and counters', async () => {
    const { kv } = make();
    const key = `kv${run}`;
    expect(await kv.mget([`${key}:a`, `${key}:gen`])).toEqual([undefined, undefined]);
    await kv.set(`${key}:a`, 'value', 60_000);
    expect(await kv.incr(`${key}:gen`)).toBe(1);
    expect(await kv.incr(`${key}:gen`)).toBe(2);
    expect(await kv.mget([`${key}:a`, `${key}:gen`])).toEqual(['value', '2']);
  });
});

describe.skipIf(binary === undefined)('a Redis that is down', () => {
  it('makes counters fail fast (the limiter then applies onStoreDown) and caches read as misses', async () => {
    const server = await startRedis(binary!);
    const offline = new Redis(server.url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, retryStrategy: () => 50 });
    offline.on('error', () => undefined);
    await new Promise((resolve) => offline.once('ready', resolve));
    await server.stop();
    await new Promise((resolve) => offline.once('close', resolve));
    await expect(redisCounters(offline, 'down:')({ id: 'r', limit: 5, windowSec: 60 }).consume(':x')).rejects.toBeDefined();
    const store = resilientResponseStore(redisResponseStore(offline, 'down:'), silentLogger);
    expect(await store.get('q')).toBeUndefined();
    await expect(Promise.resolve(store.set('q', { data: {} }, [], 1_000))).resolves.toBeUndefined();
    offline.disconnect();
  });
});
