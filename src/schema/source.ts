// One Mesh source → one executable GraphQL schema. GraphQL Mesh's OpenAPI loader does
// the hard part (reading, dereferencing, mapping schemas to GraphQL types and writing
// `@httpOperation` annotations); Mesh's REST transport adds what it does well (scalars,
// abstract type resolution, dictionaries, flattening, OpenAPI links). Then every
// `@httpOperation` field gets Tributary's compiled RestOperation as its resolver, so that
// all REST calls go through the one upstream client with path-safe URLs and coded errors.
import { getNamedType, isAbstractType, isObjectType, isInterfaceType, type GraphQLSchema, type GraphQLNamedType } from 'graphql';
import { getDirectiveExtensions } from '@graphql-tools/utils';
import { directive } from './directives.ts';
import { processDirectives } from '@graphql-mesh/transport-rest';
import { interpolateEnv } from '../config/env.ts';
import { enumDefaultsAsValues } from './enum-defaults.ts';
import { binaryAnswersAsBase64 } from './binary-answers.ts';
import { resolveUnionsByShape } from './union-shapes.ts';
import { wireWebhookSubscriptions } from './subscriptions.ts';
import { lenientDateScalars } from './date-scalars.ts';
import { undeclaredPathVariables } from './operation/path.ts';
import { TributaryError } from '../errors.ts';
import type { Logger } from '../observability/log.ts';
import type { UpstreamClient } from '../upstream/types.ts';
import { PLANNED_REST_OPERATION, type TributaryContext } from '../context.ts';
import { meshLogger } from './mesh-logger.ts';
import { loadSpecRobustly, type RobustLoadResult } from '../openapi/robust-load.ts';
import type { LoaderPhase } from '../openapi/loader-protocol.ts';
import type { SpecWarning } from '../openapi/spec-warning.ts';
import { compileRestOperation, type HttpOperationDirective, type RestOperation, type SourceTransport } from './operation/compile.ts';

