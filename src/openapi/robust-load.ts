// Loads one OpenAPI source so that a spec Mesh's loader chokes on still becomes a schema:
//   1. read + repair known bad patterns (sanitize.ts), in a worker thread;
//   2. Mesh's loader on the whole document, with a time and memory limit;
//   3. if that fails: isolate the operations it fails on (bisection over operation
//      subsets), map those with their schemas replaced by the JSON scalar, and skip the
//      ones that fail even so;
// reporting every repair, JSON-typed operation and skipped operation as a SpecWarning.
// The result is the annotated (non-executable) schema that schema/source.ts makes executable.
import { buildASTSchema, parse, print, validateSchema, type DocumentNode, type GraphQLError, type GraphQLSchema } from 'graphql';
import { TributaryError } from '../errors.ts';
import { LoaderThread, LoaderThreadError } from './loader-thread.ts';
import { locateSpec, type SpecLocation } from './locate.ts';
import { filesStamp, specFiles } from './spec-files.ts';
import { diskCacheKey, readDiskCache, writeDiskCache } from './disk-cache.ts';
import { sdlFromChunks, type Loaded, type LoaderPhase, type Prepared } from './loader-protocol.ts';
import type { SpecWarning } from './spec-warning.ts';
import { repairInterfaceMisfits } from './interface-misfits.ts';
import { realTypeNames, renameTypesIn } from './type-names.ts';

export interface RobustLoadOptions {
  /** Source name (Mesh's subgraph name). */
  name: string;
  /** The source's `handler.openapi` options; `source` is the spec's path or URL (already interpolated). */
  handler: Record<string, unknown> & { source: string };
  /** Folder relative spec paths resolve against (the config file's folder). */
  baseDir: string;
  /** Time limit of one loader run; default 60 s + 10 s per MB of the entry document. */
  timeoutMs?: number;
  /** Total time allowed for isolating failing operations; default 20 whole-spec loads, within 60–300 s. */
  recoveryBudgetMs?: number;
  /** Repair known bad patterns first (default true). */
  sanitize?: boolean;
  /** Isolate and skip failing operations when the whole document fails (default true). */
  recover?: boolean;
  /** Heap limit of the loader thread in MB. */
  maxMemoryMb?: number;
  onProgress?: (phase: LoaderPhase) => void;
  /** Folder for the on-disk cache of loads (disk-cache.ts); none when absent. */
  cacheDir?: string;
}

export interface RobustLoadResult {
  /** Mesh's annotated, non-executable schema. */
  schema: GraphQLSchema;
  warnings: SpecWarning[];
  location: SpecLocation;
  /** Local files the spec is made of (entry and files it refers to), for watching. */
  files: string[];
  operations: { total: number; asJson: number; skipped: number };
  /** True when Mesh's loader failed on the whole document and operations were isolated. */
  recovered: boolean;
  ms: number;
}

type Attempt =
  | { ok: true; schema: GraphQLSchema; sdl: string; typeNames: string[]; warnings: SpecWarning[] }
  | { ok: false; error: string; kind: LoaderThreadError['kind'] | 'invalid' };

const PREPARE_TIMEOUT_MS = 120_000;

/**
 * Results of recent loads, by source and options, valid while the spec's files keep
 * their size and modification time. A reload after a config edit (or the pre-check
 * live reload does before swapping) then rebuilds only what changed; Stripe-sized
 * specs take seconds to load. The schema is rebuilt from SDL on each hit because
 * makeExecutableSource mutates the schema it is given. Kept only when there is no disk
 * cache (disk-cache.ts): with one, a reload reads the SDL back from disk in milliseconds,
 * and a running gateway does not hold a Stripe-sized SDL (~9 MB) in memory for good.
 */
interface CachedLoad {
  stamp: string;
  sdl: string;
  /** The long type names `sdl` writes as aliases (type-names.ts). */
  typeNames: string[];
  result: Omit<RobustLoadResult, 'schema' | 'ms'>;
}
const cache = new Map<string, CachedLoad>();
const CACHE_SIZE = 32;

function remember(key: string, entry: CachedLoad): void {
  cache.delete(key);
  cache.set(key, entry);
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
}

export function defaultTimeoutMs(bytes: number): number {
  return 60_000 + Math.round((bytes / 1_048_576) * 10_000);
}

/**
 * The SDL Mesh printed, back into a schema; rejects schemas graphql-js would refuse to
 * serve. The SDL's own directive rules are not checked (assumeValidSDL): Mesh declares
 * `@oneOf(subgraph:)`, which graphql-js ≥ 16.9 also defines without arguments, and may
 * put two `@httpOperation`s on one field; neither matters to serving, and the schema
 * Mesh itself would have served is the same.
 */
