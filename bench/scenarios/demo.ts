// The repository's own three-service demo (src/demo, sources/*.yaml, .meshrc.yaml):
// orders with their customer (bulk link) and product (one call per product). The
// Tributary config is the demo's .meshrc.yaml with only the endpoints changed, so this
// scenario follows the demo as it evolves. The services are the real demo services,
// not precomputed JSON: they answer out of order, as the demo's bulk endpoint does.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { Scenario } from './types.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const DEMO_MESHRC = parse(readFileSync(path.join(ROOT, '.meshrc.yaml'), 'utf8')) as Record<string, unknown> & { tributary?: Record<string, unknown> };

interface Order {
  id: string;
  quantity: number;
  status: string;
  customerId: string;
  productId: string;
}
interface Customer {
  id: string;
  name: string;
  tier: string;
}
interface Product {
  id: string;
  name: string;
  price: number;
}

const { sources: _sources, tributary: demoSettings, ...demoMesh } = DEMO_MESHRC;
const { server: _server, ...settings } = demoSettings ?? {};

export const demo: Scenario = {
  name: 'demo',
  title: 'three-service demo',
  description:
    'The demo of `npm start`: 50 orders (Orders), their customers by the bulk endpoint (Customers), their products one call per distinct product (Products). The backend is the real demo services.',
  query: '{ listOrders(limit: 50) { id quantity status customer { id name tier } product { id name price } } }',
  backend: { kind: 'demo' },
  sources: [
    { name: 'Customers', service: 'customers', openapi: { file: path.join(ROOT, 'sources/customers.yaml') } },
    { name: 'Orders', service: 'orders', openapi: { file: path.join(ROOT, 'sources/orders.yaml') } },
    { name: 'Products', service: 'products', openapi: { file: path.join(ROOT, 'sources/products.yaml') } },
  ],
  tributary: { meshrc: demoMesh, settings },
  stockMesh: {
    meshrc: {
      // Tributary's `links:` written as Mesh `@resolveTo`, next to the demo's own one.
      additionalTypeDefs: `${String(demoMesh.additionalTypeDefs ?? '')}
        extend type Order {
          customer: Customer @resolveTo(sourceName: "Customers", sourceTypeName: "Query", sourceFieldName: "customersByIds", keyField: "customerId", keysArg: "ids", valueKeyField: "id", requiredSelectionSet: "{ customerId }")
          product: Product @resolveTo(sourceName: "Products", sourceTypeName: "Query", sourceFieldName: "productById", requiredSelectionSet: "{ productId }", sourceArgs: { id: "{root.productId}" })
        }
      `,
    },
  },
  async bff(get) {
    const orders = (await get('orders', '/orders?limit=50')) as Order[];
    const customerIds = [...new Set(orders.map((o) => o.customerId))];
    const productIds = [...new Set(orders.map((o) => o.productId))];
    const [customers, products] = await Promise.all([
      get('customers', `/customers/bulk?ids=${customerIds.map(encodeURIComponent).join(',')}`) as Promise<Customer[]>,
      Promise.all(productIds.map((id) => get('products', `/products/${encodeURIComponent(id)}`) as Promise<Product>)),
    ]);
    const customerById = new Map(customers.map((c) => [c.id, c]));
    const productById = new Map(products.map((p) => [p.id, p]));
    return {
      listOrders: orders.map((o) => {
        const c = customerById.get(o.customerId);
        const p = productById.get(o.productId);
        return {
          id: o.id,
          quantity: o.quantity,
          status: o.status,
          customer: c ? { id: c.id, name: c.name, tier: c.tier } : null,
          product: p ? { id: p.id, name: p.name, price: p.price } : null,
        };
      }),
    };
  },
};
