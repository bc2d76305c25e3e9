// sanitize.ts, one case per bad pattern found in real specs: the warning names the spec
// element (JSON pointer), what was wrong and what was done, and the document is repaired.
import { describe, expect, it } from 'vitest';
import { sanitizeDocument } from '../../src/openapi/sanitize.ts';

type Json = Record<string, any>;

const ok = { '200': { description: 'ok', content: { 'application/json': { schema: { type: 'string' } } } } };
function doc(paths: Json, schemas: Json = {}): Json {
  return { openapi: '3.0.3', info: { title: 't', version: '1' }, paths, components: { schemas } };
}
const get = (extra: Json = {}) => ({ get: { operationId: 'op', responses: ok, ...extra } });
const returning = (schema: unknown) => ({
  get: { operationId: 'op', responses: { '200': { description: 'ok', content: { 'application/json': { schema } } } } },
});

interface Case {
  name: string;
  input: Json;
  warnings: Array<{ pointer: string; action: string; problem?: RegExp }>;
  after?: (d: Json) => void;
}

const CASES: Case[] = [
  {
    name: 'boolean schema `true` as a property',
    input: doc({ '/a': returning({ type: 'object', properties: { p: true, q: { type: 'string' } } }) }),
    warnings: [
      {
        pointer: '#/paths/~1a/get/responses/200/content/application~1json/schema/properties/p',
        action: 'mapped to the JSON scalar',
        problem: /boolean schema `true`/,
      },
    ],
    after: (d) => expect(d.paths['/a'].get.responses['200'].content['application/json'].schema.properties).toEqual({ p: {}, q: { type: 'string' } }),
  },
  {
    name: 'boolean schema `false` as a property',
    input: doc({ '/a': returning({ type: 'object', properties: { gone: false, q: { type: 'string' } } }) }),
    warnings: [{ pointer: '#/paths/~1a/get/responses/200/content/application~1json/schema/properties/gone', action: 'property skipped' }],
    after: (d) => expect(Object.keys(d.paths['/a'].get.responses['200'].content['application/json'].schema.properties)).toEqual(['q']),
  },
  {
    name: 'a property named "properties" is not a map of schemas',
    input: doc({ '/a': returning({ type: 'object', properties: { properties: { type: 'object', nullable: true, properties: { x: { type: 'string' } } } } }) }),
    warnings: [],
  },
  {
    name: 'a string where a schema belongs (allOf entry, media type schema)',
    input: doc({
      '/a': returning({ type: 'object', properties: { a: { allOf: ['x'] } } }),
      '/b': { get: { operationId: 'b', responses: { '200': { description: 'ok', content: { 'application/json': { schema: 'string' } } } } } },
    }),
    warnings: [
      {
        pointer: '#/paths/~1a/get/responses/200/content/application~1json/schema/properties/a/allOf/0',
        action: 'mapped to the JSON scalar',
        problem: /schema is string "x", not a Schema Object/,
      },
      { pointer: '#/paths/~1b/get/responses/200/content/application~1json/schema', action: 'mapped to the JSON scalar' },
    ],
  },
  {
    name: 'servers that are not a list of Server Objects with a url',
    input: {
      ...doc({ '/a': { servers: [{ url: 'http://ok' }, { url: null }], get: { operationId: 'a', responses: ok, servers: 'http://x' } } }),
      servers: [null],
    },
    warnings: [
      { pointer: '#/servers/0', action: 'server skipped' },
      { pointer: '#/paths/~1a/servers/1', action: 'server skipped', problem: /server url is null/ },
      { pointer: '#/paths/~1a/get/servers', action: 'servers ignored (set handler.openapi.endpoint)' },
    ],
    after: (d) => {
      expect(d.servers).toBeUndefined();
      expect(d.paths['/a'].servers).toEqual([{ url: 'http://ok' }]);
    },
  },
  {
    name: 'Swagger 2.0 produces/consumes given as a string',
    input: {
      swagger: '2.0',
      info: { title: 't', version: '1' },
      consumes: 'application/json',
      paths: { '/a': { get: { operationId: 'a', produces: 'application/json', responses: { '200': { description: 'ok' } } } } },
    },
    warnings: [
      { pointer: '#/consumes', action: 'read as ["application/json"]' },
      { pointer: '#/paths/~1a/get/produces', action: 'read as ["application/json"]' },
    ],
  },
  {
    name: 'local $ref to nothing',
    input: doc({ '/a': returning({ $ref: '#/components/schemas/Missing' }) }),
    warnings: [
      { pointer: '#/paths/~1a/get/responses/200/content/application~1json/schema', action: 'mapped to the JSON scalar', problem: /points to nothing/ },
    ],
  },
  {
    name: '$ref to a string',
    input: doc({ '/a': returning({ $ref: '#/info/title' }) }),
    warnings: [
      {
        pointer: '#/paths/~1a/get/responses/200/content/application~1json/schema',
        action: 'mapped to the JSON scalar',
        problem: /points to string "t", not an object/,
      },
    ],
  },
  {
    name: '$ref chain that loops with no schema in between',
    input: doc({ '/a': returning({ $ref: '#/components/schemas/A' }) }, { A: { $ref: '#/components/schemas/B' }, B: { $ref: '#/components/schemas/A' } }),
    warnings: [
      { pointer: '#/paths/~1a/get/responses/200/content/application~1json/schema', action: 'mapped to the JSON scalar', problem: /loops back to itself/ },
      { pointer: '#/components/schemas/A', action: 'mapped to the JSON scalar' },
      { pointer: '#/components/schemas/B', action: 'mapped to the JSON scalar' },
    ],
  },
  {
    name: 'recursive schema through properties is fine',
    input: doc(
      { '/a': returning({ $ref: '#/components/schemas/Node' }) },
      { Node: { type: 'object', properties: { next: { $ref: '#/components/schemas/Node' } } } },
    ),
    warnings: [],
  },
  {
    name: 'parameter without a name',
    input: doc({
      '/a': get({
        parameters: [
          { in: 'query', schema: { type: 'string' } },
          { name: 'ok', in: 'query' },
        ],
      }),
    }),
    warnings: [{ pointer: '#/paths/~1a/get/parameters/0', action: 'parameter skipped', problem: /no "name"/ }],
    after: (d) => expect(d.paths['/a'].get.parameters).toEqual([{ name: 'ok', in: 'query' }]),
  },
  {
    name: 'parameter $ref to nothing',
    input: doc({ '/a': get({ parameters: [{ $ref: '#/components/parameters/Nope' }] }) }),
    warnings: [{ pointer: '#/paths/~1a/get/parameters/0', action: 'parameter skipped', problem: /leads to nothing/ }],
  },
  {
    name: 'null parameter, operation, response and path item',
    input: doc({ '/a': { get: null, post: { operationId: 'p', parameters: [null], responses: { '200': null, '201': { description: 'c' } } } }, '/b': null }),
    warnings: [
      { pointer: '#/paths/~1a/get', action: 'operation skipped' },
      { pointer: '#/paths/~1a/post/parameters/0', action: 'parameter skipped' },
      { pointer: '#/paths/~1a/post/responses/200', action: 'response skipped' },
      { pointer: '#/paths/~1b', action: 'path skipped' },
    ],
  },
  {
    name: 'schema named like a GraphQL built-in scalar, refs and discriminator mapping follow',
    input: doc(
      {
        '/a': returning({
          oneOf: [{ $ref: '#/components/schemas/Boolean' }],
          discriminator: { propertyName: 'k', mapping: { b: '#/components/schemas/Boolean' } },
        }),
      },
      { Boolean: { type: 'object', properties: { k: { type: 'string' } } } },
    ),
    warnings: [{ pointer: '#/components/schemas/Boolean', action: 'type renamed to "Boolean_"' }],
    after: (d) => {
      const schema = d.paths['/a'].get.responses['200'].content['application/json'].schema;
      expect(schema.oneOf[0].$ref).toBe('#/components/schemas/Boolean_');
      expect(schema.discriminator.mapping.b).toBe('#/components/schemas/Boolean_');
      expect(Object.keys(d.components.schemas)).toEqual(['Boolean_']);
    },
  },
  {
    name: 'a plain scalar schema named like a built-in is left alone (Mesh maps it to the built-in)',
    input: doc({ '/a': returning({ $ref: '#/components/schemas/String' }) }, { String: { type: 'string' } }),
    warnings: [],
  },
  {
    name: 'a type list of several types is the JSON scalar; one type and null stays as it is',
    input: doc(
      {
        '/a': returning({
          type: 'object',
          properties: { geo: { type: ['array', 'null', 'string'], items: {}, enum: [''] }, n: { type: ['integer', 'null'] } },
        }),
      },
      {},
    ),
    warnings: [{ pointer: '#/paths/~1a/get/responses/200/content/application~1json/schema/properties/geo/type', action: 'mapped to the JSON scalar' }],
    after: (d) => {
      const props = d.paths['/a'].get.responses['200'].content['application/json'].schema.properties;
      expect(props.geo).toEqual({ nullable: true });
      expect(props.n).toEqual({ type: ['integer', 'null'] });
    },
  },
  {
    name: 'a tuple-form items list is any of its entries',
    input: doc({ '/a': returning({ type: 'array', items: [{ type: 'string' }, { type: 'integer' }] }) }, {}),
    warnings: [{ pointer: '#/paths/~1a/get/responses/200/content/application~1json/schema/items', action: 'items typed as anyOf its entries' }],
    after: (d) => {
      expect(d.paths['/a'].get.responses['200'].content['application/json'].schema.items).toEqual({ anyOf: [{ type: 'string' }, { type: 'integer' }] });
    },
  },
  {
    name: 'duplicate operationId',
    input: doc({ '/a': get(), '/b': get() }),
    warnings: [{ pointer: '#/paths/~1b/get/operationId', action: 'renamed to "op_2"', problem: /used by another operation/ }],
  },
  {
    name: 'examples and extensions are data, never repaired',
    input: doc({
      '/a': get({
        'x-thing': { $ref: '#/nowhere' },
        responses: { '200': { description: 'ok', content: { 'application/json': { schema: { type: 'string' }, example: { properties: { a: true } } } } } },
      }),
    }),
    warnings: [],
  },
];

describe('sanitizeDocument', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const input = structuredClone(c.input);
      const { warnings } = sanitizeDocument(input);
      expect(warnings.map((w) => ({ pointer: w.pointer, action: w.action }))).toEqual(c.warnings.map(({ pointer, action }) => ({ pointer, action })));
      c.warnings.forEach((expected, i) => {
        if (expected.problem) expect(warnings[i].problem).toMatch(expected.problem);
      });
      c.after?.(input);
    });
  }

  it('reports a relative $ref to a missing file and lists the files that exist', () => {
    const input = doc({
      '/a': returning({ $ref: './missing.yaml#/X' }),
      '/b': {
        get: { operationId: 'b', responses: { '200': { description: 'ok', content: { 'application/json': { schema: { $ref: './sanitize.test.ts' } } } } } },
      },
    });
    const { warnings, referencedFiles } = sanitizeDocument(input, { dir: import.meta.dirname });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ pointer: '#/paths/~1a/get/responses/200/content/application~1json/schema', action: 'mapped to the JSON scalar' });
    expect(warnings[0].problem).toMatch(/names a file that does not exist/);
    expect(referencedFiles).toEqual([`${import.meta.dirname}/sanitize.test.ts`]);
  });
});
