// `tributary sources add` and `tributary sources check`.
import path from 'node:path';
import { createLogger } from '../observability/log.ts';
import type { CheckReport } from './sources-check.ts';
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
    const degraded = ops && (ops.asJson || ops.skipped) ? ` (${ops.total} operations: ${ops.asJson} typed as JSON, ${ops.skipped} skipped)` : ops ? ` (${ops.total} operations)` : '';
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

export async function sourcesAdd(name: string, spec: string, opts: { config: string; endpoint?: string; prefix?: string }): Promise<void> {
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
    const shown = path.relative(process.cwd(), result.configFile) || result.configFile;
    console.log(`Added source "${name}" (${result.source}) to ${shown}: ${result.rootFields.length} root fields, ${result.types} types.`);
    for (const field of result.rootFields) console.log(`  ${field}`);
    if (result.warnings.length) {
      console.log(`warnings (${result.warnings.length}):`);
      for (const w of result.warnings) console.log(`  ${formatWarning(w)}`);
    }
  } finally {
    progress.done();
    await closeIdleLoaderThreads();
  }
}
