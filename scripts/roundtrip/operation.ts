// One GraphQL operation per root field, as a client who has read the OpenAPI document
// would write it: every argument the GraphQL type or the document requires is given a
// value the document allows (its example, default or first enum value, else a sample
// valid for its schema and format, patterns included), and the answer's scalar leaves are
// selected — those of the returned type and of the objects one level below it.
import {
  getNamedType,
  isAbstractType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';
import { sample } from '@stoplight/json-schema-sampler';
import randexp from 'randexp';

// CommonJS whose module.exports is the class itself, while its types declare a default export.
const RandExp = ((randexp as { default?: unknown }).default ?? randexp) as typeof randexp.default;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonSchema = Record<string, unknown>;

/** What the OpenAPI document says about one operation's inputs. */
export interface SpecOperation {
  readonly parameters: ReadonlyArray<{ name: string; in: string; required?: boolean; schema?: JsonSchema; example?: unknown }>;
  readonly body?: { readonly required?: boolean; readonly schema?: JsonSchema; readonly example?: unknown };
}

/** Lower-case letters and digits only: how a GraphQL name, sanitised by Mesh, meets the name it came from. */
export function normalName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

const resolving = new WeakSet<object>();

/** `#/a/b` in `document`. */
function pointer(document: unknown, ref: string): unknown {
  if (!ref.startsWith('#')) return undefined;
  let node: unknown = document;
  for (const raw of ref.slice(1).split('/').filter(Boolean)) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    node = node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
  }
  return node;
}

function deref(schema: JsonSchema | undefined, document: unknown): JsonSchema | undefined {
  let current = schema;
  for (let hops = 0; current && typeof current.$ref === 'string' && hops < 20; hops++) current = pointer(document, current.$ref) as JsonSchema | undefined;
  return current;
}

/**
 * `example` without the properties its schema marks `readOnly`: a document's own example
 * of a request body may show them (Jira's `isAssigneeTypeValid`), but a client SHOULD NOT
 * send them (OAS 3.0.3 §4.7.24, `readOnly`), and a validator treats them as absent from
 * the request schema.
 */
export function withoutReadOnly(example: unknown, schema: JsonSchema | undefined, document: unknown, depth = 0): unknown {
  const resolved = deref(schema, document);
  if (!resolved || depth > 20 || example === null || typeof example !== 'object') return example;
  if (Array.isArray(example)) return example.map((item) => withoutReadOnly(item, resolved.items as JsonSchema | undefined, document, depth + 1));
  const properties: Record<string, JsonSchema> = {};
  const collect = (node: JsonSchema | undefined, hops: number): void => {
    const n = deref(node, document);
    if (!n || hops > 20) return;
    Object.assign(properties, (n.properties as Record<string, JsonSchema> | undefined) ?? {});
    for (const part of (n.allOf as JsonSchema[] | undefined) ?? []) collect(part, hops + 1);
  };
  collect(resolved, 0);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(example as Record<string, unknown>)) {
    const property = deref(properties[key], document);
    if (property?.readOnly === true) continue;
    out[key] = withoutReadOnly(value, property, document, depth + 1);
  }
  return out;
}

/** A string matching `pattern`, the shortest the expression allows (repeatable run to run). */
export function fromPattern(pattern: string): string | undefined {
  try {
    const generator = new RandExp(new RegExp(pattern));
    generator.max = 3;
    generator.randInt = (low: number) => low;
    return generator.gen();
  } catch {
    return undefined;
  }
}

/** A value valid for `schema`: example, default, enum, pattern, else json-schema-sampler's sample for its type and format. */
export function sampleSchema(schema: JsonSchema | undefined, document: unknown): Json | undefined {
  const resolved = deref(schema, document);
  if (!resolved) return undefined;
  if (resolved.example !== undefined) return resolved.example as Json;
  if (Array.isArray(resolved.examples) && resolved.examples.length) return resolved.examples[0] as Json;
  if (resolved.default !== undefined) return resolved.default as Json;
  if (Array.isArray(resolved.enum) && resolved.enum.length) return (resolved.enum.find((v) => v !== null) ?? resolved.enum[0]) as Json;
  if (typeof resolved.pattern === 'string' && (resolved.type === 'string' || resolved.type === undefined) && !resolved.format) {
    const text = fromPattern(resolved.pattern);
    if (text !== undefined) return text;
  }
  if (resolving.has(resolved)) return undefined;
  resolving.add(resolved);
  try {
    return sample(resolved as never, { skipNonRequired: true, skipReadOnly: true, quiet: true, maxSampleDepth: 6, ticks: 10_000 }, document as object) as Json;
  } catch {
    return undefined;
  } finally {
    resolving.delete(resolved);
  }
}

