// The runner's command line (node:util parseArgs) and what it decides: which scenarios
// and systems run, for how long, on which cores, and whether the report files are
// written. Durations are in seconds; the full run is sized to stay under ~10 minutes.
import { parseArgs } from 'node:util';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SUT_NAMES, type SutName } from './suts.ts';

export interface BenchSettings {
  quick: boolean;
  /** Scenario names to run; empty = all built-in ones. */
  only: string[];
  scenarioFiles: string[];
  suts: SutName[];
  /** --sut was given: run each listed system in every scenario. */
  sutsExplicit: boolean;
  warmupS: number;
  durationS: number;
  latencyDurationS: number;
  reps: number;
  coldStartRuns: number;
  /** Core of the system under test; the runner, backend and load generator take `loadCpu`. */
  sutCpu: number | undefined;
  loadCpu: number | undefined;
  workDir: string;
  keep: boolean;
  /** Write BENCHMARKS.md and bench/results.json. */
  write: boolean;
  startTimeoutMs: number;
  meshBuildTimeoutMs: number;
}

export const USAGE = `npm run bench -- [options]
  --quick                 short runs, one round, no cold start unless named (for iteration)
  --scenario a,b          only these scenarios (names in BENCHMARKS.md)
  --scenario-file FILE    also run the scenarios exported by FILE (see bench/scenarios/types.ts)
  --sut bff,tributary     only these systems (bff, tributary, tributary-v8gc, stock-mesh);
                          tributary-v8gc runs by default only in posts-bulk and the cold start
  --duration S            seconds per c=50 run (default 4; quick 2)
  --reps N                rounds (default 3; quick 1)
  --no-pin                do not pin processes to cores
  --write / --no-write    write BENCHMARKS.md and bench/results.json (default: only for a full run)
  --keep                  keep the work dir (configs, logs) under the temp dir`;

export function parseSettings(argv: string[]): BenchSettings {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      scenario: { type: 'string', multiple: true, default: [] },
      'scenario-file': { type: 'string', multiple: true, default: [] },
      sut: { type: 'string', default: SUT_NAMES.join(',') },
      duration: { type: 'string' },
      reps: { type: 'string' },
      'no-pin': { type: 'boolean', default: false },
      write: { type: 'boolean' },
      'no-write': { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const quick = values.quick!;
  const only = values.scenario!.flatMap((s) => s.split(',')).filter(Boolean);
  const suts = values.sut!.split(',').filter(Boolean) as SutName[];
  for (const s of suts) if (!SUT_NAMES.includes(s)) throw new Error(`--sut: expected some of ${SUT_NAMES.join(', ')}; found "${s}"`);
  const full =
    !quick &&
    only.length === 0 &&
    values['scenario-file']!.length === 0 &&
    suts.length === SUT_NAMES.length &&
    values.duration === undefined &&
    values.reps === undefined;
  const pin = !values['no-pin'];
  return {
    quick,
    only,
    scenarioFiles: values['scenario-file']!,
    suts,
    sutsExplicit: values.sut !== SUT_NAMES.join(','),
    warmupS: quick ? 1 : 3,
    durationS: Number(values.duration ?? (quick ? 2 : 4)),
    latencyDurationS: quick ? 1 : 2,
    reps: Number(values.reps ?? (quick ? 1 : 3)),
    coldStartRuns: quick ? 1 : 3,
    sutCpu: pin ? 0 : undefined,
    loadCpu: pin ? 1 : undefined,
    workDir: path.join(tmpdir(), `tributary-bench-${process.pid}`),
    keep: values.keep!,
    write: values['no-write'] ? false : (values.write ?? full),
    startTimeoutMs: 120_000,
    meshBuildTimeoutMs: 300_000,
  };
}
