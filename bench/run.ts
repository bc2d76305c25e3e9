// `npm run bench`: Tributary against a hand-written BFF (the yardstick) and stock
// `mesh start` (the peer), on the scenarios in bench/scenarios. See BENCHMARKS.md for
// the method and the latest numbers, and `npm run bench -- --help` for the options.
//
// Layout on a 2-core machine: this runner, the mock backend and the load generator
// (autocannon, in this process) share core 1; each system under test runs alone on
// core 0. Speed is only ever reported here, never asserted in a test.
import { mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { builtInScenarios, scenariosIn, type ScenarioRef } from './scenarios/index.ts';
import type { ColdStartScenario, Scenario } from './scenarios/types.ts';
import { parseSettings } from './lib/settings.ts';
import { pinSelf } from './lib/processes.ts';
import { runLoadScenario } from './lib/run-load-scenario.ts';
import { runColdStartScenario } from './lib/run-cold-start.ts';
import { renderResults, runInfo, spliceResults, type ScenarioResult } from './lib/report.ts';
import { ROOT } from './lib/suts.ts';
import { runScaling } from './lib/scaling-command.ts';

// `--build-cost` has options of its own (bench/tools/build-cost.ts).
if (process.argv.includes('--build-cost')) {
  const { runBuildCost } = await import('./tools/build-cost.ts');
  await runBuildCost(process.argv.slice(2));
  process.exit(0);
}

const settings = parseSettings(process.argv.slice(2));
const log = (line: string) => console.log(line);

if (settings.loadCpu !== undefined && !(await pinSelf(settings.loadCpu))) {
  console.warn('taskset failed: running unpinned');
  settings.sutCpu = settings.loadCpu = undefined;
}

if (settings.scaling) {
  await runScaling(settings, log);
  process.exit(0);
}

let refs: ScenarioRef[] = await builtInScenarios();
for (const file of settings.scenarioFiles) refs.push(...(await scenariosIn(file)));
if (settings.only.length) {
  const unknown = settings.only.filter((n) => !refs.some((r) => r.scenario.name === n));
  if (unknown.length) throw new Error(`unknown scenario(s) ${unknown.join(', ')}; known: ${refs.map((r) => r.scenario.name).join(', ')}`);
  refs = refs.filter((r) => settings.only.includes(r.scenario.name));
} else if (settings.scenarioFiles.length) {
  // A scenario file alone runs its own scenarios, not the built-in ones.
  const own = new Set(settings.scenarioFiles.map((f) => path.resolve(f)));
  refs = refs.filter((r) => own.has(r.module));
} else if (settings.quick) {
  refs = refs.filter((r) => r.scenario.kind !== 'cold-start');
}

mkdirSync(settings.workDir, { recursive: true });
const info = runInfo(settings);
log(`Tributary benchmark · Node ${info.node} · ${info.machine} · load average ${info.loadAverageAtStart.join(', ')}`);
log(`scenarios: ${refs.map((r) => r.scenario.name).join(', ')} · systems: ${settings.suts.join(', ')} · work dir ${settings.workDir}`);

const started = performance.now();
const results: ScenarioResult[] = [];
try {
  for (const ref of refs) {
    log(`\n${ref.scenario.name}: ${ref.scenario.title}`);
    const result =
      ref.scenario.kind === 'cold-start'
        ? await runColdStartScenario(ref as ScenarioRef & { scenario: ColdStartScenario }, settings, log)
        : await runLoadScenario(ref as ScenarioRef & { scenario: Scenario }, settings, log);
    results.push(result);
  }
} finally {
  if (!settings.keep) rmSync(settings.workDir, { recursive: true, force: true });
}

const generated = renderResults(info, results);
log(`\n${generated}\n\n(${((performance.now() - started) / 1000).toFixed(0)} s)`);
if (settings.write) {
  const mdFile = path.join(ROOT, 'BENCHMARKS.md');
  writeFileSync(mdFile, spliceResults(existsSync(mdFile) ? readFileSync(mdFile, 'utf8') : undefined, generated));
  writeFileSync(path.join(ROOT, 'bench', 'results.json'), JSON.stringify({ info, results }, null, 2) + '\n');
  log('wrote BENCHMARKS.md and bench/results.json');
}
