// Which `anyOf`s become unions (src/openapi/any-of.ts): only those whose members are all
// objects, and that stand alone; everything else keeps the loader's own mapping.
import { expect, it } from 'vitest';
import { anyOfObjectsAsUnions } from '../../src/openapi/any-of.ts';

const CAT = { type: 'object', required: ['meow'], properties: { meow: { type: 'string' } } };
const components = { schemas: { Cat: CAT, Dog: { properties: { bark: { type: 'integer' } } }, Str: { type: 'string' } } };
const cat = { $ref: '#/components/schemas/Cat' };
const dog = { $ref: '#/components/schemas/Dog' };

it.each([
  ['two object $refs', { anyOf: [cat, dog] }, true],
  ['inline objects', { anyOf: [CAT, { type: 'object' }] }, true],
  ['allOf of objects as a member', { anyOf: [{ allOf: [cat, dog] }, dog] }, true],
  // Stripe's anyOf: [payment_source, deleted_payment_source], each an anyOf of objects.
  ['unions of objects as members', { anyOf: [{ anyOf: [cat, dog] }, { oneOf: [dog, cat] }] }, true, 2],
  ['a union member with a string in it', { anyOf: [{ anyOf: [cat, { type: 'string' }] }, dog] }, false],
  ['a string member', { anyOf: [{ type: 'string' }, cat] }, false],
  ['a $ref to a string', { anyOf: [{ $ref: '#/components/schemas/Str' }, cat] }, false],
  ['a null member (OAS 3.1 nullable)', { anyOf: [cat, { type: 'null' }] }, false],
  ['a single member', { anyOf: [cat] }, false],
  ['properties beside it', { type: 'object', properties: { id: { type: 'string' } }, anyOf: [cat, dog] }, false],
  ['a $ref to nothing', { anyOf: [cat, { $ref: '#/components/schemas/Nope' }] }, false],
])('%s: union %s', (_name, schema, union, count = union ? 1 : 0) => {
  const doc = {
    openapi: '3.0.3',
    components: structuredClone(components),
    paths: {
      '/x': { get: { responses: { '200': { content: { 'application/json': { schema: structuredClone(schema), example: { anyOf: [cat, dog] } } } } } } },
    },
  };
  expect(anyOfObjectsAsUnions(doc)).toBe(count);
  const rewritten = doc.paths['/x'].get.responses['200'].content['application/json'];
  expect('oneOf' in rewritten.schema).toBe(union);
  // Data is never touched.
  expect(rewritten.example).toEqual({ anyOf: [cat, dog] });
});