/** Values for scalars the document said nothing about, by the scalar's name (Mesh names custom scalars after their format). */
export function fallbackScalar(name: string): Json {
  const key = name.toLowerCase();
  if (name === 'Int' || /int$|^positive|^nonnegative|^nonpositive/i.test(name)) return key.startsWith('nonpositive') ? 0 : 1;
  if (name === 'Float' || /float|number|decimal|double/i.test(name)) return 1.5;
  if (name === 'Boolean') return true;
  if (name === 'ID') return '1';
  if (key.includes('datetime')) return '2024-01-02T03:04:05Z';
  if (key === 'date' || key.endsWith('_date')) return '2024-01-02';
  if (key === 'time' || key.endsWith('_time')) return '03:04:05Z';
  if (key.includes('uuid')) return '3fa85f64-5717-4562-b3fc-2c963f66afa6';
  if (key.includes('email')) return 'user@example.com';
  if (key.includes('url') || key.includes('uri')) return 'https://example.com/';
  if (key.includes('ipv4')) return '192.0.2.1';
  if (key.includes('ipv6')) return '2001:db8::1';
  if (key.includes('byte') || key.includes('base64')) return 'AAEC';
  if (key.includes('json') || key.includes('objmap') || key === 'object') return {};
  return 'string';
}

function enumValue(values: readonly { name: string }[], wanted: Json | undefined): string {
  if (wanted !== undefined && wanted !== null && typeof wanted !== 'object') {
    const text = String(wanted);
    const exact = values.find((v) => v.name === text);
    if (exact) return exact.name;
    const loose = values.find((v) => normalName(v.name) === normalName(text));
    if (loose) return loose.name;
  }
  return values[0]?.name ?? '';
}

function scalarValue(name: string, wanted: Json | undefined): Json {
  if (wanted === undefined || wanted === null) return fallbackScalar(name);
  switch (name) {
    case 'Int': {
      const n = Number(wanted);
      return Number.isFinite(n) ? Math.trunc(n) : 1;
    }
    case 'Float': {
      const n = Number(wanted);
      return Number.isFinite(n) ? n : 1.5;
    }
    case 'Boolean':
      return typeof wanted === 'boolean' ? wanted : wanted === 'true';
    case 'String':
    case 'ID':
      return typeof wanted === 'object' ? JSON.stringify(wanted) : String(wanted);
    default:
      return wanted;
  }
}

/** `wanted` (a sample from the document, or nothing) made to fit GraphQL input type `type`. */
export function fitInput(type: GraphQLInputType, wanted: Json | undefined): Json {
  if (isNonNullType(type)) return fitInput(type.ofType, wanted);
  if (isListType(type)) {
    const first = Array.isArray(wanted) ? wanted[0] : wanted;
    return [fitInput(type.ofType, first)];
  }
  if (isEnumType(type)) return enumValue(type.getValues(), wanted);
  if (isScalarType(type)) return scalarValue(type.name, wanted);
  const given = wanted && typeof wanted === 'object' && !Array.isArray(wanted) ? wanted : {};
  const byName = new Map(Object.keys(given).map((k) => [normalName(k), k]));
  if (type.isOneOf) {
    // A OneOf input object takes exactly one key (GraphQL spec, "OneOf Input Objects"):
    // the member the sample names, else the first whose own fields the sample fills, else the first.
    const fields = Object.values(type.getFields());
    const named = fields.find((f) => given[f.name] !== undefined || byName.has(normalName(f.name)));
    if (named) {
      const key = given[named.name] !== undefined ? named.name : byName.get(normalName(named.name))!;
      return { [named.name]: fitInput(named.type, given[key]) };
    }
    const first = fields[0];
    return first ? { [first.name]: fitInput(first.type, wanted) } : {};
  }
  const out: Record<string, Json> = {};
  for (const field of Object.values(type.getFields())) {
    const key = given[field.name] !== undefined ? field.name : byName.get(normalName(field.name));
    if (key !== undefined && given[key] !== undefined) out[field.name] = fitInput(field.type, given[key]);
    else if (isNonNullType(field.type) && field.defaultValue === undefined) out[field.name] = fitInput(field.type, undefined);
  }
  return out;
}

