// A success without a body (OAS 3.0 §4.7.17: no `content`; Swagger 2.0: no `schema`) in an
// operation whose `default` answer has one: the field is "no body" or the error, by status
// code, not the error type with non-null fields the service never sends on success.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../../src/gateway.ts';
import { silentLogger } from '../../src/observability/log.ts';
import { removeTempDir, startBackend, writeTempDir, type Backend } from '../helpers/backend.ts';
import { graphql } from '../helpers/gateway.ts';

const ERR = { type: 'object', required: ['code', 'message'], properties: { code: { type: 'integer' }, message: { type: 'string' } } };

const OAS3 = JSON.stringify({
  openapi: '3.0.3',
  info: { title: 'Things', version: '1' },
  paths: {
    '/things/{id}': {
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
      put: {
        operationId: 'putThing',
        responses: {
          '200': { description: 'stored' },
          default: { description: 'error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Err' } } } },
        },
      },
      // The body-less success shared through components.responses.
      patch: {
        operationId: 'patchThing',
        responses: {
          '202': { $ref: '#/components/responses/Accepted' },
          default: { description: 'error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Err' } } } },
        },
      },
    },
    // No 2xx at all: the 303 is the success (Jira's bulk property operations).
    '/things/bulk': {
      post: {
        operationId: 'bulkThings',
        responses: {
          '303': { description: 'Returned if the operation is successful.' },
          '400': { description: 'error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Err' } } } },
        },
      },
    },
  },
  components: { schemas: { Err: ERR }, responses: { Accepted: { description: 'accepted' } } },
});

const SWAGGER2 = JSON.stringify({
  swagger: '2.0',
  info: { title: 'Things', version: '1' },
  host: 'things.test',
  basePath: '/',
  schemes: ['http'],
  produces: ['application/json'],
  paths: {
    '/things/{id}': {
      put: {
        operationId: 'putThing',
        parameters: [{ name: 'id', in: 'path', required: true, type: 'string' }],
        responses: { '200': { description: 'stored' }, default: { description: 'error', schema: { $ref: '#/definitions/Err' } } },
      },
    },
    // A 204 with a schema, which RFC 9110 §15.3.5 says it cannot carry (bitbucket's vote).
    '/things/{id}/vote': {
      get: {
        operationId: 'getVote',
        parameters: [{ name: 'id', in: 'path', required: true, type: 'string' }],
        responses: {
          '204': { description: 'voted', schema: { $ref: '#/definitions/Err' } },
          '404': { description: 'none', schema: { $ref: '#/definitions/Err' } },
        },
      },
    },
  },
  definitions: { Err: ERR },
});

let status = 200;
let backend: Backend;
const dirs: string[] = [];
const gateways: Record<string, Gateway> = {};

beforeAll(async () => {
  backend = await startBackend(() =>
    status < 300 ? { status } : status < 400 ? { status, headers: { location: '/tasks/1' } } : { status, body: { code: 7, message: 'no such thing' } },
  );
  for (const [name, spec] of Object.entries({ 'OAS 3.0': OAS3, 'Swagger 2.0': SWAGGER2 })) {
    const dir = await writeTempDir({
      'things.json': spec,
      '.meshrc.yaml': `sources:\n  - name: Things\n    handler:\n      openapi:\n        source: ./things.json\n        endpoint: ${backend.url}\n`,
    });
    dirs.push(dir);
    gateways[name] = await createGateway({ configFile: `${dir}/.meshrc.yaml`, logger: silentLogger });
  }
});

afterAll(async () => {
  await Promise.all(Object.values(gateways).map((g) => g.close({ graceMs: 0 })));
  await backend?.close();
  await Promise.all(dirs.map(removeTempDir));
});

const PUT = 'mutation { putThing(id: "t1") { __typename ... on Err { code message } } }';

describe.each(['OAS 3.0', 'Swagger 2.0'])('%s', (name) => {
  it('an empty 200 is data: the "no body" member', async () => {
    status = 200;
    const answer = await graphql(gateways[name], PUT);
    expect(answer.body.errors).toBeUndefined();
    expect((answer.body.data as { putThing: { __typename: string } }).putThing.__typename).not.toBe('Err');
  });

  it('an error status is the error member, with its fields', async () => {
    status = 404;
    const answer = await graphql(gateways[name], PUT);
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data).toEqual({ putThing: { __typename: 'Err', code: 7, message: 'no such thing' } });
  });
});

it('a body-less success shared through components.responses is typed the same, per operation', async () => {
  status = 202;
  const answer = await graphql(gateways['OAS 3.0'], 'mutation { patchThing(id: "t1") { __typename } }');
  expect(answer.body.errors).toBeUndefined();
  expect((answer.body.data as { patchThing: { __typename: string } }).patchThing.__typename).not.toBe('Err');
});

describe('a 204 whose response declares a schema (RFC 9110 §15.3.5: it has no content)', () => {
  it('is a success without a body, not the schema with its required fields missing', async () => {
    status = 204;
    const answer = await graphql(gateways['Swagger 2.0'], '{ getVote(id: "t1") { __typename } }');
    expect(answer.body.errors).toBeUndefined();
    expect((answer.body.data as { getVote: { __typename: string } | null }).getVote?.__typename).not.toBe('Err');
  });

  it('a declared error status still is the error', async () => {
    status = 404;
    const answer = await graphql(gateways['Swagger 2.0'], '{ getVote(id: "t1") { __typename ... on Err { code message } } }');
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data).toEqual({ getVote: { __typename: 'Err', code: 7, message: 'no such thing' } });
  });
});

describe('an operation that declares no 2xx answer (OAS 3.0 §4.7.16)', () => {
  it('takes its declared 3xx for the success: data, not UPSTREAM_HTTP_ERROR', async () => {
    status = 303;
    const answer = await graphql(gateways['OAS 3.0'], 'mutation { bulkThings { __typename } }');
    expect(answer.body.errors).toBeUndefined();
    expect((answer.body.data as { bulkThings: { __typename: string } }).bulkThings.__typename).not.toBe('Err');
  });

  it('its declared error is still the error', async () => {
    status = 400;
    const answer = await graphql(gateways['OAS 3.0'], 'mutation { bulkThings { __typename ... on Err { code } } }');
    expect(answer.body.data).toEqual({ bulkThings: { __typename: 'Err', code: 7 } });
  });
});
