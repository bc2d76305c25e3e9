// One load scenario, the same way for every system under test:
//   1. the backend starts (on the load core) and every SUT starts on the SUT core;
//   2. the BFF's answer is the reference; each SUT answers the query a few times one by
//      one, and each answer is checked and its upstream calls counted exactly;
//   3. warm-up at c=50, then `reps` rounds; in each round every SUT gets a c=50 run
//      (throughput, tail latency) and a c=1 run (latency), one SUT after another, so
//      that a slow spell of the machine hits all of them alike;
//   4. medians of the rounds, resident memory after the load.
import path from 'node:path';
import type { Scenario } from '../scenarios/types.ts';
import type { ScenarioRef } from '../scenarios/index.ts';
import { forkBackend, type BackendProcess } from './backend-client.ts';
import { runLoad, type LoadResult } from './load.ts';
import { pollUntil, treeCpuMs, treeRssKb } from './processes.ts';
import { buildStockMesh, freePort, startBffProcess, startStockMesh, startTributary, startYogaJitProcess, SUT_ONLY_IN, type Sut, type SutName } from './suts.ts';
import { createVerifier, type Verdict } from './verify.ts';
import type { BenchSettings } from './settings.ts';

export interface CheckResult {
  verdict: Verdict;
  /** Upstream calls for one query, counted at the backend. */
  callsPerQuery: number;
  /** Those calls, `service METHOD /path?query`. */
  calls: string[];
  firstMismatch?: string;
}

export interface Round {
  c50: LoadResult;
  c1: LoadResult;
  /** Upstream calls per answered query during the c=50 run. */
  upstreamPerQuery: number;
  /** CPU time the system under test spent per answered query during the c=50 run. */
  cpuMsPerQuery: number;
}

export interface SutResult {
  sut: SutName;
  error?: string;
  /** stock Mesh: `mesh build` time. */
  buildMs?: number;
  /** Process start to first correct answer. */
  readyMs?: number;
  check?: CheckResult;
  rounds: Round[];
  median?: { rps: number; p50Ms: number; p99Ms: number; p50MsC1: number; p99MsC1: number; upstreamPerQuery: number; cpuMsPerQuery: number };
  rssMb?: number;
  /** Responses over all runs: identical to the BFF, same data in another key order, wrong. */
  verdicts?: { identical: number; sameData: number; mismatches: number; errors: number };
}

