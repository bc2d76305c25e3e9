// The benchmark's correctness premise, checked without timing: for every load scenario,
// Tributary's answer is byte-for-byte `{"data": <the hand-written BFF's data>}`, and it
// makes exactly the upstream calls the BFF makes. The same for the scaling scenarios
// (`--scaling`) at small sizes, for Tributary and for the hand-written yoga + graphql-jit
// server alike. Runs the scenarios' own backends, BFF code, resolvers and configs in
// process (no pinning, no load).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtInScenarios } from '../../bench/scenarios/index.ts';
import { SCALING_SCENARIOS } from '../../bench/scenarios/scaling.ts';
import type { Scenario } from '../../bench/scenarios/types.ts';
import { startBackend, type RunningBackend } from '../../bench/lib/backend.ts';
import { startBff, type RunningBff } from '../../bench/lib/bff.ts';
import { requestBody } from '../../bench/lib/run-load-scenario.ts';
import { startYogaJit, type RunningYogaJit } from '../../bench/lib/yoga-jit.ts';
import { writeTributaryConfig } from '../../bench/lib/suts.ts';
import { createVerifier } from '../../bench/lib/verify.ts';
import { createGateway, type Gateway } from '../../src/gateway.ts';
import { createLogger } from '../../src/observability/log.ts';
import { inProcessFetch } from '../helpers/gateway.ts';

const scenarios = (await builtInScenarios()).map((r) => r.scenario).filter((s): s is Scenario => s.kind !== 'cold-start');
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function post(url: string, body: string, send: (url: string, init: RequestInit) => Promise<Response> = fetch): Promise<string> {
  const res = await send(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  expect(res.status).toBe(200);
  return res.text();
}

/** The calls `ask` makes at the backend, `service METHOD /path?query`, in order. */
async function callsOf(backend: RunningBackend, ask: () => Promise<string>): Promise<{ text: string; calls: string[] }> {
  const before = backend.counts().total;
  const text = await ask();
  return { text, calls: backend.counts().recent.slice(-(backend.counts().total - before)) };
}

/**
 * Calls compared as sets: the BFF may fire independent calls in another order, and
 * order query parameters (or the keys of a comma-separated list) differently.
 */
const normalise = (list: string[]) =>
  list
    .map((c) => {
      const [path, query] = c.split('?');
      if (query === undefined) return c;
      const params = query.split('&').map((p) => {
        const [k, v = ''] = p.split('=');
        return `${k}=${decodeURIComponent(v).split(',').sort().join(',')}`;
      });
      return `${path}?${params.sort().join('&')}`;
    })
    .sort();

describe('bench scenarios: Tributary answers exactly what the hand-written BFF answers', () => {
  for (const scenario of scenarios) {
    it(`${scenario.name}: identical bytes, same upstream calls`, async () => {
      const backend = await startBackend(scenario.backend);
      const dir = await mkdtemp(path.join(tmpdir(), 'tributary-bench-test-'));
      dirs.push(dir);
      const bff = await startBff(scenario, backend.urls);
      const gateway = await createGateway({ configFile: writeTributaryConfig(dir, scenario, backend.urls), logger: createLogger({ level: 'silent' }) });
      // In process: the bytes and the upstream calls are the point here, not the socket
      // (bench/ itself measures the gateway over real connections).
      const { graphqlPath } = gateway.current().config.tributary.server;
      try {
        const body = requestBody(scenario.query, scenario.variables);
        const { text: reference, calls: bffCalls } = await callsOf(backend, () => post(`http://127.0.0.1:${bff.port}/`, body));
        const data = (JSON.parse(reference) as { data: unknown }).data;
        expect(data).toBeTruthy();

        const { text: answer, calls } = await callsOf(backend, () => post(graphqlPath, body, inProcessFetch(gateway)));

        expect(answer).toBe(reference);
        expect(createVerifier(data)(answer)).toBe('identical');
        expect(normalise(calls)).toEqual(normalise(bffCalls));
      } finally {
        await gateway.close();
        await bff.close();
        await backend.close();
      }
    });
  }

  it('the verifier tells identical, same-data and wrong answers apart', () => {
    const verify = createVerifier({ a: [{ x: 1, y: 'b' }] });
    expect(verify('{"data":{"a":[{"x":1,"y":"b"}]}}')).toBe('identical');
    expect(verify('{"data":{"a":[{"y":"b","x":1}]}}')).toBe('same-data');
    expect(verify('{"data":{"a":[{"x":2,"y":"b"}]}}')).toBe('mismatch');
    expect(verify('{"data":{"a":[{"x":1,"y":"b"}]},"errors":[{"message":"boom"}]}')).toBe('mismatch');
    expect(verify('not json')).toBe('mismatch');
  });
});

// The scaling scenarios at their small sizes: the premise does not depend on the size,
// and a list of 5,000 would only make the test slow. Each scenario's backend serves both
// sizes (as the runner's does), and every system is asked at each one.
const SMALL_SIZES = [10, 100];

describe.each(SCALING_SCENARIOS.map((s) => [s.name, s] as const))(
  'scaling scenario %s: Tributary and the hand-written yoga + graphql-jit server answer exactly what the BFF answers',
  (_name, scenario) => {
    let backend: RunningBackend;
    let bff: RunningBff;
    let yoga: RunningYogaJit;
    let gateway: Gateway;
    beforeAll(async () => {
      backend = await startBackend({ kind: 'sized', sizes: Object.fromEntries(SMALL_SIZES.map((n) => [String(n), scenario.servicesAt(n)])) });
      const dir = await mkdtemp(path.join(tmpdir(), 'tributary-bench-test-'));
      dirs.push(dir);
      bff = await startBff(scenario, backend.urls);
      yoga = await startYogaJit(scenario.yogaJit, backend.urls);
      gateway = await createGateway({ configFile: writeTributaryConfig(dir, scenario, backend.urls), logger: createLogger({ level: 'silent' }) });
    }, 60_000);
    afterAll(async () => {
      await gateway?.close();
      await yoga?.close();
      await bff?.close();
      await backend?.close();
    });

    const peers = [
      ['Tributary', (body: string) => post(gateway.current().config.tributary.server.graphqlPath, body, inProcessFetch(gateway))],
      ['yoga-jit', (body: string) => post(yoga.url, body)],
    ] as const;
    for (const size of SMALL_SIZES) {
      for (const [peer, ask] of peers) {
        it(`${size} items: ${peer}'s bytes and upstream calls are the BFF's`, async () => {
          backend.select(size);
          const body = requestBody(scenario.query, scenario.variables?.(size));
          const { text: reference, calls: bffCalls } = await callsOf(backend, () => post(`http://127.0.0.1:${bff.port}/`, body));
          const data = (JSON.parse(reference) as { data: Record<string, unknown[]> }).data;
          // The list has the size the scenario is named by: the premise of a per-item cost.
          expect(Object.values(data)[0]).toHaveLength(size);

          const { text: answer, calls } = await callsOf(backend, () => ask(body));
          expect(answer).toBe(reference);
          expect(normalise(calls)).toEqual(normalise(bffCalls));
        });
      }
    }
  },
);
