// A small key-value store with TTLs and counters, in memory or in Redis, for the
// passthrough's HTTP cache. Values are opaque strings; failures surface as rejections
// and the caller decides (the passthrough cache treats them as a miss).
import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';

export interface KvStore {
  /** Values of `keys`, undefined where absent or expired. */
  mget(keys: readonly string[]): Promise<Array<string | undefined>>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** Increments a counter that never expires; returns the new value. */
  incr(key: string): Promise<number>;
}

/** `maxBytes` also bounds the values' total length (as held: UTF-16 code units, times 2). */
export function memoryKv(maxEntries: number, maxBytes?: number): KvStore {
  const values = new LRUCache<string, string>({
    max: maxEntries,
    ttlAutopurge: false,
    ...(maxBytes !== undefined ? { maxSize: maxBytes, sizeCalculation: (value: string, key: string) => Math.max(1, (value.length + key.length) * 2) } : {}),
  });
  const counters = new Map<string, number>();
  return {
    async mget(keys) {
      return keys.map((k) => (counters.has(k) ? String(counters.get(k)) : values.get(k)));
    },
    async set(key, value, ttlMs) {
      values.set(key, value, { ttl: ttlMs });
    },
    async incr(key) {
      const next = (counters.get(key) ?? 0) + 1;
      counters.set(key, next);
      return next;
    },
  };
}

export function redisKv(client: Redis): KvStore {
  return {
    async mget(keys) {
      return (await client.mget(...keys)).map((v) => v ?? undefined);
    },
    async set(key, value, ttlMs) {
      await client.set(key, value, 'PX', Math.max(1, Math.round(ttlMs)));
    },
    incr: (key) => client.incr(key),
  };
}
