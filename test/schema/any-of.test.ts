// `anyOf`/`oneOf` of objects (issue 11): a union resolved by discriminator, then by
// shape, so that a valid answer of one member is served as that member — never one
// merged object whose members' required fields are all non-null. One row per shape of
// schema and answer, each a real answer from a backend on loopback.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { printType } from 'graphql';
import { createGateway, type Gateway } from '../../src/gateway.ts';
import { silentLogger } from '../../src/observability/log.ts';
import { removeTempDir, startBackend, type Backend } from '../helpers/backend.ts';
import { graphql } from '../helpers/gateway.ts';
import { arrayOf, INTEGER, jsonResponse, objectOf, openapiDoc, ref, STRING, writeSources, type Schema } from '../helpers/openapi.ts';

const SCHEMAS: Record<string, Schema> = {
  Cat: objectOf({ meow: STRING, name: STRING }, ['meow']),
  Dog: objectOf({ bark: INTEGER, name: STRING }, ['bark']),
  // Every field of Pet is also a field of Cat: Mesh's own resolver takes Cat for `{ name }`.
  Pet: objectOf({ name: STRING }, ['name']),
  Square: objectOf({ kind: STRING, side: INTEGER }, ['kind', 'side']),
  Circle: objectOf({ kind: STRING, radius: INTEGER }, ['kind', 'radius']),
  Named: objectOf({ name: STRING }, ['name']),
  Aged: { allOf: [ref('Named'), objectOf({ age: INTEGER }, ['age'])] },
  Choice: { anyOf: [ref('Cat'), ref('Dog')] },
  Kennel: objectOf({ pet: ref('Choice') }),
};

interface Row {
  readonly field: string;
  readonly schema: Schema;
  readonly answer: unknown;
  readonly query: string;
  readonly data: unknown;
}

const CAT_OR_DOG = '{ __typename ... on Cat { meow name } ... on Dog { bark name } }';
const ROWS: Row[] = [
  {
    field: 'anyOfCat',
    schema: { anyOf: [ref('Cat'), ref('Dog')] },
    answer: { meow: 'hi' },
    query: CAT_OR_DOG,
    data: { __typename: 'Cat', meow: 'hi', name: null },
  },
  {
    field: 'anyOfDog',
    schema: { anyOf: [ref('Cat'), ref('Dog')] },
    answer: { bark: 3, name: 'Rex' },
    query: CAT_OR_DOG,
    data: { __typename: 'Dog', bark: 3, name: 'Rex' },
  },
  // Valid against both members (anyOf allows it): the first one listed.
  {
    field: 'anyOfBoth',
    schema: { anyOf: [ref('Cat'), ref('Dog')] },
    answer: { meow: 'hi', bark: 1 },
    query: CAT_OR_DOG,
    data: { __typename: 'Cat', meow: 'hi', name: null },
  },
  {
    field: 'oneOfSubset',
    schema: { oneOf: [ref('Cat'), ref('Pet')] },
    answer: { name: 'Tom' },
    query: '{ __typename ... on Cat { meow } ... on Pet { name } }',
    data: { __typename: 'Pet', name: 'Tom' },
  },
  {
    field: 'anyOfDiscriminated',
    schema: {
      anyOf: [ref('Square'), ref('Circle')],
      discriminator: { propertyName: 'kind', mapping: { sq: '#/components/schemas/Square', ci: '#/components/schemas/Circle' } },
    },
    answer: { kind: 'ci', radius: 2 },
    query: '{ __typename ... on Square { side } ... on Circle { radius } }',
    data: { __typename: 'Circle', radius: 2 },
  },
  {
    field: 'anyOfInline',
    schema: { anyOf: [objectOf({ sku: STRING }, ['sku']), objectOf({ isbn: STRING, pages: INTEGER }, ['isbn'])] },
    answer: { isbn: '978', pages: 10 },
    query: '{ __typename ... on query_anyOfInline_oneOf_0 { sku } ... on query_anyOfInline_oneOf_1 { isbn pages } }',
    data: { __typename: 'query_anyOfInline_oneOf_1', isbn: '978', pages: 10 },
  },
  {
    field: 'anyOfInList',
    schema: arrayOf({ anyOf: [ref('Cat'), ref('Dog')] }),
    answer: [{ meow: 'a' }, { bark: 2 }],
    query: CAT_OR_DOG,
    data: [
      { __typename: 'Cat', meow: 'a', name: null },
      { __typename: 'Dog', bark: 2, name: null },
    ],
  },
  {
    field: 'anyOfAllOf',
    schema: { anyOf: [ref('Aged'), ref('Dog')] },
    answer: { name: 'Ann', age: 40 },
    query: '{ __typename ... on Aged { name age } ... on Dog { bark } }',
    data: { __typename: 'Aged', name: 'Ann', age: 40 },
  },
];

