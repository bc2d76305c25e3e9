// `npm run bench -- --scaling`: the scaling scenarios (bench/scenarios/scaling.ts) at
// each list size, then the Scaling section of BENCHMARKS.md and bench/scaling-results.json.
import { readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SCALING_SCENARIOS } from '../scenarios/scaling.ts';
import type { ScalingScenario } from '../scenarios/types.ts';
import type { ScenarioRef } from '../scenarios/index.ts';
import { runInfo } from './report.ts';
import { renderScaling, spliceScaling } from './report-scaling.ts';
import { runScalingScenario, type ScalingScenarioResult } from './run-scaling.ts';
import type { BenchSettings } from './settings.ts';
import { ROOT } from './suts.ts';

const MODULE = fileURLToPath(new URL('../scenarios/scaling.ts', import.meta.url));

/** The scaling scenarios by reference: the BFF and the hand-written server import them by export name. */
async function scalingRefs(): Promise<Array<ScenarioRef<ScalingScenario>>> {
  const exports = (await import(new URL('../scenarios/scaling.ts', import.meta.url).href)) as Record<string, unknown>;
  return SCALING_SCENARIOS.map((scenario) => {
    const exportName = Object.keys(exports).find((k) => exports[k] === scenario);
    if (!exportName) throw new Error(`scaling scenario ${scenario.name} is not exported by name`);
    return { scenario, module: MODULE, exportName };
  });
}

export async function runScaling(settings: BenchSettings, log: (line: string) => void): Promise<void> {
  let refs = await scalingRefs();
  if (settings.only.length) {
    const unknown = settings.only.filter((n) => !refs.some((r) => r.scenario.name === n));
    if (unknown.length) throw new Error(`unknown scaling scenario(s) ${unknown.join(', ')}; known: ${refs.map((r) => r.scenario.name).join(', ')}`);
    refs = refs.filter((r) => settings.only.includes(r.scenario.name));
  }
  mkdirSync(settings.workDir, { recursive: true });
  const info = runInfo(settings);
  log(`Tributary scaling benchmark · Node ${info.node} · ${info.machine} · load average ${info.loadAverageAtStart.join(', ')}`);
  log(`scenarios: ${refs.map((r) => r.scenario.name).join(', ')} · sizes ${settings.sizes.join(', ')} · systems: ${settings.suts.join(', ')}`);
  const started = performance.now();
  const results: ScalingScenarioResult[] = [];
  try {
    for (const ref of refs) {
      log(`\n${ref.scenario.name}: ${ref.scenario.title}`);
      results.push(await runScalingScenario(ref, settings, log));
    }
  } finally {
    if (!settings.keep) rmSync(settings.workDir, { recursive: true, force: true });
  }
  const loadAtEnd = os.loadavg().map((x) => Math.round(x * 100) / 100);
  const generated = renderScaling(info, loadAtEnd, results);
  log(`\n${generated}\n\n(${((performance.now() - started) / 1000).toFixed(0)} s)`);
  if (settings.write) {
    const mdFile = path.join(ROOT, 'BENCHMARKS.md');
    writeFileSync(mdFile, spliceScaling(readFileSync(mdFile, 'utf8'), generated));
    writeFileSync(
      path.join(ROOT, 'bench', 'scaling-results.json'),
      JSON.stringify({ info: { ...info, loadAverageAtEnd: loadAtEnd }, results }, null, 2) + '\n',
    );
    log('wrote the Scaling section of BENCHMARKS.md and bench/scaling-results.json');
  }
}
