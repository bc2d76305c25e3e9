// A link's plan, compiled once per schema from one LinkSpec (declare.ts makes them from
// either way of declaring a link): which root field is called, how the key is read from
// the parent, how the target's arguments are built and how results are matched back —
// bulk (one call per batch of keys), per key (one call per distinct argument object) or
// per value (a scalar key that is its own cache key). The resolver returned only runs
// the plan, on the per-request DataLoaders of loader.ts.
import {
  getNamedType,
  getNullableType,
  isListType,
  isObjectType,
  type GraphQLField,
  type GraphQLFieldResolver,
  type GraphQLObjectType,
  type GraphQLResolveInfo,
} from 'graphql';
import { stringInterpolator } from '@graphql-mesh/string-interpolation';
import { TributaryError } from '../errors.ts';
import type { BatchingSettings } from '../config/schema.ts';
import { loaderFor, type TributaryContext } from '../context.ts';
import {
  createBulkLoader,
  createPerKeyLoader,
  createPerValueLoader,
  fetchBulk,
  fetchPerKey,
  missingKey,
  readPath,
  setPath,
  type LinkLoader,
  type TargetCall,
} from './loader.ts';

/** A link the schema cannot satisfy: LINK_INVALID, at build time. */
export function linkInvalid(message: string): never {
  throw new TributaryError('LINK_INVALID', message);
}

/** `a.b[0]` → `['a', 'b', '0']`. */
export function pathOf(dotted: string): string[] {
  return dotted
    .replace(/\[(\w+)\]/g, '.$1')
    .split('.')
    .filter(Boolean);
}

export type ArgsBuilder = ((root: unknown, args: unknown, context: unknown, info: unknown) => Record<string, unknown>) & {
  /** No arguments at all: callers skip the call (and the per-request object it would make). */
  readonly empty: boolean;
  /** Whether some value reads the field's GraphQL `info` (planned execution has none to give). */
  readonly readsInfo: boolean;
};

/** `{info.…}` anywhere in a template value. */
const READS_INFO = /\{\s*info[.}\s]/;

/**
 * Interpolates Mesh-style `{root.x}` / `{args.x}` / `{context.x}` / `{env.X}` values. Each
 * value is classified once here — a constant, exactly one expression (read by a
 * pre-split path, which keeps the value's type: an id stays a number), or a template
 * for Mesh's interpolator — so that a link field, run once per parent object, does no
 * regex or string splitting per call.
 */
export function compileArgs(template: Record<string, unknown> | undefined): ArgsBuilder {
  const entries: Array<{ path: string; value: (scope: () => Record<string, unknown>) => unknown }> = [];
  let readsInfo = false;
  const walk = (value: unknown, path: string) => {
    if (typeof value === 'string' && READS_INFO.test(value)) readsInfo = true;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value)) walk(v, path ? `${path}.${k}` : k);
      return;
    }
    const single = typeof value === 'string' ? /^\{([^{}]+)\}$/.exec(value) : null;
    const pointer = single ? responseBodyPointer(single[1].trim()) : undefined;
    if (pointer) {
      entries.push({ path, value: (scope) => readPath(scope().root, pointer) });
    } else if (single && !single[1].includes('#')) {
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
  return Object.assign(build, { empty: entries.length === 0, readsInfo });
}

/**
 * An OpenAPI link's runtime expression on the answer's body, as the loader writes it
 * (`root.$response.body#/customer/id`, OAS 3.0 §4.7.20.4): the JSON pointer's segments
 * (RFC 6901: `~1` is `/`, `~0` is `~`), read straight from the parent object — which is
 * that body — without the loader's metadata. Undefined for any other expression.
 */
