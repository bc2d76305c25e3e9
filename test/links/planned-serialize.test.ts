// The plan's serializer (src/links/planned/serialize.ts) must write exactly what
// JSON.stringify writes for the same completed data — Yoga sends its output as the
// answer. planned.test.ts holds it to that end to end; this table reaches the values
// that its backends do not send: strings JSON escapes, numbers with more than one
// spelling, custom scalars, empty and null lists.
import { describe, expect, it } from 'vitest';
import { GraphQLBoolean, GraphQLEnumType, GraphQLFloat, GraphQLID, GraphQLInt, GraphQLScalarType, GraphQLString, type GraphQLLeafType } from 'graphql';
import type { FieldPlan, ValuePlan } from '../../src/links/planned/compile.ts';
import { objectSerializer, quote, resultStringifier, serializerFor } from '../../src/links/planned/serialize.ts';

const leaf = (type: GraphQLLeafType): ValuePlan => ({ kind: 'leaf', type, serialize: (v) => v });
const list = (of: ValuePlan): ValuePlan => ({ kind: 'list', of });
const nonNull = (of: ValuePlan): ValuePlan => ({ kind: 'nonNull', of });
const property = (responseKey: string, value: ValuePlan) => ({ kind: 'property', responseKey, fieldName: responseKey, value }) as unknown as FieldPlan;
const typename = (responseKey: string, typeName: string) => ({ kind: 'typename', responseKey, fieldName: '__typename', typeName }) as unknown as FieldPlan;
const object = (...fields: FieldPlan[]): ValuePlan => ({ kind: 'object', fields }) as unknown as ValuePlan;

const JSONScalar = new GraphQLScalarType({ name: 'JSON' });
const Color = new GraphQLEnumType({ name: 'Color', values: { RED: {}, DARK_BLUE: {} } });

const STRINGS = [
  '',
  'plain',
  'quote " inside',
  'back\\slash',
  'new\nline\ttab\r',
  '\u0000\u001f',
  'é ü 漢字 🚀',
  '\ud800 lone high',
  'lone low \udc00',
  '\u2028\u2029',
  '</script>',
];

const CASES: Array<{ name: string; plan: ValuePlan; values: unknown[] }> = [
  { name: 'String', plan: leaf(GraphQLString), values: [null, ...STRINGS] },
  { name: 'ID', plan: nonNull(leaf(GraphQLID)), values: ['1', 'a"b'] },
  { name: 'enum', plan: leaf(Color), values: [null, 'RED', 'DARK_BLUE'] },
  { name: 'Int', plan: leaf(GraphQLInt), values: [null, 0, -0, 1, -2147483648, 2147483647] },
  { name: 'Float', plan: leaf(GraphQLFloat), values: [null, 0.1, -0, 1e21, 1e-7, 123456789.125, Number.MAX_VALUE, Number.MIN_VALUE] },
  { name: 'Boolean', plan: leaf(GraphQLBoolean), values: [null, true, false] },
  {
    name: 'custom scalar',
    plan: leaf(JSONScalar),
    values: [null, { a: [1, 'x', null], b: { c: true } }, [1, 2], 'text', 3.5, new Date(0), { skipped: undefined, kept: 1 }],
  },
  { name: 'list', plan: list(leaf(GraphQLString)), values: [null, [], ['a'], ['a', null, 'b"']] },
  { name: 'list of lists', plan: list(list(nonNull(leaf(GraphQLInt)))), values: [[], [[]], [[1, 2], null, [3]]] },
  {
    name: 'object',
    plan: object(
      typename('__typename', 'Ticket'),
      property('id', leaf(GraphQLID)),
      property('tags', list(leaf(Color))),
      property('nested', object(property('n', leaf(GraphQLFloat)))),
    ),
    values: [null, { __typename: 'Ticket', id: '1', tags: ['RED'], nested: { n: 2.5 } }, { __typename: 'Ticket', id: null, tags: null, nested: null }],
  },
  {
    name: 'aliases needing escapes as keys',
    plan: object(property('a"b', leaf(GraphQLInt)), property('é', leaf(GraphQLString))),
    values: [{ 'a"b': 1, é: 'x' }],
  },
  { name: 'an object with no fields', plan: object(), values: [{}, null] },
  { name: 'a list of objects', plan: list(object(property('x', leaf(GraphQLBoolean)))), values: [[{ x: true }, null, { x: false }]] },
];

describe('the plan serializer writes what JSON.stringify writes', () => {
  it.each(CASES)('$name', ({ plan, values }) => {
    const serialize = serializerFor(plan);
    for (const value of values) expect(serialize(value)).toBe(JSON.stringify(value));
  });

  it.each(STRINGS)('quote(%j)', (s) => expect(quote(s)).toBe(JSON.stringify(s)));

  it('writes a whole result: members in their order, data by the plan, errors and extensions as JSON', () => {
    const stringify = resultStringifier(objectSerializer([property('a', leaf(GraphQLInt)), property('b', object(property('c', leaf(GraphQLString))))]));
    const results = [
      { data: { a: 1, b: { c: 'x' } } },
      { errors: [{ message: 'm', path: ['b', 'c'] }], data: { a: 1, b: null } },
      { data: null, errors: [{ message: 'gone' }] },
      { data: { a: null, b: null }, extensions: { cost: 3 }, hidden: undefined },
    ];
    for (const result of results) expect(stringify(result, result.data)).toBe(JSON.stringify(result));
  });

  it('writes data that is not the one the plan completed with JSON.stringify (a plugin replaced it)', () => {
    // The response cache executes with `__responseCacheTypeName` fields added, then puts
    // a copy without them on the result: the plan would write its constant typenames.
    const stringify = resultStringifier(objectSerializer([typename('__responseCacheTypeName', 'Query'), property('a', leaf(GraphQLInt))]));
    const planned = { __responseCacheTypeName: 'Query', a: 1 };
    const result = { data: { a: 1 } };
    expect(stringify(result, planned)).toBe('{"data":{"a":1}}');
  });

  it('falls back to JSON.stringify for the whole result when a custom scalar gives no JSON text', () => {
    const stringify = resultStringifier(objectSerializer([property('a', leaf(JSONScalar)), property('b', leaf(GraphQLInt))]));
    const result = { data: { a: () => 1, b: 2 } };
    expect(stringify(result, result.data)).toBe(JSON.stringify(result));
  });
});
