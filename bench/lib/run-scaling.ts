// One scaling scenario (`npm run bench -- --scaling`): the same query at growing list
// sizes, the same way for every system under test.
//   1. One backend serves every size on the same ports (a `sized` backend); the systems
//      under test start once, on the SUT core, and the backend switches size between
//      points — so a point costs no start-up and no `mesh build`.
//   2. At each size: the BFF's answer is the reference; each system answers a few times
//      one by one (answers checked, upstream calls counted exactly, one query's CPU taken).
//   3. A warm-up at c=50, then `reps` rounds of one c=50 run per system, interleaved;
//      medians of the rounds. Each c=50 run is a number of requests, not a time (sized
//      from the warm-up's throughput to last about `durationS`, at least MIN_REQUESTS),
//      and ends when every one is answered: no query is cut off in flight, so the CPU
//      from start to end over the answers is the CPU per query.
//   4. A system for which that run would exceed MAX_C50_S (judged first from one query's
//      time alone, which spares stock Mesh 50 queries of seconds each, then from the
//      warm-up) is measured one query at a time for the same time instead, and its row
//      says so; one that takes longer than QUERY_TIMEOUT_MS for a single query is
//      reported with what it reached and not asked the larger sizes.
//   After every c=50 run the runner waits until the system is idle again.
import os from 'node:os';
import path from 'node:path';
import type { ScalingScenario } from '../scenarios/types.ts';
import type { ScenarioRef } from '../scenarios/index.ts';
import { forkBackend, type BackendProcess } from './backend-client.ts';
import { runLoad } from './load.ts';
import { pollUntil, sleep, treeCpuMs, treeRssKb } from './processes.ts';
import { requestBody, type CheckResult } from './run-load-scenario.ts';
import { buildStockMesh, freePort, startBffProcess, startStockMesh, startTributary, startYogaJitProcess, type Sut, type SutName } from './suts.ts';
import { createVerifier, type Verdict } from './verify.ts';
import type { BenchSettings } from './settings.ts';
import { f0, f1 } from './report.ts';

/** One query alone taking longer than this ends the system's run at this size. */
const QUERY_TIMEOUT_MS = 60_000;
/** The longest c=50 run at one point. */
const MAX_C50_S = 10;
/** The fewest requests of a c=50 run: every connection asks at least twice. */
const CONNECTIONS = 50;
const MIN_REQUESTS = 2 * CONNECTIONS;
/** Requests of a warm-up per millisecond of one query alone, per second of `warmupS` (c=50 answers faster than one by one). */
const WARMUP_FACTOR = 3;
const roundUp = (n: number, to: number) => Math.ceil(n / to) * to;

export interface ScalingRound {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  cpuMsPerQuery: number;
  /** The mock backend's CPU per answer: what each system's upstream calls cost the services (c=50 runs only). */
  backendCpuMsPerQuery?: number;
  upstreamPerQuery: number;
  responses: number;
  durationS: number;
}

export interface ScalingPoint {
  sut: SutName;
  size: number;
  error?: string;
  check?: CheckResult & { latencyMs: number; cpuMs: number };
  /** `c50`: measured at c=50; `sequential`: one query at a time (c=50 would not fit, see `note`). */
  mode?: 'c50' | 'sequential';
  note?: string;
  rounds: ScalingRound[];
  median?: Omit<ScalingRound, 'responses' | 'durationS'>;
  verdicts?: { identical: number; sameData: number; mismatches: number; errors: number };
  rssMb?: number;
}

export interface ScalingScenarioResult {
  kind: 'scaling';
  name: string;
  title: string;
  description: string;
  query: string;
  variables?: Record<string, unknown>;
  sizes: number[];
  suts: SutName[];
  points: ScalingPoint[];
  /** Load average (1, 5, 15 min) when each size started. */
  loadAverage: Record<string, number[]>;
}

