// printSchemaWithDirectivesByParts (src/openapi/print-sdl.ts) prints exactly what
// graphql-tools' printSchemaWithDirectives prints: on a schema written as SDL (directives
// on every kind of definition, descriptions that need block strings, arguments long
// enough to wrap) and on schemas Mesh's loader made (directives kept in extensions).
import { createRequire } from 'node:module';
import { expect, it } from 'vitest';
import type { GraphQLSchema } from 'graphql';
import { printSchemaWithDirectivesAsChunks, printSchemaWithDirectivesByParts, textAsChunks } from '../../src/openapi/print-sdl.ts';
import { sdlFromChunks } from '../../src/openapi/loader-protocol.ts';
import { arrayOf, getOp, INTEGER, jsonResponse, objectOf, openapiDoc, postOp, queryParam, ref, STRING } from '../helpers/openapi.ts';

// The loader thread's builds (CommonJS), as print-sdl.ts uses them.
const require = createRequire(import.meta.url);
const { buildSchema } = require('graphql') as typeof import('graphql');
const { printSchemaWithDirectives } = require('@graphql-tools/utils') as typeof import('@graphql-tools/utils');
const { loadNonExecutableGraphQLSchemaFromOpenAPI } = require('@omnigraph/openapi') as typeof import('@omnigraph/openapi');

const SDL = `
"""The schema's own description"""
schema @transport(subgraph: "S", kind: "rest", location: "http://x") { query: Query mutation: Mutation }
directive @transport(subgraph: String, kind: String, location: String) repeatable on SCHEMA
directive @tag(name: String!, values: [String] = ["a", "b"]) repeatable on OBJECT | FIELD_DEFINITION | ARGUMENT_DEFINITION | ENUM_VALUE | INPUT_FIELD_DEFINITION | SCALAR | UNION | INTERFACE | ENUM | INPUT_OBJECT
"""
A description on
several lines, with "quotes" and a \\"""triple\\""" one
"""
type Query @tag(name: "q") {
  "one line"
  field(aVeryLongArgumentName: String = "default", anotherVeryLongArgumentName: [Int!] = [1, 2, 3], third: In @tag(name: "arg")): Thing @tag(name: "f")
  old: String @deprecated(reason: "use field")
}
type Mutation { make(input: In!): Thing }
interface Node @tag(name: "i") { id: ID! }
interface Named implements Node { id: ID! name: String }
type Thing implements Node & Named { id: ID! name: String kind: Kind list: [[Thing!]]! }
union Either @tag(name: "u") = Thing | Other
type Other { x: Float }
enum Kind @tag(name: "e") { A @tag(name: "v") B @deprecated C }
input In @tag(name: "in") { a: String = "x" @tag(name: "if") b: Kind = A c: [In!] d: Float = 1.5 }
scalar When @specifiedBy(url: "https://example.com") @tag(name: "s")
`;

const MESH_DOC = openapiDoc({
  title: 'Printed',
  schemas: {
    Cat: objectOf({ meow: STRING, lives: INTEGER, kind: { type: 'string', enum: ['a cat', 'b-cat', '3'] } }, ['meow']),
    Dog: objectOf({ bark: INTEGER, friends: arrayOf(ref('Cat')) }, ['bark']),
    Pet: { oneOf: [ref('Cat'), ref('Dog')], description: 'A pet: "cat" or\ndog.' },
  },
  paths: {
    '/pets': {
      ...getOp('listPets', {
        params: [queryParam('limit', INTEGER), queryParam('tags', arrayOf(STRING), { style: 'form', explode: false })],
        response: arrayOf(ref('Pet')),
      }),
      ...postOp('addPet', { body: ref('Pet'), response: ref('Pet') }),
    },
    '/pets/{id}': {
      get: {
        operationId: 'getPet',
        parameters: [{ name: 'id', in: 'path', required: true, schema: STRING }],
        responses: { ...jsonResponse(ref('Pet')), '404': { description: 'none', content: { 'application/json': { schema: objectOf({ code: STRING }) } } } },
      },
    },
  },
});

async function meshSchema(): Promise<GraphQLSchema> {
  return loadNonExecutableGraphQLSchemaFromOpenAPI('Printed', {
    source: { ...MESH_DOC, servers: [{ url: 'http://127.0.0.1:1' }] } as never,
    cwd: process.cwd(),
  } as never);
}

it.each([
  ['a schema written as SDL', async () => buildSchema(SDL, { assumeValidSDL: true })],
  ["a schema made by Mesh's loader", meshSchema],
])('%s prints as printSchemaWithDirectives prints it', async (_name, make) => {
  const schema = await make();
  const expected = printSchemaWithDirectives(schema);
  expect(expected.length).toBeGreaterThan(500);
  expect(printSchemaWithDirectivesByParts(schema)).toBe(expected);
  expect(sdlFromChunks(printSchemaWithDirectivesAsChunks(schema))).toBe(expected);
});

it('UTF-8 chunks end between texts, so multi-byte characters survive any number of chunks', () => {
  // ~20 MB: several chunks, with a 4-byte character at every possible position.
  const texts = Array.from({ length: 40_000 }, (_, i) => `"""d\u00e9j\u00e0 vu \u20ac ${'\u{1F600}'.repeat(i % 7)}"""\n${'x'.repeat(480 + (i % 13))}`);
  const chunks = textAsChunks(texts);
  expect(chunks.length).toBeGreaterThan(2);
  expect(new Set(chunks.map((c) => c.buffer)).size).toBe(chunks.length);
  expect(sdlFromChunks(chunks)).toBe(texts.join('\n\n'));
  expect(sdlFromChunks(textAsChunks([]))).toBe('');
});
