// The documents in sources/ and the demo services agree: every spec is valid-looking
// OpenAPI 3.0 YAML, names the operations the gateway config relies on, and every
// operation in it is served with answers that fit its schemas (no undeclared fields,
// since the gateway's GraphQL types come from these documents). Also checks that no
// other method is served on a documented path.
import { readdir, readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { seedCustomers, seedOrders, seedProducts, startDemoServices, type DemoServiceName, type DemoServices } from '../../src/demo/index.ts';
import { request } from './request.ts';
import { checkSchema, componentSchema } from './schema-check.ts';

type Doc = Record<string, any>;

const SOURCES = new URL('../../sources/', import.meta.url);
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** The contract the gateway's config is written against: operationId → method and path. */
const EXPECTED_OPERATIONS: Record<DemoServiceName, Record<string, string>> = {
  customers: { listCustomers: 'GET /customers', customersByIds: 'GET /customers/bulk', customerById: 'GET /customers/{id}' },
  orders: { listOrders: 'GET /orders', createOrder: 'POST /orders', orderById: 'GET /orders/{id}' },
  products: { listProducts: 'GET /products', createProduct: 'POST /products', productById: 'GET /products/{id}' },
};
const SERVICES = Object.keys(EXPECTED_OPERATIONS) as DemoServiceName[];

interface Operation {
  readonly method: string;
  readonly path: string;
  readonly op: Doc;
}

function operationsOf(doc: Doc): Operation[] {
  return Object.entries(doc.paths as Doc).flatMap(([path, item]) =>
    HTTP_METHODS.filter((method) => method in item).map((method) => ({ method: method.toUpperCase(), path, op: item[method] as Doc })),
  );
}

/** Follows a local `$ref` (parameters, responses) one level. */
function deref(doc: Doc, node: Doc): Doc {
  if (typeof node.$ref !== 'string') return node;
  return (node.$ref as string)
    .slice(2)
    .split('/')
    .reduce((at: Doc, key) => at[key], doc);
}

/** A request URL for `path` with every path parameter and required query parameter filled from its example. */
function exampleUrl(doc: Doc, { path, op }: Operation, pathValue?: string): string {
  const parameters = ((op.parameters ?? []) as Doc[]).map((p) => deref(doc, p));
  let url = path;
  const query = new URLSearchParams();
  for (const parameter of parameters) {
    if (parameter.in === 'path') url = url.replace(`{${parameter.name}}`, encodeURIComponent(pathValue ?? String(parameter.example)));
    if (parameter.in === 'query' && parameter.required) {
      const value = parameter.example;
      query.set(parameter.name, Array.isArray(value) ? value.join(',') : String(value));
    }
  }
  const search = query.toString();
  return search ? `${url}?${search}` : url;
}

const docs = new Map<DemoServiceName, Doc>();
let demo: DemoServices;

beforeAll(async () => {
  for (const file of await readdir(SOURCES)) {
    if (!/\.ya?ml$/.test(file)) continue;
    docs.set(file.replace(/\.ya?ml$/, '') as DemoServiceName, parse(await readFile(new URL(file, SOURCES), 'utf8')) as Doc);
  }
  demo = await startDemoServices();
});
afterAll(async () => {
  await demo.close();
});

it('sources/ holds exactly one spec per demo service', () => {
  expect([...docs.keys()].sort()).toEqual([...SERVICES].sort());
});

describe.each(SERVICES)('sources/%s.yaml', (service) => {
  const doc = (): Doc => docs.get(service)!;
  const url = (path: string): string => `${demo.urls[service]}${path}`;

  it('is an OpenAPI 3.0 document with a title and description and no absolute server', () => {
    expect(doc().openapi).toMatch(/^3\.0\.\d+$/);
    expect(doc().info).toMatchObject({ title: expect.any(String), version: expect.any(String), description: expect.any(String) });
    for (const server of (doc().servers ?? []) as Doc[]) expect(server.url).not.toMatch(/^[a-z]+:\/\//i);
  });

  it('has exactly the expected operations, each described and with a JSON success schema', () => {
    const found = Object.fromEntries(operationsOf(doc()).map(({ method, path, op }) => [op.operationId, `${method} ${path}`]));
    expect(found).toEqual(EXPECTED_OPERATIONS[service]);
    for (const { op } of operationsOf(doc())) {
      expect(op.description, op.operationId).toEqual(expect.any(String));
      expect(op.summary, op.operationId).toEqual(expect.any(String));
      const success = Object.entries(op.responses as Doc).find(([status]) => status.startsWith('2'));
      expect(success?.[1].content?.['application/json']?.schema, op.operationId).toBeDefined();
      for (const parameter of ((op.parameters ?? []) as Doc[]).map((p) => deref(doc(), p))) {
        expect(parameter.description, `${op.operationId} ${parameter.name}`).toEqual(expect.any(String));
        if (parameter.required) expect(parameter.example, `${op.operationId} ${parameter.name} needs an example`).toBeDefined();
      }
    }
  });

  it('documents error bodies in prose only, so GraphQL fields are not unions with an error type', () => {
    for (const { op } of operationsOf(doc())) {
      for (const [status, response] of Object.entries(op.responses as Doc)) {
        if (status.startsWith('2')) continue;
        const resolved = deref(doc(), response);
        expect(resolved.content, `${op.operationId} ${status}`).toBeUndefined();
        expect(resolved.description, `${op.operationId} ${status}`).toContain('message');
      }
    }
  });

  it('describes the seed data exactly', () => {
    const [schemaName, seed] = {
      customers: ['Customer', seedCustomers()],
      orders: ['Order', seedOrders()],
      products: ['Product', seedProducts()],
    }[service] as [string, unknown[]];
    for (const entity of seed) expect(checkSchema(doc(), componentSchema(doc(), schemaName), entity)).toEqual([]);
  });

  it('is served: every operation answers its documented success status with a body that fits', async () => {
    for (const operation of operationsOf(doc())) {
      const { method, op } = operation;
      const [status, response] = Object.entries(op.responses as Doc).find(([code]) => code.startsWith('2'))!;
      const init: RequestInit = { method };
      if (op.requestBody) {
        const media = op.requestBody.content['application/json'];
        expect(media.example, `${op.operationId} needs a request body example`).toBeDefined();
        expect(checkSchema(doc(), media.schema, media.example), `${op.operationId} example`).toEqual([]);
        init.headers = { 'content-type': 'application/json' };
        init.body = JSON.stringify(media.example);
      }
      const res = await request(url(exampleUrl(doc(), operation)), init);
      expect(res.status, op.operationId).toBe(Number(status));
      expect(res.headers.get('content-type'), op.operationId).toBe('application/json');
      expect(checkSchema(doc(), response.content['application/json'].schema, res.body), op.operationId).toEqual([]);
      if (Array.isArray(res.body)) expect(res.body.length, `${op.operationId} should return data`).toBeGreaterThan(0);
    }
  });

  it('answers documented 404s with an Error body for unknown ids', async () => {
    const withNotFound = operationsOf(doc()).filter(({ op }) => '404' in op.responses);
    expect(withNotFound.length).toBeGreaterThan(0);
    for (const operation of withNotFound) {
      const res = await request(url(exampleUrl(doc(), operation, 'no-such-id')), { method: operation.method });
      expect(res.status, operation.op.operationId).toBe(404);
      expect(checkSchema(doc(), componentSchema(doc(), 'Error'), res.body)).toEqual([]);
    }
  });

  it('answers documented 400s with an Error body', async () => {
    for (const operation of operationsOf(doc()).filter(({ op }) => '400' in op.responses)) {
      const { method, op } = operation;
      // A POST with an empty object, or a GET with an out-of-range limit / no ids.
      const res =
        method === 'POST'
          ? await request(url(operation.path), { method, headers: { 'content-type': 'application/json' }, body: '{}' })
          : await request(url(op.operationId === 'customersByIds' ? operation.path : `${operation.path}?limit=0`));
      expect(res.status, op.operationId).toBe(400);
      expect(checkSchema(doc(), componentSchema(doc(), 'Error'), res.body)).toEqual([]);
    }
  });

  it('serves no method the spec does not document on its paths', async () => {
    for (const [path, item] of Object.entries(doc().paths as Doc)) {
      const documented = HTTP_METHODS.filter((method) => method in item);
      // HEAD is implied by GET; OPTIONS/TRACE/CONNECT are not worth a round trip each.
      for (const method of ['get', 'put', 'post', 'delete', 'patch'].filter((m) => !documented.includes(m as never))) {
        const concrete = exampleUrl(doc(), { method, path, op: item[documented[0]!] });
        const res = await request(url(concrete), { method: method.toUpperCase() });
        expect(res.status, `${method.toUpperCase()} ${path}`).toBe(405);
      }
    }
  });
});