function median(values: number[]): number {
  const s = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/**
 * Waits until the backend has had no call for a quarter second: a system slow under the
 * last load may still be working through the queries in flight when autocannon stops,
 * and its upstream calls would be counted against the next check.
 */
async function settle(backend: BackendProcess, timeoutMs = 30_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let last = (await backend.counts()).total;
  while (performance.now() < deadline) {
    await sleep(250);
    const now = (await backend.counts()).total;
    if (now === last) return;
    last = now;
  }
}

/** Waits until `sut` uses (almost) no CPU: the queries still in flight after a load run are done. */
async function quiesce(sut: Sut, timeoutMs = 60_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let last = treeCpuMs(sut.process.pid);
  while (performance.now() < deadline) {
    await sleep(300);
    const now = treeCpuMs(sut.process.pid);
    if (now - last <= 20) return;
    last = now;
  }
}

/** POSTs `body` once and times it: status, text, wall time, CPU the system used meanwhile. */
async function timedQuery(sut: Sut, body: string): Promise<{ status: number; text: string; ms: number; cpuMs: number }> {
  const cpu = treeCpuMs(sut.process.pid);
  const started = performance.now();
  const res = await fetch(sut.url, {
    method: 'POST',
    // fetch asks for gzip/br by default, and Tributary compresses (a 4 MB answer, on its
    // core) where the others do not; autocannon's load asks for no encoding either.
    headers: { 'content-type': 'application/json', 'accept-encoding': 'identity' },
    body,
    signal: AbortSignal.timeout(QUERY_TIMEOUT_MS),
  });
  const text = await res.text();
  return { status: res.status, text, ms: performance.now() - started, cpuMs: treeCpuMs(sut.process.pid) - cpu };
}

/** Up to three answers one by one (one, when it is slow): verdict, exact upstream calls, the fastest one's time. */
async function checkPoint(sut: Sut, backend: BackendProcess, body: string, verify: (b: string) => Verdict): Promise<NonNullable<ScalingPoint['check']>> {
  let best: NonNullable<ScalingPoint['check']> | undefined;
  for (let i = 0; i < 3; i++) {
    const before = await backend.counts();
    const q = await timedQuery(sut, body);
    const after = await backend.counts();
    const calls = after.total - before.total;
    const verdict = q.status === 200 ? verify(q.text) : 'mismatch';
    const result = {
      verdict,
      callsPerQuery: calls,
      // The log keeps the last 256 calls; a system that fans out per item is summarised by its count.
      calls: after.recent.slice(-Math.min(calls, 64)),
      firstMismatch: verdict === 'mismatch' ? `${q.status} ${q.text.slice(0, 500)}` : undefined,
      latencyMs: q.ms,
      cpuMs: q.cpuMs,
    };
    if (verdict === 'mismatch') return result;
    if (!best || result.latencyMs < best.latencyMs) best = result;
    if (q.ms > 1_000) break;
  }
  return best!;
}

/** One query at a time for `seconds` (at least one query): the measure of a system too slow for c=50. */
async function sequential(sut: Sut, backend: BackendProcess, body: string, verify: (b: string) => Verdict, seconds: number) {
  const latencies: number[] = [];
  const verdicts = { identical: 0, sameData: 0, mismatches: 0, errors: 0 };
  const before = await backend.counts();
  const cpu = treeCpuMs(sut.process.pid);
  const started = performance.now();
  do {
    const q = await timedQuery(sut, body);
    const v = q.status === 200 ? verify(q.text) : 'mismatch';
    if (v === 'identical') verdicts.identical++;
    else if (v === 'same-data') verdicts.sameData++;
    else verdicts.mismatches++;
    latencies.push(q.ms);
  } while (performance.now() - started < seconds * 1000);
  const elapsedS = (performance.now() - started) / 1000;
  const cpuMs = treeCpuMs(sut.process.pid) - cpu;
  const after = await backend.counts();
  const sorted = [...latencies].sort((a, b) => a - b);
  const round: ScalingRound = {
    rps: (verdicts.identical + verdicts.sameData) / elapsedS,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    cpuMsPerQuery: cpuMs / latencies.length,
    upstreamPerQuery: (after.total - before.total) / latencies.length,
    responses: latencies.length,
    durationS: elapsedS,
  };
  return { round, verdicts };
}

async function startSut(
  name: SutName,
  ref: ScenarioRef<ScalingScenario>,
  dir: string,
  urls: Record<string, string>,
  settings: BenchSettings,
  log: (line: string) => void,
): Promise<Sut> {
  const { scenario } = ref;
  const at = path.join(dir, name);
  if (name === 'bff') return startBffProcess(at, ref, urls, settings.sutCpu);
  if (name === 'tributary') return startTributary(at, scenario, urls, settings.sutCpu);
  if (name === 'tributary-v8gc') return startTributary(at, scenario, urls, settings.sutCpu, { v8gc: true });
  if (name === 'yoga-jit') return startYogaJitProcess(at, ref, urls, settings.sutCpu);
  if ('skip' in scenario.stockMesh) throw new Error(`not run: ${scenario.stockMesh.skip}`);
  const port = await freePort();
  log(`  ${scenario.name}: mesh build …`);
  await buildStockMesh(at, scenario, urls, port, settings.meshBuildTimeoutMs);
  return startStockMesh(at, port, settings.sutCpu);
}

export async function runScalingScenario(
  ref: ScenarioRef<ScalingScenario>,
  settings: BenchSettings,
  log: (line: string) => void,
): Promise<ScalingScenarioResult> {
  const { scenario } = ref;
  const dir = path.join(settings.workDir, scenario.name);
  const sizes = settings.sizes;
  const backend = await forkBackend({ kind: 'sized', sizes: Object.fromEntries(sizes.map((n) => [String(n), scenario.servicesAt(n)])) });
  const bodyAt = (size: number) => requestBody(scenario.query, scenario.variables?.(size));
  const points: ScalingPoint[] = [];
  const loadAverage: Record<string, number[]> = {};
  const running: Sut[] = [];
  /** Why a system is not measured at the remaining sizes. */
  const out = new Map<SutName, string>();
  try {
    await backend.select(sizes[0]);
    for (const name of settings.suts) {
      try {
        const sut = await startSut(name, ref, dir, backend.urls, settings, log);
        running.push(sut);
        const exited = () => (sut.process.child.exitCode !== null ? `${name} exited with ${sut.process.child.exitCode} (see its log in ${dir})` : undefined);
        await pollUntil(sut.url, bodyAt(sizes[0]), (status) => status === 200, { timeoutMs: settings.startTimeoutMs, exited });
      } catch (error) {
        out.set(name, (error as Error).message);
        log(`  ${scenario.name}: ${name} failed: ${(error as Error).message}`);
      }
    }
    const bff = running.find((s) => s.name === 'bff');
    if (!bff) throw new Error(`${scenario.name}: the BFF (the reference) did not start: ${out.get('bff') ?? 'not among --sut'}`);

    for (const size of sizes) {
      await settle(backend);
      await backend.select(size);
      loadAverage[size] = os.loadavg().map((x) => Math.round(x * 100) / 100);
      const body = bodyAt(size);
      const res = await fetch(bff.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      const verify = createVerifier(((await res.json()) as { data: unknown }).data);
      const here = new Map<SutName, ScalingPoint>();
      const c50: Array<{ sut: Sut; point: ScalingPoint; amount: number }> = [];
      for (const name of settings.suts) {
        const point: ScalingPoint = { sut: name, size, rounds: [] };
        points.push(point);
        here.set(name, point);
        const sut = running.find((s) => s.name === name);
        if (!sut || out.has(name)) {
          point.error = out.get(name) ?? 'not started';
          continue;
        }
        try {
          point.check = await checkPoint(sut, backend, body, verify);
        } catch (error) {
          const reason = `no answer within ${QUERY_TIMEOUT_MS / 1000} s at ${size.toLocaleString('en-US')} items (${(error as Error).message})`;
          point.error = reason;
          out.set(name, `not run: ${reason}`);
          log(`  ${scenario.name} ${size}: ${name} ${reason}`);
          continue;
        }
        const { check } = point;
        log(
          `  ${scenario.name} ${size}: ${name} answers ${check.verdict}, ${check.callsPerQuery} upstream call(s), one query ${check.latencyMs.toFixed(1)} ms`,
        );
        if (check.verdict === 'mismatch') continue;
        // A c=50 run of MIN_REQUESTS takes at least MIN_REQUESTS queries' time on the one core.
        if ((MIN_REQUESTS * check.latencyMs) / 1000 > MAX_C50_S) {
          point.mode = 'sequential';
          point.note = `one query alone takes ${f0(check.latencyMs)} ms: a c=50 run of ${MIN_REQUESTS} requests would exceed ${MAX_C50_S} s, so measured one query at a time`;
        } else {
          point.mode = 'c50';
          c50.push({ sut, point, amount: MIN_REQUESTS });
        }
      }

      // The warm-up also says how many requests a c=50 run gets, or that it cannot fit.
      for (const entry of c50) {
        const amount = Math.min(20_000, roundUp(Math.max(MIN_REQUESTS, (WARMUP_FACTOR * settings.warmupS * 1000) / entry.point.check!.latencyMs), CONNECTIONS));
        const warm = await runLoad({ url: entry.sut.url, body, connections: CONNECTIONS, durationS: 0, amount, timeoutS: QUERY_TIMEOUT_MS / 1000, verify });
        await quiesce(entry.sut);
        const rps = warm.responses / warm.durationS;
        if (!(rps > 0) || MIN_REQUESTS / rps > MAX_C50_S) {
          entry.point.mode = 'sequential';
          entry.point.note = `${f1(rps)} answers/s at c=50 in the warm-up: a c=50 run of ${MIN_REQUESTS} requests would exceed ${MAX_C50_S} s, so measured one query at a time`;
        } else entry.amount = roundUp(Math.max(MIN_REQUESTS, rps * settings.durationS), CONNECTIONS);
      }
      const verdicts = new Map<SutName, NonNullable<ScalingPoint['verdicts']>>();
      for (let round = 0; round < settings.reps; round++) {
        for (const name of settings.suts) {
          const point = here.get(name)!;
          const sut = running.find((s) => s.name === name);
          if (!sut || !point.mode) continue;
          const v = verdicts.get(name) ?? { identical: 0, sameData: 0, mismatches: 0, errors: 0 };
          verdicts.set(name, v);
          let r: ScalingRound;
          if (point.mode === 'sequential') {
            const s = await sequential(sut, backend, body, verify, settings.durationS);
            r = s.round;
            v.identical += s.verdicts.identical;
            v.sameData += s.verdicts.sameData;
            v.mismatches += s.verdicts.mismatches;
          } else {
            const amount = c50.find((x) => x.point === point)!.amount;
            const before = await backend.counts();
            const cpuBefore = treeCpuMs(sut.process.pid);
            const backendCpuBefore = treeCpuMs(backend.pid);
            const load = await runLoad({ url: sut.url, body, connections: CONNECTIONS, durationS: 0, amount, timeoutS: QUERY_TIMEOUT_MS / 1000, verify });
            await quiesce(sut);
            const cpuMs = treeCpuMs(sut.process.pid) - cpuBefore;
            const backendCpuMs = treeCpuMs(backend.pid) - backendCpuBefore;
            const after = await backend.counts();
            r = {
              rps: load.rps,
              p50Ms: load.p50Ms,
              p99Ms: load.p99Ms,
              cpuMsPerQuery: cpuMs / load.responses,
              backendCpuMsPerQuery: backendCpuMs / load.responses,
              upstreamPerQuery: load.responses ? (after.total - before.total) / load.responses : NaN,
              responses: load.responses,
              durationS: load.durationS,
            };
            v.identical += load.identical;
            v.sameData += load.sameData;
            v.mismatches += load.mismatches;
            v.errors += load.errors + load.non2xx;
          }
          point.rounds.push(r);
          log(
            `  ${scenario.name} ${size} round ${round + 1}: ${name.padEnd(10)} ${r.rps.toFixed(1).padStart(8)} req/s  ${r.cpuMsPerQuery.toFixed(3)} CPU ms/query  (backend ${r.backendCpuMsPerQuery?.toFixed(3) ?? '-'})  p50 ${r.p50Ms.toFixed(2)} ms  p99 ${r.p99Ms.toFixed(2)} ms${point.mode === 'sequential' ? '  (one at a time)' : ''}`,
          );
        }
      }
      for (const [name, point] of here) {
        if (!point.rounds.length) continue;
        const r = point.rounds;
        point.median = {
          rps: median(r.map((x) => x.rps)),
          p50Ms: median(r.map((x) => x.p50Ms)),
          p99Ms: median(r.map((x) => x.p99Ms)),
          cpuMsPerQuery: median(r.map((x) => x.cpuMsPerQuery)),
          upstreamPerQuery: median(r.map((x) => x.upstreamPerQuery)),
        };
        point.verdicts = verdicts.get(name);
        const sut = running.find((s) => s.name === name);
        if (sut) point.rssMb = treeRssKb(sut.process.pid) / 1024;
      }
    }
  } finally {
    await Promise.all(running.map((s) => s.process.stop()));
    await backend.stop();
  }
  return {
    kind: 'scaling',
    name: scenario.name,
    title: scenario.title,
    description: scenario.description,
    query: scenario.query,
    variables: scenario.variables ? { ...scenario.variables(sizes[sizes.length - 1]) } : undefined,
    sizes,
    suts: [...settings.suts],
    points,
    loadAverage,
  };
}
