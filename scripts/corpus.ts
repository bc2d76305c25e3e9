// `npm run corpus`: `tributary sources check --json` over every spec in a folder of real
// public specs (CORPUS_DIR, default ../shared/corpus; a spec is a file or a folder of
// files), each in its own child process with a hard time limit, so that one crash, hang
// or OOM costs one row, not the run. Each spec is also loaded with Mesh's loader alone
// (`--plain`) for comparison. Writes the table to docs/corpus.md and exits 1 when some
// spec produced no schema.
import { spawn } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CORPUS = path.resolve(process.env.CORPUS_DIR ?? path.join(ROOT, '../shared/corpus'));
const OUT = path.join(ROOT, 'docs/corpus.md');
const BIN = path.join(ROOT, 'bin/tributary.js');
/** Past this a child is killed and its spec counts as failed (the loader's own limit is per run, and recovery runs several). */
const CHILD_LIMIT_MS = Number(process.env.CORPUS_CHILD_TIMEOUT_MS ?? 900_000);
const PLAIN = process.env.CORPUS_PLAIN !== '0';

interface Report {
  ok: boolean;
  queryFields: number;
  mutationFields: number;
  types: number;
  warnings: Array<{ pointer: string; problem: string; action: string }>;
  recovered: boolean;
  operations?: { total: number; asJson: number; skipped: number };
  error?: string;
  ms: number;
  peakMb: number;
}

interface Row {
  spec: string;
  report: Report;
  plain?: Report;
}

function check(spec: string, extra: string[]): Promise<Report> {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(process.execPath, [BIN, 'sources', 'check', '--json', ...extra, spec], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_LIMIT_MS);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const ms = Math.round(performance.now() - started);
      const failed = (error: string): Report => ({
        ok: false,
        queryFields: 0,
        mutationFields: 0,
        types: 0,
        warnings: [],
        recovered: false,
        error,
        ms,
        peakMb: 0,
      });
      const lines = stdout.trim().split('\n').filter(Boolean);
      if (lines.length !== 1) {
        resolve(
          failed(
            signal
              ? `killed (${signal}) after ${ms} ms`
              : `expected one JSON line on stdout, found ${lines.length} (exit ${code}); stderr: ${stderr.trim().split('\n').slice(-3).join(' | ')}`,
          ),
        );
        return;
      }
      try {
        resolve(JSON.parse(lines[0]) as Report);
      } catch {
        resolve(failed(`stdout is not JSON: ${lines[0].slice(0, 200)}`));
      }
    });
  });
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function render(rows: Row[]): string {
  const ok = rows.filter((r) => r.report.ok).length;
  const plainOk = rows.filter((r) => r.plain?.ok).length;
  const recovered = rows.filter(
    (r) => r.report.ok && (r.report.recovered || r.report.warnings.some((w) => !w.action.startsWith('reported by') && w.pointer !== '#/servers')),
  );
  const fixed = rows.filter((r) => r.report.ok && r.plain && !r.plain.ok);
  const pct = (n: number) => ((100 * n) / rows.length).toFixed(1);
  const slowest = [...rows].sort((a, b) => b.report.ms - a.report.ms)[0];
  const out: string[] = [];
  out.push('# Corpus run');
  out.push('');
  out.push('Written by `npm run corpus` (scripts/corpus.ts): `tributary sources check --json` on every spec in');
  out.push(`\`CORPUS_DIR\` (default \`../shared/corpus\`; origins and licenses in its \`INDEX.tsv\`), each in its own process.`);
  out.push('"Mesh alone" is the same check with `--plain`: GraphQL Mesh\'s OpenAPI loader without Tributary\'s repairs and');
  out.push('isolation of failing operations. Times are wall-clock on the machine that ran it; MB is the peak resident memory of the process.');
  out.push('');
  out.push('## Totals');
  out.push('');
  out.push(`- **${ok} of ${rows.length} specs produce a schema (${pct(ok)}%)** with Tributary.`);
  if (PLAIN)
    out.push(
      `- ${plainOk} of ${rows.length} (${pct(plainOk)}%) with Mesh's loader alone; fixed by Tributary: ${fixed.length ? fixed.map((r) => `\`${r.spec}\``).join(', ') : 'none'}.`,
    );
  out.push(`- ${recovered.length} needed repairs or recovery (listed below); ${rows.reduce((n, r) => n + r.report.warnings.length, 0)} warnings in all.`);
  if (slowest) out.push(`- Slowest: \`${slowest.spec}\`, ${slowest.report.ms} ms, ${slowest.report.peakMb} MB.`);
  out.push('');
  out.push('## Specs');
  out.push('');
  out.push(`| spec | ok | fields (query + mutation) | types | warnings | ms | MB |${PLAIN ? ' Mesh alone |' : ''}`);
  out.push(`| --- | --- | --- | --- | --- | --- | --- |${PLAIN ? ' --- |' : ''}`);
  for (const { spec, report, plain } of rows) {
    const fields = report.ok ? `${report.queryFields + report.mutationFields} (${report.queryFields} + ${report.mutationFields})` : '—';
    const mesh = plain ? (plain.ok ? 'ok' : `FAIL: ${cell((plain.error ?? '').slice(0, 120))}`) : '';
    out.push(
      `| ${cell(spec)} | ${report.ok ? 'yes' : `**no**: ${cell((report.error ?? '').slice(0, 160))}`} | ${fields} | ${report.types} | ${report.warnings.length} | ${report.ms} | ${report.peakMb} |${PLAIN ? ` ${mesh} |` : ''}`,
    );
  }
  out.push('');
  out.push('## Specs that needed repairs or recovery');
  out.push('');
  if (!recovered.length) out.push('None.');
  for (const { spec, report } of recovered) {
    const ops = report.operations;
    out.push(
      `- \`${spec}\`${report.recovered ? ' — loader failed on the whole spec; failing operations isolated' : ''}${ops && (ops.asJson || ops.skipped) ? ` (${ops.asJson} operations typed as JSON, ${ops.skipped} skipped of ${ops.total})` : ''}:`,
    );
    const shown = report.warnings.filter((w) => !w.action.startsWith('reported by') && w.pointer !== '#/servers');
    for (const w of shown.slice(0, 5)) out.push(`  - \`${cell(w.pointer)}\`: ${cell(w.problem)}; ${cell(w.action)}`);
    if (shown.length > 5) out.push(`  - … and ${shown.length - 5} more`);
  }
  out.push('');
  return out.join('\n');
}

