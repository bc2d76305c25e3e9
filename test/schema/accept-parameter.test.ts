// A Swagger 2.0 `Accept` header parameter with an enum decides the Accept header sent
// (Swagger 2.0 Parameter Object, `in: header`; OAS 3 ignores such a parameter, §4.7.12.1).
// Mesh's loader sent `produces` joined by commas, a value the enum does not allow.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../../src/gateway.ts';
import { silentLogger } from '../../src/observability/log.ts';
import { removeTempDir, startBackend, writeTempDir, type Backend } from '../helpers/backend.ts';
import { graphql } from '../helpers/gateway.ts';

const SPEC = `
swagger: '2.0'
info: { title: Customers, version: '1' }
produces: [application/json]
parameters:
  mediaType: { name: Accept, in: header, type: string, enum: [application/json], default: application/json }
paths:
  /customers:
    get:
      operationId: customers
      produces: [application/json, text/csv]
      parameters:
        - { name: Accept, in: header, type: string, enum: [application/json, text/csv], default: application/json }
      responses:
        '200': { description: ok, schema: { type: array, items: { type: object, properties: { id: { type: string } } } } }
  /plans:
    parameters: [{ $ref: '#/parameters/mediaType' }]
    get:
      operationId: plans
      produces: [application/json, text/csv]
      responses:
        '200': { description: ok, schema: { type: array, items: { type: object, properties: { id: { type: string } } } } }
  /invoices:
    get:
      operationId: invoices
      produces: [text/csv, application/json]
      parameters:
        - { name: accept, in: header, type: string, enum: [text/csv, application/vnd.api+json] }
      responses:
        '200': { description: ok, schema: { type: array, items: { type: object, properties: { id: { type: string } } } } }
`;

let backend: Backend;
let dir: string;
let gateway: Gateway;

beforeAll(async () => {
  backend = await startBackend(() => ({ status: 200, body: [{ id: '1' }] }));
  dir = await writeTempDir({
    'customers.yaml': SPEC,
    '.meshrc.yaml': `sources:\n  - name: Customers\n    handler:\n      openapi:\n        source: ./customers.yaml\n        endpoint: ${backend.url}\n`,
  });
  gateway = await createGateway({ configFile: `${dir}/.meshrc.yaml`, logger: silentLogger });
});

afterAll(async () => {
  await gateway?.close({ graceMs: 0 });
  await backend?.close();
  await removeTempDir(dir);
});

describe('an Accept header parameter', () => {
  it.each([
    ['its default', '{ customers { id } }', 'application/json'],
    ['its default, declared on the path item through a $ref', '{ plans { id } }', 'application/json'],
    ['its JSON value, when it has no default', '{ invoices { id } }', 'application/vnd.api+json'],
  ])('sends %s', async (_name, query, accept) => {
    const before = backend.calls.length;
    const answer = await graphql(gateway, query);
    expect(answer.body.errors).toBeUndefined();
    const [call] = backend.calls.slice(before);
    expect(call!.headers.accept).toBe(accept);
  });
});
