// Links join a field of one source to a root field of another. Three ways to declare one
// are checked against the schema here and compile to the same plan (plan.ts), which runs
// on the same DataLoader layer (loader.ts):
//   - Tributary's short form in `tributary.links` (the field is added for you),
//   - GraphQL Mesh's `@resolveTo` in `additionalTypeDefs` / object `additionalResolvers`,
//   - OpenAPI `links` on a response (OAS 3.0 §4.7.20), which the loader turns into fields.
// Plans are compiled once per schema; a request only runs them.
import {
  getNamedType,
  getNullableType,
  isListType,
  isObjectType,
  type GraphQLField,
  type GraphQLFieldResolver,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';
import { getDirectiveExtensions } from '@graphql-tools/utils';
import type { BatchingSettings, LinkSettings } from '../config/schema.ts';
import { readPath, setPath } from './loader.ts';
import { compileArgs, compileLink, linkInvalid, pathOf, responseBodyPointer, type CompiledLink } from './plan.ts';

/** A `@resolveTo` as Mesh defines it (directive arguments or an object in additionalResolvers). */
export interface ResolveToConfig {
  targetTypeName: string;
  targetFieldName: string;
  sourceName: string;
  sourceTypeName: string;
  sourceFieldName: string;
  keyField?: string;
  keysArg?: string;
  valueKeyField?: string;
  sourceArgs?: Record<string, unknown>;
  additionalArgs?: Record<string, unknown>;
  requiredSelectionSet?: string;
  result?: string;
  resultType?: string;
}

/** Where a source's own root fields ended up in the merged schema (merge may rename clashes). */
export type RootFieldNames = Map<string, Map<string, string>>; // source -> "Query.field" -> final field name

function rootField(schema: GraphQLSchema, typeName: string, fieldName: string, where: string): GraphQLField<unknown, unknown> {
  const type = schema.getType(typeName);
  if (!isObjectType(type)) linkInvalid(`${where}: type "${typeName}" does not exist in the schema.`);
  const field = type.getFields()[fieldName];
  if (!field) linkInvalid(`${where}: ${typeName} has no field "${fieldName}". Known fields: ${Object.keys(type.getFields()).slice(0, 20).join(', ')}.`);
  return field;
}

function parentType(schema: GraphQLSchema, typeName: string, where: string): GraphQLObjectType {
  const type = schema.getType(typeName);
  if (!isObjectType(type)) linkInvalid(`${where}: type "${typeName}" does not exist in the schema (or is not an object type).`);
  return type;
}

/** Attaches the compiled link resolvers to the schema's fields (mutating it, once, at build time). */
function attach(links: CompiledLink[]): void {
  for (const link of links) {
    const field = link.parent.getFields()[link.fieldName];
    if (!field) linkInvalid(`${link.id}: field is missing from the schema.`);
    field.resolve = link.resolve as GraphQLFieldResolver<unknown, unknown>;
    // Read by what must know that a field costs upstream calls (http/default-query.ts).
    (field as { extensions: Record<string, unknown> }).extensions = { ...field.extensions, tributaryLink: true };
  }
}

/** The target's arguments for one parent: `{ [arg]: key }`, the argument path split once here. */
function perKeyArgsOf(arg: string, keyPath: readonly string[]): (root: unknown) => Record<string, unknown> {
  if (!arg.includes('.')) return (root) => ({ [arg]: readPath(root, keyPath) });
  return (root) => {
    const out: Record<string, unknown> = {};
    setPath(out, arg, readPath(root, keyPath));
    return out;
  };
}

/**
 * What a link needs that the schema lacks — its parent type, the key's field, the target
 * root field or the target's argument — or undefined when all are there. A source that
 * failed to load leaves exactly these out (build.ts), where a name the link gets wrong
 * is a config error (LINK_INVALID, from linkTypeDefs).
 */
export function missingForLink(schema: GraphQLSchema, link: LinkSettings): string | undefined {
  const [typeName] = link.field.split('.');
  const parent = schema.getType(typeName);
  if (!isObjectType(parent)) return `type "${typeName}"`;
  if (!parent.getFields()[pathOf(link.key)[0]]) return `field ${typeName}.${pathOf(link.key)[0]}`;
  const [targetType, targetField] = link.target.includes('.') ? link.target.split('.') : ['Query', link.target];
  const root = schema.getType(targetType);
  const target = isObjectType(root) ? root.getFields()[targetField] : undefined;
  if (!target) return `field ${targetType}.${targetField}`;
  const argName = (link.keysArg ?? link.arg!).split('.')[0];
  if (!target.args.some((a) => a.name === argName)) return `argument ${targetType}.${targetField}(${argName})`;
  return undefined;
}

/**
 * Compiles and attaches Tributary's own `links:` declarations, but those at `leftOut`'s
 * indices. The fields must already exist (see linkTypeDefs).
 */
export function wireTributaryLinks(
  schema: GraphQLSchema,
  links: readonly LinkSettings[],
  batching: BatchingSettings,
  leftOut: ReadonlySet<number> = new Set(),
): void {
  const compiled = links.flatMap((link, index) => {
    if (leftOut.has(index)) return [];
    const where = `tributary.links[${index}] (${link.field})`;
    const [typeName, fieldName] = link.field.split('.');
    const [targetType, targetField] = link.target.includes('.') ? link.target.split('.') : ['Query', link.target];
    const target = rootField(schema, targetType, targetField, where);
    const argNames = new Set(target.args.map((a) => a.name));
    const argName = link.keysArg ?? link.arg!;
    if (!argNames.has(argName.split('.')[0]))
      linkInvalid(`${where}: ${targetType}.${targetField} has no argument "${argName}". Its arguments: ${[...argNames].join(', ') || '(none)'}.`);
    const parent = parentType(schema, typeName, where);
    const keyPath = pathOf(link.key);
    return compileLink(
      {
        id: link.field,
        parent,
        fieldName,
        target,
        keyField: link.key,
        keysArg: link.keysArg,
        valueKey: link.valueKey,
        fixedArgs: compileArgs(link.args),
        perKeyArgs: link.arg ? perKeyArgsOf(link.arg, keyPath) : undefined,
        perKeyValue: link.arg ? { read: (root: unknown) => readPath(root, keyPath), toArgs: perKeyArgsOf(link.arg, []) } : undefined,
      },
      batching,
    );
  });
  attach(compiled);
}

/** SDL that adds Tributary links' fields to their parent types, with the target's type; none for those at `leftOut`'s indices. */
export function linkTypeDefs(schema: GraphQLSchema, links: readonly LinkSettings[], leftOut: ReadonlySet<number> = new Set()): string {
  return links
    .flatMap((link, index) => {
      if (leftOut.has(index)) return [];
      const where = `tributary.links[${index}] (${link.field})`;
      const [typeName, fieldName] = link.field.split('.');
      const parent = parentType(schema, typeName, where);
      if (parent.getFields()[fieldName]) linkInvalid(`${where}: ${typeName} already has a field "${fieldName}"; pick another name.`);
      if (!parent.getFields()[pathOf(link.key)[0]]) linkInvalid(`${where}: ${typeName} has no field "${link.key}" to read the key from.`);
      const [targetType, targetField] = link.target.includes('.') ? link.target.split('.') : ['Query', link.target];
      const target = rootField(schema, targetType, targetField, where);
      const keyIsList = isListType(getNullableType(parent.getFields()[pathOf(link.key)[0]].type));
      const item = getNamedType(target.type).name;
      const targetIsList = isListType(getNullableType(target.type));
      const type = keyIsList ? `[${item}]` : link.keysArg ? item : targetIsList ? `[${item}]` : item;
      const description = link.description ?? `Resolved by ${targetType}.${targetField} (${link.keysArg ? 'batched' : 'one call per distinct key'}).`;
      return `extend type ${typeName} {\n  ${JSON.stringify(description)}\n  ${fieldName}: ${type}\n}`;
    })
    .join('\n');
}

/** Compiles and attaches Mesh `@resolveTo` links. */
export function wireResolveTo(schema: GraphQLSchema, configs: readonly ResolveToConfig[], rootNames: RootFieldNames, batching: BatchingSettings): void {
  const compiled = configs.map((c) => {
    const where = `@resolveTo on ${c.targetTypeName}.${c.targetFieldName}`;
    const perSource = rootNames.get(c.sourceName) ?? linkInvalid(`${where}: no source named "${c.sourceName}". Sources: ${[...rootNames.keys()].join(', ')}.`);
    const finalName =
      perSource.get(`${c.sourceTypeName}.${c.sourceFieldName}`) ??
      linkInvalid(`${where}: source "${c.sourceName}" has no root field ${c.sourceTypeName}.${c.sourceFieldName}.`);
    const target = rootField(schema, c.sourceTypeName, finalName, where);
    const parent = parentType(schema, c.targetTypeName, where);
    return compileLink(
      {
        id: `${c.targetTypeName}.${c.targetFieldName}`,
        parent,
        fieldName: c.targetFieldName,
        target,
        keyField: c.keyField,
        keysArg: c.keysArg,
        valueKey: c.valueKeyField,
        fixedArgs: compileArgs(c.keysArg ? c.additionalArgs : undefined),
        perKeyArgs: c.keysArg ? undefined : compileArgs(c.sourceArgs),
        result: c.result ? pathOf(c.result) : undefined,
      },
      batching,
    );
  });
  attach(compiled);
}

/** The loader's record of one OpenAPI link, in the `@linkResolver` of the operation whose answer has it. */
interface MeshLink {
  linkObjArgs?: Record<string, unknown>;
  targetTypeName: string;
  targetFieldName: string;
}

/**
 * Moves the fields made from OpenAPI `links` onto the link plans. The loader resolves each
 * such field by calling the target operation's resolver once per parent object: 20 users
 * over 3 teams made 21 calls. Here each becomes a per-key link — one call per distinct
 * argument set in a request — or a bulk link when the target takes the key as a list
 * (`ids: [ID]`) and its items say which key they answer. A link this cannot place (its
 * target renamed away by a transform) keeps the loader's resolver, with a warning.
 */
export function wireOpenApiLinks(schema: GraphQLSchema, rootNames: RootFieldNames, batching: BatchingSettings): string[] {
  const warnings: string[] = [];
  const compiled: CompiledLink[] = [];
  for (const parent of Object.values(schema.getTypeMap())) {
    if (!isObjectType(parent) || parent.name.startsWith('__')) continue;
    for (const field of Object.values(parent.getFields())) {
      const [origin] = (getDirectiveExtensions(field, schema)?.oas_link ?? []) as Array<{ subgraph?: string; defaultRootType?: string; defaultField?: string }>;
      if (!origin?.defaultRootType || !origin.defaultField) continue;
      const id = `${parent.name}.${field.name}`;
      const own = (name: string, type: string) => (origin.subgraph ? rootNames.get(origin.subgraph)?.get(`${type}.${name}`) : undefined) ?? name;
      const declaring = (schema.getType(origin.defaultRootType) as GraphQLObjectType | undefined)?.getFields?.()[
        own(origin.defaultField, origin.defaultRootType)
      ];
      const map = declaring ? linkResolverMap(schema, declaring) : undefined;
      const link = map?.[field.name];
      const target = link
        ? (schema.getType(link.targetTypeName) as GraphQLObjectType | undefined)?.getFields?.()[own(link.targetFieldName, link.targetTypeName)]
        : undefined;
      if (!link || !target) {
        warnings.push(
          `OpenAPI link ${id} (source ${origin.subgraph ?? '?'}): its target operation is not in the served schema under the name the document gives; it is resolved one call per parent.`,
        );
        continue;
      }
      compiled.push(compileOpenApiLink(id, parent, field.name, target, link.linkObjArgs ?? {}, batching));
    }
  }
  attach(compiled);
  return warnings;
}

function linkResolverMap(schema: GraphQLSchema, field: GraphQLField<unknown, unknown>): Record<string, MeshLink> | undefined {
  const [directive] = (getDirectiveExtensions(field, schema)?.linkResolver ?? []) as Array<{ linkResolverMap?: string | Record<string, MeshLink> }>;
  const map = directive?.linkResolverMap;
  return typeof map === 'string' ? (JSON.parse(map) as Record<string, MeshLink>) : map;
}

/** Bulk when one argument reads one property of the parent and the target takes a list there; else per key. */
function compileOpenApiLink(
  id: string,
  parent: GraphQLObjectType,
  fieldName: string,
  target: GraphQLField<unknown, unknown>,
  linkArgs: Record<string, unknown>,
  batching: BatchingSettings,
): CompiledLink {
  const perKey = () => compileLink({ id, parent, fieldName, target, fixedArgs: compileArgs(undefined), perKeyArgs: compileArgs(linkArgs) }, batching);
  const entries = Object.entries(linkArgs);
  const [argName, expression] = entries.length === 1 ? entries[0] : [];
  // One top-level property of the answer: `{root.$response.body#/teamId}`.
  const pointer = typeof expression === 'string' ? responseBodyPointer(/^\{(.+)\}$/.exec(expression)?.[1] ?? '') : undefined;
  const property = pointer?.length === 1 ? pointer[0] : undefined;
  const arg = target.args.find((a) => a.name === argName);
  if (!property || !arg || !isListType(getNullableType(arg.type)) || !parent.getFields()[property]) return perKey();
  try {
    return compileLink({ id, parent, fieldName, target, keyField: property, keysArg: argName, fixedArgs: compileArgs(undefined) }, batching);
  } catch {
    // The target's items do not say which key they answer (no `id`, no field named like
    // the key): a bulk answer could not be matched back, so one call per distinct key.
    return perKey();
  }
}
