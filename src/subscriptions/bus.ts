// The event bus between the webhook route (which publishes what a service posts) and the
// Subscription fields (which listen): in memory for one process, or over Redis pub/sub
// (https://redis.io/docs/latest/develop/interact/pubsub/) for every replica on it.
//
// Both hand a subscriber its iterable only once it is live — for Redis once SUBSCRIBE is
// acknowledged — and answer a publish with how many listeners took the event (memory:
// the subscribers of this process; Redis: PUBLISH's count of connections listening,
// one per replica with a subscriber). @graphql-yoga/redis-event-target does neither
// (it neither awaits SUBSCRIBE nor reports a PUBLISH that failed, which then rejects
// unhandled), so the Redis side is written here, on ioredis; the iterables are Yoga's
// Repeater, whose `return()` ends a subscription even while it waits for an event.
import { createRequire } from 'node:module';
import type { Redis } from 'ioredis';
import { Repeater } from 'graphql-yoga';
import type { SubscriptionSettings } from '../config/subscriptions.ts';
import { interpolateEnv } from '../config/env.ts';
import type { WebhookEvent, WebhookEvents } from '../context.ts';
import { TributaryError } from '../errors.ts';
import type { Logger } from '../observability/log.ts';

export interface EventBus extends WebhookEvents {
  /** Hands `event` to the topic's subscribers; resolves to how many listeners took it. */
  publish(topic: string, event: WebhookEvent): Promise<number>;
  close(): Promise<void>;
}

type Listener = (event: WebhookEvent) => void;

/** This process's listeners by topic; `onFirst`/`onLast` say when a topic gains its first or loses its last. */
function listeners(hooks: { onFirst?: (topic: string) => Promise<void>; onLast?: (topic: string) => void } = {}) {
  const byTopic = new Map<string, Set<Listener>>();
  // Per topic with listeners: settles once the topic is live (Redis: SUBSCRIBE acknowledged),
  // which a second subscriber arriving meanwhile must wait for too.
  const live = new Map<string, Promise<void>>();
  // What ends each live subscription: closing the bus completes them all.
  const stops = new Set<() => void>();
  let closed = false;
  return {
    /** Completes every subscription (their streams send `complete`), so that a shutdown need not wait them out. */
    closeAll(): void {
      closed = true;
      for (const stop of stops) stop();
    },
    deliver(topic: string, event: WebhookEvent): number {
      const set = byTopic.get(topic);
      for (const listener of set ?? []) listener(event);
      return set?.size ?? 0;
    },
    async subscribe(topic: string): Promise<AsyncIterable<WebhookEvent>> {
      if (closed) throw new TributaryError('WEBHOOK_DELIVERY_FAILED', 'The gateway is shutting down.');
      const events = new Repeater<WebhookEvent>((push, stop) => {
        const listener: Listener = (event) => void push(event);
        const end = () => stop();
        stops.add(end);
        let set = byTopic.get(topic);
        const first = !set;
        if (!set) byTopic.set(topic, (set = new Set()));
        set.add(listener);
        if (first) live.set(topic, hooks.onFirst ? hooks.onFirst(topic) : Promise.resolve());
        void stop.then(() => {
          stops.delete(end);
          set.delete(listener);
          if (set.size > 0 || byTopic.get(topic) !== set) return;
          byTopic.delete(topic);
          live.delete(topic);
          hooks.onLast?.(topic);
        });
      });
      // A Repeater starts on its first next(); this starts it now, so that the listener
      // is registered (and, with Redis, SUBSCRIBE sent) before the subscriber is answered.
      const first = events.next();
      try {
        await live.get(topic);
      } catch (error) {
        await events.return();
        throw new TributaryError('WEBHOOK_DELIVERY_FAILED', 'The subscription could not be made; retry later.', { cause: error });
      }
      let started = false;
      const iterator: AsyncIterableIterator<WebhookEvent> = {
        next: () => (started ? events.next() : ((started = true), first)),
        return: (value?: unknown) => events.return(value as never),
        throw: (error?: unknown) => events.throw(error),
        [Symbol.asyncIterator]() {
          return this;
        },
      };
      return iterator;
    },
  };
}

export function createMemoryBus(): EventBus {
  const local = listeners();
  return {
    subscribe: (topic) => local.subscribe(topic),
    publish: async (topic, event) => local.deliver(topic, event),
    close: async () => local.closeAll(),
  };
}

/** Resolves once `client` is ready, or after `ms` (the command then fails as Redis is down). */
function connected(client: Redis, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    client.once('ready', done);
    function done(): void {
      clearTimeout(timer);
      client.off('ready', done);
      resolve();
    }
  });
}

/** ioredis is loaded on first use: most gateways keep events in memory. */
function redisClass(): typeof Redis {
  return (createRequire(import.meta.url)('ioredis') as typeof import('ioredis')).Redis;
}

export function createRedisBus(url: string, logger: Logger): EventBus {
  const RedisClient = redisClass();
  // Publishing fails at once while Redis is down (the service gets 503 and retries);
  // subscribing waits for the connection, and ioredis subscribes again after a reconnect.
  const publisher = new RedisClient(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2_000 });
  const subscriber = new RedisClient(url, { connectTimeout: 2_000, retryStrategy: (times) => Math.min(times * 100, 2_000) });
  let down = false;
  for (const client of [publisher, subscriber]) {
    client.on('error', (err: Error) => {
      if (!down) logger.warn({ err: { message: err.message } }, 'subscriptions: Redis is unreachable; webhook calls are refused until it is back');
      down = true;
    });
    client.on('ready', () => (down = false));
  }
  const local = listeners({
    onFirst: async (topic) => {
      await subscriber.subscribe(topic);
    },
    onLast: (topic) => void subscriber.unsubscribe(topic).catch(() => undefined),
  });
  subscriber.on('message', (topic: string, message: string) => {
    let event: WebhookEvent;
    try {
      event = JSON.parse(message) as WebhookEvent;
    } catch {
      return;
    }
    local.deliver(topic, event);
  });
  return {
    subscribe: (topic) => local.subscribe(topic),
    async publish(topic, event) {
      try {
        // A replica that has just started (or reconnects) waits for its connection, a little.
        if (publisher.status !== 'ready') await connected(publisher, 2_000);
        return await publisher.publish(topic, JSON.stringify(event));
      } catch (error) {
        throw new TributaryError('WEBHOOK_DELIVERY_FAILED', 'The event could not be delivered; retry later.', { cause: error });
      }
    },
    async close() {
      local.closeAll();
      await Promise.all([publisher, subscriber].map((c) => c.quit().catch(() => c.disconnect())));
    },
  };
}

/** The bus `tributary.subscriptions` asks for; the Redis URL falls back to TRIBUTARY_REDIS_URL, as the policy stores' does. */
export function createEventBus(settings: SubscriptionSettings, logger: Logger): EventBus {
  if (settings.pubsub === 'memory') return createMemoryBus();
  const raw = settings.redisUrl ?? process.env.TRIBUTARY_REDIS_URL;
  const url = raw === undefined ? '' : interpolateEnv(raw);
  if (!/^rediss?:\/\//.test(url))
    throw new TributaryError(
      'CONFIG_INVALID',
      `tributary.subscriptions.redisUrl: pubsub "redis" needs a redis:// or rediss:// URL; set redisUrl (e.g. "{env.REDIS_URL}") or TRIBUTARY_REDIS_URL.`,
    );
  return createRedisBus(url, logger);
}
