// Repairs of the schema Mesh generated, in the loader thread, for the ways a schema
// that came out of Mesh's loader can still not be served by graphql-js; each reported
// with the JSON pointer of the spec schema the type came from.
import { createRequire } from 'node:module';
import type { GraphQLInputType, GraphQLSchema } from 'graphql';
import { pointerOf, type SpecWarning } from './spec-warning.ts';

type Json = Record<string, unknown>;

// CommonJS builds, like loader-worker.ts (one graphql instance with Mesh's).
const require = createRequire(import.meta.url);
const { astFromValue, buildASTSchema, isInputObjectType, isInterfaceType, isObjectType, parse, print, validateSchema, visit } =
  require('graphql') as typeof import('graphql');
const { sanitizeNameForGraphQL } = require('@graphql-mesh/utils') as typeof import('@graphql-mesh/utils');

/** GraphQL type names Mesh derives from the schemas in components/definitions (by key or title) → their pointers. */
export function indexTypes(doc: Json): Map<string, string> {
  const out = new Map<string, string>();
  const maps: Array<[string[], unknown]> = [
    [['components', 'schemas'], (doc.components as Json | undefined)?.schemas],
    [['definitions'], doc.definitions],
  ];
  for (const [keyPath, map] of maps) {
    if (!map || typeof map !== 'object') continue;
    for (const [key, schema] of Object.entries(map as Json)) {
      const title = (schema as Json | null)?.title;
      for (const name of [key, typeof title === 'string' ? title : undefined]) {
        if (name && !out.has(sanitizeNameForGraphQL(name))) out.set(sanitizeNameForGraphQL(name), pointerOf([...keyPath, key]));
      }
    }
  }
  return out;
}

/**
 * Default values GraphQL cannot print (an object default on a JSON-typed input field)
 * make introspection itself fail (graphql-js astFromValue), so GraphiQL could not even
 * start: drop those defaults.
 */
export function dropUnprintableDefaults(schema: GraphQLSchema, warnings: SpecWarning[], typePointer: (typeName: string) => string): void {
  const check = (owner: string, target: { defaultValue?: unknown; type: GraphQLInputType }) => {
    if (target.defaultValue === undefined) return;
    try {
      if (astFromValue(target.defaultValue, target.type)) return;
    } catch {
      // fall through: unprintable
    }
    warnings.push({
      pointer: typePointer(owner.split('.')[0]),
      problem: `default value ${JSON.stringify(target.defaultValue)} of ${owner} cannot be written as a GraphQL literal`,
      action: 'default dropped',
    });
    target.defaultValue = undefined;
  };
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__')) continue;
    if (isInputObjectType(type)) for (const field of Object.values(type.getFields())) check(`${type.name}.${field.name}`, field);
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) for (const arg of field.args) check(`${type.name}.${field.name}(${arg.name})`, arg as never);
    }
  }
}

/** graphql-js's messages for a type that does not fit an interface it implements: [interface, type]. */
const INTERFACE_MISFITS: Array<[RegExp, (m: RegExpMatchArray) => [string, string]]> = [
  [/^Interface field (\w+)\.\w+ expects type .+ but (\w+)\.\w+ is type/, (m) => [m[1], m[2]]],
  [/^Interface field (\w+)\.\w+ expected but (\w+) does not provide it/, (m) => [m[1], m[2]]],
  [/^Interface field argument (\w+)\.\w+\(\w+:\) expected but (\w+)\.\w+ does not provide it/, (m) => [m[1], m[2]]],
  [/^Interface field argument (\w+)\.\w+\(\w+:\) expects type .+ but (\w+)\.\w+\(\w+:\) is type/, (m) => [m[1], m[2]]],
  [/^Object field (\w+)\.\w+ includes required argument \w+ that is missing from the Interface field (\w+)\./, (m) => [m[2], m[1]]],
  [/^Type (\w+) must implement \w+ because it is implemented by (\w+)\./, (m) => [m[2], m[1]]],
];

/**
 * Mesh turns `allOf` inheritance into interfaces, and some real specs override an
 * inherited property with another type (a paged list whose `content` is `[Article]`
 * where the base says `[object]`). graphql-js then refuses the whole schema (GraphQL
 * spec §3.6 "IsValidImplementation"). Dropping that one `implements` keeps every type
 * and field; only querying the type through the interface is lost.
 */
export function repairInterfaceMisfits(schema: GraphQLSchema, sdl: string, warnings: SpecWarning[], typePointer: (typeName: string) => string): string {
  let errors = validateSchema(schema);
  for (let round = 0; round < 3 && errors.length; round++) {
    const drop = new Map<string, Set<string>>();
    for (const error of errors) {
      const hit = INTERFACE_MISFITS.map(([re, pick]) => {
        const m = error.message.match(re);
        return m ? pick(m) : undefined;
      }).find(Boolean);
      if (!hit) return sdl; // something else: the caller's validation reports it
      const [iface, type] = hit;
      if (!drop.has(type)) drop.set(type, new Set());
      if (!drop.get(type)!.has(iface)) {
        drop.get(type)!.add(iface);
        warnings.push({
          pointer: typePointer(type),
          problem: `type ${type} does not fit interface ${iface} (${error.message})`,
          action: `${type} no longer implements ${iface}; its fields are kept`,
        });
      }
    }
    const ast = visit(parse(sdl, { noLocation: true }), {
      enter(node) {
        if ((node.kind === 'ObjectTypeDefinition' || node.kind === 'InterfaceTypeDefinition') && drop.has(node.name.value)) {
          const gone = drop.get(node.name.value)!;
          return { ...node, interfaces: node.interfaces?.filter((i) => !gone.has(i.name.value)) };
        }
        return undefined;
      },
    });
    sdl = print(ast);
    errors = validateSchema(buildASTSchema(ast, { assumeValidSDL: true }));
  }
  return sdl;
}
