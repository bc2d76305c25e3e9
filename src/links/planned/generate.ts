// One function per object of a plan, made with `new Function` when the plan is compiled
// (as graphql-jit does for whole operations): it builds the object as a literal with every
// response key in order, and writes each leaf that needs no conversion — a string for a
// String, an integer in range for an Int, a known value for an enum — without a call.
// Everything else (a null, a value to convert or refuse, a nested object, a list, a link)
// goes through the host's completeField, which implements the general rules; so the
// generated code only decides which path a value takes, never what the answer is.
//
// Only names GraphQL allows (/[_A-Za-z][_0-9A-Za-z]*/) and JSON-quoted strings are written
// into the source, so nothing from a request or an upstream answer can reach it.
import { GraphQLBoolean, GraphQLFloat, GraphQLID, GraphQLInt, GraphQLString, isEnumType, type GraphQLLeafType } from 'graphql';
import type { FieldPlan, ValuePlan } from './compile.ts';

type CompletableField = Exclude<FieldPlan, { kind: 'typename' }>;

/** What the generated code calls back for the general case (run.ts's Execution). */
export interface CompletionHost {
  completeField(field: CompletableField, source: unknown, out: Record<string, unknown>, depth: number): void;
}

export type ObjectCompleter = (source: Record<string, unknown>, host: CompletionHost, depth: number) => Record<string, unknown>;

/** The test a value passes to be written as it is, for a leaf type; undefined for none. */
function passesAsIs(type: GraphQLLeafType, v: string, lookup: string): string | undefined {
  if (type === GraphQLString || type === GraphQLID) return `typeof ${v} === 'string'`;
  if (type === GraphQLBoolean) return `typeof ${v} === 'boolean'`;
  // The 32-bit range graphql-js's Int allows.
  if (type === GraphQLInt) return `typeof ${v} === 'number' && (${v} | 0) === ${v}`;
  if (type === GraphQLFloat) return `typeof ${v} === 'number' && Number.isFinite(${v})`;
  if (isEnumType(type)) return `(${lookup} = E.get(${v})) !== undefined`;
  return undefined;
}

/** The enum values by their internal value, as GraphQLEnumType.serialize looks them up. */
function enumLookup(type: GraphQLLeafType): Map<unknown, string> | undefined {
  if (!isEnumType(type)) return undefined;
  return new Map(type.getValues().map((value) => [value.value, value.name]));
}

export function generateObjectCompleter(fields: readonly FieldPlan[]): ObjectCompleter {
  const literal: string[] = [];
  const body: string[] = [];
  const enums: Array<Map<unknown, string> | undefined> = [];
  fields.forEach((field, i) => {
    const key = JSON.stringify(field.responseKey);
    if (field.kind === 'typename') {
      literal.push(`${key}: ${JSON.stringify(field.typeName)}`);
      return;
    }
    literal.push(`${key}: null`);
    const general = `host.completeField(F[${i}], source, out, depth);`;
    const leaf = field.kind === 'property' ? leafOf(field.value) : undefined;
    const test = leaf ? passesAsIs(leaf.type, 'v', 'n') : undefined;
    if (!leaf || !test) {
      body.push(general);
      return;
    }
    const lookup = enumLookup(leaf.type);
    enums[i] = lookup;
    const write = lookup ? `out[${key}] = n;` : `out[${key}] = v;`;
    const enumBinding = lookup ? `{ const E = M[${i}]; ` : '{ ';
    // A nullable leaf that is null or missing stays the literal's null.
    const nullable = leaf.nullable ? ` else if (v == null) {}` : '';
    body.push(`${enumBinding}v = source[${JSON.stringify(field.fieldName)}]; if (${test}) ${write}${nullable} else ${general} }`);
  });
  const source = `return function completeObject(source, host, depth) {\n  const out = { ${literal.join(', ')} };\n  let v, n;\n  ${body.join('\n  ')}\n  return out;\n};`;
  return new Function('F', 'M', source)(fields, enums) as ObjectCompleter;
}

/** A leaf value plan, possibly non-null, and whether null is allowed. */
function leafOf(value: ValuePlan): { type: GraphQLLeafType; nullable: boolean } | undefined {
  if (value.kind === 'leaf') return { type: value.type, nullable: true };
  if (value.kind === 'nonNull' && value.of.kind === 'leaf') return { type: value.of.type, nullable: false };
  return undefined;
}