export interface LoadScenarioResult {
  kind: 'load';
  name: string;
  title: string;
  description: string;
  query: string;
  suts: SutResult[];
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** The request body: the query, and its variables when it has any. */
export const requestBody = (query: string, variables?: Readonly<Record<string, unknown>>) => JSON.stringify(variables ? { query, variables } : { query });

export async function check(sut: Sut, backend: BackendProcess, body: string, verify: (b: string) => Verdict, times: number): Promise<CheckResult> {
  let last: CheckResult | undefined;
  for (let i = 0; i < times; i++) {
    const before = await backend.counts();
    const res = await fetch(sut.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const text = await res.text();
    const after = await backend.counts();
    const calls = after.total - before.total;
    const verdict = res.status === 200 ? verify(text) : 'mismatch';
    last = {
      verdict,
      callsPerQuery: calls,
      calls: after.recent.slice(-calls),
      firstMismatch: verdict === 'mismatch' ? `${res.status} ${text.slice(0, 500)}` : undefined,
    };
    // A wrong answer is reported as it is; the first one is enough.
    if (verdict === 'mismatch') return last;
  }
  return last!;
}

export async function runLoadScenario(
  ref: ScenarioRef & { scenario: Scenario },
  settings: BenchSettings,
  log: (line: string) => void,
): Promise<LoadScenarioResult> {
  const { scenario } = ref;
  const body = () => requestBody(scenario.query, scenario.variables);
  const dir = path.join(settings.workDir, scenario.name);
  const backend = await forkBackend(scenario.backend);
  const results = new Map<SutName, SutResult>();
  const running: Sut[] = [];
  try {
    // Start every SUT; stock Mesh is built first (not timed as start-up).
    for (const name of settings.suts) {
      if (!settings.sutsExplicit && SUT_ONLY_IN[name] && !SUT_ONLY_IN[name]!.includes(scenario.name)) continue;
      // The hand-written GraphQL server exists only where the scenario supplies its resolvers.
      if (name === 'yoga-jit' && !scenario.yogaJit) continue;
      const result: SutResult = { sut: name, rounds: [] };
      results.set(name, result);
      try {
        let sut: Sut;
        if (name === 'bff') sut = await startBffProcess(path.join(dir, 'bff'), ref, backend.urls, settings.sutCpu);
        else if (name === 'tributary') sut = await startTributary(path.join(dir, 'tributary'), scenario, backend.urls, settings.sutCpu);
        else if (name === 'yoga-jit') sut = await startYogaJitProcess(path.join(dir, 'yoga-jit'), ref, backend.urls, settings.sutCpu);
        else if (name === 'tributary-v8gc')
          sut = await startTributary(path.join(dir, 'tributary-v8gc'), scenario, backend.urls, settings.sutCpu, { v8gc: true });
        else {
          if ('skip' in scenario.stockMesh) throw new Error(`not run: ${scenario.stockMesh.skip}`);
          const port = await freePort();
          log(`  ${scenario.name}: mesh build …`);
          result.buildMs = await buildStockMesh(path.join(dir, 'stock-mesh'), scenario, backend.urls, port, settings.meshBuildTimeoutMs);
          sut = startStockMesh(path.join(dir, 'stock-mesh'), port, settings.sutCpu);
        }
        running.push(sut);
        const exited = () => (sut.process.child.exitCode !== null ? `${name} exited with ${sut.process.child.exitCode} (see its log in ${dir})` : undefined);
        const ready = await pollUntil(sut.url, body(), (status) => status === 200, { timeoutMs: settings.startTimeoutMs, exited });
        result.readyMs = ready.at - sut.process.spawnedAt;
      } catch (error) {
        result.error = (error as Error).message;
        log(`  ${scenario.name}: ${name} failed: ${result.error}`);
      }
    }

    const bff = running.find((s) => s.name === 'bff');
    let reference: unknown;
    if (bff) {
      const res = await fetch(bff.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body() });
      reference = ((await res.json()) as { data: unknown }).data;
    } else {
      // Without the BFF process (--sut filter), its code still gives the reference.
      const { startBff } = await import('./bff.ts');
      const local = await startBff(scenario, backend.urls);
      const res = await fetch(`http://127.0.0.1:${local.port}/`, { method: 'POST', body: '{}' });
      reference = ((await res.json()) as { data: unknown }).data;
      await local.close();
    }
    const verify = createVerifier(reference);

    for (const sut of running) {
      const result = results.get(sut.name)!;
      result.check = await check(sut, backend, body(), verify, 3);
      log(`  ${scenario.name}: ${sut.name} answers ${result.check.verdict}, ${result.check.callsPerQuery} upstream call(s) per query`);
    }

    for (const sut of running) await runLoad({ url: sut.url, body: body(), connections: 50, durationS: settings.warmupS, verify });

    for (let round = 0; round < settings.reps; round++) {
      for (const sut of running) {
        const before = await backend.counts();
        const cpuBefore = treeCpuMs(sut.process.pid);
        const c50 = await runLoad({ url: sut.url, body: body(), connections: 50, durationS: settings.durationS, verify });
        const cpuMsPerQuery = (treeCpuMs(sut.process.pid) - cpuBefore) / c50.responses;
        const after = await backend.counts();
        const c1 = await runLoad({ url: sut.url, body: body(), connections: 1, durationS: settings.latencyDurationS, verify });
        const upstreamPerQuery = c50.responses ? (after.total - before.total) / c50.responses : NaN;
        results.get(sut.name)!.rounds.push({ c50, c1, upstreamPerQuery, cpuMsPerQuery });
        log(
          `  ${scenario.name} round ${round + 1}: ${sut.name.padEnd(10)} ${c50.rps.toFixed(0).padStart(6)} req/s  ${cpuMsPerQuery.toFixed(3)} CPU ms/query  p50 ${c50.p50Ms.toFixed(2)} ms  p99 ${c50.p99Ms.toFixed(2)} ms  | c=1 p50 ${c1.p50Ms.toFixed(2)} ms  p99 ${c1.p99Ms.toFixed(2)} ms${c50.mismatches + c1.mismatches ? `  MISMATCHES ${c50.mismatches + c1.mismatches}` : ''}`,
        );
      }
    }

    for (const sut of running) {
      const result = results.get(sut.name)!;
      result.rssMb = treeRssKb(sut.process.pid) / 1024;
      const r = result.rounds;
      result.median = {
        rps: median(r.map((x) => x.c50.rps)),
        p50Ms: median(r.map((x) => x.c50.p50Ms)),
        p99Ms: median(r.map((x) => x.c50.p99Ms)),
        p50MsC1: median(r.map((x) => x.c1.p50Ms)),
        p99MsC1: median(r.map((x) => x.c1.p99Ms)),
        upstreamPerQuery: median(r.map((x) => x.upstreamPerQuery)),
        cpuMsPerQuery: median(r.map((x) => x.cpuMsPerQuery)),
      };
      const all = r.flatMap((x) => [x.c50, x.c1]);
      result.verdicts = {
        identical: all.reduce((n, x) => n + x.identical, 0),
        sameData: all.reduce((n, x) => n + x.sameData, 0),
        mismatches: all.reduce((n, x) => n + x.mismatches, 0),
        errors: all.reduce((n, x) => n + x.errors + x.non2xx, 0),
      };
    }
  } finally {
    await Promise.all(running.map((s) => s.process.stop()));
    await backend.stop();
  }
  return {
    kind: 'load',
    name: scenario.name,
    title: scenario.title,
    description: scenario.description,
    query: scenario.query,
    suts: settings.suts.filter((n) => results.has(n)).map((n) => results.get(n)!),
  };
}
