// The demo services behave as sources/*.yaml says: every endpoint, its errors, the bulk
// endpoint's real-world quirks (both id spellings, out-of-order answers, unknown ids
// left out), and the lifecycle and call log that other test suites rely on.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CUSTOMER_COUNT,
  ORDER_COUNT,
  PRODUCT_COUNT,
  seedCustomers,
  seedOrders,
  seedProducts,
  startDemoServices,
  type DemoServices,
} from '../../src/demo/index.ts';
import { startBackend } from '../helpers/backend.ts';
import { freePort } from '../helpers/free-port.ts';
import { postJson, request } from './request.ts';

const ids = (body: unknown): string[] => (body as Array<{ id: string }>).map((entity) => entity.id);

let demo: DemoServices;
beforeAll(async () => {
  demo = await startDemoServices();
});
afterAll(async () => {
  await demo.close();
});
beforeEach(() => {
  demo.resetCalls();
});

describe('seed data', () => {
  it('has the documented counts and is the same on every call', () => {
    expect(seedCustomers()).toHaveLength(CUSTOMER_COUNT);
    expect(seedProducts()).toHaveLength(PRODUCT_COUNT);
    expect(seedOrders()).toHaveLength(ORDER_COUNT);
    expect([CUSTOMER_COUNT, PRODUCT_COUNT, ORDER_COUNT]).toEqual([20, 15, 200]);
    expect(seedOrders()).toEqual(seedOrders());
    expect(seedCustomers()).toEqual(seedCustomers());
  });

  it('has unique ids and emails, and every order points at a seeded customer and product', () => {
    const customers = seedCustomers();
    const products = seedProducts();
    const orders = seedOrders();
    expect(new Set(customers.map((c) => c.id)).size).toBe(CUSTOMER_COUNT);
    expect(new Set(customers.map((c) => c.email)).size).toBe(CUSTOMER_COUNT);
    expect(new Set(products.map((p) => p.id)).size).toBe(PRODUCT_COUNT);
    expect(new Set(orders.map((o) => o.id)).size).toBe(ORDER_COUNT);
    const customerIds = new Set(customers.map((c) => c.id));
    const productIds = new Set(products.map((p) => p.id));
    for (const order of orders) {
      expect(customerIds.has(order.customerId)).toBe(true);
      expect(productIds.has(order.productId)).toBe(true);
    }
    // Every customer and product is used, so any link demo finds data.
    expect(new Set(orders.map((o) => o.customerId)).size).toBe(CUSTOMER_COUNT);
    expect(new Set(orders.map((o) => o.productId)).size).toBe(PRODUCT_COUNT);
    // Orders are placed in id order.
    const times = orders.map((o) => Date.parse(o.createdAt));
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it('hands out fresh copies, so one server cannot change another one’s data', () => {
    const first = seedProducts();
    (first[0]!.tags as string[]).push('changed');
    expect(seedProducts()[0]!.tags).not.toContain('changed');
  });
});

describe('customers service', () => {
  const url = (path: string) => `${demo.urls.customers}${path}`;

  it('GET /customers lists every customer in id order', async () => {
    const res = await request(url('/customers'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.body).toEqual(seedCustomers());
    expect(ids(res.body)).toEqual(Array.from({ length: CUSTOMER_COUNT }, (_, i) => String(i + 1)));
  });

  it('GET /customers?limit=N returns the first N', async () => {
    const res = await request(url('/customers?limit=5'));
    expect(res.status).toBe(200);
    expect(res.body).toEqual(seedCustomers().slice(0, 5));
    expect(ids((await request(url('/customers?limit=1000'))).body)).toHaveLength(CUSTOMER_COUNT);
  });

  it.each(['0', '-1', 'abc', '2.5', '1001', ''])('GET /customers?limit=%s is a 400', async (limit) => {
    const res = await request(url(`/customers?limit=${limit}`));
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ message: expect.stringContaining('limit') });
  });

  it('GET /customers/{id} returns that customer', async () => {
    const res = await request(url('/customers/7'));
    expect(res.status).toBe(200);
    expect(res.body).toEqual(seedCustomers()[6]);
    expect(res.body).toMatchObject({ id: '7', name: 'Margaret Hamilton', tier: expect.stringMatching(/^(gold|silver|bronze)$/) });
  });

  it('GET /customers/{id} with an unknown id is a 404 with a message', async () => {
    const res = await request(url('/customers/999'));
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.body).toEqual({ message: 'Customer 999 not found' });
  });

  describe('GET /customers/bulk', () => {
    it('accepts comma-separated ids (style: form, explode: false)', async () => {
      const res = await request(url('/customers/bulk?ids=3,1,2'));
      expect(res.status).toBe(200);
      expect(ids(res.body)).toEqual(['3', '2', '1']);
    });

    it('accepts repeated ids (how Mesh sends arrays without explode: false)', async () => {
      const res = await request(url('/customers/bulk?ids=3&ids=1&ids=2'));
      expect(res.status).toBe(200);
      expect(ids(res.body)).toEqual(['3', '2', '1']);
    });

    it('accepts a percent-encoded comma (how Mesh sends explode: false) and a mix of both forms', async () => {
      expect(ids((await request(url('/customers/bulk?ids=3%2C1%2C2'))).body)).toEqual(['3', '2', '1']);
      expect(ids((await request(url('/customers/bulk?ids=5,1&ids=12'))).body)).toEqual(['12', '5', '1']);
    });

    it('answers out of request order (id descending, numerically) with full customers', async () => {
      const res = await request(url('/customers/bulk?ids=2,10,9,1'));
      const answered = ids(res.body);
      expect(answered).toEqual(['10', '9', '2', '1']);
      expect(answered).not.toEqual(['2', '10', '9', '1']);
      const byId = new Map(seedCustomers().map((c) => [c.id, c]));
      expect(res.body).toEqual(answered.map((id) => byId.get(id)));
    });

    it('silently leaves out unknown ids and answers each id once', async () => {
      expect(ids((await request(url('/customers/bulk?ids=4,999,2,nope'))).body)).toEqual(['4', '2']);
      expect(ids((await request(url('/customers/bulk?ids=2,2&ids=2'))).body)).toEqual(['2']);
      const none = await request(url('/customers/bulk?ids=998,999'));
      expect(none.status).toBe(200);
      expect(none.body).toEqual([]);
    });

    it('takes up to 100 ids and rejects more', async () => {
      const hundred = Array.from({ length: 100 }, (_, i) => String(i + 1)).join(',');
      const ok = await request(url(`/customers/bulk?ids=${hundred}`));
      expect(ok.status).toBe(200);
      expect(ids(ok.body)).toHaveLength(CUSTOMER_COUNT);
      const tooMany = await request(url(`/customers/bulk?ids=${hundred},101`));
      expect(tooMany.status).toBe(400);
      expect(tooMany.body).toEqual({ message: expect.stringContaining('at most 100') });
    });

    it('requires ids', async () => {
      for (const query of ['', '?ids=', '?ids=,,', '?other=1']) {
        const res = await request(url(`/customers/bulk${query}`));
        expect(res.status, query).toBe(400);
        expect(res.body, query).toEqual({ message: expect.stringContaining('ids') });
      }
    });
  });
});

