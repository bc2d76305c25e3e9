// @defer and @stream as a frontend uses them (issue 13): real clients — meros reading
// `multipart/mixed`, graphql-sse reading `text/event-stream` — against a gateway on a
// loopback socket, over a shop whose customers endpoint the test can hold. Held, it has
// the deferred call in hand and answers only when the test opens the gate, which the test
// does only after the first part has arrived: so a gateway that waited for the deferred
// link before sending the initial payload would never send it, and the test would fail.
import { Writable } from 'node:stream';
import { meros } from 'meros/browser';
import { createClient } from 'graphql-sse';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../../src/gateway.ts';
import { createLogger, silentLogger } from '../../src/observability/log.ts';
import { askedIds, CUSTOMERS, gate, merged, ORDERS, startShop, type Payload, type Shop } from './fixtures-defer.ts';

let shop: Shop;
let gateway: Gateway;
let url: string;
/** The executor log lines (http/jit.ts tells once per planned operation which one runs it). */
const plans: Array<{ executor?: string; operationName?: string }> = [];

beforeAll(async () => {
  shop = await startShop();
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        const entry = JSON.parse(line) as { component?: string; executor?: string; operationName?: string };
        if (entry.component === 'executor') plans.push(entry);
      }
      done();
    },
  });
  gateway = await createGateway({
    configFile: await shop.config('  policies:\n    limits:\n      maxBatch: 5\n'),
    logger: createLogger({ level: 'debug', destination }),
  });
  ({ url } = await gateway.listen({ port: 0, host: '127.0.0.1' }));
});
afterAll(async () => {
  await gateway?.close();
  await shop?.close();
});
beforeEach(() => shop.reset());

const customerOf = (order: { customerId: string }) => CUSTOMERS.find((c) => c.id === order.customerId)!;
const customerCalls = () => shop.customers.calls.filter((c) => c.url.startsWith('/customers'));

function post(query: string, accept: string, variables?: Record<string, unknown>): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept }, body: JSON.stringify({ query, variables }) });
}

/** The parts of a multipart/mixed answer, read with meros as Relay and Apollo's links do. */
async function multipart(response: Response): Promise<AsyncGenerator<Payload>> {
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^multipart\/mixed/);
  const parts = await meros<Payload>(response);
  if (parts instanceof Response) throw new Error(`not a multipart answer: ${await parts.text()}`);
  return (async function* () {
    for await (const part of parts) {
      if (!part.json) throw new Error(`a part that is not JSON: ${String(part.body)}`);
      yield part.body;
    }
  })();
}

async function rest<T>(iterator: AsyncIterator<T>): Promise<T[]> {
  const out: T[] = [];
  for (let next = await iterator.next(); !next.done; next = await iterator.next()) out.push(next.value);
  return out;
}

const DEFERRED_CUSTOMER = '{ orders { id ... @defer(label: "customer") { customer { id name } } } }';

