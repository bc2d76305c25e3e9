// Path keys that carry a query or fragment part, the convention of every AWS document in
// APIs.guru: `/?Action=DescribeThings&Version=2016-11-15` (query protocol: the selecting
// parameters go in the query string), `/#X-Amz-Target=Svc.Op` (JSON protocol: the
// operation is named by a header) and `/tags/{arn}#tagKeys` (two operations on one path,
// told apart by a required query parameter declared as usual). OpenAPI path keys are
// paths only (OAS 3.1 §4.8.8.1: they "MUST begin with a forward slash"; a query string
// is not part of them), so the part after `?` or `#` is read as what it stands for and
// never sent raw: a `#` in a request-target is not HTTP (RFC 9112 §3.2), and the
// selecting parameter would never reach the service.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../../src/gateway.ts';
import { silentLogger } from '../../src/observability/log.ts';
import { removeTempDir, startBackend, writeTempDir, type Backend } from '../helpers/backend.ts';
import { graphql } from '../helpers/gateway.ts';

const SPEC = `
openapi: 3.0.3
info: { title: Aws, version: '1' }
paths:
  /?Action=DescribeThings&Version=2016-11-15:
    get:
      operationId: DescribeThings
      parameters:
        - { name: MaxResults, in: query, schema: { type: integer } }
      responses:
        '200': { description: ok, content: { application/json: { schema: { $ref: '#/components/schemas/Echo' } } } }
  /#X-Amz-Target=Things_2012.ListThings:
    post:
      operationId: ListThings
      parameters:
        - { name: X-Amz-Target, in: header, required: true, schema: { type: string, enum: [Things_2012.ListThings] } }
      requestBody: { required: true, content: { application/json: { schema: { type: object, properties: { Limit: { type: integer } } } } } }
      responses:
        '200': { description: ok, content: { application/json: { schema: { $ref: '#/components/schemas/Echo' } } } }
  /#X-Amz-Target=Things_2012.GetThing:
    post:
      operationId: GetThing
      requestBody: { required: true, content: { application/json: { schema: { type: object, properties: { Name: { type: string } } } } } }
      responses:
        '200': { description: ok, content: { application/json: { schema: { $ref: '#/components/schemas/Echo' } } } }
  /tags/{arn}#tagKeys:
    delete:
      operationId: UntagResource
      parameters:
        - { name: arn, in: path, required: true, schema: { type: string } }
        - { name: tagKeys, in: query, required: true, schema: { type: array, items: { type: string } } }
      responses:
        '200': { description: ok, content: { application/json: { schema: { $ref: '#/components/schemas/Echo' } } } }
components:
  schemas:
    Echo: { type: object, properties: { path: { type: string }, target: { type: string } } }
`;

let backend: Backend;
let dir: string;
let gateway: Gateway;

beforeAll(async () => {
  backend = await startBackend((req, url) => ({ status: 200, body: { path: `${url.pathname}${url.search}`, target: req.headers['x-amz-target'] ?? null } }));
  dir = await writeTempDir({
    'aws.yaml': SPEC,
    '.meshrc.yaml': `sources:\n  - name: Aws\n    handler:\n      openapi:\n        source: ./aws.yaml\n        endpoint: ${backend.url}\n`,
  });
  gateway = await createGateway({ configFile: `${dir}/.meshrc.yaml`, logger: silentLogger });
});

afterAll(async () => {
  await gateway?.close({ graceMs: 0 });
  await backend?.close();
  await removeTempDir(dir);
});

describe('path keys with a query or fragment part', () => {
  const cases = [
    {
      name: "`?k=v&…`: constant query parameters, before the operation's own",
      query: '{ DescribeThings(MaxResults: 5) { path target } }',
      sent: { method: 'GET', url: '/?Action=DescribeThings&Version=2016-11-15&MaxResults=5' },
      target: undefined,
    },
    {
      name: '`#Header=v` with the header declared: the header, the path `/`',
      query: '{ ListThings(X_Amz_Target: Things_2012_ListThings, input: { Limit: 1 }) { path target } }',
      sent: { method: 'POST', url: '/' },
      target: 'Things_2012.ListThings',
    },
    {
      name: '`#Header=v` not declared: still the header, the path `/`',
      query: '{ GetThing(input: { Name: "a" }) { path target } }',
      sent: { method: 'POST', url: '/' },
      target: 'Things_2012.GetThing',
    },
    {
      name: '`#name`: a declared query parameter tells operations apart; only the path is sent as the path',
      query: '{ UntagResource(arn: "a:b", tagKeys: ["k1", "k2"]) { path target } }',
      sent: { method: 'DELETE', url: '/tags/a%3Ab?tagKeys=k1&tagKeys=k2' },
      target: undefined,
    },
  ];
  it.each(cases)('$name', async ({ query, sent, target }) => {
    const before = backend.calls.length;
    const answer = await graphql(
      gateway,
      query.replace('{ DescribeThings', 'query { DescribeThings').replace(/^\{ (ListThings|GetThing|UntagResource)/, 'mutation { $1'),
    );
    expect(answer.body.errors).toBeUndefined();
    const [call] = backend.calls.slice(before);
    expect({ method: call!.method, url: call!.url }).toEqual(sent);
    expect(call!.headers['x-amz-target']).toBe(target);
  });
});