/** The part of a Mesh source's `handler.openapi` config Tributary reads itself. */
export interface OpenApiHandlerConfig {
  source: string;
  endpoint?: string;
  operationHeaders?: Record<string, string>;
  queryParams?: Record<string, unknown>;
  queryStringOptions?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface AnnotatedSource {
  name: string;
  /** Non-executable schema with Mesh's annotations; cached so rebuilds and checks can reuse it. */
  annotated: GraphQLSchema;
  /** Base URL calls go to: the config's `endpoint`, else the spec's first server. */
  endpoint: string | undefined;
  ms: number;
  /** What could not be mapped as written, and what was done instead. */
  warnings?: SpecWarning[];
  /** Local files the spec is made of, for live reload. */
  files?: string[];
  /** True when operations had to be isolated because the loader failed on the whole spec. */
  recovered?: boolean;
}

/**
 * Runs Mesh's OpenAPI loader on one source, robustly (src/openapi/robust-load.ts): in a
 * worker thread with time and memory limits, after repairing known bad patterns, and
 * skipping (with a warning) the operations the loader cannot map.
 */
export async function loadAnnotatedSource(
  name: string,
  handler: OpenApiHandlerConfig,
  options: { cwd: string; logger: Logger; onProgress?: (phase: LoaderPhase) => void; timeoutMs?: number; cacheDir?: string },
): Promise<AnnotatedSource> {
  const started = performance.now();
  const source = interpolateEnv(handler.source);
  let loaded: RobustLoadResult;
  try {
    loaded = await loadSpecRobustly({
      name,
      handler: { ...handler, source, endpoint: handler.endpoint === undefined ? undefined : interpolateEnv(handler.endpoint) },
      baseDir: options.cwd,
      onProgress: options.onProgress,
      timeoutMs: options.timeoutMs,
      cacheDir: options.cacheDir,
    });
  } catch (error) {
    throw new TributaryError('SOURCE_LOAD_FAILED', `Source "${name}": could not load OpenAPI document ${source}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const annotated = loaded.schema;
  const transport = getDirectiveExtensions(annotated)?.transport?.[0] as { location?: string } | undefined;
  const endpoint = handler.endpoint !== undefined ? interpolateEnv(handler.endpoint) : transport?.location;
  return { name, annotated, endpoint, ms: performance.now() - started, warnings: loaded.warnings, files: loaded.files, recovered: loaded.recovered };
}

function parseMaybeJson<T>(value: unknown): T | undefined {
  if (value == null) return undefined;
  if (typeof value === 'string') return JSON.parse(value) as T;
  if (Array.isArray(value)) return Object.fromEntries(value) as T;
  return value as T;
}

/** Types whose objects need Mesh's `$…` response metadata: they carry OpenAPI link or response-metadata fields. */
function typesNeedingMetadata(schema: GraphQLSchema): Set<string> {
  const out = new Set<string>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) && !isInterfaceType(type)) continue;
    for (const field of Object.values(type.getFields())) {
      if (directive(schema, field, 'oas_link')?.length || directive(schema, field, 'responseMetadata')?.length) out.add(type.name);
    }
  }
  return out;
}

function needsMetadata(schema: GraphQLSchema, type: GraphQLNamedType, marked: Set<string>): boolean {
  if (marked.size === 0) return false;
  if (marked.has(type.name)) return true;
  return isAbstractType(type) && schema.getPossibleTypes(type).some((t) => marked.has(t.name));
}

export interface ExecutableSource {
  name: string;
  endpoint: string;
  schema: GraphQLSchema;
  operations: RestOperation[];
  /** What the document says that cannot be served as written, with its JSON pointer. */
  warnings: SpecWarning[];
}

/**
 * Makes the annotated schema executable. The schema object is mutated in place by
 * Mesh's `processDirectives`, so callers pass a fresh copy when they keep the original.
 */
export function makeExecutableSource(
  source: AnnotatedSource,
  annotated: GraphQLSchema,
  options: { upstream: UpstreamClient; logger: Logger; handler: OpenApiHandlerConfig },
): ExecutableSource {
  if (!source.endpoint) {
    throw new TributaryError(
      'SOURCE_LOAD_FAILED',
      `Source "${source.name}": no endpoint. Set handler.openapi.endpoint, or give the OpenAPI document a "servers" entry.`,
    );
  }
  const schema = binaryAnswersAsBase64(annotated);
  const transportDirective = (getDirectiveExtensions(schema)?.transport?.[0] ?? {}) as Record<string, unknown>;
  // Mesh's transport would call fetch itself for anything not overridden below; there is
  // nothing left for it to call, and if there were, refusing is safer than bypassing the
  // upstream client's timeouts, breaker and error masking.
  const refuse = () => Promise.reject(new Error('Tributary: unexpected direct fetch from the Mesh transport'));
  processDirectives(schema, { globalFetch: refuse as never, logger: meshLogger(options.logger.child({ source: source.name })) } as never);
  enumDefaultsAsValues(schema);
  resolveUnionsByShape(schema);
  lenientDateScalars(schema);

  const transport: SourceTransport = {
    name: source.name,
    operationHeaders: { ...parseMaybeJson<Record<string, string>>(transportDirective.headers), ...options.handler.operationHeaders },
    queryParams: { ...parseMaybeJson<Record<string, unknown>>(transportDirective.queryParams), ...options.handler.queryParams },
    queryStringOptions: { ...parseMaybeJson<Record<string, unknown>>(transportDirective.queryStringOptions), ...options.handler.queryStringOptions },
  };
  const marked = typesNeedingMetadata(schema);
  const operations: RestOperation[] = [];
  const warnings: SpecWarning[] = wireWebhookSubscriptions(schema, source.name, options.upstream);
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      const operation = directive(schema, field, 'httpOperation')?.[0];
      if (!operation) continue;
      const op = compileRestOperation({
        schema,
        field: field as never,
        coordinate: `${type.name}.${field.name}`,
        directive: {
          ...operation,
          operationSpecificHeaders: parseMaybeJson(operation.operationSpecificHeaders),
          requestBaseBody: parseMaybeJson(operation.requestBaseBody),
          queryParamArgMap: parseMaybeJson(operation.queryParamArgMap),
          queryStringOptionsByParam: parseMaybeJson(operation.queryStringOptionsByParam),
          queryStringOptions: parseMaybeJson(operation.queryStringOptions),
        } as HttpOperationDirective,
        transport,
        upstream: options.upstream,
        logger: options.logger,
        needsMetadata: needsMetadata(schema, getNamedType(field.type), marked),
      });
      operations.push(op);
      for (const variable of undeclaredPathVariables(operation.path ?? '')) {
        warnings.push({
          pointer: `#/paths/${pointerSegment(operation.path ?? '')}/${String(operation.httpMethod ?? 'get').toLowerCase()}`,
          problem: `the path template variable "{${variable}}" has no declared parameter (OAS 3.1 §4.8.12.1)`,
          action: `${type.name}.${field.name} is refused with OPERATION_UNSERVABLE, never called`,
        });
      }
      field.resolve = Object.assign(
        function restOperationResolver(_root: unknown, args: Record<string, unknown>, context: unknown) {
          return op.execute(args, context as TributaryContext);
        },
        { [PLANNED_REST_OPERATION]: op },
      );
      // Links and @resolveTo find the operation behind a root field through here, which
      // survives renames and prefixes applied by transforms.
      field.extensions = { ...field.extensions, tributaryOperation: op };
    }
  }
  return { name: source.name, endpoint: source.endpoint, schema, operations, warnings };
}

/** A path key as one JSON pointer segment (RFC 6901 §3: `~` → `~0`, `/` → `~1`). */
function pointerSegment(key: string): string {
  return key
    .replace(/\{args\.([^}]+)\}/g, '{$1}')
    .replaceAll('~', '~0')
    .replaceAll('/', '~1');
}
