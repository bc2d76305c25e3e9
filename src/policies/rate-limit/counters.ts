// The counting behind rate limits: fixed windows from rate-limiter-flexible, in memory
// for one process or in Redis for several replicas. In Redis every consume is one
// atomic Lua script (SET NX + INCRBY + PTTL), so replicas counting the same key at the
// same moment can never both take the last point.
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';

export interface WindowCount {
  readonly allowed: boolean;
  readonly limit: number;
  /** Points left in this window after this request. */
  readonly remaining: number;
  /** Milliseconds until the window resets. */
  readonly resetMs: number;
}

/** One rule's counter. `consume` rejects only when the store itself failed. */
export interface Counter {
  consume(key: string): Promise<WindowCount>;
}

export interface CounterSpec {
  /** Stable name of the rule's counter; part of every key. */
  readonly id: string;
  readonly limit: number;
  readonly windowSec: number;
}

export type CounterFactory = (spec: CounterSpec) => Counter;

function counterOf(limiter: RateLimiterAbstract, limit: number): Counter {
  return {
    async consume(key) {
      try {
        const res = await limiter.consume(key, 1);
        return { allowed: true, limit, remaining: res.remainingPoints, resetMs: res.msBeforeNext };
      } catch (rejection) {
        // The library rejects with a RateLimiterRes for "over the limit", with an Error when the store failed.
        if (rejection instanceof RateLimiterRes) return { allowed: false, limit, remaining: 0, resetMs: rejection.msBeforeNext };
        throw rejection;
      }
    },
  };
}

export function memoryCounters(prefix: string): CounterFactory {
  return ({ id, limit, windowSec }) => counterOf(new RateLimiterMemory({ keyPrefix: `${prefix}${id}`, points: limit, duration: windowSec }), limit);
}

export function redisCounters(client: Redis, prefix: string): CounterFactory {
  return ({ id, limit, windowSec }) =>
    counterOf(
      new RateLimiterRedis({
        storeClient: client,
        keyPrefix: `${prefix}${id}`,
        points: limit,
        duration: windowSec,
        // Fail at once while disconnected instead of waiting on a reconnect.
        rejectIfRedisNotReady: true,
      }),
      limit,
    );
}
