// The round trip's argument filler and selection: values come from the document first
// (example, default, enum, pattern, format), are made to fit the GraphQL type (enum
// names as Mesh sanitised them), and what is sent is a valid operation on the schema.
import { buildSchema, parse, validate, type GraphQLField, type GraphQLObjectType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { buildOperation, fillArguments, fitInput, fromPattern, sampleSchema, withoutReadOnly, type SpecOperation } from '../../scripts/roundtrip/operation.ts';
import { operationFor, pathShape, credentials } from '../../scripts/roundtrip/spec.ts';

const schema = buildSchema(`
  scalar DateTime
  scalar UUID
  scalar JSON
  enum Srs { _4326 _3857 }
  enum Lang { en_us de_de }
  input Pet_Input { id: Int! name: String! tag: String born: DateTime }
  type Pet { id: Int! name: String tag: String owner: Owner friends: [Pet] }
  type Owner { name: String pets: [Pet] }
  type Error { id: String code: Int message: String }
  union PetOrError = Pet | Error
  type Query {
    pet(id: String!, verbose: Boolean): Pet
    byDate(when: DateTime!, key: UUID!): Pet
    mapped(outputSRS: Srs!, lang: Lang = en_us): String
    code(code: String!): String
    things(ids: [Int!]!): [Pet]
    either(id: Int!): PetOrError
    blob(meta: JSON!): JSON
  }
  type Mutation { addPet(input: Pet_Input): PetOrError }
`);

const field = (type: 'Query' | 'Mutation', name: string) => (schema.getType(type) as GraphQLObjectType).getFields()[name] as GraphQLField<unknown, unknown>;

const doc = {
  components: {
    schemas: {
      Pet: {
        type: 'object',
        required: ['id', 'name'],
        properties: { id: { type: 'integer', example: 7 }, name: { type: 'string', example: 'Rex' }, tag: { type: 'string' } },
      },
    },
  },
};

const argumentCases: Array<[string, string, SpecOperation | undefined, Record<string, unknown>]> = [
  ['required string, no spec', 'pet', undefined, { id: 'string' }],
  ['spec example wins', 'pet', { parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' }, example: 'p-1' }] }, { id: 'p-1' }],
  [
    'schema example, then default',
    'pet',
    { parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', default: 'dflt' } }] },
    { id: 'dflt' },
  ],
  [
    'optional arguments are left out, unless the spec requires them',
    'pet',
    {
      parameters: [
        { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
        { name: 'verbose', in: 'query', required: true, schema: { type: 'boolean' } },
      ],
    },
    { id: 'string', verbose: true },
  ],
  [
    'format from the spec (date-time, uuid)',
    'byDate',
    {
      parameters: [
        { name: 'when', in: 'query', required: true, schema: { type: 'string', format: 'date-time' } },
        { name: 'key', in: 'query', required: true, schema: { type: 'string', format: 'uuid' } },
      ],
    },
    { when: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), key: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-/) },
  ],
  ['format scalars without a spec', 'byDate', undefined, { when: '2024-01-02T03:04:05Z', key: '3fa85f64-5717-4562-b3fc-2c963f66afa6' }],
  [
    'an enum value meets its sanitised GraphQL name',
    'mapped',
    { parameters: [{ name: 'outputSRS', in: 'query', required: true, schema: { type: 'string', enum: ['3857', '4326'] } }] },
    { outputSRS: '_3857' },
  ],
  ['an enum with no spec: its first value', 'mapped', undefined, { outputSRS: '_4326' }],
  [
    'a pattern is honoured',
    'code',
    { parameters: [{ name: 'code', in: 'query', required: true, schema: { type: 'string', pattern: '^[A-Z]{3}-\\d{2}$' } }] },
    { code: 'AAA-00' },
  ],
  ['a list gets one item', 'things', undefined, { ids: [1] }],
  [
    'a body from its schema ($ref, required properties, examples)',
    'addPet',
    { parameters: [], body: { required: true, schema: { $ref: '#/components/schemas/Pet' } } },
    { input: { id: 7, name: 'Rex' } },
  ],
  [
    'a body example as written',
    'addPet',
    { parameters: [], body: { required: true, example: { id: 3, name: 'Tom', tag: 'cat' } } },
    { input: { id: 3, name: 'Tom', tag: 'cat' } },
  ],
  ['an optional body with no spec is left out', 'addPet', undefined, {}],
  [
    'a JSON scalar gets the sample as is',
    'blob',
    { parameters: [{ name: 'meta', in: 'query', required: true, schema: { type: 'object', required: ['a'], properties: { a: { type: 'integer' } } } }] },
    { meta: { a: 0 } },
  ],
];

describe('fillArguments', () => {
  it.each(argumentCases)('%s', (_name, fieldName, operation, expected) => {
    const type = fieldName === 'addPet' ? 'Mutation' : 'Query';
    expect(fillArguments(field(type, fieldName), operation, doc)).toEqual(expected);
  });
});

describe('withoutReadOnly', () => {
  it('drops readOnly properties of an example, through $ref, allOf and arrays', () => {
    const document = {
      components: {
        schemas: {
          Base: { type: 'object', properties: { self: { type: 'string', readOnly: true }, name: { type: 'string' } } },
          Component: { allOf: [{ $ref: '#/components/schemas/Base' }], properties: { valid: { type: 'boolean', readOnly: true }, lead: { type: 'string' } } },
        },
      },
    };
    const schema = { type: 'array', items: { $ref: '#/components/schemas/Component' } };
    expect(withoutReadOnly([{ self: 'x', name: 'n', valid: false, lead: 'l', extra: 1 }], schema, document)).toEqual([{ name: 'n', lead: 'l', extra: 1 }]);
  });
});

describe('fitInput for a OneOf input object', () => {
  const oneOf = buildSchema(`
    input Cat_Input { meow: Boolean! }
    input Dog_Input { bark: Int! }
    input Pet_OneOf @oneOf { Cat_Input: Cat_Input Dog_Input: Dog_Input }
    type Query { f(p: Pet_OneOf): Int }
  `);
  const type = oneOf.getQueryType()!.getFields().f!.args[0]!.type;
  it.each([
    ['no sample: the first member, filled', undefined, { Cat_Input: { meow: true } }],
    ['a sample naming a member: that member', { Dog_Input: { bark: 3 } }, { Dog_Input: { bark: 3 } }],
  ])('%s', (_name, wanted, expected) => {
    const value = fitInput(type, wanted as never);
    expect(value).toEqual(expected);
    expect(Object.keys(value as object)).toHaveLength(1);
  });
});

describe('buildOperation', () => {
  it.each([
    ['query', 'pet', ['id', 'name', 'tag', 'owner { __typename name }', 'friends {']],
    ['query', 'either', ['__typename', '... on Pet {', 'Pet_id: id', '... on Error {', 'Error_id: id', ' code ', ' tag ']],
    ['mutation', 'addPet', ['mutation Roundtrip', '... on Pet']],
    ['query', 'blob', ['blob(meta: $meta) }']],
  ] as const)('%s %s is valid on the schema and selects leaves one level down', (kind, name, fragments) => {
    const built = buildOperation(kind, field(kind === 'query' ? 'Query' : 'Mutation', name), schema);
    expect(validate(schema, parse(built.query))).toEqual([]);
    for (const f of fragments) expect(built.query).toContain(f);
    // One level of nesting only: Owner.pets (two levels down) is not selected.
    expect(built.query).not.toContain('pets');
  });

  it('leaves out fields that would make calls of their own', () => {
    const built = buildOperation('query', field('Query', 'pet'), schema, { callsOut: (type, f) => type === 'Pet' && f === 'owner' });
    expect(built.query).not.toContain('owner');
  });
});

describe('document helpers', () => {
  it('samples are deterministic and valid for their schema', () => {
    expect(fromPattern('^\\d{4}$')).toBe('0000');
    expect(sampleSchema({ type: 'string', format: 'email' }, {})).toMatch(/@/);
    expect(sampleSchema({ type: 'integer', minimum: 5 }, {})).toBe(5);
    expect(sampleSchema({ $ref: '#/components/schemas/Pet' }, doc)).toEqual({ id: 7, name: 'Rex' });
  });

  it('finds the operation a Mesh path stands for, with Swagger 2 inline parameters and formData', () => {
    const swagger = {
      paths: {
        '/pets/{petId}': {
          parameters: [{ name: 'petId', in: 'path', required: true, type: 'string', pattern: '^p' }],
          post: { parameters: [{ name: 'name', in: 'formData', required: true, type: 'string' }] },
        },
      },
    };
    expect(pathShape('/pets/{args.petId}')).toBe(pathShape('/pets/{petId}'));
    const op = operationFor(swagger, 'POST', '/pets/{args.petId}');
    expect(op?.parameters).toEqual([{ name: 'petId', in: 'path', required: true, schema: { type: 'string', pattern: '^p' }, example: undefined }]);
    expect(op?.body).toEqual({ required: true, schema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } });
    expect(operationFor(swagger, 'GET', '/pets/{args.petId}')).toBeUndefined();
  });

  it('sets a credential for each security scheme', () => {
    expect(
      credentials({
        components: {
          securitySchemes: {
            key: { type: 'apiKey', in: 'header', name: 'X-Key' },
            q: { type: 'apiKey', in: 'query', name: 'api_key' },
            basic: { type: 'http', scheme: 'basic' },
            bearer: { type: 'http', scheme: 'bearer' },
          },
        },
      }),
    ).toEqual({
      operationHeaders: { 'X-Key': 'roundtrip-key', Authorization: 'Basic cm91bmR0cmlwOnJvdW5kdHJpcA==' },
      queryParams: { api_key: 'roundtrip-key' },
    });
    // An API key in Authorization next to OAuth: one bearer token satisfies both.
    expect(
      credentials({ securityDefinitions: { token: { type: 'apiKey', in: 'header', name: 'Authorization' }, oauth: { type: 'oauth2', flow: 'implicit' } } }),
    ).toEqual({ operationHeaders: { Authorization: 'Bearer roundtrip-key' }, queryParams: {} });
  });
});
