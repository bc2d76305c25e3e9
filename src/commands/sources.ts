// `tributary sources add`, `sources remove` and `sources check`: the command wiring
// (progress, logger, what is printed); the work is in sources-add.ts, sources-remove.ts
// and sources-check.ts.
import path from 'node:path';
import { createLogger } from '../observability/log.ts';
import type { CheckReport } from './sources-check.ts';
import type { AddSourceResult } from './sources-add.ts';
import { createProgress } from './progress.ts';
import { closeIdleLoaderThreads, prewarmLoaderThread } from '../openapi/loader-thread.ts';
import { formatWarning } from '../openapi/spec-warning.ts';

// The loader thread starts first and boots while the modules below are imported.
prewarmLoaderThread();

function stderrLogger() {
  return createLogger({ level: process.env.TRIBUTARY_LOG_LEVEL ?? 'error', destination: process.stderr });
}

function printReport(report: CheckReport): void {
  if (!report.ok) {
    console.log(`FAIL  ${report.spec}: no schema: ${report.error}`);
  } else {
    const ops = report.operations;
    const degraded =
      ops && (ops.asJson || ops.skipped)
        ? ` (${ops.total} operations: ${ops.asJson} typed as JSON, ${ops.skipped} skipped)`
        : ops
          ? ` (${ops.total} operations)`
          : '';
    console.log(`ok    ${report.spec}: ${report.queryFields} query fields, ${report.mutationFields} mutation fields, ${report.types} types${degraded}`);
  }
  if (report.warnings.length) {
    console.log(`warnings (${report.warnings.length}):`);
    for (const w of report.warnings) console.log(`  ${formatWarning(w)}`);
  }
  console.log(`load ${report.ms} ms, peak memory ${report.peakMb} MB`);
}

export async function sourcesCheck(spec: string, opts: { json?: boolean; endpoint?: string; timeout?: number; plain?: boolean }): Promise<void> {
  const progress = createProgress();
  const { checkSpec } = await import('./sources-check.ts');
  const report = await checkSpec(spec, {
    logger: stderrLogger(),
    endpoint: opts.endpoint,
    plain: opts.plain,
    timeoutMs: opts.timeout === undefined ? undefined : opts.timeout * 1000,
    onProgress: (phase) => progress.update(phase),
  });
  progress.done();
  await closeIdleLoaderThreads();
  if (opts.json) {
    // Exactly one JSON object on stdout; everything else went to stderr.
    process.stdout.write(`${JSON.stringify(report)}\n`);
  } else {
    printReport(report);
  }
  process.exitCode = report.ok ? 0 : 1;
}

/** Warnings shown by `sources add` without --verbose; the count says how many there are. */
const FIRST_WARNINGS = 3;

function shownPath(file: string): string {
  return path.relative(process.cwd(), file) || file;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * What `sources add` prints: a summary a person reads at a glance (a large spec has
 * hundreds of root fields); --verbose lists every field and warning.
 */
export function addSummary(name: string, result: AddSourceResult, verbose: boolean): string[] {
  const count = (label: string) => result.rootFields.filter((f) => f.startsWith(`${label}.`)).length;
  const subscriptions = count('Subscription');
  const lines = [
    `Added source "${name}" (${result.source}) to ${shownPath(result.configFile)}: ${plural(count('Query'), 'query field')}, ${plural(count('Mutation'), 'mutation field')}${subscriptions ? `, ${plural(subscriptions, 'subscription field')}` : ''}, ${plural(result.types, 'type')}, ${plural(result.warnings.length, 'warning')}.`,
  ];
  if (verbose) for (const field of result.rootFields) lines.push(`  ${field}`);
  const shown = verbose ? result.warnings : result.warnings.slice(0, FIRST_WARNINGS);
  if (shown.length) {
    lines.push('warnings:');
    for (const w of shown) lines.push(`  ${formatWarning(w)}`);
  }
  const hidden = result.warnings.length - shown.length;
  if (!verbose && (hidden > 0 || result.rootFields.length))
    lines.push(`(--verbose lists the ${plural(result.rootFields.length, 'root field')}${hidden > 0 ? ` and all ${result.warnings.length} warnings` : ''})`);
  return lines;
}

export async function sourcesAdd(name: string, spec: string, opts: { config: string; endpoint?: string; prefix?: string; verbose?: boolean }): Promise<void> {
  const progress = createProgress();
  const { addSource } = await import('./sources-add.ts');
  try {
    const result = await addSource({
      name,
      spec,
      endpoint: opts.endpoint,
      prefix: opts.prefix,
      configFile: opts.config,
      logger: stderrLogger(),
      onProgress: (phase, source) => progress.update(phase, source),
    });
    progress.done();
    for (const line of addSummary(name, result, opts.verbose === true)) console.log(line);
  } finally {
    progress.done();
    await closeIdleLoaderThreads();
  }
}

export async function sourcesRemove(name: string, opts: { config: string; check?: boolean }): Promise<void> {
  const progress = createProgress();
  const { removeSource } = await import('./sources-remove.ts');
  try {
    const result = await removeSource({
      name,
      configFile: opts.config,
      check: opts.check,
      logger: stderrLogger(),
      onProgress: (phase, source) => progress.update(phase, source),
    });
    progress.done();
    const settings = result.settingsRemoved ? ` and its tributary.sources.${name} settings` : '';
    console.log(
      `Removed source "${name}"${result.document ? ` (${result.document})` : ''}${settings} from ${shownPath(result.configFile)}; ${result.remaining.length ? `left: ${result.remaining.join(', ')}.` : 'no sources left.'}`,
    );
    if (!result.remaining.length)
      console.warn('The config has no sources now: `tributary start` refuses to start until one is added (`tributary sources add <name> <spec>`).');
  } finally {
    progress.done();
    await closeIdleLoaderThreads();
  }
}
