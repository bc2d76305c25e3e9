// Custom scalars inside a request body. graphql-js hands a resolver each scalar's
// internal value: for Date and DateTime a JavaScript Date, which JSON.stringify writes
// as an ISO date-time. A `format: date` field then reached the service as
// `2024-01-02T00:00:00.000Z`, which its document refuses (OAS 3.0 §4.7.3: `date` is
// RFC 3339 `full-date`). Here each Date held by a custom-scalar field of the input is
// written back by its own scalar's serialize, as path and query arguments already are.
import { getNamedType, isInputObjectType, isListType, isNonNullType, isScalarType, isSpecifiedScalarType, type GraphQLInputType } from 'graphql';

/** Whether `type` holds a custom scalar anywhere below it. */
function reachesCustomScalar(type: GraphQLInputType, seen = new Set<string>()): boolean {
  const named = getNamedType(type);
  if (isScalarType(named)) return !isSpecifiedScalarType(named);
  if (!isInputObjectType(named) || seen.has(named.name)) return false;
  seen.add(named.name);
  return Object.values(named.getFields()).some((f) => reachesCustomScalar(f.type, seen));
}

/** A function writing the Dates in a value of `type` as their scalars say; undefined when `type` can hold none. */
export function compileInputScalarWriter(type: GraphQLInputType | undefined): ((value: unknown) => unknown) | undefined {
  if (!type || !reachesCustomScalar(type)) return undefined;
  const write = (t: GraphQLInputType, value: unknown): unknown => {
    if (value == null) return value;
    const u = isNonNullType(t) ? (t.ofType as GraphQLInputType) : t;
    if (isListType(u))
      return Array.isArray(value) ? value.map((v: unknown) => write(u.ofType as GraphQLInputType, v)) : write(u.ofType as GraphQLInputType, value);
    if (isScalarType(u)) {
      if (!(value instanceof Date) || isSpecifiedScalarType(u)) return value;
      try {
        const out: unknown = u.serialize(value);
        return out instanceof Date ? out.toISOString() : out;
      } catch {
        return value.toISOString();
      }
    }
    if (!isInputObjectType(u) || typeof value !== 'object' || Array.isArray(value)) return value;
    const fields = u.getFields();
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) out[key] = fields[key] ? write(fields[key].type, v) : v;
    return out;
  };
  return (value) => write(type, value);
}