export function responseBodyPointer(expression: string): string[] | undefined {
  const match = /^root\.\$response\.body#((?:\/[^/]*)*)$/.exec(expression);
  if (!match) return undefined;
  return match[1]
    .split('/')
    .slice(1)
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
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

/**
 * The compiled REST operation behind a root field (schema/source.ts puts it in the field's
 * extensions, which survive the renames and prefixes of transforms), as a link calls it.
 */
interface LinkedOperation {
  execute(args: Record<string, unknown>, context: TributaryContext | undefined): Promise<unknown>;
}

function restOperationOf(field: GraphQLField<unknown, unknown>): LinkedOperation | undefined {
  const op = (field.extensions as { tributaryOperation?: LinkedOperation } | undefined)?.tributaryOperation;
  return typeof op?.execute === 'function' ? op : undefined;
}

/** A link's resolver and the field it goes on. */
export interface CompiledLink {
  id: string;
  parent: GraphQLObjectType;
  fieldName: string;
  resolve: GraphQLFieldResolver<unknown, TributaryContext>;
}

/**
 * What planned execution (planned/) needs to run a link itself, for all parents of a level
 * at once, instead of calling its resolver once per parent: the same key reading, the same
 * calls (fetchBulk / fetchPerKey, shared with the DataLoaders) and the same matching.
 * Present only when nothing of the link needs a GraphQL `info` or a resolver of its own: a
 * REST target, a key read straight from the parent, argument templates without `{info…}`.
 */
export type PlannedLink = PlannedBulkLink | PlannedPerKeyLink;

export interface PlannedBulkLink {
  readonly kind: 'bulk';
  readonly id: string;
  readKey(root: unknown): unknown;
  /** The link field is a list: a key may match several items (and none is an empty list). */
  readonly manyPerKey: boolean;
  /** The fixed arguments, when there are any (they split the batches: one loader each). */
  readonly fixedArgs: ArgsBuilder;
  fetch(keys: readonly unknown[], fixedArgs: Record<string, unknown>, context: TributaryContext): Promise<Map<string, unknown[]>>;
  missing(key: unknown): Error;
}

export interface PlannedPerKeyLink {
  readonly kind: 'perKey';
  readonly id: string;
  /** A scalar key that is its own identity (the per-value loader), when the link has one. */
  readonly byValue?: { read(root: unknown): unknown; toArgs(key: unknown): Record<string, unknown> };
  /** The target's arguments for one parent (the per-key loader's key, by JSON identity). */
  argsOf(root: unknown, args: unknown, context: TributaryContext): Record<string, unknown>;
  call(args: Record<string, unknown>, context: TributaryContext): Promise<unknown>;
  fetch<K>(keys: readonly K[], call: (key: K) => Promise<unknown>): Promise<unknown[]>;
}

/** Where a link's resolver carries its PlannedLink (a wrapped resolver carries none). */
export const PLANNED_LINK = Symbol('tributary.plannedLink');

/** The PlannedLink of a field's resolver, if it is a link's own, unwrapped resolver. */
export function plannedLinkOf(resolve: unknown): PlannedLink | undefined {
  return typeof resolve === 'function' ? (resolve as { [PLANNED_LINK]?: PlannedLink })[PLANNED_LINK] : undefined;
}

/** One link, whichever way it was declared (declare.ts): what compileLink needs. */
export interface LinkSpec {
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

/** Compiles one link to its plan and the resolver that runs it (bulk when it has keysArg, else per key). */
export function compileLink(spec: LinkSpec, batching: BatchingSettings): CompiledLink {
  const targetResolve = spec.target.resolve;
  if (!targetResolve) linkInvalid(`${spec.id}: target field ${spec.target.name} has no resolver.`);
  const result = spec.result;
  // A target that is one REST operation (the common case) is called directly, without
  // going through its GraphQL resolver and the link field's `info`; any other target
  // (a custom resolver, another link) through its resolver.
  const operation = restOperationOf(spec.target);
  const call: TargetCall = operation
    ? async (args, context) => {
        const value = await operation.execute(args, context);
        return result ? (Array.isArray(value) ? value.map((v) => readPath(v, result)) : readPath(value, result)) : value;
      }
    : async (args, context, info) => {
        const value = await targetResolve(undefined, args, context, info);
        return result ? (Array.isArray(value) ? value.map((v) => readPath(v, result)) : readPath(value, result)) : value;
      };
  const linkField = spec.parent.getFields()[spec.fieldName];
  const manyPerKey = linkField ? isListType(getNullableType(linkField.type)) : false;
  if (spec.keysArg) {
    if (!spec.keyField) linkInvalid(`${spec.id}: a batched link needs keyField (the parent field holding the key).`);
    const readKey = compileKeyReader(spec.parent, spec.keyField);
    const targetItem = getNamedType(spec.target.type);
    let valueKey = spec.valueKey;
    if (!valueKey && isObjectType(targetItem))
      valueKey = 'id' in targetItem.getFields() ? 'id' : spec.keyField in targetItem.getFields() ? spec.keyField : undefined;
    if (!valueKey) linkInvalid(`${spec.id}: cannot tell which field of ${targetItem.name} holds the key; set valueKeyField (Mesh) or valueKey (Tributary).`);
    const plan = {
      kind: 'bulk' as const,
      keysArg: spec.keysArg,
      valueKey: pathOf(valueKey),
      maxBatchSize: batching.maxBatchSize,
      maxUrlLength: batching.maxUrlLength,
      manyPerKey,
    };
    const fixedArgs = spec.fixedArgs;
    const noArgs = {};
    // The key field may itself hold a list of keys (`productIds: [ID]`): load them all.
    const load = (key: unknown, root: unknown, args: unknown, context: TributaryContext, info: GraphQLResolveInfo) => {
      if (key == null) return null;
      const extra = fixedArgs.empty ? noArgs : fixedArgs(root, args, context, info);
      const loaderId = fixedArgs.empty ? spec.id : `${spec.id}:${JSON.stringify(extra)}`;
      const keyIsList = Array.isArray(key);
      const loader =
        (context.loaders?.get(loaderId) as LinkLoader<unknown> | undefined) ??
        loaderFor(context, loaderId, () => createBulkLoader(spec.id, { ...plan, manyPerKey: manyPerKey && !keyIsList }, call, extra, context, info));
      return keyIsList ? loader.loadMany(key as unknown[]) : loader.load(key);
    };
    // Runs once per parent object (100 posts → 100 calls per request): no async
    // wrapper, no per-call closures, and fixed arguments only when there are some.
    const resolve: GraphQLFieldResolver<unknown, TributaryContext> = function bulkLinkResolver(root, args, context, info) {
      const key = readKey(root, context, info);
      if (key instanceof Promise) return key.then((k) => load(k, root, args, context, info));
      return load(key, root, args, context, info);
    };
    if (operation && !keyReaderResolves(spec.parent, spec.keyField) && !fixedArgs.readsInfo) {
      const keyPath = pathOf(spec.keyField);
      const planned: PlannedBulkLink = {
        kind: 'bulk',
        id: spec.id,
        readKey: (root) => readPath(root, keyPath),
        manyPerKey,
        fixedArgs,
        fetch: (keys, extra, context) => fetchBulk(spec.id, plan, call, extra, keys, context, undefined as never),
        missing: (key) => missingKey(spec.id, key),
      };
      Object.assign(resolve, { [PLANNED_LINK]: planned });
    }
    return { id: spec.id, parent: spec.parent, fieldName: spec.fieldName, resolve };
  }
  const perKeyArgs = spec.perKeyArgs ?? linkInvalid(`${spec.id}: needs either keysArg (bulk) or arguments for the per-key call.`);
  const fixedArgs = spec.fixedArgs;
  const byValue = fixedArgs.empty ? spec.perKeyValue : undefined;
  const byValueId = `${spec.id}#byValue`;
  const resolve: GraphQLFieldResolver<unknown, TributaryContext> = function perKeyLinkResolver(root, args, context, info) {
    if (byValue) {
      // A scalar key is its own cache key (see createPerValueLoader); anything else
      // (null, a list) takes the general path below, as before.
      const key = byValue.read(root);
      if (typeof key === 'string' || typeof key === 'number' || typeof key === 'boolean') {
        const loader =
          (context.loaders?.get(byValueId) as LinkLoader<string | number | boolean> | undefined) ??
          loaderFor(context, byValueId, () => createPerValueLoader(spec.id, call, byValue.toArgs, context, info));
        return loader.load(key);
      }
    }
    const targetArgs = fixedArgs.empty
      ? perKeyArgs(root, args, context, info)
      : { ...fixedArgs(root, args, context, info), ...perKeyArgs(root, args, context, info) };
    const loader =
      (context.loaders?.get(spec.id) as LinkLoader<Record<string, unknown>> | undefined) ??
      loaderFor(context, spec.id, () => createPerKeyLoader(spec.id, call, context, info));
    return loader.load(targetArgs);
  };
  const readsInfo = fixedArgs.readsInfo || (perKeyArgs as Partial<ArgsBuilder>).readsInfo === true;
  if (operation && !readsInfo) {
    const planned: PlannedPerKeyLink = {
      kind: 'perKey',
      id: spec.id,
      byValue: byValue as PlannedPerKeyLink['byValue'],
      argsOf: (root, args, context) =>
        fixedArgs.empty
          ? perKeyArgs(root, args, context, undefined)
          : { ...fixedArgs(root, args, context, undefined), ...perKeyArgs(root, args, context, undefined) },
      call: (args, context) => call(args, context, undefined as never),
      fetch: (keys, one) => fetchPerKey(spec.id, keys, one),
    };
    Object.assign(resolve, { [PLANNED_LINK]: planned });
  }
  return { id: spec.id, parent: spec.parent, fieldName: spec.fieldName, resolve };
}

/** Whether reading the key calls the key field's own resolver (compileKeyReader). */
function keyReaderResolves(parent: GraphQLObjectType, keyField: string): boolean {
  const path = pathOf(keyField);
  return path.length === 1 && Boolean(parent.getFields()[path[0]]?.resolve);
}