function schemaFromSdl(sdl: string, typeNames: string[], repair?: Repair): { schema: GraphQLSchema; sdl: string; typeNames: string[] } {
  const document = documentOf(sdl, typeNames);
  let schema = buildASTSchema(document, { assumeValidSDL: true });
  let errors = validateSchema(schema);
  if (errors.length && repair) {
    // The repairs read real type names in the text.
    const text = typeNames.length ? print(document) : sdl;
    const repaired = repair(schema, text, errors);
    if (repaired !== text) {
      sdl = repaired;
      typeNames = [];
      schema = buildASTSchema(parse(sdl, { noLocation: true }), { assumeValidSDL: true });
      errors = validateSchema(schema);
    }
  }
  if (errors.length)
    throw new Error(
      `the generated schema is invalid: ${errors
        .slice(0, 3)
        .map((e) => e.message)
        .join('; ')}`,
    );
  if (!schema.getQueryType() && !schema.getMutationType()) throw new Error('no operation could be mapped to a GraphQL field');
  return { schema, sdl, typeNames };
}

/** The loader thread's SDL parsed, its long type names given back (type-names.ts). */
function documentOf(sdl: string, typeNames: readonly string[]): DocumentNode {
  const document = parse(sdl, { noLocation: true });
  if (typeNames.length) {
    const rename = realTypeNames(typeNames);
    for (const definition of document.definitions) renameTypesIn(definition, rename);
  }
  return document;
}

function cachedSchema(entry: CachedLoad): GraphQLSchema {
  return buildASTSchema(documentOf(entry.sdl, entry.typeNames ?? []), { assumeValidSDL: true });
}

/** A schema's SDL with what can be repaired repaired (interface-misfits.ts), given its validation errors. */
type Repair = (schema: GraphQLSchema, sdl: string, errors: readonly GraphQLError[]) => string;