describe('products service', () => {
  const url = (path: string) => `${demo.urls.products}${path}`;

  it('GET /products lists the catalogue and GET /products/{id} one product', async () => {
    const list = await request(url('/products'));
    expect(list.status).toBe(200);
    // Other tests in this file add products; the seeded ones come first.
    expect((list.body as unknown[]).slice(0, PRODUCT_COUNT)).toEqual(seedProducts());
    const one = await request(url('/products/3'));
    expect(one.status).toBe(200);
    expect(one.body).toEqual(seedProducts()[2]);
  });

  it('GET /products/{id} with an unknown id is a 404', async () => {
    const res = await request(url('/products/999'));
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ message: 'Product 999 not found' });
  });

  it('POST /products creates a product with the next id, then serves it', async () => {
    const created = await postJson(url('/products'), { name: 'Trail Map', price: 12.5, currency: 'EUR', tags: ['outdoor'] });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: expect.any(String), name: 'Trail Map', price: 12.5, currency: 'EUR', tags: ['outdoor'] });
    const { id } = created.body as { id: string };
    expect(Number(id)).toBeGreaterThan(PRODUCT_COUNT);
    expect(created.headers.get('location')).toBe(`/products/${id}`);
    expect((await request(url(`/products/${id}`))).body).toEqual(created.body);
    expect(ids((await request(url('/products'))).body)).toContain(id);
  });

  it('POST /products defaults tags to [] when left out or null, and ignores unknown properties', async () => {
    const without = await postJson(url('/products'), { name: 'A', price: 0, currency: 'USD' });
    expect(without.status).toBe(201);
    expect(without.body).toMatchObject({ tags: [] });
    const withNull = await postJson(url('/products'), { name: 'B', price: 1, currency: 'GBP', tags: null, colour: 'red' });
    expect(withNull.status).toBe(201);
    expect(withNull.body).toEqual({ id: expect.any(String), name: 'B', price: 1, currency: 'GBP', tags: [] });
  });

  it.each([
    ['missing name', { price: 1, currency: 'EUR' }, 'name'],
    ['empty name', { name: ' ', price: 1, currency: 'EUR' }, 'name'],
    ['name too long', { name: 'x'.repeat(201), price: 1, currency: 'EUR' }, 'name'],
    ['price as string', { name: 'A', price: '1', currency: 'EUR' }, 'price'],
    ['negative price', { name: 'A', price: -1, currency: 'EUR' }, 'price'],
    ['three decimals', { name: 'A', price: 1.234, currency: 'EUR' }, 'price'],
    ['unknown currency', { name: 'A', price: 1, currency: 'JPY' }, 'currency'],
    ['non-string tag', { name: 'A', price: 1, currency: 'EUR', tags: [1] }, 'tags'],
    ['array body', [], 'JSON object'],
    ['malformed JSON', '{"name":', 'not valid JSON'],
    ['empty body', '', 'empty'],
  ])('POST /products with %s is a 400', async (_case, body, mentions) => {
    const res = await postJson(url('/products'), body);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ message: expect.stringContaining(mentions) });
  });

  it('POST /products with a body over 64 KiB is a 413', async () => {
    const res = await postJson(url('/products'), { name: 'A', price: 1, currency: 'EUR', tags: ['x'.repeat(70_000)] });
    expect(res.status).toBe(413);
    expect(res.body).toEqual({ message: expect.stringContaining('larger than') });
  });
});

