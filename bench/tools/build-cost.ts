// What Tributary's build costs beside Mesh's OpenAPI loader alone, side by side in one run,
// each in a fresh process on one core:
//   - "loader alone": bench/lib/loader-alone-main.ts, the loader call Tributary's loader
//     thread makes, with Mesh reading the document itself;
//   - "Tributary": `tributary sources check --json SPEC` (the same build `start` runs:
//     read, repairs, the loader in its thread, the schema back in the main thread,
//     executable operations), no load cache.
// Wall time (spawn to exit), CPU time (user + system) and peak resident memory of the
// whole process come from GNU time (wait4's rusage); the medians of --reps rounds, the
// two systems taking turns. Documents: a Microsoft-Graph-shaped one (bench/lib/synthetic-graph.ts,
// written to a temporary folder) and Stripe's from ../shared/corpus; --spec adds others.
//   npm run bench -- --build-cost [--reps N] [--spec FILE]... [--no-graph] [--no-stripe] [--yaml]
//   node --import tsx bench/tools/build-cost.ts [same options]
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { writeSyntheticGraphSpec } from '../lib/synthetic-graph.ts';
import { STRIPE_SPEC } from '../scenarios/stripe.ts';
import { ROOT, TSX } from '../lib/suts.ts';

const TIME = '/usr/bin/time';

interface Run {
  wallS: number;
  cpuS: number;
  peakMb: number;
  /** The work itself, measured inside the process (the loader call; sources check's `ms`). */
  innerS?: number;
  note?: string;
}

export interface BuildCostRow {
  spec: string;
  bytes: number;
  loader: Run;
  tributary: Run;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function medianRun(runs: Run[]): Run {
  const inner = runs.filter((r) => r.innerS !== undefined).map((r) => r.innerS!);
  return {
    wallS: median(runs.map((r) => r.wallS)),
    cpuS: median(runs.map((r) => r.cpuS)),
    peakMb: median(runs.map((r) => r.peakMb)),
    innerS: inner.length ? median(inner) : undefined,
    note: [...new Set(runs.map((r) => r.note).filter(Boolean))].join('; ') || undefined,
  };
}

/** Runs `args` under GNU time on `cpu`; answers its rusage and its stdout. */
function timed(cpu: number | undefined, args: string[], dir: string): Promise<Run & { stdout: string }> {
  const usage = path.join(dir, `usage-${process.hrtime.bigint()}.txt`);
  const command = [TIME, '-f', '%e %U %S %M', '-o', usage, process.execPath, ...args];
  const [cmd, argv] = cpu === undefined ? [command[0], command.slice(1)] : ['taskset', ['-c', String(cpu), ...command]];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TRIBUTARY_CACHE_DIR: 'off' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    child.once('error', reject);
    child.once('exit', () => {
      // GNU time writes "Command exited with non-zero status N" before the format line.
      const line = readFileSync(usage, 'utf8').trim().split('\n').at(-1)!;
      const [wall, user, system, maxKb] = line.split(' ').map(Number);
      if (![wall, user, system, maxKb].every(Number.isFinite)) return reject(new Error(`unexpected GNU time output "${line}"; stderr: ${stderr.slice(-2000)}`));
      resolve({ wallS: wall, cpuS: user + system, peakMb: Math.round(maxKb / 1024), stdout });
    });
  });
}

async function loaderAlone(cpu: number | undefined, spec: string, dir: string): Promise<Run> {
  const run = await timed(cpu, ['--import', TSX, path.join(ROOT, 'bench', 'lib', 'loader-alone-main.ts'), spec], dir);
  const result = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}') as { ms?: number; types?: number; error?: string };
  if (result.error) return { ...run, note: `loader failed: ${result.error}` };
  return { ...run, innerS: (result.ms ?? 0) / 1000 };
}

async function tributary(cpu: number | undefined, spec: string, dir: string): Promise<Run> {
  const run = await timed(cpu, [path.join(ROOT, 'bin', 'tributary.js'), 'sources', 'check', '--json', spec], dir);
  const report = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}') as {
    ok?: boolean;
    ms?: number;
    recovered?: boolean;
    error?: string;
    operations?: { total: number; asJson: number; skipped: number };
  };
  const note = !report.ok
    ? `no schema: ${report.error}`
    : report.recovered
      ? `the loader failed on the whole document: ${report.operations?.asJson} operations typed as JSON, ${report.operations?.skipped} skipped after isolating them`
      : undefined;
  return { ...run, innerS: (report.ms ?? 0) / 1000, note };
}

