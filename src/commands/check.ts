// `tributary check`: validate config and specs as `start` would, without serving. Run
// where images are built and in CI, so what it prints is for a person reading a build
// log: progress on stderr, one row per source, and errors as one coded message — the
// build's own log lines (JSON, with stacks) only with --verbose. With --json, exactly
// one JSON object on stdout (CheckResult) for a machine; the exit code is the same.
import { buildOnce, type SourceStatus } from '../gateway.ts';
import { loadConfig } from '../config/load.ts';
import { pino } from 'pino';
import type { Logger } from '../observability/log.ts';
import { isTributaryError } from '../errors.ts';
import { createProgress } from './progress.ts';

export interface CheckOptions {
  config: string;
  json?: boolean;
  verbose?: boolean;
}

/** What `check --json` prints. */
export interface CheckResult {
  ok: boolean;
  /** The config file as given. */
  config: string;
  sources: Array<Pick<SourceStatus, 'name' | 'loaded' | 'error' | 'queryFields' | 'mutationFields' | 'ms'>>;
  /** The unified schema; absent when none was built. */
  schema?: { queryFields: number; mutationFields: number; types: number };
  warnings: string[];
  /** Why the check failed as a whole (config invalid, no source loaded); per-source errors are in `sources`. */
  error?: { code: string; message: string };
}

/**
 * The build logs each source that fails; when every source fails, the build throws
 * before it returns their statuses, so that log call is where check finds them (the
 * error object itself: pino's serializer would append the causes' messages). The log
 * lines themselves go to stderr only with --verbose.
 */
function buildLogger(verbose: boolean): { logger: Logger; failures: Map<string, string> } {
  const failures = new Map<string, string>();
  const logger = pino(
    {
      level: verbose ? (process.env.TRIBUTARY_LOG_LEVEL ?? 'info') : 'error',
      hooks: {
        logMethod(args, method, level) {
          const fields = args[0] as { source?: unknown; err?: unknown } | undefined;
          if (level >= 50 && typeof fields?.source === 'string' && fields.err instanceof Error) failures.set(fields.source, fields.err.message);
          return method.apply(this, args);
        },
      },
    },
    verbose ? process.stderr : { write: () => undefined },
  );
  return { logger, failures };
}

/** Multi-line reasons (a YAML code frame) stay under their row; without --verbose only their first line. */
function reason(name: string, message: string | undefined, verbose: boolean): string {
  // The row names the source already; most load errors start by naming it too.
  const lines = (message ?? 'unknown error').replace(`Source "${name}": `, '').split('\n');
  return verbose ? lines.join('\n        ') : lines[0];
}

function printRows(result: CheckResult, verbose: boolean): void {
  if (!result.sources.length) return;
  const width = Math.max(...result.sources.map((s) => s.name.length), 12);
  console.log('Sources:');
  for (const s of result.sources) {
    console.log(
      s.loaded
        ? `  ok    ${s.name.padEnd(width)}  ${String(s.queryFields).padStart(4)} query, ${String(s.mutationFields).padStart(4)} mutation fields  (${Math.round(s.ms)} ms)`
        : `  FAIL  ${s.name.padEnd(width)}  ${reason(s.name, s.error, verbose)}`,
    );
  }
}

export async function check(opts: CheckOptions): Promise<void> {
  const verbose = opts.verbose === true;
  const { logger, failures } = buildLogger(verbose);
  const progress = createProgress(process.stderr);
  const result: CheckResult = { ok: false, config: opts.config, sources: [], warnings: [] };
  let configured: string[] = [];
  const noneLoaded = () => configured.length > 0 && configured.every((name) => failures.has(name));
  try {
    const config = await loadConfig(opts.config);
    configured = config.mesh.sources.map((s) => s.name);
    const { built } = await buildOnce(config, { logger, onProgress: (phase, source) => progress.update(phase, source) }).finally(() => progress.done());
    result.sources = built.sources.map(({ name, loaded, error, queryFields, mutationFields, ms }) => ({
      name,
      loaded,
      ...(error === undefined ? {} : { error }),
      queryFields,
      mutationFields,
      ms: Math.round(ms),
    }));
    result.schema = {
      queryFields: Object.keys(built.schema.getQueryType()?.getFields() ?? {}).length,
      mutationFields: Object.keys(built.schema.getMutationType()?.getFields() ?? {}).length,
      types: Object.keys(built.schema.getTypeMap()).filter((t) => !t.startsWith('__')).length,
    };
    result.warnings = built.warnings;
    result.ok = built.sources.every((s) => s.loaded);
  } catch (error) {
    if (!isTributaryError(error) && verbose) throw error;
    result.error = isTributaryError(error)
      ? { code: error.code, message: error.message }
      : { code: 'INTERNAL_SERVER_ERROR', message: (error as Error).message ?? String(error) };
    // No source loaded: each configured source with the reason the build logged.
    if (noneLoaded())
      result.sources = configured.map((name) => ({ name, loaded: false, error: failures.get(name) ?? 'not loaded', queryFields: 0, mutationFields: 0, ms: 0 }));
  }

  if (opts.json) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } else {
    printRows(result, verbose);
    if (result.schema)
      console.log(`Unified schema: ${result.schema.queryFields} query fields, ${result.schema.mutationFields} mutation fields, ${result.schema.types} types.`);
    for (const w of result.warnings) console.log(`  warning: ${w}`);
  }
  // The verdict on stderr in both modes: a build log shows why a step failed.
  const failed = result.sources.filter((s) => !s.loaded);
  if (result.error) {
    const message =
      result.error.code === 'SCHEMA_BUILD_FAILED' && noneLoaded() ? `no source could be loaded: ${failed.map((s) => s.name).join(', ')}` : result.error.message;
    console.error(
      `error ${result.error.code}: ${verbose || result.error.code !== 'INTERNAL_SERVER_ERROR' ? message : `${message} (--verbose shows the stack)`}`,
    );
  } else if (failed.length) {
    console.error(`error SOURCE_LOAD_FAILED: ${failed.length} of ${result.sources.length} sources failed to load: ${failed.map((s) => s.name).join(', ')}`);
  }
  process.exitCode = result.ok ? 0 : 1;
}
