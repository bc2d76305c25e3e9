// Which object type a value of a union or interface is. The loader gives unions a
// resolver (by `__typename`, discriminator, status code, then shape) and interfaces one
// only when it kept a discriminator; graphql-jit's default for the rest *throws*, and
// it throws outside the promise of the request: the process dies on an answer the
// service was free to send (Bitbucket's `webhook_subscription.subject`, an interface of
// 29 types). graphql-jit also never awaits a type resolver, so one that answers with a
// promise resolves nothing.
//
// So every abstract type gets a synchronous resolver that cannot throw: the loader's
// own answer when it names a possible type, else the discriminator's implicit mapping,
// else the shape of the value, else nothing — and "nothing" is a field error (null and
// an error at that path, by either executor), never a crash.
import { isAbstractType, type GraphQLAbstractType, type GraphQLObjectType, type GraphQLSchema, type GraphQLTypeResolver } from 'graphql';

/** Gives every union and interface of `schema` a resolver that cannot throw (in place). */
export function resolveAbstractTypesSafely(schema: GraphQLSchema): void {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isAbstractType(type) || type.name.startsWith('__')) continue;
    type.resolveType = safeResolver(type, schema.getPossibleTypes(type), type.resolveType ?? undefined);
  }
}

function safeResolver(
  abstract: GraphQLAbstractType,
  possible: readonly GraphQLObjectType[],
  own: GraphQLTypeResolver<unknown, unknown> | undefined,
): GraphQLTypeResolver<unknown, unknown> {
  const names = new Set(possible.map((t) => t.name));
  // Fields every possible type has: where a discriminator property can be (OAS 3.0
  // §4.7.25: it is a property the base schema declares, so every variant has it).
  const shared = possible.length ? Object.keys(possible[0].getFields()).filter((f) => possible.every((t) => f in t.getFields())) : [];
  return function resolveType(value, context, info) {
    let answer: unknown;
    try {
      answer = own?.(value, context, info, abstract);
    } catch {
      answer = undefined;
    }
    if (typeof answer === 'string' && names.has(answer)) return answer;
    // The loader's verdict that the value fits no variant (an error answer): not guessed over.
    if (answer instanceof Error) return undefined;
    if (value === null || typeof value !== 'object') return typeof answer === 'string' ? answer : undefined;
    const record = value as Record<string, unknown>;
    if (typeof record.__typename === 'string' && names.has(record.__typename)) return record.__typename;
    // Implicit discriminator mapping (OAS 3.0 §4.7.25, Swagger 2.0 `discriminator`): the
    // property's value is the name of the variant's schema, which is the type's name.
    for (const field of shared) {
      const v = record[field];
      if (typeof v === 'string' && names.has(v)) return v;
    }
    // A name the loader gave that is not a possible type stays in the error message.
    return byShape(record, possible) ?? (typeof answer === 'string' ? answer : undefined);
  };
}

/**
 * The possible type that declares every key of the value, the fewest extra fields
 * breaking ties; else the one declaring most of its keys. Keys starting with `$` are
 * the loader's metadata (status code, URL), not the service's.
 */
function byShape(value: Record<string, unknown>, possible: readonly GraphQLObjectType[]): string | undefined {
  const keys = Object.keys(value).filter((k) => !k.startsWith('$'));
  let best: { name: string; covered: number; extra: number } | undefined;
  for (const type of possible) {
    const fields = type.getFields();
    const count = Object.keys(fields).length;
    const covered = keys.filter((k) => k in fields).length;
    if (covered === 0 && keys.length > 0) continue;
    const candidate = { name: type.name, covered, extra: count - covered };
    if (!best || candidate.covered > best.covered || (candidate.covered === best.covered && candidate.extra < best.extra)) best = candidate;
  }
  return best?.name;
}