function specInputFor(arg: GraphQLArgument, operation: SpecOperation | undefined): { required: boolean; schema?: JsonSchema; example?: unknown } | undefined {
  if (!operation) return undefined;
  const param = operation.parameters.find((p) => p.name === arg.name) ?? operation.parameters.find((p) => normalName(p.name) === normalName(arg.name));
  if (param) return { required: param.required === true, schema: param.schema, example: param.example };
  if (operation.body && isInputObjectType(getNamedType(arg.type)))
    return { required: operation.body.required === true, schema: operation.body.schema, example: operation.body.example };
  if (operation.body && arg.name === 'input')
    return { required: operation.body.required === true, schema: operation.body.schema, example: operation.body.example };
  return undefined;
}

/** The arguments sent: those required by GraphQL (non-null, no default) or by the document, with values it allows. */
export function fillArguments(field: GraphQLField<unknown, unknown>, operation: SpecOperation | undefined, document: unknown): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const arg of field.args) {
    const spec = specInputFor(arg, operation);
    const required = (isNonNullType(arg.type) && arg.defaultValue === undefined) || spec?.required === true;
    if (!required) continue;
    const wanted = spec?.example !== undefined ? (withoutReadOnly(spec.example, spec.schema, document) as Json) : sampleSchema(spec?.schema, document);
    out[arg.name] = fitInput(arg.type, wanted);
  }
  return out;
}

/** Fields whose value costs another upstream call (OpenAPI links, @resolveTo): left out so one field is one call. */
export type CallsOut = (type: string, field: string) => boolean;

const MAX_FIELDS = 80;

function selection(type: GraphQLNamedType, schema: GraphQLSchema, depth: number, callsOut: CallsOut): string {
  if (isLeafType(type)) return '';
  if (isAbstractType(type)) {
    const members = schema.getPossibleTypes(type);
    // Members may share a field name with different types, which GraphQL refuses to merge
    // (§5.3.2): those fields get an alias of their member's name.
    const typesOf = new Map<string, Set<string>>();
    for (const m of members) for (const f of Object.values(m.getFields())) typesOf.set(f.name, (typesOf.get(f.name) ?? new Set()).add(String(f.type)));
    const clash = (name: string) => (typesOf.get(name)?.size ?? 0) > 1;
    const parts = members.map((m) => `... on ${m.name} { ${selectObject(m, schema, depth, callsOut, (f) => (clash(f) ? `${m.name}_${f}` : undefined))} }`);
    return ['__typename', ...parts].join(' ');
  }
  return isObjectType(type) ? selectObject(type, schema, depth, callsOut, () => undefined) : '__typename';
}

function selectObject(
  type: GraphQLObjectType,
  schema: GraphQLSchema,
  depth: number,
  callsOut: CallsOut,
  aliasOf: (field: string) => string | undefined,
): string {
  const parts: string[] = ['__typename'];
  for (const field of Object.values(type.getFields())) {
    if (parts.length > MAX_FIELDS) break;
    if (field.args.some((a) => isNonNullType(a.type) && a.defaultValue === undefined) || callsOut(type.name, field.name)) continue;
    const named = getNamedType(field.type);
    const alias = aliasOf(field.name);
    const name = alias ? `${alias}: ${field.name}` : field.name;
    if (isLeafType(named)) parts.push(name);
    else if (depth === 0) {
      const inner = selection(named, schema, 1, callsOut);
      if (inner) parts.push(`${name} { ${inner} }`);
    }
  }
  return parts.join(' ');
}

/** The GraphQL text for a root field's selection (empty for a leaf). */
export function selectionFor(field: GraphQLField<unknown, unknown>, schema: GraphQLSchema, callsOut: CallsOut = () => false): string {
  return selection(getNamedType(field.type), schema, 0, callsOut);
}

export interface BuiltOperation {
  readonly query: string;
  readonly variables: Record<string, Json>;
}

export function buildOperation(
  kind: 'query' | 'mutation',
  field: GraphQLField<unknown, unknown>,
  schema: GraphQLSchema,
  options: { operation?: SpecOperation; document?: unknown; callsOut?: CallsOut } = {},
): BuiltOperation {
  const variables = fillArguments(field, options.operation, options.document);
  const declared = field.args.filter((a) => a.name in variables);
  const definitions = declared.length ? `(${declared.map((a) => `$${a.name}: ${String(a.type)}`).join(', ')})` : '';
  const args = declared.length ? `(${declared.map((a) => `${a.name}: $${a.name}`).join(', ')})` : '';
  const inner = selectionFor(field, schema, options.callsOut);
  const query = `${kind} Roundtrip${definitions} { ${field.name}${args}${inner ? ` { ${inner} }` : ''} }`;
  return { query, variables };
}
