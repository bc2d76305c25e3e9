// A union or interface member is resolved from what the service answered — the loader's
// discriminator, the implicit discriminator mapping (OAS 3.0 §4.7.25: the property holds
// the variant schema's name), then the value's shape — and a value that fits no member
// is a field error at its path. Never a crash: graphql-jit's own default resolver throws
// outside the request's promise, which took the process down on Bitbucket's
// `webhook_subscription.subject` (an interface without a discriminator the loader kept).
// Both executors are asked the same questions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execute } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { createGateway, type Gateway } from '../../src/gateway.ts';
import { silentLogger } from '../../src/observability/log.ts';
import { removeTempDir, startBackend, writeTempDir, type Backend } from '../helpers/backend.ts';
import { graphql } from '../helpers/gateway.ts';

// Swagger 2.0 with a discriminated base, as Bitbucket's document is written: the loader
// makes `object` an interface and gives it no type resolver.
const SPEC = {
  swagger: '2.0',
  info: { title: 'Hooks', version: '1' },
  host: 'hooks.test',
  basePath: '/',
  schemes: ['http'],
  paths: {
    '/hook': {
      get: { operationId: 'hook', produces: ['application/json'], responses: { '200': { description: 'ok', schema: { $ref: '#/definitions/hook' } } } },
    },
    '/user': {
      get: { operationId: 'user', produces: ['application/json'], responses: { '200': { description: 'ok', schema: { $ref: '#/definitions/user' } } } },
    },
    '/team': {
      get: { operationId: 'team', produces: ['application/json'], responses: { '200': { description: 'ok', schema: { $ref: '#/definitions/team' } } } },
    },
  },
  definitions: {
    object: { type: 'object', required: ['type'], discriminator: 'type', properties: { type: { type: 'string' } } },
    hook: {
      allOf: [{ $ref: '#/definitions/object' }, { type: 'object', properties: { uuid: { type: 'string' }, subject: { $ref: '#/definitions/object' } } }],
    },
    user: { allOf: [{ $ref: '#/definitions/object' }, { type: 'object', properties: { name: { type: 'string' } } }] },
    team: { allOf: [{ $ref: '#/definitions/object' }, { type: 'object', properties: { slug: { type: 'string' } } }] },
  },
};

/** Runs every operation on graphql-js instead of graphql-jit (a later onExecute wins). */
const graphqlJs: Plugin = { onExecute: ({ setExecuteFn }) => setExecuteFn(execute) };

let subject: unknown;
let backend: Backend;
let dir: string;
const gateways: Record<'graphql-jit' | 'graphql-js', Gateway> = {} as never;

beforeAll(async () => {
  backend = await startBackend(() => ({ status: 200, body: { type: 'hook', uuid: 'h1', subject } }));
  dir = await writeTempDir({
    'hooks.json': JSON.stringify(SPEC),
    '.meshrc.yaml': `sources:\n  - name: Hooks\n    handler:\n      openapi:\n        source: ./hooks.json\n        endpoint: ${backend.url}\n`,
  });
  gateways['graphql-jit'] = await createGateway({ configFile: `${dir}/.meshrc.yaml`, logger: silentLogger });
  gateways['graphql-js'] = await createGateway({ configFile: `${dir}/.meshrc.yaml`, logger: silentLogger, plugins: [graphqlJs] });
});

afterAll(async () => {
  await Promise.all(Object.values(gateways).map((g) => g.close({ graceMs: 0 })));
  await backend?.close();
  await removeTempDir(dir);
});

const QUERY = '{ hook { uuid subject { __typename type ... on team { slug } ... on user { name } } } }';

const resolved = [
  { why: 'the discriminator names a member', value: { type: 'team', slug: 's' }, typename: 'team' },
  { why: 'the discriminator names a member whatever the other keys', value: { type: 'user' }, typename: 'user' },
  { why: 'an unknown discriminator value: the member that declares every key', value: { type: 'robot', slug: 's' }, typename: 'team' },
  { why: 'an unknown discriminator value: the other member by shape', value: { type: 'robot', name: 'n' }, typename: 'user' },
];

describe.each(['graphql-jit', 'graphql-js'] as const)('%s', (executor) => {
  it.each(resolved)('$why', async ({ value, typename }) => {
    subject = value;
    const answer = await graphql(gateways[executor], QUERY);
    expect(answer.body.errors).toBeUndefined();
    expect((answer.body.data as { hook: { subject: { __typename: string } } }).hook.subject.__typename).toBe(typename);
  });

  it('a value that fits no member is null and an error at its path, and the gateway keeps serving', async () => {
    subject = 'not an object';
    const answer = await graphql(gateways[executor], QUERY);
    expect(answer.body.data).toEqual({ hook: { uuid: 'h1', subject: null } });
    expect(answer.body.errors).toHaveLength(1);
    expect(answer.body.errors![0].path).toEqual(['hook', 'subject']);
    subject = { type: 'team', slug: 's' };
    expect((await graphql(gateways[executor], QUERY)).body.errors).toBeUndefined();
  });
});
