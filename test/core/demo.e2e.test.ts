// The shipped demo: the repository's own .meshrc.yaml over the three demo services
// (started here on free ports) answers a query spanning all three, with the link
// call counts the config promises.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDemoServices, type DemoServices } from '../../src/demo/index.ts';
import { createGateway, type Gateway } from '../../src/gateway.ts';
import { silentLogger } from '../../src/observability/log.ts';
import { writeTempDir } from '../helpers/backend.ts';
import { query } from './fixtures.ts';

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
let services: DemoServices;
let gateway: Gateway;

beforeAll(async () => {
  services = await startDemoServices();
  const text = (await readFile(path.join(ROOT, '.meshrc.yaml'), 'utf8'))
    .replace('http://127.0.0.1:4001', services.urls.customers)
    .replace('http://127.0.0.1:4002', services.urls.orders)
    .replace('http://127.0.0.1:4003', services.urls.products)
    .replaceAll('./sources/', `${ROOT}/sources/`);
  const dir = await writeTempDir({ '.meshrc.yaml': text });
  gateway = await createGateway({ configFile: path.join(dir, '.meshrc.yaml'), logger: silentLogger });
});
afterAll(async () => {
  await gateway?.close();
  await services?.close();
});

it('answers a query across customers, orders and products with batched links', async () => {
  services.resetCalls();
  const { body } = await query(gateway, '{ listOrders(limit: 50) { id quantity customer { name tier } product { name price } } }');
  expect(body.errors).toBeUndefined();
  expect(body.data.listOrders).toHaveLength(50);
  for (const o of body.data.listOrders) {
    expect(o.customer.name).toEqual(expect.any(String));
    expect(o.product.price).toEqual(expect.any(Number));
  }
  const calls = services.calls();
  const byService = (s: string) => calls.filter((c) => c.service === s);
  expect(byService('orders')).toHaveLength(1);
  expect(byService('customers')).toHaveLength(1);
  expect(byService('customers')[0].url).toMatch(/^\/customers\/bulk\?ids=/);
  const distinctProducts = new Set(byService('products').map((c) => c.url));
  expect(byService('products')).toHaveLength(distinctProducts.size);
});

it('resolves the Mesh-style @resolveTo and the OpenAPI link of the demo config', async () => {
  const { body } = await query(gateway, '{ customerById(id: "1") { name orders { id customerId } } orderById(id: "2") { customerOrders { id customerId } } }');
  expect(body.errors).toBeUndefined();
  expect(body.data.customerById.orders.length).toBeGreaterThan(0);
  for (const o of body.data.customerById.orders) expect(o.customerId).toBe('1');
  const customerOfOrder2 = body.data.orderById.customerOrders[0].customerId;
  for (const o of body.data.orderById.customerOrders) expect(o.customerId).toBe(customerOfOrder2);
});

it('the GraphiQL default query runs, shows more than one service, and costs a handful of upstream calls', async () => {
  const html = await (await gateway.yoga.fetch('http://gw/graphql', { headers: { accept: 'text/html' } })).text();
  const defaultQuery = JSON.parse(`"${/defaultQuery":"((?:[^"\\]|\\.)*)"/.exec(html)![1]}"`) as string;
  services.resetCalls();
  const { body } = await query(gateway, defaultQuery);
  expect(body.errors).toBeUndefined();
  const calls = services.calls();
  expect(new Set(calls.map((c) => c.service)).size).toBeGreaterThan(1);
  expect(calls.length).toBeLessThanOrEqual(6);
  // It used to walk two levels of links: 187 calls and 2.2 MB of answer on the demo.
  expect(JSON.stringify(body).length).toBeLessThan(20_000);
});
