// Links join a field of one source to a root field of another. Two ways to declare one
// compile to the same plan and run on the same DataLoader layer (batching/link-loader):
//   - Tributary's short form in `tributary.links` (the field is added for you), and
//   - GraphQL Mesh's `@resolveTo` in `additionalTypeDefs` / object `additionalResolvers`.
// Plans are compiled once per schema: which root field is called, how the key is read
// from the parent and how results are matched back. A request only runs them.
import {
  getNamedType,
  getNullableType,
  isListType,
  isObjectType,
  type GraphQLField,
  type GraphQLFieldResolver,
  type GraphQLObjectType,
  type GraphQLResolveInfo,
  type GraphQLSchema,
} from 'graphql';
import { stringInterpolator } from '@graphql-mesh/string-interpolation';
import { TributaryError } from '../errors.ts';
import type { BatchingSettings, LinkSettings } from '../config/schema.ts';
import { createBulkLoader, createPerKeyLoader, createPerValueLoader, readPath, setPath, type LinkLoader, type TargetCall } from '../batching/link-loader.ts';
import { loaderFor, type TributaryContext } from './context.ts';

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

function fail(message: string): never {
  throw new TributaryError('LINK_INVALID', message);
}

function pathOf(dotted: string): string[] {
  return dotted.replace(/\[(\w+)\]/g, '.$1').split('.').filter(Boolean);
}

type ArgsBuilder = ((root: unknown, args: unknown, context: unknown, info: unknown) => Record<string, unknown>) & {
  /** No arguments at all: callers skip the call (and the per-request object it would make). */
  readonly empty: boolean;
};

/**
 * Interpolates Mesh-style `{root.x}` / `{args.x}` / `{context.x}` / `{env.X}` values. Each
 * value is classified once here — a constant, exactly one expression (read by a
 * pre-split path, which keeps the value's type: an id stays a number), or a template
 * for Mesh's interpolator — so that a link field, run once per parent object, does no
 * regex or string splitting per call.
 */
function compileArgs(template: Record<string, unknown> | undefined): ArgsBuilder {
  const entries: Array<{ path: string; value: (scope: () => Record<string, unknown>) => unknown }> = [];
  const walk = (value: unknown, path: string) => {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value)) walk(v, path ? `${path}.${k}` : k);
      return;
    }
    const single = typeof value === 'string' ? /^\{([^{}]+)\}$/.exec(value) : null;
    if (single) {
      const at = pathOf(single[1].trim());
      entries.push({ path, value: (scope) => readPath(scope(), at) });
    } else if (typeof value === 'string' && value.includes('{')) {
      entries.push({ path, value: (scope) => stringInterpolator.parse(value, scope()) });
    } else {
      entries.push({ path, value: () => value });
    }
  };
  walk(template ?? {}, '');
  const build = (root: unknown, args: unknown, context: unknown, info: unknown) => {
    const out: Record<string, unknown> = {};
    const scope = () => ({ root, args, context, info, env: process.env });
    for (const entry of entries) setPath(out, entry.path, entry.value(scope));
    return out;
  };
  return Object.assign(build, { empty: entries.length === 0 });
}

/**
 * Reads a key from the parent: through the field's own resolver when it has one (a
 * renamed field, `@resolveRootField`), else straight from the REST object — which also
 * covers a property that a filter transform hid from the schema.
 */
function compileKeyReader(parent: GraphQLObjectType, keyField: string): (root: unknown, context: unknown, info: GraphQLResolveInfo) => unknown {
  const path = pathOf(keyField);
  const resolve = path.length === 1 ? parent.getFields()[path[0]]?.resolve : undefined;
  if (resolve) return (root, context, info) => resolve(root, {}, context, info);
  return (root) => readPath(root, path);
}

interface CompiledLink {
  id: string;
  parent: GraphQLObjectType;
  fieldName: string;
  resolve: GraphQLFieldResolver<unknown, TributaryContext>;
}