describe('@defer over multipart/mixed', () => {
  it('sends the initial payload while the deferred link call is still unanswered, then the deferred part', { timeout: 30_000 }, async () => {
    shop.hold = gate();
    const parts = await multipart(await post(DEFERRED_CUSTOMER, 'multipart/mixed'));
    const first = await parts.next();
    // The customers endpoint has not answered: the gate is still closed.
    expect(first.value).toEqual({ data: { orders: ORDERS.map((o) => ({ id: o.id })) }, hasNext: true });
    shop.hold.open();
    const later = await rest(parts);
    expect(later.at(-1)?.hasNext).toBe(false);
    const all = [first.value as Payload, ...later];
    for (const payload of all) expect(payload.errors).toBeUndefined();
    for (const part of later.flatMap((p) => p.incremental ?? [])) {
      expect(part.label).toBe('customer');
      expect(part.errors).toBeUndefined();
    }
    expect(merged(all)).toEqual({ orders: ORDERS.map((o) => ({ id: o.id, customer: customerOf(o) })) });
  });

  it('batches the deferred link for N parents into one bulk call of the distinct keys', async () => {
    const parts = await rest(await multipart(await post(DEFERRED_CUSTOMER, 'multipart/mixed')));
    expect(parts.length).toBeGreaterThan(1);
    // 30 orders, 5 distinct customers: one call, asking for each once.
    expect(customerCalls()).toHaveLength(1);
    expect(askedIds(customerCalls()[0]!)).toEqual(CUSTOMERS.map((c) => c.id));
    expect(shop.orders.calls).toHaveLength(1);
  });

  it('shares one batch and one cache between the initial payload and a deferred fragment', async () => {
    const query = '{ orders(limit: 10) { id customer { id } ... @defer { customer { name } } } }';
    const parts = await rest(await multipart(await post(query, 'multipart/mixed')));
    expect(merged(parts)).toEqual({ orders: ORDERS.slice(0, 10).map((o) => ({ id: o.id, customer: customerOf(o) })) });
    expect(customerCalls()).toHaveLength(1);
  });

  it('reports a failing upstream call inside a deferred fragment in that part only: null and its error', { timeout: 30_000 }, async () => {
    shop.failWith = 503;
    shop.hold = gate();
    const parts = await multipart(await post('{ orders(limit: 3) { id ... @defer { customer { id } } } }', 'multipart/mixed'));
    const first = (await parts.next()).value as Payload;
    expect(first).toEqual({ data: { orders: ORDERS.slice(0, 3).map((o) => ({ id: o.id })) }, hasNext: true });
    shop.hold.open();
    const deferred = (await rest(parts)).flatMap((p) => p.incremental ?? []);
    expect(deferred).toHaveLength(3);
    for (const [i, part] of deferred.entries()) {
      expect(part.path).toEqual(['orders', i]);
      expect(part.data).toEqual({ customer: null });
      expect(part.errors).toHaveLength(1);
      expect(part.errors![0]).toMatchObject({ path: ['orders', i, 'customer'], extensions: { code: 'UPSTREAM_HTTP_ERROR' } });
    }
  });

  it('codes a service value that does not fit its field in a deferred part, without quoting it', async () => {
    shop.badNames.add('c2');
    const parts = await rest(await multipart(await post('{ orders(limit: 2) { id ... @defer { customer { name } } } }', 'multipart/mixed')));
    const errors = parts.flatMap((p) => (p.incremental ?? []).flatMap((part) => part.errors ?? []));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      path: ['orders', 1, 'customer', 'name'],
      extensions: { code: 'UPSTREAM_BAD_RESPONSE', field: 'Customer.name', expectedType: 'String' },
    });
    expect(JSON.stringify(parts)).not.toContain('4242');
    expect(merged(parts)).toEqual({
      orders: [
        { id: 'o1', customer: { name: 'Customer 1' } },
        { id: 'o2', customer: { name: null } },
      ],
    });
  });

  it('defers nothing for @defer(if: false), decided per request from the variable', async () => {
    const query = 'query($later: Boolean!) { orders(limit: 2) { id ... @defer(if: $later) { customer { id } } } }';
    const parts = await rest(await multipart(await post(query, 'multipart/mixed', { later: false })));
    expect(parts).toEqual([{ data: { orders: ORDERS.slice(0, 2).map((o) => ({ id: o.id, customer: { id: o.customerId } })) } }]);
  });
});

describe('@stream', () => {
  it('sends the first items of a list, then the others, each with its deferred link batched', async () => {
    const query = '{ orders(limit: 6) @stream(initialCount: 2) { id customer { name } } }';
    const parts = await rest(await multipart(await post(query, 'multipart/mixed')));
    expect(parts[0]).toEqual({ data: { orders: ORDERS.slice(0, 2).map((o) => ({ id: o.id, customer: { name: customerOf(o).name } })) }, hasNext: true });
    const streamed = parts.slice(1).flatMap((p) => p.incremental ?? []);
    expect(streamed.flatMap((s) => s.items)).toHaveLength(4);
    expect(merged(parts)).toEqual({ orders: ORDERS.slice(0, 6).map((o) => ({ id: o.id, customer: { name: customerOf(o).name } })) });
    // The streamed items' links are batched too, never one call per item.
    expect(customerCalls().length).toBeLessThanOrEqual(2);
  });

  it('streams a scalar list from one service answer', async () => {
    const parts = await rest(await multipart(await post('{ orders(limit: 1) { tags @stream(initialCount: 1) } }', 'multipart/mixed')));
    expect(parts[0]).toEqual({ data: { orders: [{ tags: ['t1a'] }] }, hasNext: true });
    expect(merged(parts)).toEqual({ orders: [{ tags: ORDERS[0]!.tags }] });
  });
});