const SPEC = openapiDoc({
  title: 'Shapes',
  schemas: SCHEMAS,
  paths: {
    ...Object.fromEntries(ROWS.map((row) => [`/${row.field}`, { get: { operationId: row.field, responses: jsonResponse(row.schema) } }])),
    // Not only objects, or one member: the loader's own mapping, unchanged.
    '/oneMember': { get: { operationId: 'oneMember', responses: jsonResponse({ anyOf: [ref('Cat')] }) } },
    // A request body: the client picks one member (a `@oneOf` input), which is sent as is.
    '/pets': {
      post: {
        operationId: 'addPet',
        requestBody: { content: { 'application/json': { schema: { anyOf: [ref('Cat'), ref('Dog')] } } } },
        responses: jsonResponse(objectOf({ ok: STRING })),
      },
    },
    // The same union input twice: directly, then inside another input type.
    '/pairs': {
      post: {
        operationId: 'addPair',
        requestBody: { content: { 'application/json': { schema: objectOf({ first: ref('Choice'), kennel: ref('Kennel') }) } } },
        responses: jsonResponse(objectOf({ ok: STRING })),
      },
    },
  },
});

let backend: Backend;
let dir: string;
let gateway: Gateway;

beforeAll(async () => {
  backend = await startBackend((_req, url) => {
    const row = ROWS.find((r) => `/${r.field}` === url.pathname);
    if (row) return { status: 200, body: row.answer };
    if (url.pathname === '/oneMember') return { status: 200, body: { meow: 'm' } };
    if (url.pathname === '/pets' || url.pathname === '/pairs') return { status: 200, body: { ok: 'yes' } };
    return undefined;
  });
  dir = await writeSources({ specs: { 'shapes.yaml': SPEC }, sources: [{ name: 'Shapes', spec: 'shapes.yaml', endpoint: backend.url }] });
  gateway = await createGateway({ configFile: `${dir}/.meshrc.yaml`, logger: silentLogger });
});

afterAll(async () => {
  await gateway?.close({ graceMs: 0 });
  await backend?.close();
  await removeTempDir(dir);
});

it.each(ROWS)('$field: answer $answer is served as its member', async ({ field, query, data }) => {
  const answer = await graphql(gateway, `{ ${field} ${query} }`);
  expect(answer.body).toEqual({ data: { [field]: data } });
});

it('an anyOf of objects is a union of its members, not one merged object', () => {
  const schema = gateway.current().built.schema;
  expect(printType(schema.getType('anyOfCat_200_response')!)).toBe('union anyOfCat_200_response = Cat | Dog');
});

it('an anyOf with one member is that member', async () => {
  expect((await graphql(gateway, '{ oneMember { meow } }')).body).toEqual({ data: { oneMember: { meow: 'm' } } });
});

it('an anyOf request body takes one member, sent as that member alone', async () => {
  const answer = await graphql(gateway, 'mutation { addPet(input: { Dog_Input: { bark: 2, name: "Rex" } }) { ok } }');
  expect(answer.body).toEqual({ data: { addPet: { ok: 'yes' } } });
  expect(JSON.parse(backend.calls.findLast((c) => c.url === '/pets')!.body)).toEqual({ bark: 2, name: 'Rex' });
});

it('a union input is sent as its member wherever it sits, also where it is reached a second time', async () => {
  const dog = '{ Dog_Input: { bark: 2, name: "Rex" } }';
  const answer = await graphql(gateway, `mutation { addPair(input: { first: ${dog}, kennel: { pet: ${dog} } }) { ok } }`);
  expect(answer.body).toEqual({ data: { addPair: { ok: 'yes' } } });
  expect(JSON.parse(backend.calls.findLast((c) => c.url === '/pairs')!.body)).toEqual({
    first: { bark: 2, name: 'Rex' },
    kennel: { pet: { bark: 2, name: 'Rex' } },
  });
});
