// `sources check`: one spec on its own, through the same path the gateway takes (robust
// load, then compiled REST operations), reported as numbers a person or a script can
// judge: did a schema come out, how big, what was degraded, how long, how much memory.
import { getNamedType, isSpecifiedScalarType, type GraphQLSchema } from 'graphql';
import { buildLoneSource } from '../gateway.ts';
import type { Logger } from '../observability/log.ts';
import type { LoaderPhase } from '../openapi/loader-protocol.ts';
import type { SpecWarning } from '../openapi/spec-warning.ts';

export interface CheckReport {
  ok: boolean;
  spec: string;
  queryFields: number;
  mutationFields: number;
  subscriptionFields: number;
  /** Named types, not counting GraphQL's built-in scalars and introspection types. */
  types: number;
  operations?: { total: number; asJson: number; skipped: number };
  /** True when the loader failed on the whole spec and failing operations were isolated. */
  recovered: boolean;
  warnings: SpecWarning[];
  /** Why no schema was produced (ok: false). */
  error?: string;
  /** Root field names, for `sources add` and people. */
  rootFields: { query: string[]; mutation: string[]; subscription: string[] };
  ms: number;
  /** Peak resident memory of the process (all threads), in MB. */
  peakMb: number;
}

export interface CheckOptions {
  /** Folder a relative spec path resolves against (default: the working directory). */
  baseDir?: string;
  name?: string;
  endpoint?: string;
  timeoutMs?: number;
  /** Mesh's loader alone: no repairs, no isolation of failing operations (for comparison). */
  plain?: boolean;
  logger: Logger;
  onProgress?: (phase: LoaderPhase | 'generate') => void;
}

function fields(schema: GraphQLSchema, op: 'query' | 'mutation' | 'subscription'): string[] {
  return Object.keys(schema.getRootType(op as never)?.getFields() ?? {});
}

export function countTypes(schema: GraphQLSchema): number {
  return Object.values(schema.getTypeMap()).filter((t) => !t.name.startsWith('__') && !isSpecifiedScalarType(getNamedType(t))).length;
}

export function peakMb(): number {
  // maxRSS is in kilobytes (getrusage(2)), and covers the loader's worker threads too.
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

/** The placeholder base URL used when neither the spec nor the caller names one. */
const NO_ENDPOINT = 'http://localhost';

export async function checkSpec(spec: string, options: CheckOptions): Promise<CheckReport> {
  const started = performance.now();
  const base = {
    spec,
    queryFields: 0,
    mutationFields: 0,
    subscriptionFields: 0,
    types: 0,
    recovered: false,
    rootFields: { query: [], mutation: [], subscription: [] },
  };
  try {
    const { loaded, schema, endpointProblem } = await buildLoneSource({
      name: options.name ?? 'Source',
      handler: { source: spec, ...(options.endpoint ? { endpoint: options.endpoint } : {}) },
      baseDir: options.baseDir ?? process.cwd(),
      timeoutMs: options.timeoutMs,
      onProgress: options.onProgress,
      logger: options.logger,
      fallbackEndpoint: NO_ENDPOINT,
      ...(options.plain ? { sanitize: false, recover: false } : {}),
    });
    const warnings = [...loaded.warnings];
    const action = `set handler.openapi.endpoint (sources add --endpoint); checked with ${NO_ENDPOINT}`;
    if (endpointProblem === 'none')
      warnings.push({ pointer: '#/servers', problem: 'the spec names no server (OAS 3.0 §4.7.5; Swagger 2.0 host/basePath)', action });
    else if (endpointProblem)
      warnings.push({ pointer: '#/servers', problem: `server URL "${endpointProblem.unusable}" is not usable as is (${endpointProblem.reason})`, action });
    const rootFields = { query: fields(schema, 'query'), mutation: fields(schema, 'mutation'), subscription: fields(schema, 'subscription') };
    return {
      ...base,
      ok: true,
      queryFields: rootFields.query.length,
      mutationFields: rootFields.mutation.length,
      subscriptionFields: rootFields.subscription.length,
      types: countTypes(schema),
      operations: loaded.operations,
      recovered: loaded.recovered,
      warnings,
      rootFields,
      ms: Math.round(performance.now() - started),
      peakMb: peakMb(),
    };
  } catch (error) {
    return { ...base, ok: false, warnings: [], error: (error as Error).message, ms: Math.round(performance.now() - started), peakMb: peakMb() };
  }
}
