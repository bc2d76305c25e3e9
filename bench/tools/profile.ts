// CPU profile of Tributary under load on one scenario:
//   node --import tsx bench/tools/profile.ts [SCENARIO=posts-bulk] [SECONDS=10] [--c N] [--callers FUNCTION] [--alloc] [--v8gc] [--bff]
// (SCENARIO may be a scaling scenario at a list size, `tickets-wide@5000`; at large sizes
// `--c 1` keeps the run's end from cutting 50 queries off in flight, see run-scaling.ts)
// (the young generation `tributary start` gets from its launcher; `--v8gc`: V8's default instead)
// Starts the scenario's backend, Tributary with `--cpu-prof` on core 0, loads it at
// c=50 from core 1, stops it with SIGINT (so the profile is written) and prints the
// summary (profile-summary.ts). The .cpuprofile file stays for DevTools.
import path from 'node:path';
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { builtInScenarios } from '../scenarios/index.ts';
import * as scalingExports from '../scenarios/scaling.ts';
import { SCALING_SCENARIOS, scalingScenarioAt } from '../scenarios/scaling.ts';
import type { Scenario } from '../scenarios/types.ts';
import { forkBackend } from '../lib/backend-client.ts';
import { pinSelf, pollUntil, spawnPinned } from '../lib/processes.ts';
import { freePort, ROOT, TSX, tributaryStart, WORKER_NODE_FLAGS, writeTributaryConfig } from '../lib/suts.ts';
import { runLoad } from '../lib/load.ts';
import { requestBody } from '../lib/run-load-scenario.ts';

const argv = process.argv.slice(2);
const args = argv.filter((a, i) => !a.startsWith('--') && argv[i - 1] !== '--c' && argv[i - 1] !== '--callers' && argv[i - 1] !== '--inclusive');
const name = args[0] ?? 'posts-bulk';
const seconds = Number(args[1] ?? 10);
const cIndex = process.argv.indexOf('--c');
const connections = cIndex > 0 ? Number(process.argv[cIndex + 1]) : 50;
const ref = name.includes('@') ? undefined : (await builtInScenarios()).find((r) => r.scenario.name === name);
const scenario = (ref?.scenario.kind === 'cold-start' ? undefined : (ref?.scenario as Scenario | undefined)) ?? scalingScenarioAt(name);
if (!scenario) throw new Error(`no load scenario "${name}"`);

await pinSelf(1);
const dir = path.join(tmpdir(), `tributary-profile-${process.pid}`);
mkdirSync(dir, { recursive: true });
const backend = await forkBackend(scenario.backend);
const config = writeTributaryConfig(dir, scenario, backend.urls);
const port = await freePort();
// `--alloc`: sample allocations (heap-summary.ts) instead of CPU time.
const alloc = argv.includes('--alloc');
const heapFile = path.join(dir, 'alloc.heapprofile');
// `--bff`: the hand-written BFF of the scenario instead, profiled the same way, for a side-by-side reading.
const bffRef = argv.includes('--bff') ? SCALING_SCENARIOS.find((x) => x.name === name.split('@')[0]) : undefined;
if (argv.includes('--bff') && !bffRef) throw new Error(`--bff: "${name}" is not a scaling scenario at a size`);
const command = bffRef
  ? [
      '--cpu-prof',
      `--cpu-prof-dir=${dir}`,
      '--import',
      TSX,
      path.join(ROOT, 'bench', 'lib', 'bff-main.ts'),
      path.join(ROOT, 'bench', 'scenarios', 'scaling.ts'),
      Object.entries(scalingExports).find(([, v]) => v === bffRef)![0],
      String(port),
      JSON.stringify(backend.urls),
    ]
  : alloc
    ? ['--import', TSX, path.join(ROOT, 'bench', 'tools', 'alloc-profile-main.ts'), config, String(port), heapFile]
    : ['--cpu-prof', `--cpu-prof-dir=${dir}`, ...(argv.includes('--v8gc') ? [] : WORKER_NODE_FLAGS), ...tributaryStart(config, port)];
const proc = spawnPinned(0, process.execPath, command, { cwd: dir, log: path.join(dir, 'tributary.log') });
const url = `http://127.0.0.1:${port}/graphql`;
const body = requestBody(scenario.query, scenario.variables);
await pollUntil(url, body, (s) => s === 200, { timeoutMs: 60_000 });
// Start-up and the first compilations are left out of the summary.
const warm = await runLoad({ url, body, connections, durationS: 2, verify: () => 'identical' });
const skipMs = Math.round(performance.now() - proc.spawnedAt);
if (alloc) process.kill(proc.pid, 'SIGUSR2');
// Answers are not compared with a reference here, but one that carries errors is counted
// and its first shown: a profile of error paths is not a profile of the scenario.
let withErrors = 0;
let firstError: string | undefined;
const result = await runLoad({
  url,
  body,
  connections,
  durationS: seconds,
  // A fixed number of requests, all answered (about SECONDS at the warm-up's rate): a
  // timed run ends with queries cut off in flight, and their cancellation (an error per
  // pending field) would show in the profile as if it were the scenario's cost.
  amount: Math.max(connections, Math.round(warm.rps * seconds)),
  verify: (text) => {
    if (text.includes('"errors"')) {
      withErrors++;
      firstError ??= text.slice(text.indexOf('"errors"'), text.indexOf('"errors"') + 400);
    }
    return 'identical';
  },
});
console.log(`${result.rps.toFixed(0)} req/s, p50 ${result.p50Ms.toFixed(2)} ms, p99 ${result.p99Ms.toFixed(2)} ms`);
if (withErrors) console.log(`${withErrors} of ${result.responses} answers carry errors; the first: ${firstError}`);
await new Promise<void>((resolve) => {
  proc.child.once('exit', () => resolve());
  process.kill(proc.pid, 'SIGINT');
});
await backend.stop();
if (alloc) {
  console.log(
    execFileSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench', 'tools', 'heap-summary.ts'), heapFile, '--top', '40'], { encoding: 'utf8' }),
  );
  process.exit(0);
}
// The largest profile is the main thread's (tsx's loader thread writes a small one too).
const file = readdirSync(dir)
  .filter((f) => f.endsWith('.cpuprofile'))
  .map((f) => path.join(dir, f))
  .sort((a, b) => statSync(b).size - statSync(a).size)[0];
console.log(`profile: ${file}\n`);
console.log(
  execFileSync(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(ROOT, 'bench', 'tools', 'profile-summary.ts'),
      file,
      '--top',
      '45',
      '--skip-ms',
      String(skipMs),
      ...process.argv.slice(2).filter((a, i, all) => ['--callers', '--inclusive'].includes(a) || ['--callers', '--inclusive'].includes(all[i - 1])),
    ],
    { encoding: 'utf8' },
  ),
);
