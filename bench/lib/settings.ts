// The runner's command line (node:util parseArgs) and what it decides: which scenarios
// and systems run, for how long, on which cores, and whether the report files are
// written. Durations are in seconds; the full run is sized to stay under ~10 minutes.
import { parseArgs } from 'node:util';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SCALING_SUTS, SUT_NAMES, type SutName } from './suts.ts';
import { SCALING_SIZES } from '../scenarios/scaling.ts';

export interface BenchSettings {
  quick: boolean;
  /** `--scaling`: the scaling scenarios (bench/scenarios/scaling.ts) at each of `sizes`. */
  scaling: boolean;
  /** List sizes of a scaling run. */
  sizes: number[];
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
  --sut bff,tributary     only these systems (bff, tributary, tributary-v8gc, stock-mesh, yoga-jit);
                          tributary-v8gc runs by default only in posts-bulk and the cold start,
                          yoga-jit only where a scenario supplies its resolvers
  --scaling               the scaling scenarios instead (list sizes 10 to 5,000; ~15 minutes);
                          writes the Scaling section of BENCHMARKS.md and bench/scaling-results.json
  --sizes 10,100          list sizes of --scaling (default 10,100,1000,5000)
  --build-cost            Tributary's build beside Mesh's OpenAPI loader alone (time, CPU, peak memory)
                          on a Microsoft-Graph-sized document and Stripe's; own options:
                          --reps N (default 3), --spec FILE, --no-graph, --no-stripe, --yaml
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
      scaling: { type: 'boolean', default: false },
      sizes: { type: 'string' },
      scenario: { type: 'string', multiple: true, default: [] },
      'scenario-file': { type: 'string', multiple: true, default: [] },
      sut: { type: 'string' },
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
  const scaling = values.scaling!;
  const sizes = (values.sizes ?? SCALING_SIZES.join(',')).split(',').filter(Boolean).map(Number);
  for (const n of sizes) if (!Number.isInteger(n) || n < 1) throw new Error(`--sizes: expected positive integers; found "${values.sizes}"`);
  const only = values.scenario!.flatMap((s) => s.split(',')).filter(Boolean);
  // A scaling run's systems: the yardstick, Tributary, and the two peers.
  const defaultSuts = scaling ? SCALING_SUTS.join(',') : SUT_NAMES.join(',');
  const suts = (values.sut ?? defaultSuts).split(',').filter(Boolean) as SutName[];
  for (const s of suts) if (!SUT_NAMES.includes(s)) throw new Error(`--sut: expected some of ${SUT_NAMES.join(', ')}; found "${s}"`);
  const full =
    !quick &&
    only.length === 0 &&
    values['scenario-file']!.length === 0 &&
    values.sut === undefined &&
    values.sizes === undefined &&
    values.duration === undefined &&
    values.reps === undefined;
  const pin = !values['no-pin'];
  return {
    quick,
    scaling,
    sizes,
    only,
    scenarioFiles: values['scenario-file']!,
    suts,
    sutsExplicit: values.sut !== undefined,
    // A scaling run has 16 points of 4 systems: shorter runs each (and no c=1 run) keep it near 12 minutes.
    warmupS: quick ? 1 : scaling ? 2 : 3,
    durationS: Number(values.duration ?? (quick ? 2 : scaling ? 3 : 4)),
    latencyDurationS: quick ? 1 : 2,
    reps: Number(values.reps ?? (quick ? 1 : scaling ? 2 : 3)),
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
