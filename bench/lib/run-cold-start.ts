// A cold-start scenario: start the process on the SUT core, ask the query every 25 ms
// until a correct answer comes back, and take the time from spawn to that answer and
// the resident memory right after it. Repeated `coldStartRuns` times, fresh process
// each time; the median is reported. Stock Mesh is timed the same way after its
// `mesh build` (reported separately: Mesh needs it before `mesh start`).
import path from 'node:path';
import type { ColdStartScenario } from '../scenarios/types.ts';
import type { ScenarioRef } from '../scenarios/index.ts';
import { forkBackend } from './backend-client.ts';
import { pollUntil, sleep, treeRssKb } from './processes.ts';
import { buildStockMesh, freePort, startStockMesh, startTributary, SUT_ONLY_IN, type Sut, type SutName } from './suts.ts';
import { createVerifier } from './verify.ts';
import type { BenchSettings } from './settings.ts';

export interface ColdStartRun {
  readyMs: number;
  rssMb: number;
  /** Resident memory two seconds later, once start-up garbage had a chance to go. */
  rssSettledMb: number;
}

export interface ColdStartSutResult {
  sut: SutName;
  error?: string;
  buildMs?: number;
  /**
   * Tributary only: the very first start, with an empty load cache (Mesh's loader runs).
   * The runs after it find the cache filled — as after `tributary check` at image build,
   * Tributary's counterpart of the `mesh build` stock Mesh needs before any start.
   */
  firstStart?: ColdStartRun;
  runs: ColdStartRun[];
  median?: ColdStartRun;
  verdict?: string;
}

export interface ColdStartScenarioResult {
  kind: 'cold-start';
  name: string;
  title: string;
  description: string;
  query: string;
  suts: ColdStartSutResult[];
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

export async function runColdStartScenario(
  ref: ScenarioRef & { scenario: ColdStartScenario },
  settings: BenchSettings,
  log: (line: string) => void,
): Promise<ColdStartScenarioResult> {
  const { scenario } = ref;
  const dir = path.join(settings.workDir, scenario.name);
  const backend = await forkBackend(scenario.backend);
  const verify = createVerifier(scenario.expected);
  const body = JSON.stringify({ query: scenario.query });
  const out: ColdStartSutResult[] = [];
  try {
    for (const name of settings.suts.filter((s) => s !== 'bff' && (settings.sutsExplicit || !SUT_ONLY_IN[s] || SUT_ONLY_IN[s]!.includes(scenario.name)))) {
      const result: ColdStartSutResult = { sut: name, runs: [] };
      out.push(result);
      try {
        let meshPort: number | undefined;
        if (name === 'stock-mesh') {
          if ('skip' in scenario.stockMesh) throw new Error(`not run: ${scenario.stockMesh.skip}`);
          meshPort = await freePort();
          log(`  ${scenario.name}: mesh build …`);
          result.buildMs = await buildStockMesh(path.join(dir, 'stock-mesh'), scenario, backend.urls, meshPort, settings.meshBuildTimeoutMs);
        }
        // Tributary: one more start first, into an empty load cache (reported on its own).
        const starts = settings.coldStartRuns + (name === 'stock-mesh' ? 0 : 1);
        for (let i = 0; i < starts; i++) {
          const sut: Sut =
            name === 'stock-mesh'
              ? startStockMesh(path.join(dir, 'stock-mesh'), meshPort!, settings.sutCpu)
              : await startTributary(path.join(dir, name), scenario, backend.urls, settings.sutCpu, { v8gc: name === 'tributary-v8gc' });
          try {
            let verdict = '';
            const exited = () =>
              sut.process.child.exitCode !== null ? `${name} exited with ${sut.process.child.exitCode} (see its log in ${dir})` : undefined;
            const ready = await pollUntil(sut.url, body, (status, text) => status === 200 && (verdict = verify(text)) !== 'mismatch', {
              timeoutMs: settings.startTimeoutMs,
              exited,
            });
            const rssMb = treeRssKb(sut.process.pid) / 1024;
            await sleep(2_000);
            const run = { readyMs: ready.at - sut.process.spawnedAt, rssMb, rssSettledMb: treeRssKb(sut.process.pid) / 1024 };
            if (name !== 'stock-mesh' && i === 0) result.firstStart = run;
            else result.runs.push(run);
            result.verdict = verdict;
            log(
              `  ${scenario.name}: ${name}${name !== 'stock-mesh' && i === 0 ? ' (empty load cache)' : ''} answered after ${(run.readyMs / 1000).toFixed(2)} s, RSS ${run.rssMb.toFixed(0)} MB (${run.rssSettledMb.toFixed(0)} MB 2 s later), ${verdict}`,
            );
          } finally {
            await sut.process.stop();
          }
        }
        result.median = {
          readyMs: median(result.runs.map((r) => r.readyMs)),
          rssMb: median(result.runs.map((r) => r.rssMb)),
          rssSettledMb: median(result.runs.map((r) => r.rssSettledMb)),
        };
      } catch (error) {
        result.error = (error as Error).message;
        log(`  ${scenario.name}: ${name} failed: ${result.error}`);
      }
    }
  } finally {
    await backend.stop();
  }
  return { kind: 'cold-start', name: scenario.name, title: scenario.title, description: scenario.description, query: scenario.query, suts: out };
}
