// A request body that may be any value: a media type without a schema, or with the empty
// schema `{}` (OAS 3.0 §4.7.11; `{}` validates everything, JSON Schema 2020-12 §4.3.2),
// and a Swagger 2.0 `in: body` parameter with `schema: {}`. Each gets an `input: JSON`
// argument whose value is sent as the body; before, the loader gave them no argument and
// the required body never left the gateway.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../../src/gateway.ts';
import { silentLogger } from '../../src/observability/log.ts';
import { removeTempDir, startBackend, writeTempDir, type Backend } from '../helpers/backend.ts';
import { graphql } from '../helpers/gateway.ts';

const OAS3 = `
openapi: 3.0.3
info: { title: Props, version: '1' }
paths:
  /props/{key}:
    put:
      operationId: setProperty
      parameters: [{ name: key, in: path, required: true, schema: { type: string } }]
      requestBody: { required: true, content: { application/json: { schema: {} } } }
      responses: { '200': { description: ok, content: { application/json: { schema: { type: object, properties: { ok: { type: boolean } } } } } } }
  /notes:
    post:
      operationId: addNote
      requestBody: { $ref: '#/components/requestBodies/Anything' }
      responses: { '200': { description: ok, content: { application/json: { schema: { type: object, properties: { ok: { type: boolean } } } } } } }
components:
  requestBodies:
    Anything: { required: true, content: { application/json: {} } }
`;

const SWAGGER2 = `
swagger: '2.0'
info: { title: Tags, version: '1' }
consumes: [application/json]
produces: [application/json]
paths:
  /tags:
    post:
      operationId: addTag
      parameters: [{ name: body, in: body, required: true, schema: {} }]
      responses: { '200': { description: ok, schema: { type: object, properties: { ok: { type: boolean } } } } }
`;

let backend: Backend;
let dir: string;
let gateway: Gateway;

beforeAll(async () => {
  backend = await startBackend(() => ({ status: 200, body: { ok: true } }));
  dir = await writeTempDir({
    'props.yaml': OAS3,
    'tags.yaml': SWAGGER2,
    '.meshrc.yaml': [
      'sources:',
      '  - name: Props',
      '    handler:',
      '      openapi:',
      '        source: ./props.yaml',
      `        endpoint: ${backend.url}`,
      '  - name: Tags',
      '    handler:',
      '      openapi:',
      '        source: ./tags.yaml',
      `        endpoint: ${backend.url}`,
      '',
    ].join('\n'),
  });
  gateway = await createGateway({ configFile: `${dir}/.meshrc.yaml`, logger: silentLogger });
});

afterAll(async () => {
  await gateway?.close({ graceMs: 0 });
  await backend?.close();
  await removeTempDir(dir);
});

describe('a body of any value', () => {
  it.each([
    ['the empty schema', 'mutation { setProperty(key: "k", input: {color: "red", n: [1, 2]}) { ok } }', 'PUT', '/props/k', { color: 'red', n: [1, 2] }],
    ['the empty schema, a scalar', 'mutation { setProperty(key: "k", input: "plain") { ok } }', 'PUT', '/props/k', 'plain'],
    ['no schema, through a $ref', 'mutation { addNote(input: {text: "hi"}) { ok } }', 'POST', '/notes', { text: 'hi' }],
    ['a Swagger 2.0 body parameter', 'mutation { addTag(input: {name: "t"}) { ok } }', 'POST', '/tags', { name: 't' }],
  ])('%s is sent as JSON', async (_name, query, method, url, sent) => {
    const before = backend.calls.length;
    const answer = await graphql(gateway, query);
    expect(answer.body.errors).toBeUndefined();
    const [call] = backend.calls.slice(before);
    expect(`${call!.method} ${call!.url}`).toBe(`${method} ${url}`);
    expect(call!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(call!.body)).toEqual(sent);
  });
});
