// Repairs of the schema Mesh generated, in the loader thread, for the ways a schema
// that came out of Mesh's loader can still not be served by graphql-js; each reported
// with the JSON pointer of the spec schema the type came from. (The repair that needs
// graphql-js's validation, interface-misfits.ts, runs where the schema is validated.)
import { createRequire } from 'node:module';
import type { GraphQLInputType, GraphQLSchema } from 'graphql';
import { pointerOf, type SpecWarning } from './spec-warning.ts';

type Json = Record<string, unknown>;

// CommonJS builds, like loader-worker.ts (one graphql instance with Mesh's).
const require = createRequire(import.meta.url);
const { astFromValue, isInputObjectType, isInterfaceType, isObjectType } = require('graphql') as typeof import('graphql');
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
