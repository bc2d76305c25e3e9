// The benchmark's correctness premise, checked without timing: for every load scenario,
// Tributary's answer is byte-for-byte `{"data": <the hand-written BFF's data>}`, and it
// makes exactly the upstream calls the BFF makes. Runs the scenarios' own backends, BFF
// code and configs in process (no pinning, no load).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { builtInScenarios } from '../../bench/scenarios/index.ts';
import type { Scenario } from '../../bench/scenarios/types.ts';
import { startBackend } from '../../bench/lib/backend.ts';
import { startBff } from '../../bench/lib/bff.ts';
import { writeTributaryConfig } from '../../bench/lib/suts.ts';
import { createVerifier } from '../../bench/lib/verify.ts';
import { createGateway } from '../../src/gateway.ts';
import { createLogger } from '../../src/observability/log.ts';
import { inProcessFetch } from '../helpers/gateway.ts';

const scenarios = (await builtInScenarios()).map((r) => r.scenario).filter((s): s is Scenario => s.kind !== 'cold-start');
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function post(url: string, query: string, send: (url: string, init: RequestInit) => Promise<Response> = fetch): Promise<string> {
  const res = await send(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
  expect(res.status).toBe(200);
  return res.text();
}

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
        const before = backend.counts().total;
        const reference = await post(`http://127.0.0.1:${bff.port}/`, scenario.query);
        const bffCalls = backend.counts().recent.slice(-(backend.counts().total - before));
        const data = (JSON.parse(reference) as { data: unknown }).data;
        expect(data).toBeTruthy();

        const middle = backend.counts().total;
        const answer = await post(graphqlPath, scenario.query, inProcessFetch(gateway));
        const calls = backend.counts().recent.slice(-(backend.counts().total - middle));

        expect(answer).toBe(reference);
        expect(createVerifier(data)(answer)).toBe('identical');
        // Same calls, in any order (the BFF may fire independent calls in another order).
        const normalise = (list: string[]) =>
          list.map((c) => c.replace(/ids=([^&]+)/, (_, ids: string) => `ids=${decodeURIComponent(ids).split(',').sort().join(',')}`)).sort();
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
