// GraphQL response caching with envelop's response-cache, made opt-in and per session.
//  - Opt-in: a query is cached only when every root field it selects is covered by a
//    rule (its `Query.field`, or its return type), or when every source it called has a
//    `source` rule. The TTL is the smallest of the rules that apply. Nothing else is
//    cached, so adding one rule cannot start caching an unrelated field.
//  - Per session: the key includes a digest of the principal and of every request value
//    an upstream could see (forwarded client headers, whatever the config's
//    `{context.…}` templates read — see session-inputs.ts —, gateway-set headers), so
//    two callers share an entry only when the services would have answered them
//    identically.
//  - Never with errors (the library's default), never introspection.
//  - Mutations invalidate: the library drops entries holding an entity (`Type:id`) the
//    mutation returned; on top of that every entry holding the mutation's return type is
//    dropped (a created item changes lists that never held it), and so are the
//    passthrough entries of every source the mutation called.
import { createHash } from 'node:crypto';
import { useResponseCache, type Cache } from '@envelop/response-cache';
import { getNamedType, getOperationAST, Kind, print, type DocumentNode, type GraphQLSchema, type SelectionSetNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { principalKey, type TributaryContext } from '../../context.ts';
import type { CacheRule } from '../../config/policies.ts';
import type { HeaderRules } from '../set-headers.ts';
import type { PassthroughCache } from './passthrough-cache.ts';
import type { SessionInputs } from '../../config/session-inputs.ts';

export interface GraphqlCacheOptions {
  readonly store: Cache;
  readonly rules: readonly CacheRule[];
  /** Request data an upstream may see (session-inputs.ts); part of the session. */
  readonly session: SessionInputs;
  readonly headerRules: ReadonlyMap<string, HeaderRules>;
  readonly passthroughCache?: PassthroughCache;
}

interface Plan {
  readonly schema: GraphQLSchema;
  readonly mutation: boolean;
  readonly rootsCovered: boolean;
  /** Return types of the selected mutation fields. */
  readonly returnTypes: readonly string[];
}

const PLAN = Symbol('tributary.cachePlan');

export function useGraphqlCache(options: GraphqlCacheOptions): Plugin[] {
  const ttlPerSchemaCoordinate: Record<string, number> = {};
  const sourceTtl = new Map<string, number>();
  for (const rule of options.rules) {
    if (rule.coordinate !== undefined) ttlPerSchemaCoordinate[rule.coordinate] = Math.min(rule.ttlMs, ttlPerSchemaCoordinate[rule.coordinate] ?? Infinity);
    else sourceTtl.set(rule.source!, Math.min(rule.ttlMs, sourceTtl.get(rule.source!) ?? Infinity));
  }
  const plans = new WeakMap<DocumentNode, Plan>();
  const planOf = (ctx: TributaryContext) => ctx[PLAN as unknown as string] as Plan | undefined;

  function session(ctx: TributaryContext): string {
    const state = ctx.scope;
    const hash = createHash('sha256').update(principalKey(state?.principal) ?? 'anonymous');
    // Every part is JSON, one per line, so that no value can pass for another part.
    const add = (part: unknown) => hash.update(`\n${JSON.stringify(part) ?? 'undefined'}`);
    const headers = ctx.request?.headers;
    const inputs = options.session;
    if (inputs.allHeaders) {
      const all: Array<[string, string]> = [];
      headers?.forEach((value, name) => all.push([name, value]));
      add(['*', all.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))]);
    } else {
      for (const name of inputs.headers) add(['h', name, headers?.get(name) ?? null]);
    }
    for (const path of inputs.principal) add(['p', path, valueAt(state?.principal, path) ?? null]);
    for (const path of inputs.params) add(['q', path, valueAt(ctx.params, path) ?? null]);
    for (const [source, rules] of options.headerRules) add(['s', source, rules(state?.principal)]);
    return hash.digest('base64url');
  }

  const planner: Plugin = {
    onExecute({ args }) {
      let plan = plans.get(args.document);
      if (!plan || plan.schema !== args.schema) {
        plan = planFor(args.schema, args.document, args.operationName ?? undefined, ttlPerSchemaCoordinate);
        plans.set(args.document, plan);
      }
      (args.contextValue as unknown as Record<symbol, unknown>)[PLAN] = plan;
      if (!plan.mutation) return;
      const current = plan;
      return {
        async onExecuteDone({ result }) {
          if (!('data' in result) || result.data == null) return;
          await options.store.invalidate(current.returnTypes.map((typename) => ({ typename })));
          const touched = (args.contextValue as unknown as TributaryContext).scope?.touched;
          if (options.passthroughCache && touched) await Promise.all([...touched].map((s) => options.passthroughCache!.invalidate(s)));
        },
      };
    },
  };

  const cache = useResponseCache<TributaryContext>({
    cache: options.store,
    // Nothing is cached unless a rule says so (see onTtl).
    ttl: 0,
    ttlPerSchemaCoordinate,
    session,
    getDocumentString: (args) => (args.contextValue as { params?: { query?: string } }).params?.query ?? print(args.document),
    includeExtensionMetadata: false,
    onTtl({ ttl, context }) {
      const plan = planOf(context);
      if (!plan) return 0;
      let out = plan.rootsCovered ? ttl : 0;
      const touched = context.scope?.touched;
      if (sourceTtl.size > 0 && touched && touched.size > 0) {
        const ttls = [...touched].map((s) => sourceTtl.get(s));
        if (ttls.every((t) => t !== undefined)) {
          const bySource = Math.min(...(ttls as number[]));
          out = out > 0 ? Math.min(out, bySource) : bySource;
        } else {
          const known = ttls.filter((t): t is number => t !== undefined);
          if (out > 0 && known.length) out = Math.min(out, ...known);
        }
      }
      return Number.isFinite(out) ? out : 0;
    },
  });
  return [planner, cache as Plugin];
}

function valueAt(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function planFor(schema: GraphQLSchema, document: DocumentNode, operationName: string | undefined, ttls: Record<string, number>): Plan {
  const operation = getOperationAST(document, operationName);
  const root = operation ? schema.getRootType(operation.operation) : undefined;
  if (!operation || !root) return { schema, mutation: false, rootsCovered: false, returnTypes: [] };
  const fragments = new Map(document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [])));
  let covered = true;
  const returnTypes = new Set<string>();
  const visit = (set: SelectionSetNode, seen: Set<string>): void => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        if (name === '__typename') continue;
        const field = root.getFields()[name];
        const type = field ? getNamedType(field.type).name : undefined;
        if (type) returnTypes.add(type);
        if (!(`${root.name}.${name}` in ttls) && !(type !== undefined && type in ttls)) covered = false;
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        visit(selection.selectionSet, seen);
      } else if (!seen.has(selection.name.value)) {
        const fragment = fragments.get(selection.name.value);
        if (fragment) visit(fragment.selectionSet, new Set([...seen, selection.name.value]));
      }
    }
  };
  visit(operation.selectionSet, new Set());
  return { schema, mutation: operation.operation === 'mutation', rootsCovered: covered, returnTypes: [...returnTypes] };
}