describe('orders service', () => {
  const url = (path: string) => `${demo.urls.orders}${path}`;

  it('GET /orders lists orders in id order', async () => {
    const res = await request(url('/orders'));
    expect(res.status).toBe(200);
    expect((res.body as unknown[]).slice(0, ORDER_COUNT)).toEqual(seedOrders());
  });

  it('GET /orders?customerId= only returns that customer’s orders, and limit caps them', async () => {
    const res = await request(url('/orders?customerId=7'));
    expect(res.status).toBe(200);
    const expected = seedOrders().filter((o) => o.customerId === '7');
    expect(expected.length).toBeGreaterThan(3);
    expect((res.body as unknown[]).slice(0, expected.length)).toEqual(expected);
    expect((res.body as Array<{ customerId: string }>).every((o) => o.customerId === '7')).toBe(true);
    expect((await request(url('/orders?customerId=7&limit=3'))).body).toEqual(expected.slice(0, 3));
    expect((await request(url('/orders?limit=2'))).body).toEqual(seedOrders().slice(0, 2));
  });

  it('GET /orders?customerId= with an unknown customer is an empty list; a bad limit is a 400', async () => {
    expect((await request(url('/orders?customerId=999'))).body).toEqual([]);
    const bad = await request(url('/orders?limit=0'));
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ message: expect.stringContaining('limit') });
  });

  it('GET /orders/{id} returns the order, or 404', async () => {
    const res = await request(url('/orders/42'));
    expect(res.status).toBe(200);
    expect(res.body).toEqual(seedOrders()[41]);
    const missing = await request(url('/orders/0'));
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ message: 'Order 0 not found' });
  });

  it('POST /orders places a pending order stamped with the current time', async () => {
    const before = Date.now();
    const res = await postJson(url('/orders'), { customerId: '3', productId: '5', quantity: 2 });
    const after = Date.now();
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ id: expect.any(String), customerId: '3', productId: '5', quantity: 2, status: 'pending', createdAt: expect.any(String) });
    const order = res.body as { id: string; createdAt: string };
    expect(Number(order.id)).toBeGreaterThan(ORDER_COUNT);
    expect(Date.parse(order.createdAt)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(order.createdAt)).toBeLessThanOrEqual(after);
    expect(res.headers.get('location')).toBe(`/orders/${order.id}`);
    expect((await request(url(`/orders/${order.id}`))).body).toEqual(order);
    expect(ids((await request(url('/orders?customerId=3'))).body)).toContain(order.id);
  });

  it.each([
    ['missing customerId', { productId: '1', quantity: 1 }, 'customerId'],
    ['numeric productId', { customerId: '1', productId: 1, quantity: 1 }, 'productId'],
    ['zero quantity', { customerId: '1', productId: '1', quantity: 0 }, 'quantity'],
    ['fractional quantity', { customerId: '1', productId: '1', quantity: 1.5 }, 'quantity'],
    ['huge quantity', { customerId: '1', productId: '1', quantity: 1001 }, 'quantity'],
    ['null body', 'null', 'JSON object'],
  ])('POST /orders with %s is a 400', async (_case, body, mentions) => {
    const res = await postJson(url('/orders'), body);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ message: expect.stringContaining(mentions) });
  });
});

