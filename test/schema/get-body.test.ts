// A GET whose operation declares a body sends it. RFC 9110 §9.3.1: content in a GET has
// no generally defined semantics, and a client should not send one unless the service
// said it has a purpose; a document that declares the body (Swagger 2.0 `in: body`, OAS
// 3.1 §4.8.10: "permitted") says so. AWS's Lambda spec has GETs like these.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../../src/gateway.ts';
import { silentLogger } from '../../src/observability/log.ts';
import { removeTempDir, startBackend, writeTempDir, type Backend } from '../helpers/backend.ts';
import { graphql } from '../helpers/gateway.ts';

const SPEC = `
swagger: '2.0'
info: { title: Policies, version: '1' }
produces: [application/json]
consumes: [application/json]
paths:
  /functions/{name}/policy:
    get:
      operationId: getPolicy
      parameters:
        - { name: name, in: path, required: true, type: string }
        - { name: body, in: body, required: true, schema: { type: object, properties: { qualifier: { type: string } } } }
      responses:
        '200': { description: ok, schema: { type: object, properties: { policy: { type: string } } } }
  /functions/{name}:
    get:
      operationId: getFunction
      parameters:
        - { name: name, in: path, required: true, type: string }
      responses:
        '200': { description: ok, schema: { type: object, properties: { policy: { type: string } } } }
`;

let backend: Backend;
let dir: string;
let gateway: Gateway;

beforeAll(async () => {
  backend = await startBackend(() => ({ status: 200, body: { policy: 'allow' } }));
  dir = await writeTempDir({
    'policies.yaml': SPEC,
    '.meshrc.yaml': `sources:\n  - name: Policies\n    handler:\n      openapi:\n        source: ./policies.yaml\n        endpoint: ${backend.url}\n`,
  });
  gateway = await createGateway({ configFile: `${dir}/.meshrc.yaml`, logger: silentLogger });
});

afterAll(async () => {
  await gateway?.close({ graceMs: 0 });
  await backend?.close();
  await removeTempDir(dir);
});

describe('GET bodies', () => {
  it('sends the declared body of a GET as JSON', async () => {
    const before = backend.calls.length;
    const answer = await graphql(gateway, '{ getPolicy(name: "f", body: {}, input: { qualifier: "v2" }) { policy } }');
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data).toEqual({ getPolicy: { policy: 'allow' } });
    const [call] = backend.calls.slice(before);
    expect(call!.method).toBe('GET');
    expect(call!.url).toBe('/functions/f/policy');
    expect(call!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(call!.body)).toEqual({ qualifier: 'v2' });
  });

  it('sends no body on a GET that declares none', async () => {
    const before = backend.calls.length;
    const answer = await graphql(gateway, '{ getFunction(name: "f") { policy } }');
    expect(answer.body.errors).toBeUndefined();
    const [call] = backend.calls.slice(before);
    expect(call!.body).toBe('');
    expect(call!.headers['content-length']).toBeUndefined();
    expect(call!.headers['transfer-encoding']).toBeUndefined();
  });
});
