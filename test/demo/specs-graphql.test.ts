// The documents in sources/ turn into the GraphQL the demo is meant to show, through the
// same OpenAPI loader the gateway uses, and the loader's requests are understood by
// the demo services. This guards choices in the specs that are easy to undo by
// accident: error responses without schemas (else every field becomes a union with an
// error type), no `pattern`/`maxLength` on strings (else oddly named scalars), the bulk
// `ids` array reaching the server intact, and the `customerOrders` OpenAPI link.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { loadGraphQLSchemaFromOpenAPI } from '@omnigraph/openapi';
import type { GraphQLSchema } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCustomers, seedOrders, startDemoServices, type DemoServiceName, type DemoServices } from '../../src/demo/index.ts';

// graphql 16 has no `exports` map: Vite resolves a test's `import 'graphql'` to
// index.mjs, while Node loads the CJS index.js for the (externalised) loader, and
// graphql-js refuses a schema from the other copy. Use the loader's copy.
const { getNamedType, graphql, isObjectType, isScalarType } = createRequire(import.meta.url)('graphql') as typeof import('graphql');

const SERVICES: DemoServiceName[] = ['customers', 'orders', 'products'];
/** Scalars the loader may use for these specs; anything else means a spec keyword it could not map. */
const KNOWN_SCALARS = new Set([
  'String',
  'Int',
  'Float',
  'Boolean',
  'ID',
  'EmailAddress',
  'DateTime',
  'PositiveInt',
  'NonNegativeFloat',
  'NonEmptyString',
  'ObjMap',
]);

let demo: DemoServices;
const schemas = new Map<DemoServiceName, GraphQLSchema>();

beforeAll(async () => {
  demo = await startDemoServices();
  for (const service of SERVICES) {
    const source = fileURLToPath(new URL(`../../sources/${service}.yaml`, import.meta.url));
    schemas.set(service, await loadGraphQLSchemaFromOpenAPI(service, { source, endpoint: demo.urls[service] }));
  }
});
afterAll(async () => {
  await demo?.close();
});

/** Executes and returns the result as a client sees it (the DateTime scalar serialises to a Date until then). */
async function run(
  service: DemoServiceName,
  source: string,
): Promise<{ data?: unknown; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> }> {
  return JSON.parse(JSON.stringify(await graphql({ schema: schemas.get(service)!, source })));
}

describe.each(SERVICES)('GraphQL from sources/%s.yaml', (service) => {
  it('has one root field per operationId, each returning plain object types', () => {
    const schema = schemas.get(service)!;
    const rootFields = [schema.getQueryType(), schema.getMutationType()].flatMap((type) => Object.values(type?.getFields() ?? {}));
    expect(rootFields.length).toBe(3);
    for (const field of rootFields) expect(isObjectType(getNamedType(field.type)), `${field.name}: ${field.type}`).toBe(true);
  });

  it('uses only well-known scalars', () => {
    const scalars = Object.values(schemas.get(service)!.getTypeMap()).filter((type) => isScalarType(type) && !type.name.startsWith('__'));
    for (const scalar of scalars) expect(KNOWN_SCALARS.has(scalar.name), scalar.name).toBe(true);
  });
});

describe('queries through the loader', () => {
  it('customersByIds sends the ids the server understands and returns what exists', async () => {
    demo.resetCalls();
    const result = await run('customers', '{ customersByIds(ids: ["3", "1", "99"]) { id name tier email countryCode } }');
    expect(result.errors).toBeUndefined();
    const byId = new Map(seedCustomers().map((c) => [c.id, c]));
    expect(result.data).toEqual({ customersByIds: [byId.get('3'), byId.get('1')] });
    const calls = demo.calls();
    expect(calls).toHaveLength(1);
    // Whatever array format the loader picks (comma or repeated), the same ids arrive.
    const url = new URL(calls[0]!.url, 'http://x');
    expect(url.pathname).toBe('/customers/bulk');
    expect(url.searchParams.getAll('ids').flatMap((v) => v.split(','))).toEqual(['3', '1', '99']);
  });

  it('customerById of an unknown id is a GraphQL error carrying the 404', async () => {
    const result = await run('customers', '{ customerById(id: "404") { id } }');
    expect(result.data).toEqual({ customerById: null });
    expect(result.errors?.[0]?.extensions).toMatchObject({ response: { status: 404, body: { message: 'Customer 404 not found' } } });
  });

  it('orderById follows the customerOrders link to listOrders', async () => {
    const result = await run('orders', '{ orderById(id: "5") { id customerId status createdAt customerOrders { id customerId } } }');
    expect(result.errors).toBeUndefined();
    const order = seedOrders()[4]!;
    const data = result.data as { orderById: { customerOrders: Array<{ id: string; customerId: string }> } & Record<string, unknown> };
    expect(data.orderById).toMatchObject({ id: '5', customerId: order.customerId, status: order.status, createdAt: order.createdAt });
    expect(data.orderById.customerOrders.map((o) => o.id)).toEqual(
      seedOrders()
        .filter((o) => o.customerId === order.customerId)
        .map((o) => o.id),
    );
  });

  it('createProduct posts the input and returns the new product', async () => {
    const result = await run(
      'products',
      'mutation { createProduct(input: { name: "Kite", price: 19.5, currency: GBP, tags: ["outdoor"] }) { id name price currency tags } }',
    );
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ createProduct: { id: expect.any(String), name: 'Kite', price: 19.5, currency: 'GBP', tags: ['outdoor'] } });
  });

  it('createOrder posts the input and returns a pending order', async () => {
    const result = await run('orders', 'mutation { createOrder(input: { customerId: "2", productId: "4", quantity: 1 }) { id status quantity createdAt } }');
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({
      createOrder: { id: expect.any(String), status: 'pending', quantity: 1, createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) },
    });
  });
});