export async function loadSpecRobustly(options: RobustLoadOptions): Promise<RobustLoadResult> {
  const started = performance.now();
  options.onProgress?.('read');
  const location = await locateSpec(options.handler.source, options.baseDir);
  const timeoutMs = options.timeoutMs ?? defaultTimeoutMs(location.bytes);
  const files = await specFiles(location);
  // URLs are never cached: nothing local says when they change.
  const cacheKey = location.isUrl
    ? undefined
    : JSON.stringify([options.name, options.handler, location.entry, options.sanitize ?? true, options.recover ?? true]);
  const stamp = cacheKey ? await filesStamp(files) : '';
  const hit = cacheKey ? cache.get(cacheKey) : undefined;
  if (hit && hit.stamp === stamp) {
    remember(cacheKey!, hit);
    return { ...hit.result, schema: cachedSchema(hit), ms: performance.now() - started };
  }
  const diskKey = cacheKey && options.cacheDir ? await diskCacheKey(files, cacheKey) : undefined;
  const stored = diskKey ? await readDiskCache<CachedLoad>(options.cacheDir!, diskKey) : undefined;
  if (stored) return { ...stored.result, schema: cachedSchema(stored), ms: performance.now() - started };
  const thread = await LoaderThread.acquire({ onProgress: options.onProgress, maxMemoryMb: options.maxMemoryMb }, location.bytes);
  try {
    const { source: _source, ...handler } = options.handler;
    const prepareRequest = { name: options.name, source: location.entry, cwd: location.cwd, handler, sanitize: options.sanitize ?? true };
    let prepared: Prepared;
    try {
      prepared = (await thread.request('prepare', prepareRequest, PREPARE_TIMEOUT_MS)) as Prepared;
    } catch (error) {
      throw new TributaryError('SOURCE_LOAD_FAILED', `cannot read OpenAPI document ${location.entry}: ${(error as Error).message}`, { cause: error });
    }
    const all = prepared.operations;
    // Where a type came from, when Mesh named it after a schema in components/definitions.
    const pointers = new Map(prepared.typePointers);
    const typePointer = (typeName: string) => pointers.get(typeName.replace(/_Input$/, '')) ?? '#';
    const repair =
      (options.sanitize ?? true)
        ? (schema: GraphQLSchema, sdl: string, warnings: SpecWarning[], errors: readonly GraphQLError[]) =>
            repairInterfaceMisfits(schema, sdl, warnings, typePointer, errors)
        : undefined;

    let runs = 0;
    const attempt = async (include: string[] | undefined, asJson: string[] = []): Promise<Attempt> => {
      runs++;
      try {
        // A thread stopped by a time limit took the document with it.
        if (thread.fresh && runs > 1) await thread.request('prepare', prepareRequest, PREPARE_TIMEOUT_MS);
        const loaded = (await thread.request('load', { include, asJson }, timeoutMs)) as Loaded;
        // Its memory back before the schema is built here (LoaderThread.discard).
        if (thread.large) thread.discard();
        const warnings = [...loaded.warnings];
        try {
          const built = schemaFromSdl(sdlFromChunks(loaded.sdl), loaded.typeNames, repair && ((schema, sdl, errors) => repair(schema, sdl, warnings, errors)));
          return { ok: true, ...built, warnings };
        } catch (error) {
          return { ok: false, error: (error as Error).message, kind: 'invalid' };
        }
      } catch (error) {
        return { ok: false, error: (error as Error).message, kind: error instanceof LoaderThreadError ? error.kind : 'failed' };
      }
    };

    const finish = (
      result: Attempt & { ok: true },
      extra: SpecWarning[],
      counts: { asJson: number; skipped: number },
      recovered: boolean,
    ): RobustLoadResult => {
      const kept = {
        warnings: [...prepared.warnings, ...extra, ...result.warnings],
        location,
        files: [...new Set([...files, ...prepared.referencedFiles])],
        operations: { total: all.length, ...counts },
        recovered,
      };
      const entry: CachedLoad = { stamp, sdl: result.sdl, typeNames: result.typeNames, result: kept };
      if (cacheKey && !diskKey) remember(cacheKey, entry);
      if (diskKey) void writeDiskCache(options.cacheDir!, diskKey, entry);
      return { ...kept, schema: result.schema, ms: performance.now() - started };
    };

    const wholeStarted = performance.now();
    const whole = await attempt(undefined);
    const wholeMs = performance.now() - wholeStarted;
    if (whole.ok) return finish(whole, [], { asJson: 0, skipped: 0 }, false);
    if (options.recover === false || all.length === 0) {
      throw new TributaryError('SOURCE_LOAD_FAILED', `the OpenAPI loader failed on ${location.entry}: ${whole.error}`);
    }

    // Isolate the failing operations; then give each of them a second chance with JSON
    // types before skipping it.
    const deadline = performance.now() + (options.recoveryBudgetMs ?? Math.min(300_000, Math.max(60_000, 20 * wholeMs)));
    const failing = await isolate([], all, (ops) => attempt(ops), deadline, whole.error);
    const good = all.filter((op) => !failing.has(op));
    const failingOps = [...failing.keys()];
    const withJson = (ops: string[]) =>
      attempt(
        ops,
        ops.filter((op) => failing.has(op)),
      );
    // isolate() needs to know that the whole set fails; often it does not (JSON helps).
    const retry = await withJson(all);
    const stillFailing = retry.ok ? new Map<string, string>() : await isolate(good, failingOps, withJson, deadline, retry.error);
    const skipped = failingOps.filter((op) => stillFailing.has(op));
    const asJson = failingOps.filter((op) => !stillFailing.has(op));
    const kept = all.filter((op) => !stillFailing.has(op));
    const final: Attempt = retry.ok ? retry : kept.length ? await attempt(kept, asJson) : { ok: false, error: whole.error, kind: 'failed' };
    if (!final.ok) {
      throw new TributaryError(
        'SOURCE_LOAD_FAILED',
        `the OpenAPI loader failed on ${location.entry}: ${whole.error}${kept.length ? ` (and still with the failing operations left out: ${final.error})` : ' (on every operation)'}`,
      );
    }
    const extra: SpecWarning[] = [
      ...asJson.map((pointer) => ({
        pointer,
        problem: `the OpenAPI loader failed on this operation (${failing.get(pointer)})`,
        action: 'request and response types mapped to the JSON scalar, parameters to String',
      })),
      ...skipped.map((pointer) => ({
        pointer,
        problem: `the OpenAPI loader failed on this operation (${stillFailing.get(pointer) ?? failing.get(pointer)})`,
        action: 'operation skipped',
      })),
    ];
    return finish(final, extra, { asJson: asJson.length, skipped: skipped.length }, true);
  } finally {
    thread.release();
  }
}

/**
 * Which of `candidates` make a load fail, given that `base` alone loads and `base` with
 * all candidates does not. Halves the candidates recursively (like delta debugging);
 * an operation that fails only together with another is found too, because each half
 * is tried on top of everything already known to be good. Past the deadline the
 * remaining candidates are reported as failing untried, so recovery always ends.
 */
async function isolate(
  base: string[],
  candidates: string[],
  attempt: (ops: string[]) => Promise<Attempt>,
  deadline: number,
  error = 'failed together with other operations',
): Promise<Map<string, string>> {
  if (candidates.length === 1) return new Map([[candidates[0], error]]);
  if (performance.now() > deadline) return new Map(candidates.map((op) => [op, `${error}; not isolated: recovery ran out of time`]));
  const half = Math.ceil(candidates.length / 2);
  const failing = new Map<string, string>();
  let known = base;
  for (const part of [candidates.slice(0, half), candidates.slice(half)]) {
    const result = await attempt([...known, ...part]);
    if (result.ok) {
      known = [...known, ...part];
      continue;
    }
    const found = await isolate(known, part, attempt, deadline, result.error);
    for (const [op, message] of found) failing.set(op, message);
    known = [...known, ...part.filter((op) => !found.has(op))];
  }
  return failing;
}