describe('@defer over server-sent events', () => {
  it('delivers the initial payload first through a graphql-sse client, then the deferred part', { timeout: 30_000 }, async () => {
    shop.hold = gate();
    const client = createClient({ url, singleConnection: false, retryAttempts: 0 });
    try {
      const events = client.iterate({ query: DEFERRED_CUSTOMER }) as AsyncIterableIterator<Payload>;
      const first = await events.next();
      expect(first.value).toEqual({ data: { orders: ORDERS.map((o) => ({ id: o.id })) }, hasNext: true });
      shop.hold.open();
      const later = await rest(events);
      expect(merged([first.value as Payload, ...later])).toEqual({ orders: ORDERS.map((o) => ({ id: o.id, customer: customerOf(o) })) });
      expect(customerCalls()).toHaveLength(1);
    } finally {
      client.dispose();
    }
  });
});

describe('a client that takes JSON only', () => {
  it('gets the whole answer in one payload, with the same upstream calls', async () => {
    const response = await post(DEFERRED_CUSTOMER, 'application/graphql-response+json, application/json');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/graphql-response\+json/);
    expect(await response.json()).toEqual({ data: { orders: ORDERS.map((o) => ({ id: o.id, customer: customerOf(o) })) } });
    expect(customerCalls()).toHaveLength(1);
  });
});

describe('parts or whole, by the Accept header', () => {
  const ACCEPTS = [
    { accept: 'multipart/mixed', answer: 'multipart/mixed' },
    { accept: 'text/event-stream', answer: 'text/event-stream' },
    { accept: 'multipart/mixed; deferSpec=20220824, application/json', answer: 'multipart/mixed' },
    { accept: '*/*', answer: 'multipart/mixed' },
    { accept: 'multipart/*', answer: 'multipart/mixed' },
    { accept: 'application/graphql-response+json', answer: 'application/graphql-response+json' },
    { accept: 'application/json', answer: 'application/json' },
    { accept: 'application/*', answer: 'application/json' },
  ];
  it.each(ACCEPTS)('$accept → $answer', async ({ accept, answer }) => {
    const response = await gateway.yoga.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept },
      body: JSON.stringify({ query: '{ orders(limit: 1) { id ... @defer { customer { id } } } }' }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')?.split(';')[0]).toBe(answer);
    const body = await response.text();
    if (answer.startsWith('application/')) expect(JSON.parse(body)).toEqual({ data: { orders: [{ id: 'o1', customer: { id: 'c1' } }] } });
    else expect(body).toContain('"hasNext":false');
  });
});

describe('a batch of operations', () => {
  it('answers each operation whole: a JSON array has no room for parts', async () => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'multipart/mixed, application/json' },
      body: JSON.stringify([{ query: '{ orders(limit: 2) { id ... @defer { customer { id } } } }' }, { query: '{ orders(limit: 1) @stream { id } }' }]),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual([
      { data: { orders: ORDERS.slice(0, 2).map((o) => ({ id: o.id, customer: { id: o.customerId } })) } },
      { data: { orders: [{ id: 'o1' }] } },
    ]);
  });
});

