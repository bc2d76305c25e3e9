// Where GraphQL responses are cached: envelop's in-memory LRU for one process, or Redis
// for several replicas. Both implement envelop's `Cache` (get, set with the entities a
// result holds, invalidate by `Type` or `Type:id`). A store failure must never fail a
// request — a cache is an optimisation — so every store is wrapped to read as a miss and
// skip the write when it errors, counted in tributary_policy_store_errors_total.
import { createInMemoryCache, type Cache, type CacheEntityRecord } from '@envelop/response-cache';
import type { ExecutionResult } from 'graphql';
import type { Redis } from 'ioredis';
import type { Logger } from '../../observability/log.ts';
import { storeErrors } from '../../observability/metrics.ts';

export function memoryResponseStore(maxEntries: number): Cache {
  return createInMemoryCache({ max: maxEntries });
}

/**
 * Keys (all under `prefix`): `r:<id>` the serialized result, expiring with its TTL;
 * `e:<Type>` and `e:<Type>:<id>` the sets of results holding that type or entity. A set
 * lives as long as its longest-lived member (PEXPIRE NX then GT; Redis 7), so an
 * invalidation finds every result that may still be served.
 */
export function redisResponseStore(client: Redis, prefix: string): Cache {
  const resultKey = (id: string) => `${prefix}r:${id}`;
  const entityKey = (name: string) => `${prefix}e:${name}`;
  return {
    async set(id: string, result: ExecutionResult, entities: Iterable<CacheEntityRecord>, ttl: number) {
      const ms = Math.max(1, Math.round(Number.isFinite(ttl) ? ttl : 86_400_000));
      const pipeline = client.pipeline().set(resultKey(id), JSON.stringify(result), 'PX', ms);
      const names = new Set<string>();
      for (const { typename, id: entityId } of entities) {
        names.add(typename);
        if (entityId != null) names.add(`${typename}:${entityId}`);
      }
      for (const name of names) {
        const key = entityKey(name);
        pipeline.sadd(key, id).pexpire(key, ms, 'NX').pexpire(key, ms, 'GT');
      }
      const results = await pipeline.exec();
      const failed = results?.find(([error]) => error);
      if (failed) throw failed[0];
    },
    async get(id: string) {
      const text = await client.get(resultKey(id));
      return text === null ? undefined : (JSON.parse(text) as ExecutionResult);
    },
    async invalidate(entities: Iterable<CacheEntityRecord>) {
      const keys = [...entities].map(({ typename, id }) => entityKey(id != null ? `${typename}:${id}` : typename));
      if (keys.length === 0) return;
      const members = await Promise.all(keys.map((k) => client.smembers(k)));
      const doomed = new Set([...keys, ...members.flat().map(resultKey)]);
      await client.del(...doomed);
    },
  };
}

/** `store` that never throws: a failed read is a miss, a failed write or invalidation is logged and skipped. */
export function resilientResponseStore(store: Cache, logger: Logger): Cache {
  const failed = (operation: string) => (error: unknown) => {
    storeErrors.inc({ policy: 'cache', outcome: 'bypassed' });
    logger.debug({ err: error, operation }, 'response cache store failed; serving uncached');
    return undefined;
  };
  return {
    get: (id) =>
      Promise.resolve()
        .then(() => store.get(id))
        .catch(failed('get')),
    set: (id, result, entities, ttl) =>
      Promise.resolve()
        .then(() => store.set(id, result, [...entities], ttl))
        .catch(failed('set')),
    invalidate: (entities) =>
      Promise.resolve()
        .then(() => store.invalidate([...entities]))
        .catch(failed('invalidate')),
  };
}
