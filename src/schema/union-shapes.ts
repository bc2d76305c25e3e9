// Which member of a union an answer is, when nothing names it. A `oneOf`/`anyOf` union
// is resolved by its `discriminator` (OAS 3.0.3 §4.7.25) when the schema has one and the
// answer carries it: that stays Mesh's resolver. Otherwise by shape, as JSON Schema
// validates (2020-12 Core §10.2.1.2–3): a member the answer is valid against has every
// one of its required properties (Validation §6.5.3; non-null fields here). Mesh's own
// resolver takes the first member whose fields cover the answer's keys, required or
// not, so `{ bark: 1 }` could become a Cat whose required `meow` is then null. Here:
//   1. members whose required fields are all present, and that know every key of the
//      answer (additional properties are allowed but rarer than a closer member);
//   2. else members whose required fields are all present, by most keys known;
//   3. else Mesh's choice.
// A member whose enum (or `const`, a one-value enum) field holds another value than the
// answer's is never one the answer is valid against (Validation §6.1.2–3): rebilly's
// `_links` list any of SelfLink (`rel: self`) and FileLink (`rel: file`), alike but for that.
// Ties go to the member listed first, as `oneOf` lists them.
import { getNullableType, isEnumType, isNonNullType, isUnionType, type GraphQLObjectType, type GraphQLSchema } from 'graphql';
import { directive } from './directives.ts';

interface MemberShape {
  readonly name: string;
  /** The JSON keys its fields read (Mesh's `@resolveRootField` names a renamed one). */
  readonly keys: ReadonlySet<string>;
  readonly required: readonly string[];
  /** Keys typed as an enum (not a list of one): the values it allows. */
  readonly allowed: ReadonlyMap<string, ReadonlySet<unknown>>;
}

function shapeOf(schema: GraphQLSchema, member: GraphQLObjectType): MemberShape {
  const keys = new Set<string>();
  const required: string[] = [];
  const allowed = new Map<string, ReadonlySet<unknown>>();
  for (const field of Object.values(member.getFields())) {
    const key = (directive(schema, field, 'resolveRootField')?.[0]?.field as string | undefined) ?? field.name;
    keys.add(key);
    if (isNonNullType(field.type)) required.push(key);
    const type = getNullableType(field.type);
    if (isEnumType(type)) allowed.set(key, new Set(type.getValues().map((v) => v.value as unknown)));
  }
  return { name: member.name, keys, required, allowed };
}

function chooseByShape(members: readonly MemberShape[], data: Record<string, unknown>): string | undefined {
  const present = Object.keys(data).filter((key) => !key.startsWith('$') && data[key] !== undefined);
  let best: { name: string; known: number; all: boolean } | undefined;
  for (const member of members) {
    if (!member.required.every((key) => data[key] != null)) continue;
    if ([...member.allowed].some(([key, values]) => data[key] != null && !values.has(data[key]))) continue;
    const known = present.filter((key) => member.keys.has(key)).length;
    const all = known === present.length;
    if (!best || (all && !best.all) || (all === best.all && known > best.known)) best = { name: member.name, known, all };
  }
  return best?.name;
}

/** Gives every union without a status-code mapping the shape-aware resolver (after Mesh's processDirectives). */
export function resolveUnionsByShape(schema: GraphQLSchema): void {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isUnionType(type) || directive(schema, type, 'statusCodeTypeName')?.length) continue;
    const discriminator = directive(schema, type, 'discriminator')?.[0]?.field as string | undefined;
    const members = type.getTypes().map((member) => shapeOf(schema, member));
    const mesh = type.resolveType;
    type.resolveType = function resolveByShape(data, context, info, abstract) {
      if (
        data !== null &&
        typeof data === 'object' &&
        !('__typename' in data) &&
        !(discriminator && (data as Record<string, unknown>)[discriminator] != null)
      ) {
        const chosen = chooseByShape(members, data as Record<string, unknown>);
        if (chosen) return chosen;
      }
      return mesh?.(data, context, info, abstract);
    };
  }
}
