// directive() (src/schema/directives.ts) answers what graphql-tools' getDirective answers,
// for every element and directive name, wherever the directive is kept: on the AST node,
// on an extension node, or in `extensions.directives` (how Mesh's loader keeps them).
import { expect, it } from 'vitest';
import { buildSchema, extendSchema, isInputObjectType, isInterfaceType, isObjectType, parse, type GraphQLSchema } from 'graphql';
import { getDirective } from '@graphql-tools/utils';
import { directive } from '../../src/schema/directives.ts';

const NAMES = ['httpOperation', 'resolveRootField', 'oneOf', 'tag', 'deprecated', 'missing'];

function elements(schema: GraphQLSchema): object[] {
  const out: object[] = [schema];
  for (const type of Object.values(schema.getTypeMap())) {
    out.push(type);
    if (isObjectType(type) || isInterfaceType(type)) for (const f of Object.values(type.getFields())) out.push(f, ...f.args);
    if (isInputObjectType(type)) out.push(...Object.values(type.getFields()));
  }
  return out;
}

it('answers as getDirective does, for directives on AST nodes, extension nodes and in extensions', () => {
  const base = buildSchema(`
    directive @httpOperation(path: String, httpMethod: String) on FIELD_DEFINITION
    directive @resolveRootField(field: String) on FIELD_DEFINITION | INPUT_FIELD_DEFINITION
    directive @tag(name: String) repeatable on OBJECT | FIELD_DEFINITION | INPUT_OBJECT | ARGUMENT_DEFINITION
    type Query @tag(name: "q") {
      a(x: Int @tag(name: "arg")): String @httpOperation(path: "/a", httpMethod: "GET") @tag(name: "one") @tag(name: "two")
      b: String @resolveRootField(field: "bee")
      c: String @deprecated(reason: "old")
      d: String
    }
    input In @tag(name: "in") { f: String @resolveRootField(field: "eff") g: Int }
  `);
  const schema = extendSchema(base, parse('extend type Query @tag(name: "extended")'), { assumeValidSDL: true });
  // As Mesh keeps them: in extensions, not in the AST.
  const d = (schema.getQueryType()!.getFields().d as { extensions: object }).extensions;
  Object.assign(d, { directives: { httpOperation: [{ path: '/d', httpMethod: 'POST' }], tag: { name: 'single' } } });
  let compared = 0;
  for (const element of elements(schema)) {
    for (const name of NAMES) {
      expect(directive(schema, element, name)).toEqual(getDirective(schema, element as never, name));
      compared++;
    }
  }
  expect(compared).toBeGreaterThan(100);
  expect(directive(schema, schema.getQueryType()!.getFields().d!, 'httpOperation')).toEqual([{ path: '/d', httpMethod: 'POST' }]);
  expect(directive(schema, schema.getQueryType()!, 'tag')).toEqual([{ name: 'q' }, { name: 'extended' }]);
});