async function main(): Promise<void> {
  const entries = (await readdir(CORPUS, { withFileTypes: true }))
    .filter((e) => !e.name.startsWith('.') && e.name !== 'INDEX.tsv' && (e.isDirectory() || /\.(json|ya?ml)$/i.test(e.name)))
    .map((e) => e.name)
    .sort();
  if (entries.length === 0) throw new Error(`no specs in ${CORPUS}`);
  await readFile(path.join(CORPUS, 'INDEX.tsv'), 'utf8').catch(() => console.error(`note: ${CORPUS} has no INDEX.tsv`));
  const rows: Row[] = [];
  for (const [i, spec] of entries.entries()) {
    const full = path.join(CORPUS, spec);
    const report = await check(full, []);
    const plain = PLAIN ? await check(full, ['--plain']) : undefined;
    rows.push({ spec, report, plain });
    const status = report.ok ? 'ok  ' : 'FAIL';
    console.log(
      `${String(i + 1).padStart(3)}/${entries.length} ${status} ${spec}  ${report.queryFields}+${report.mutationFields} fields, ${report.warnings.length} warnings, ${report.ms} ms, ${report.peakMb} MB${plain && !plain.ok ? '  (Mesh alone: FAIL)' : ''}${report.ok ? '' : `  ${report.error}`}`,
    );
  }
  await writeFile(OUT, render(rows));
  const failed = rows.filter((r) => !r.report.ok);
  console.log(`${rows.length - failed.length} of ${rows.length} specs produce a schema; wrote ${path.relative(process.cwd(), OUT)}`);
  if (failed.length) process.exitCode = 1;
}

await main();
