// One contract, both event buses (hono's common.case.test pattern): the memory bus and
// the Redis bus must behave the same for a subscriber, the Redis run on a real
// redis-server. Then what only Redis does: two buses (two replicas) share events.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryBus, createRedisBus, type EventBus } from '../../src/subscriptions/bus.ts';
import { silentLogger } from '../../src/observability/log.ts';
import { redisServerBinary, startRedis, type RedisServer } from '../policies/fixtures/redis.ts';

const binary = redisServerBinary();
let redis: RedisServer | undefined;
const buses: EventBus[] = [];

beforeAll(async () => {
  if (binary) redis = await startRedis(binary);
}, 60_000);
afterAll(async () => {
  await Promise.all(buses.map((b) => b.close()));
  await redis?.close();
});

let run = 0;
const topic = (name: string) => `t${run}:${name}`;
const implementations: Array<[string, () => EventBus, boolean]> = [
  ['memory', () => createMemoryBus(), true],
  ['redis', () => createRedisBus(redis!.url, silentLogger), binary !== undefined],
];

const event = (n: number) => ({ path: `/webhooks/S/k/${n}`, body: { n, text: 'ünïcødé ✓', nested: { list: [1, null, 'x'] } } });

describe.each(implementations)('%s bus', (_name, create, available) => {
  const make = () => {
    run += 1;
    const bus = create();
    buses.push(bus);
    return bus;
  };

  it.skipIf(!available)('a subscriber gets what is published on its topic once subscribe resolved, in order, as JSON', async () => {
    const bus = make();
    const events = (await bus.subscribe(topic('a')))[Symbol.asyncIterator]();
    expect(await bus.publish(topic('a'), event(1))).toBeGreaterThan(0);
    await bus.publish(topic('a'), event(2));
    expect((await events.next()).value).toEqual(event(1));
    expect((await events.next()).value).toEqual(event(2));
    await events.return!();
  });

  it.skipIf(!available)('nobody listening: publish reaches 0 listeners; other topics are not heard', async () => {
    const bus = make();
    expect(await bus.publish(topic('nobody'), event(0))).toBe(0);
    const events = (await bus.subscribe(topic('mine')))[Symbol.asyncIterator]();
    await bus.publish(topic('other'), event(1));
    await bus.publish(topic('mine'), event(2));
    expect((await events.next()).value).toEqual(event(2));
    await events.return!();
  });

  it.skipIf(!available)('every subscriber of a topic gets every event', async () => {
    const bus = make();
    const one = (await bus.subscribe(topic('both')))[Symbol.asyncIterator]();
    const two = (await bus.subscribe(topic('both')))[Symbol.asyncIterator]();
    await bus.publish(topic('both'), event(1));
    expect([(await one.next()).value, (await two.next()).value]).toEqual([event(1), event(1)]);
    await one.return!();
    await bus.publish(topic('both'), event(2));
    expect((await two.next()).value).toEqual(event(2));
    await two.return!();
  });

  it.skipIf(!available)('subscribers arriving together are all live when answered', async () => {
    const bus = make();
    const all = await Promise.all([1, 2, 3].map(() => bus.subscribe(topic('together'))));
    await bus.publish(topic('together'), event(9));
    for (const events of all) {
      const iterator = events[Symbol.asyncIterator]();
      expect((await iterator.next()).value).toEqual(event(9));
      await iterator.return!();
    }
  });

  it.skipIf(!available)('return() ends a subscription, also while it waits for an event', async () => {
    const bus = make();
    const events = (await bus.subscribe(topic('end')))[Symbol.asyncIterator]();
    const waiting = events.next();
    await events.return!();
    expect(await waiting).toEqual({ done: true, value: undefined });
    expect((await events.next()).done).toBe(true);
  });
});

describe.each(implementations)('%s bus, closed', (_name, create, available) => {
  it.skipIf(!available)('close() completes every subscription and refuses new ones (a shutdown need not wait them out)', async () => {
    run += 1;
    const bus = create();
    const events = (await bus.subscribe(topic('closing')))[Symbol.asyncIterator]();
    const waiting = events.next();
    await bus.close();
    expect((await waiting).done).toBe(true);
    await expect(bus.subscribe(topic('closing'))).rejects.toMatchObject({ code: 'WEBHOOK_DELIVERY_FAILED' });
  });
});

describe.skipIf(binary === undefined)('redis bus across replicas', () => {
  it('an event published by one bus reaches the subscribers of another on the same Redis; PUBLISH counts the listening replicas', async () => {
    run += 1;
    const a = createRedisBus(redis!.url, silentLogger);
    const b = createRedisBus(redis!.url, silentLogger);
    const c = createRedisBus(redis!.url, silentLogger);
    buses.push(a, b, c);
    const onA = (await a.subscribe(topic('x')))[Symbol.asyncIterator]();
    const onC = (await c.subscribe(topic('x')))[Symbol.asyncIterator]();
    expect(await b.publish(topic('x'), event(5))).toBe(2);
    expect([(await onA.next()).value, (await onC.next()).value]).toEqual([event(5), event(5)]);
    await Promise.all([onA.return!(), onC.return!()]);
  });

  it('a publish while Redis is down fails with WEBHOOK_DELIVERY_FAILED instead of being lost silently', async () => {
    const bus = createRedisBus('redis://127.0.0.1:1', silentLogger);
    buses.push(bus);
    await expect(bus.publish('t', event(1))).rejects.toMatchObject({ code: 'WEBHOOK_DELIVERY_FAILED' });
  });
});
