// Long type names cross from the loader thread as aliases (src/openapi/type-names.ts):
// the schema built from the aliased SDL, its names given back, is the schema the SDL
// with real names builds, and the aliases are what is sent.
import { createRequire } from 'node:module';
import { expect, it } from 'vitest';
import { printSchemaWithDirectivesAsChunks } from '../../src/openapi/print-sdl.ts';
import { sdlFromChunks } from '../../src/openapi/loader-protocol.ts';
import { realTypeNames, renameTypesIn, typeAliases } from '../../src/openapi/type-names.ts';

// graphql and graphql-tools as the loader thread loads them (one graphql-js either way).
const require = createRequire(import.meta.url);
const { buildASTSchema, buildSchema, parse } = require('graphql') as typeof import('graphql');
const { printSchemaWithDirectives } = require('@graphql-tools/utils') as typeof import('@graphql-tools/utils');

const LONG = (tag: string) => `query_users_ListUsers_oneOf_0_allOf_1_value_items_allOf_0_${tag}`;
const SDL = `
schema { query: ${LONG('Root')} mutation: Mutation }
directive @statusCodeTypeName(typeName: String, filter: ${LONG('Filter')}) repeatable on UNION
"""A root with a long name; "${LONG('Thing')}" in a description stays as written"""
type ${LONG('Root')} implements ${LONG('Node')} {
  id: ID!
  thing(filter: ${LONG('Filter')}, kinds: [${LONG('Kind')}!] = [A]): ${LONG('Thing')}
  things: [[${LONG('Thing')}!]]!
  either: ${LONG('Either')}
  when: ${LONG('When')}
}
type Mutation { make(input: ${LONG('Filter')}!): ${LONG('Either')} @deprecated(reason: "${LONG('Thing')}") }
interface ${LONG('Node')} { id: ID! }
type ${LONG('Thing')} implements ${LONG('Node')} { id: ID! short: Short }
type Short { a: String }
union ${LONG('Either')} @statusCodeTypeName(typeName: "${LONG('Thing')}") = ${LONG('Thing')} | Short
input ${LONG('Filter')} { kind: ${LONG('Kind')} = B nested: ${LONG('Filter')} }
enum ${LONG('Kind')} { A B }
scalar ${LONG('When')}
`;

it('the schema built from the aliased SDL, names given back, prints as the original', () => {
  const schema = buildSchema(SDL, { assumeValidSDL: true });
  const { rename, names } = typeAliases(Object.keys(schema.getTypeMap()));
  expect(names).toHaveLength(7);
  const sent = sdlFromChunks(printSchemaWithDirectivesAsChunks(schema, rename));
  // Only strings (descriptions, directive arguments) still hold a long name.
  expect(sent.replace(/"""[\s\S]*?"""/g, '').replace(/"[^"]*"/g, '')).not.toContain('query_users_ListUsers');
  expect(sent.length).toBeLessThan(printSchemaWithDirectives(schema).length / 2);
  const document = parse(sent, { noLocation: true });
  const back = realTypeNames(names);
  for (const definition of document.definitions) renameTypesIn(definition, back);
  expect(printSchemaWithDirectives(buildASTSchema(document, { assumeValidSDL: true }))).toBe(printSchemaWithDirectives(schema));
});

it('a schema with a type named like an alias gets no aliases', () => {
  expect(typeAliases(['__t0', LONG('Root')]).names).toEqual([]);
  expect(realTypeNames([LONG('Root')])('__t0')).toBe(LONG('Root'));
  expect(realTypeNames([LONG('Root')])('__t00')).toBeUndefined();
  expect(realTypeNames([LONG('Root')])('Short')).toBeUndefined();
});
