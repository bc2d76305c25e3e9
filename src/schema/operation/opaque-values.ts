// Whether an operation's answer can reach a consumer that recurses into it without a
// bound. GraphQL execution walks a value only as deep as the query's selection (which the
// operation limits bound), so a too-deep answer under an object or list type fails on
// the field, not the process. A custom scalar is different: `JSON`, `Object` and the
// like hand the whole upstream value to serialization, which recurses into all of it.
// Only answers that can hold such a scalar need json-depth.ts's scan of every byte.
import {
  getNamedType,
  isAbstractType,
  isInterfaceType,
  isObjectType,
  isScalarType,
  isSpecifiedScalarType,
  type GraphQLNamedType,
  type GraphQLSchema,
} from 'graphql';

/** Whether `type`, or any type reachable through its fields, is a custom (non-built-in) scalar. */
export function reachesOpaqueScalar(schema: GraphQLSchema, type: GraphQLNamedType): boolean {
  const seen = new Set<string>();
  const pending: GraphQLNamedType[] = [type];
  for (let next = pending.pop(); next; next = pending.pop()) {
    if (seen.has(next.name)) continue;
    seen.add(next.name);
    if (isScalarType(next)) {
      if (!isSpecifiedScalarType(next)) return true;
    } else if (isAbstractType(next)) {
      pending.push(...schema.getPossibleTypes(next));
    }
    if (isObjectType(next) || isInterfaceType(next)) {
      for (const field of Object.values(next.getFields())) pending.push(getNamedType(field.type));
    }
  }
  return false;
}
