// Redis connections for the policy stores, one per URL, shared by rate limiting and
// caching. A policy must never make a request wait on a Redis that is down: commands are
// not queued while disconnected (`enableOfflineQueue: false`) and get one try, so they
// fail at once and the policy applies its documented fallback. ioredis reconnects in
// the background.
import { createRequire } from 'node:module';
import type { Redis } from 'ioredis';
import { TributaryError } from '../errors.ts';
import type { Logger } from '../observability/log.ts';
import { resolveEnv } from './env-template.ts';

export interface RedisConnections {
  /** The client for `url` (after `{env.X}` resolution), created on first use. */
  get(url: string | undefined, where: string): Redis;
  /** Waits (bounded) until every client is ready, so a fresh replica starts counting at once. */
  ready(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

/** ioredis is loaded on first use: most gateways keep their policy state in memory. */
function redisClass(): typeof Redis {
  return (createRequire(import.meta.url)('ioredis') as typeof import('ioredis')).Redis;
}

export function createRedisConnections(logger: Logger): RedisConnections {
  const clients = new Map<string, Redis>();
  return {
    get(url, where) {
      const raw = url ?? process.env.TRIBUTARY_REDIS_URL;
      if (raw === undefined || raw === '') {
        throw new TributaryError(
          'CONFIG_INVALID',
          `${where}.redisUrl: the "redis" store needs a URL; set redisUrl (e.g. "{env.REDIS_URL}") or TRIBUTARY_REDIS_URL.`,
        );
      }
      const resolved = resolveEnv(raw, `${where}.redisUrl`);
      if (!/^rediss?:\/\//.test(resolved))
        throw new TributaryError(
          'CONFIG_INVALID',
          `${where}.redisUrl: expected a redis:// or rediss:// URL, found "${resolved.replace(/\/\/[^@/]*@/, '//…@')}".`,
        );
      let client = clients.get(resolved);
      if (!client) {
        client = new (redisClass())(resolved, {
          lazyConnect: true,
          enableOfflineQueue: false,
          maxRetriesPerRequest: 1,
          connectTimeout: 2_000,
          retryStrategy: (times) => Math.min(times * 100, 2_000),
        });
        let down = false;
        // One log line per outage, not one per reconnect attempt.
        client.on('error', (err: Error) => {
          if (!down) logger.warn({ err: { message: err.message } }, 'policy store (Redis) is unreachable; applying the configured fallback');
          down = true;
        });
        client.on('ready', () => {
          if (down) logger.info('policy store (Redis) is reachable again');
          down = false;
        });
        clients.set(resolved, client);
      }
      return client;
    },
    async ready(timeoutMs) {
      await Promise.all(
        [...clients.values()].map(async (client) => {
          if (client.status === 'wait') client.connect().catch(() => undefined);
          if (client.status === 'ready') return;
          await new Promise<void>((resolve) => {
            const timer = setTimeout(done, timeoutMs);
            client.once('ready', done);
            function done(): void {
              clearTimeout(timer);
              client.off('ready', done);
              resolve();
            }
          });
        }),
      );
    },
    async close() {
      await Promise.all([...clients.values()].map((c) => c.quit().catch(() => c.disconnect())));
      clients.clear();
    },
  };
}