interface LinkSpec {
  id: string;
  parent: GraphQLObjectType;
  fieldName: string;
  target: GraphQLField<unknown, unknown>;
  keyField?: string;
  keysArg?: string;
  valueKey?: string;
  /** Per-key mode: builds the target's arguments from the parent. */
  perKeyArgs?: (root: unknown, args: unknown, context: unknown, info: unknown) => Record<string, unknown>;
  /** Per-key mode with one argument taking the key as it is (Tributary's `arg`): the key, and the arguments for a key. */
  perKeyValue?: { read: (root: unknown) => unknown; toArgs: (key: unknown) => Record<string, unknown> };
  fixedArgs: ArgsBuilder;
  result?: string[];
}

function compile(spec: LinkSpec, batching: BatchingSettings): CompiledLink {
  const targetResolve = spec.target.resolve;
  if (!targetResolve) fail(`${spec.id}: target field ${spec.target.name} has no resolver.`);
  const result = spec.result;
  const call: TargetCall = async (args, context, info) => {
    const value = await targetResolve(undefined, args, context, info);
    return result ? (Array.isArray(value) ? value.map((v) => readPath(v, result)) : readPath(value, result)) : value;
  };
  const linkField = spec.parent.getFields()[spec.fieldName];
  const manyPerKey = linkField ? isListType(getNullableType(linkField.type)) : false;
  if (spec.keysArg) {
    if (!spec.keyField) fail(`${spec.id}: a batched link needs keyField (the parent field holding the key).`);
    const readKey = compileKeyReader(spec.parent, spec.keyField);
    const targetItem = getNamedType(spec.target.type);
    let valueKey = spec.valueKey;
    if (!valueKey && isObjectType(targetItem)) valueKey = 'id' in targetItem.getFields() ? 'id' : spec.keyField in targetItem.getFields() ? spec.keyField : undefined;
    if (!valueKey) fail(`${spec.id}: cannot tell which field of ${targetItem.name} holds the key; set valueKeyField (Mesh) or valueKey (Tributary).`);
    const plan = { kind: 'bulk' as const, keysArg: spec.keysArg, valueKey: pathOf(valueKey), maxBatchSize: batching.maxBatchSize, maxUrlLength: batching.maxUrlLength, manyPerKey };
    const fixedArgs = spec.fixedArgs;
    const noArgs = {};
    // The key field may itself hold a list of keys (`productIds: [ID]`): load them all.
    const load = (key: unknown, root: unknown, args: unknown, context: TributaryContext, info: GraphQLResolveInfo) => {
      if (key == null) return null;
      const extra = fixedArgs.empty ? noArgs : fixedArgs(root, args, context, info);
      const loaderId = fixedArgs.empty ? spec.id : `${spec.id}:${JSON.stringify(extra)}`;
      const keyIsList = Array.isArray(key);
      const loader =
        (context.loaders?.get(loaderId) as LinkLoader<unknown> | undefined) ?? loaderFor(context, loaderId, () => createBulkLoader(spec.id, { ...plan, manyPerKey: manyPerKey && !keyIsList }, call, extra, context, info));
      return keyIsList ? loader.loadMany(key as unknown[]) : loader.load(key);
    };
    return {
      id: spec.id,
      parent: spec.parent,
      fieldName: spec.fieldName,
      // Runs once per parent object (100 posts → 100 calls per request): no async
      // wrapper, no per-call closures, and fixed arguments only when there are some.
      resolve: function bulkLinkResolver(root, args, context, info) {
        const key = readKey(root, context, info);
        if (key instanceof Promise) return key.then((k) => load(k, root, args, context, info));
        return load(key, root, args, context, info);
      },
    };
  }
  const perKeyArgs = spec.perKeyArgs ?? fail(`${spec.id}: needs either keysArg (bulk) or arguments for the per-key call.`);
  const fixedArgs = spec.fixedArgs;
  const byValue = fixedArgs.empty ? spec.perKeyValue : undefined;
  const byValueId = `${spec.id}#byValue`;
  return {
    id: spec.id,
    parent: spec.parent,
    fieldName: spec.fieldName,
    resolve: function perKeyLinkResolver(root, args, context, info) {
      if (byValue) {
        // A scalar key is its own cache key (see createPerValueLoader); anything else
        // (null, a list) takes the general path below, as before.
        const key = byValue.read(root);
        if (typeof key === 'string' || typeof key === 'number' || typeof key === 'boolean') {
          const loader = (context.loaders?.get(byValueId) as LinkLoader<string | number | boolean> | undefined) ?? loaderFor(context, byValueId, () => createPerValueLoader(call, byValue.toArgs, context, info));
          return loader.load(key);
        }
      }
      const targetArgs = fixedArgs.empty ? perKeyArgs(root, args, context, info) : { ...fixedArgs(root, args, context, info), ...perKeyArgs(root, args, context, info) };
      const loader = (context.loaders?.get(spec.id) as LinkLoader<Record<string, unknown>> | undefined) ?? loaderFor(context, spec.id, () => createPerKeyLoader(call, context, info));
      return loader.load(targetArgs);
    },
  };
}

