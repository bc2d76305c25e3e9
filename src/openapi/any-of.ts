// `anyOf` of objects as a union. Mesh's loader merges the members of an `anyOf` into one
// object type, and every member's required properties become non-null fields of it, so
// a valid answer of one member (which lacks the other's required properties) fails.
// JSON Schema says an instance is valid against `anyOf` when it is valid against at
// least one member (JSON Schema 2020-12 Core §10.2.1.2; OAS 3.0.3 §4.7.24 takes the
// keyword from JSON Schema Validation §5.23): that is a union of the members, which is
// what Mesh makes of `oneOf` (§10.2.1.3), resolved by `discriminator` when the schema
// has one (OAS 3.0.3 §4.7.25), else by shape (schema/union-shapes.ts). So, before the
// loader sees the document, an `anyOf` whose members are all objects becomes a `oneOf`.
//
// Left alone: an `anyOf` with a member that is not an object (`anyOf: [string, Ref]`,
// `{type: 'null'}` — the loader's own mapping handles those), with a single member, or
// beside properties or other combinators of its own (the merge is then what was meant).

type Json = Record<string, unknown>;

/** Keys whose values are data, not schemas. */
const DATA_KEYS = new Set(['example', 'examples', 'default', 'enum', 'const', 'x-example']);

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function resolveLocal(doc: Json, schema: Json): Json | undefined {
  const seen = new Set<string>();
  let current: Json | undefined = schema;
  while (current && typeof current.$ref === 'string') {
    const ref = current.$ref;
    if (!ref.startsWith('#/') || seen.has(ref)) return undefined;
    seen.add(ref);
    let target: unknown = doc;
    for (const raw of ref.slice(2).split('/')) {
      const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
      target = isObject(target) ? target[key] : undefined;
    }
    current = isObject(target) ? target : undefined;
  }
  return current;
}

/**
 * An object schema: `type: object`, or properties with no other type; `allOf` of objects
 * counts, and so does a union of objects (`anyOf`/`oneOf` whose members all are): the
 * loader flattens a union member of a union into its members, but an `anyOf` it merges
 * with a union member comes out as an object type with no fields, which graphql-js
 * refuses (Stripe's `anyOf: [payment_source, deleted_payment_source]`, each itself an
 * `anyOf` of objects, made the whole document fail to load).
 */
function isObjectSchema(doc: Json, schema: unknown, depth = 0): boolean {
  if (!isObject(schema) || depth > 8) return false;
  const resolved = resolveLocal(doc, schema);
  if (!resolved) return false;
  const type = resolved.type;
  if (type !== undefined && type !== 'object') return false;
  if (type === 'object' || isObject(resolved.properties)) return true;
  const allOf = (members: unknown) => Array.isArray(members) && members.length > 0 && members.every((member) => isObjectSchema(doc, member, depth + 1));
  return allOf(resolved.allOf) || allOf(resolved.anyOf) || allOf(resolved.oneOf);
}

function unionOfObjects(doc: Json, schema: Json): boolean {
  const members = schema.anyOf;
  if (!Array.isArray(members) || members.length < 2) return false;
  if (schema.properties !== undefined || schema.allOf !== undefined || schema.oneOf !== undefined) return false;
  return members.every((member) => isObjectSchema(doc, member));
}

/** Rewrites the document in place; answers how many `anyOf`s became `oneOf`s. */
export function anyOfObjectsAsUnions(doc: Json): number {
  let count = 0;
  const visited = new WeakSet<object>();
  const walk = (value: unknown): void => {
    if (value === null || typeof value !== 'object' || visited.has(value)) return;
    visited.add(value);
    if (Array.isArray(value)) {
      for (const item of value) walk(item);
      return;
    }
    const node = value as Json;
    if (unionOfObjects(doc, node)) {
      node.oneOf = node.anyOf;
      delete node.anyOf;
      count++;
    }
    for (const [key, child] of Object.entries(node)) if (!DATA_KEYS.has(key)) walk(child);
  };
  walk(doc);
  return count;
}