describe('HTTP behaviour shared by the services', () => {
  it.each([
    ['customers', '/'],
    ['customers', '/customers/'],
    ['customers', '/customers/1/orders'],
    ['customers', '/products'],
    ['orders', '/order'],
    ['products', '/products/%E0%A4%A'],
  ] as const)('%s %s is a JSON 404', async (service, path) => {
    const res = await request(`${demo.urls[service]}${path}`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.body).toEqual({ message: expect.stringContaining('No such resource') });
  });

  it.each([
    ['customers', 'POST', '/customers', 'GET, HEAD'],
    ['customers', 'DELETE', '/customers/bulk', 'GET, HEAD'],
    ['customers', 'PUT', '/customers/1', 'GET, HEAD'],
    ['products', 'DELETE', '/products', 'GET, HEAD, POST'],
    ['products', 'POST', '/products/1', 'GET, HEAD'],
    ['orders', 'PATCH', '/orders/1', 'GET, HEAD'],
  ] as const)('%s %s %s is a 405 with Allow', async (service, method, path, allow) => {
    const res = await request(`${demo.urls[service]}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: method === 'POST' || method === 'PUT' || method === 'PATCH' ? '{}' : undefined,
    });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe(allow);
    expect(res.body).toEqual({ message: expect.stringContaining(method) });
  });

  it('answers HEAD wherever GET is, without a body', async () => {
    const res = await request(`${demo.urls.customers}/customers/1`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.text).toBe('');
    expect(Number(res.headers.get('content-length'))).toBe(JSON.stringify(seedCustomers()[0]).length);
  });

  it('percent-decodes path ids', async () => {
    expect((await request(`${demo.urls.customers}/customers/%31`)).body).toEqual(seedCustomers()[0]);
  });
});

describe('startDemoServices', () => {
  it('records every request per service, in order, until reset', async () => {
    await request(`${demo.urls.customers}/customers/bulk?ids=1,2`);
    await request(`${demo.urls.orders}/nope`);
    await postJson(`${demo.urls.products}/products`, {});
    expect(demo.calls()).toEqual([
      { service: 'customers', method: 'GET', url: '/customers/bulk?ids=1,2' },
      { service: 'orders', method: 'GET', url: '/nope' },
      { service: 'products', method: 'POST', url: '/products' },
    ]);
    // calls() is a copy: a test cannot corrupt the log by accident.
    demo.calls().length = 0;
    expect(demo.calls()).toHaveLength(3);
    demo.resetCalls();
    expect(demo.calls()).toEqual([]);
  });

  it('gives each instance its own data and call log', async () => {
    const other = await startDemoServices();
    try {
      expect(other.urls.customers).not.toBe(demo.urls.customers);
      await postJson(`${other.urls.products}/products`, { name: 'Only here', price: 1, currency: 'EUR' });
      expect(demo.calls()).toEqual([]);
      expect(other.calls()).toHaveLength(1);
      const mine = (await request(`${demo.urls.products}/products`)).body as Array<{ name: string }>;
      expect(mine.map((p) => p.name)).not.toContain('Only here');
    } finally {
      await other.close();
    }
  });

  it('listens on the ports it is given and stops on close (twice is fine)', async () => {
    const ports = { customers: await freePort(), orders: await freePort(), products: await freePort() };
    const services = await startDemoServices({ ports });
    expect(services.urls).toEqual({
      customers: `http://127.0.0.1:${ports.customers}`,
      orders: `http://127.0.0.1:${ports.orders}`,
      products: `http://127.0.0.1:${ports.products}`,
    });
    expect((await request(`${services.urls.orders}/orders/1`)).status).toBe(200);
    await services.close();
    await services.close();
    await expect(fetch(`${services.urls.orders}/orders/1`)).rejects.toThrow();
  });

  it('fails when a port is taken, and frees the ports it did get', async () => {
    const taken = await startBackend(() => ({ status: 200 }));
    try {
      const ports = { customers: await freePort(), orders: taken.port, products: await freePort() };
      await expect(startDemoServices({ ports })).rejects.toMatchObject({ code: 'EADDRINUSE' });
      const retry = await startDemoServices({ ports: { customers: ports.customers, products: ports.products } });
      await retry.close();
    } finally {
      await taken.close();
    }
  });
});