function rootField(schema: GraphQLSchema, typeName: string, fieldName: string, where: string): GraphQLField<unknown, unknown> {
  const type = schema.getType(typeName);
  if (!isObjectType(type)) fail(`${where}: type "${typeName}" does not exist in the schema.`);
  const field = type.getFields()[fieldName];
  if (!field) fail(`${where}: ${typeName} has no field "${fieldName}". Known fields: ${Object.keys(type.getFields()).slice(0, 20).join(', ')}.`);
  return field;
}

function parentType(schema: GraphQLSchema, typeName: string, where: string): GraphQLObjectType {
  const type = schema.getType(typeName);
  if (!isObjectType(type)) fail(`${where}: type "${typeName}" does not exist in the schema (or is not an object type).`);
  return type;
}

/** Attaches the compiled link resolvers to the schema's fields (mutating it, once, at build time). */
function attach(links: CompiledLink[]): void {
  for (const link of links) {
    const field = link.parent.getFields()[link.fieldName];
    if (!field) fail(`${link.id}: field is missing from the schema.`);
    field.resolve = link.resolve as GraphQLFieldResolver<unknown, unknown>;
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

/** Compiles and attaches Tributary's own `links:` declarations. The fields must already exist (see linkTypeDefs). */
export function wireTributaryLinks(schema: GraphQLSchema, links: readonly LinkSettings[], batching: BatchingSettings): void {
  const compiled = links.map((link, index) => {
    const where = `tributary.links[${index}] (${link.field})`;
    const [typeName, fieldName] = link.field.split('.');
    const [targetType, targetField] = link.target.includes('.') ? link.target.split('.') : ['Query', link.target];
    const target = rootField(schema, targetType, targetField, where);
    const argNames = new Set(target.args.map((a) => a.name));
    const argName = link.keysArg ?? link.arg!;
    if (!argNames.has(argName.split('.')[0])) fail(`${where}: ${targetType}.${targetField} has no argument "${argName}". Its arguments: ${[...argNames].join(', ') || '(none)'}.`);
    const parent = parentType(schema, typeName, where);
    const keyPath = pathOf(link.key);
    return compile(
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

/** SDL that adds Tributary links' fields to their parent types, with the target's type. */
export function linkTypeDefs(schema: GraphQLSchema, links: readonly LinkSettings[]): string {
  return links
    .map((link, index) => {
      const where = `tributary.links[${index}] (${link.field})`;
      const [typeName, fieldName] = link.field.split('.');
      const parent = parentType(schema, typeName, where);
      if (parent.getFields()[fieldName]) fail(`${where}: ${typeName} already has a field "${fieldName}"; pick another name.`);
      if (!parent.getFields()[pathOf(link.key)[0]]) fail(`${where}: ${typeName} has no field "${link.key}" to read the key from.`);
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
    const perSource = rootNames.get(c.sourceName) ?? fail(`${where}: no source named "${c.sourceName}". Sources: ${[...rootNames.keys()].join(', ')}.`);
    const finalName = perSource.get(`${c.sourceTypeName}.${c.sourceFieldName}`) ?? fail(`${where}: source "${c.sourceName}" has no root field ${c.sourceTypeName}.${c.sourceFieldName}.`);
    const target = rootField(schema, c.sourceTypeName, finalName, where);
    const parent = parentType(schema, c.targetTypeName, where);
    return compile(
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
