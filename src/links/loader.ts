// The DataLoaders behind every link (Tributary's own `links:`, Mesh's `@resolveTo` and
// fields made from OpenAPI `links`, declare.ts) when an operation runs on the executor; the
// in-context SDK's calls (schema/additional.ts) do not come through here. A loader lives
// for one request (see src/context.ts): within it, the same key is fetched once, and all
// keys asked for in one tick of the event loop go out together — one bulk call per batch,
// or one call per distinct key. Planned execution (planned/run.ts) makes the same calls
// through fetchBulk / fetchPerKey, without the loaders.
import DataLoader from 'dataloader';
import type { GraphQLResolveInfo } from 'graphql';
import { TributaryError } from '../errors.ts';
import type { TributaryContext } from '../context.ts';
import { linkBatches, type LinkBatchMessage } from '../observability/channels.ts';

/** Calls the target root field with the given arguments and returns its decoded result. */
export type TargetCall = (args: Record<string, unknown>, context: TributaryContext, info: GraphQLResolveInfo) => Promise<unknown>;

export interface BulkPlan {
  kind: 'bulk';
  /** Dotted path of the argument that takes the list of keys (`ids`, `filter.ids`). */
  keysArg: string;
  /** Path in each result item holding its key; results are matched by this value, never by position. */
  valueKey: readonly string[];
  /** Undefined: no limit on keys, only on the URL. */
  maxBatchSize?: number;
  maxUrlLength: number;
  /** Whether one key may match several items (the link field is a list). */
  manyPerKey: boolean;
}

export interface PerKeyPlan {
  kind: 'perKey';
}