export async function runBuildCost(argv: string[], log: (line: string) => void = console.log): Promise<BuildCostRow[]> {
  const { values } = parseArgs({
    args: argv,
    options: {
      reps: { type: 'string', default: '3' },
      spec: { type: 'string', multiple: true, default: [] },
      'no-graph': { type: 'boolean', default: false },
      'no-stripe': { type: 'boolean', default: false },
      'no-pin': { type: 'boolean', default: false },
      yaml: { type: 'boolean', default: false },
      'build-cost': { type: 'boolean', default: false },
    },
  });
  if (!existsSync(TIME)) throw new Error(`${TIME} (GNU time) is needed for the peak memory and CPU of each run: apt-get install time`);
  const reps = Number(values.reps);
  const cpu = values['no-pin'] ? undefined : 0;
  // The runner itself stays off the measured core.
  if (cpu !== undefined) execFileSync('taskset', ['-a', '-cp', '1', String(process.pid)], { stdio: 'ignore' });
  const dir = mkdtempSync(path.join(tmpdir(), 'tributary-build-cost-'));
  try {
    const specs: string[] = [];
    if (!values['no-graph']) {
      const written = await writeSyntheticGraphSpec(dir, { format: values.yaml ? 'yaml' : 'json' });
      log(`synthetic Microsoft Graph document: ${(written.bytes / 1e6).toFixed(1)} MB, ${written.operations} operations (${written.file})`);
      specs.push(written.file);
    }
    if (!values['no-stripe']) specs.push(STRIPE_SPEC);
    specs.push(...values.spec!.map((s) => path.resolve(s)));
    const runs = new Map(specs.map((s) => [s, { loader: [] as Run[], tributary: [] as Run[] }]));
    for (let rep = 1; rep <= reps; rep++) {
      for (const spec of specs) {
        const name = path.basename(spec);
        const a = await loaderAlone(cpu, spec, dir);
        log(`  ${rep}/${reps} ${name}: loader alone ${fmt(a)}`);
        const b = await tributary(cpu, spec, dir);
        log(`  ${rep}/${reps} ${name}: tributary    ${fmt(b)}`);
        runs.get(spec)!.loader.push(a);
        runs.get(spec)!.tributary.push(b);
      }
    }
    const rows = specs.map((spec) => ({
      spec: spec.startsWith(dir) ? `synthetic Microsoft Graph (${path.basename(spec)})` : path.basename(spec),
      bytes: statSync(spec).size,
      loader: medianRun(runs.get(spec)!.loader),
      tributary: medianRun(runs.get(spec)!.tributary),
    }));
    log(`\n${renderBuildCost(rows, reps)}`);
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function fmt(r: Run): string {
  return `${r.wallS.toFixed(2)} s wall, ${r.cpuS.toFixed(2)} s CPU, ${r.peakMb} MB peak${r.innerS !== undefined ? ` (${r.innerS.toFixed(2)} s inside)` : ''}${r.note ? ` — ${r.note}` : ''}`;
}

export function renderBuildCost(rows: BuildCostRow[], reps: number): string {
  const lines = [
    `Medians of ${reps} round(s), one core each (\`taskset -c 0\`), a fresh process per run, no load cache.`,
    '',
    '| document | system | wall s | CPU s | peak MB | × loader (wall / CPU / peak) |',
    '|---|---|---:|---:|---:|---|',
  ];
  for (const row of rows) {
    const { loader: a, tributary: b } = row;
    const ratio = (x: number, y: number) => `${(x / y).toFixed(2)}×`;
    lines.push(`| ${row.spec}, ${(row.bytes / 1e6).toFixed(1)} MB | Mesh's loader alone | ${a.wallS.toFixed(2)} | ${a.cpuS.toFixed(2)} | ${a.peakMb} | |`);
    lines.push(
      `| | \`tributary sources check\` | ${b.wallS.toFixed(2)} | ${b.cpuS.toFixed(2)} | ${b.peakMb} | ${ratio(b.wallS, a.wallS)} / ${ratio(b.cpuS, a.cpuS)} / ${ratio(b.peakMb, a.peakMb)} |`,
    );
    for (const note of [a.note, b.note].filter(Boolean)) lines.push(`| | note | ${note} | | | |`);
  }
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) await runBuildCost(process.argv.slice(2));