describe('the executor', () => {
  it("runs a document with @defer or @stream on graphql-tools' executor, planned once; any other on its plan", async () => {
    plans.length = 0;
    for (let i = 0; i < 3; i += 1) {
      await rest(await multipart(await post('query Deferred { orders(limit: 1) { id ... @defer { customer { id } } } }', 'multipart/mixed')));
      await rest(await multipart(await post('query Streamed { orders(limit: 2) @stream { id } }', 'multipart/mixed')));
      await rest(
        await multipart(
          await post('query Spread { orders(limit: 1) { ...Later } } fragment Later on Order { customer { ... @defer { id } } }', 'multipart/mixed'),
        ),
      );
      const plain = await post('query Plain { orders(limit: 1) { id customer { id } } }', 'application/json');
      expect(await plain.json()).toEqual({ data: { orders: [{ id: 'o1', customer: { id: 'c1' } }] } });
    }
    const byName = Object.fromEntries(plans.map((p) => [p.operationName, p.executor]));
    expect(byName).toEqual({ Deferred: 'graphql-tools', Streamed: 'graphql-tools', Spread: 'graphql-tools', Plain: 'planned' });
    // Once per document, not per request. Plans are cached per schema object too, so this
    // also shows that the schema is not copied per request (what Yoga's defer-stream
    // plugin does to a schema that lacks the directives; the build declares them).
    expect(plans).toHaveLength(4);
  });
});

describe('validation and the operation limits', () => {
  // One gateway per limit, so that each refusal is for the limit the row is about.
  const limited: Record<'cost' | 'depth', Gateway> = {} as never;
  beforeAll(async () => {
    limited.cost = await createGateway({ configFile: await shop.config('  policies:\n    limits:\n      maxCost: 10\n'), logger: silentLogger });
    limited.depth = await createGateway({ configFile: await shop.config('  policies:\n    limits:\n      maxDepth: 3\n'), logger: silentLogger });
  });
  afterAll(async () => Promise.all(Object.values(limited).map((g) => g.close())));

  // graphql-armor measures an inline fragment as one level, @defer or not, so a
  // deferred fragment costs what the same fragment without it costs: the limits count
  // the deferred fields, and the directive itself neither adds nor hides any.
  const CASES = [
    { name: 'a deferred fragment within the cost limit (8.75)', gateway: 'cost', query: '{ orders { id ... @defer { customerId } } }', ok: true },
    {
      name: "cost over the limit through a deferred fragment's fields (11)",
      gateway: 'cost',
      query: '{ orders { id ... @defer { customerId tags } } }',
      code: 'OPERATION_LIMIT_EXCEEDED',
      limit: 'cost',
    },
    {
      name: 'the same fields in a plain inline fragment cost the same',
      gateway: 'cost',
      query: '{ orders { id ... on Order { customerId tags } } }',
      code: 'OPERATION_LIMIT_EXCEEDED',
      limit: 'cost',
    },
    { name: 'a deferred fragment within the depth limit (3)', gateway: 'depth', query: '{ orders { ... @defer { customerId } } }', ok: true },
    {
      name: "depth over the limit through a deferred fragment's nested field (4)",
      gateway: 'depth',
      query: '{ orders { ... @defer { customer { id } } } }',
      code: 'OPERATION_LIMIT_EXCEEDED',
      limit: 'depth',
    },
    { name: 'a streamed list within the limits', gateway: 'cost', query: '{ orders @stream(initialCount: 1) { id } }', ok: true },
    { name: '@stream on a field that is not a list', gateway: 'depth', query: '{ orders { customer @stream { id } } }', code: 'GRAPHQL_VALIDATION_FAILED' },
    {
      name: 'two deferred fragments with one label',
      gateway: 'depth',
      query: '{ orders { ... @defer(label: "x") { id } ... @defer(label: "x") { id } } }',
      code: 'GRAPHQL_VALIDATION_FAILED',
    },
  ] as const;

  it.each(CASES)('$name', async (c) => {
    const response = await limited[c.gateway].yoga.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'multipart/mixed, application/graphql-response+json' },
      body: JSON.stringify({ query: c.query }),
    });
    if ('ok' in c) {
      expect(response.status).toBe(200);
      const parts = await rest(await multipart(response));
      expect(parts.length).toBeGreaterThan(1);
      expect(JSON.stringify(parts)).not.toContain('"errors"');
      return;
    }
    expect(response.status).toBe(400);
    const body = (await response.json()) as Payload;
    const wanted = { code: c.code, ...('limit' in c ? { limit: c.limit } : {}) };
    expect(body.errors?.map((e) => e.extensions)).toContainEqual(expect.objectContaining(wanted));
  });
});