export function readPath(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const key of path) {
    if (current == null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

export function setPath(target: Record<string, unknown>, dotted: string, value: unknown): void {
  const keys = dotted.split('.');
  let current = target;
  for (const key of keys.slice(0, -1)) {
    if (current[key] == null || typeof current[key] !== 'object') current[key] = {};
    current = current[key] as Record<string, unknown>;
  }
  current[keys[keys.length - 1]] = value;
}

/**
 * Splits keys so that no bulk call carries more than `maxBatchSize` keys (when set), nor more
 * query-string bytes than fit in `maxUrlLength` (each key costs `&<arg>=<encoded key>`;
 * 256 bytes are kept for the path and other parameters). A chunk always holds at
 * least one key, so a single huge key is still sent.
 */
export function splitBatch(keys: readonly unknown[], plan: Pick<BulkPlan, 'keysArg' | 'maxBatchSize' | 'maxUrlLength'>): unknown[][] {
  const budget = plan.maxUrlLength - 256;
  const perKeyOverhead = encodeURIComponent(plan.keysArg).length + 2;
  const maxKeys = plan.maxBatchSize ?? Infinity;
  const chunks: unknown[][] = [];
  let chunk: unknown[] = [];
  let size = 0;
  for (const key of keys) {
    const cost = encodeURIComponent(String(key)).length + perKeyOverhead;
    if (chunk.length > 0 && (chunk.length >= maxKeys || size + cost > budget)) {
      chunks.push(chunk);
      chunk = [];
      size = 0;
    }
    chunk.push(key);
    size += cost;
  }
  if (chunk.length) chunks.push(chunk);
  return chunks;
}

/** Whether an object has an own key (without making the list of its keys). */
function hasAny(value: object | undefined): boolean {
  for (const key in value) if (Object.hasOwn(value, key)) return true;
  return false;
}

/** One batch, told to observers (metrics: batch sizes; traces: a span) when there are any. */
function observed<T>(link: string, kind: LinkBatchMessage['kind'], size: number, run: () => Promise<T>): Promise<T> {
  if (!linkBatches.hasSubscribers) return run();
  return linkBatches.tracePromise(run, { link, kind, size });
}

/** LINK_KEY_NOT_FOUND: a bulk answer had no item for this key. */
export function missingKey(linkId: string, key: unknown): TributaryError {
  return new TributaryError('LINK_KEY_NOT_FOUND', `${linkId}: no result for key ${JSON.stringify(key)}.`, { extensions: { key } });
}

/**
 * What a link's resolver calls: a DataLoader, plus what this request already knows. A
 * link runs once per parent object (100 posts → 100 loads of 10 distinct authors, then
 * 100 loads of their 3 teams). DataLoader answers a key repeated while its batch is out
 * with a new promise each time (to keep its ordering guarantee); here the repeat gets the
 * same promise, and once that has settled, the value itself, synchronously, which
 * graphql-jit then completes without a microtask. A failure stays a rejected promise.
 */
export class LinkLoader<K> {
  private readonly known = new Map<unknown, unknown>();

  constructor(
    private readonly loader: DataLoader<K, unknown, unknown>,
    /** The same identity DataLoader caches by. */
    private readonly identity: (key: K) => unknown,
  ) {}

  load(key: K): unknown {
    const id = this.identity(key);
    const known = this.known.get(id);
    if (known !== undefined || this.known.has(id)) return known;
    const promise = this.loader.load(key);
    this.known.set(id, promise);
    promise.then(
      (value) => this.known.set(id, value),
      () => undefined,
    );
    return promise;
  }

  loadMany(keys: readonly K[]): Promise<unknown[]> {
    return this.loader.loadMany(keys);
  }
}

/**
 * One bulk batch: the keys split into calls (splitBatch), each answer's items bucketed by
 * the key they carry (`valueKey`), never by position. Shared by the DataLoader below and
 * by planned execution (planned/run.ts), so that both make the same calls.
 */
export function fetchBulk(
  linkId: string,
  plan: Pick<BulkPlan, 'keysArg' | 'valueKey' | 'maxBatchSize' | 'maxUrlLength'>,
  call: TargetCall,
  fixedArgs: Record<string, unknown>,
  keys: readonly unknown[],
  context: TributaryContext,
  info: GraphQLResolveInfo,
): Promise<Map<string, unknown[]>> {
  return observed(linkId, 'bulk', keys.length, async () => {
    const byKey = new Map<string, unknown[]>();
    await Promise.all(
      splitBatch(keys, plan).map(async (chunk) => {
        // A fresh arguments object per call (setPath writes into it); most links fix none.
        const args = hasAny(fixedArgs) ? structuredClone(fixedArgs) : {};
        setPath(args, plan.keysArg, chunk);
        const result = await call(args, context, info);
        const items = Array.isArray(result) ? result : result == null ? [] : [result];
        for (const item of items) {
          const value = readPath(item, plan.valueKey);
          if (value == null) continue;
          const k = String(value);
          const bucket = byKey.get(k);
          if (bucket) bucket.push(item);
          else byKey.set(k, [item]);
        }
      }),
    );
    return byKey;
  });
}

/** Per-key calls for distinct argument sets; a failed call is its key's Error, the others still answer. */
export function fetchPerKey<K>(linkId: string, keys: readonly K[], call: (key: K) => Promise<unknown>): Promise<unknown[]> {
  return observed(linkId, 'perKey', keys.length, () => Promise.all(keys.map((key) => call(key).catch((error: unknown) => error as Error))));
}

/** A loader for a bulk endpoint: one call per batch, results matched to keys by value. */
export function createBulkLoader(
  linkId: string,
  plan: BulkPlan,
  call: TargetCall,
  fixedArgs: Record<string, unknown>,
  context: TributaryContext,
  info: GraphQLResolveInfo,
): LinkLoader<unknown> {
  const loader = new DataLoader<unknown, unknown, string>(
    async (keys) => {
      const byKey = await fetchBulk(linkId, plan, call, fixedArgs, keys, context, info);
      return keys.map((key) => {
        const found = byKey.get(String(key));
        if (plan.manyPerKey) return found ?? [];
        return found ? found[0] : missingKey(linkId, key);
      });
    },
    { cacheKeyFn: String, maxBatchSize: Number.MAX_SAFE_INTEGER },
  );
  return new LinkLoader(loader, String);
}

/** A loader for an endpoint without bulk form: one call per distinct argument set. */
export function createPerKeyLoader(linkId: string, call: TargetCall, context: TributaryContext, info: GraphQLResolveInfo): LinkLoader<Record<string, unknown>> {
  const identity = (args: Record<string, unknown>) => JSON.stringify(args);
  const loader = new DataLoader<Record<string, unknown>, unknown, string>((argSets) => fetchPerKey(linkId, argSets, (args) => call(args, context, info)), {
    cacheKeyFn: identity,
  });
  return new LinkLoader(loader, identity);
}

/**
 * A per-key loader keyed by the key value itself (a string, number or boolean): no
 * argument object and no JSON cache key per parent object, the arguments are built once
 * per distinct key, when the batch goes out. Same calls and results as createPerKeyLoader.
 */
export function createPerValueLoader(
  linkId: string,
  call: TargetCall,
  toArgs: (key: string | number | boolean) => Record<string, unknown>,
  context: TributaryContext,
  info: GraphQLResolveInfo,
): LinkLoader<string | number | boolean> {
  const loader = new DataLoader<string | number | boolean, unknown>((keys) => fetchPerKey(linkId, keys, (key) => call(toArgs(key), context, info)));
  return new LinkLoader(loader, (key) => key);
}
