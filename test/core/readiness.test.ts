// /readyz is public and needs no credentials, so it must not be a way to make the
// gateway call its upstreams at will: probe results are shared by concurrent callers
// (one probe in flight per source) and kept for PROBE_TTL_MS. Real backends count the
// probes (GET on each source's base path).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { removeTempDir, startBackend, type Backend } from '../helpers/backend.ts';
import { BOOLEAN, getOp, objectOf, openapiDoc, writeSources, type OpenApiDoc } from '../helpers/openapi.ts';
import { createGateway, type Gateway } from '../../src/gateway.ts';
import { silentLogger } from '../../src/observability/log.ts';
import { createReadiness, PROBE_TTL_MS } from '../../src/http/health.ts';

/** One GET /<title> answering `{ ok }`: all a probe needs is a source. */
const spec = (title: string): OpenApiDoc =>
  openapiDoc({ title, paths: { [`/${title.toLowerCase()}`]: getOp(title.toLowerCase(), { response: objectOf({ ok: BOOLEAN }) }) } });

/** While `hold` is set, probes wait for it; the test releases them. `onProbe` sees each arrive. */
let hold: Promise<void> | undefined;
let onProbe: (() => void) | undefined;
let a: Backend;
let b: Backend;
let dir: string;
let gateway: Gateway;

const probes = (backend: Backend) => backend.calls.filter((c) => c.url === '/').length;

beforeAll(async () => {
  const routes = async (_req: unknown, url: URL) => {
    if (url.pathname !== '/') return undefined;
    onProbe?.();
    await hold;
    return { status: 200, body: { ok: true } };
  };
  a = await startBackend(routes);
  b = await startBackend(routes);
  dir = await writeSources({
    specs: { 'a.yaml': spec('Alpha'), 'b.yaml': spec('Beta') },
    sources: [
      { name: 'Alpha', spec: 'a.yaml', endpoint: a.url },
      { name: 'Beta', spec: 'b.yaml', endpoint: b.url },
    ],
  });
  gateway = await createGateway({ configFile: path.join(dir, '.meshrc.yaml'), logger: silentLogger });
});

afterAll(async () => {
  await gateway?.close();
  await Promise.all([a?.close(), b?.close()]);
  await removeTempDir(dir);
});

describe('/readyz probes', () => {
  it('a burst of 50 requests over real sockets probes each source at most once', async () => {
    const { port } = await gateway.listen({ port: 0, host: '127.0.0.1' });
    const before = [probes(a), probes(b)];
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => fetch(`http://127.0.0.1:${port}/readyz`).then(async (r) => ({ status: r.status, body: await r.json() }))),
    );
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.body.sources.map((s: { name: string; reachable: boolean }) => [s.name, s.reachable])).toEqual([
        ['Alpha', true],
        ['Beta', true],
      ]);
    }
    expect(probes(a) - before[0]).toBeLessThanOrEqual(1);
    expect(probes(b) - before[1]).toBeLessThanOrEqual(1);
  });

  // The cache on its own, on the gateway's real schema and upstream client, with a
  // clock the test moves: no waiting for the TTL.
  const table: Array<{ name: string; steps: Array<{ at: number; calls: number; expected: number }> }> = [
    { name: 'concurrent callers share one probe', steps: [{ at: 0, calls: 10, expected: 1 }] },
    {
      name: 'a result is reused until the TTL has passed since it settled',
      steps: [
        { at: 0, calls: 1, expected: 1 },
        { at: PROBE_TTL_MS - 1, calls: 5, expected: 1 },
      ],
    },
    {
      name: 'after the TTL the next caller probes afresh, once',
      steps: [
        { at: 0, calls: 1, expected: 1 },
        { at: PROBE_TTL_MS, calls: 5, expected: 2 },
        { at: PROBE_TTL_MS + 1, calls: 5, expected: 2 },
      ],
    },
  ];
  for (const { name, steps } of table) {
    it(name, async () => {
      let clock = 0;
      const readiness = createReadiness({ now: () => clock });
      const start = [probes(a), probes(b)];
      for (const step of steps) {
        clock = step.at;
        await Promise.all(Array.from({ length: step.calls }, () => readiness(gateway.current().built)));
        expect([probes(a) - start[0], probes(b) - start[1]]).toEqual([step.expected, step.expected]);
      }
    });
  }

  it('a probe still in flight past the TTL is shared, not repeated', async () => {
    let clock = 0;
    const readiness = createReadiness({ now: () => clock });
    let release!: () => void;
    hold = new Promise<void>((resolve) => (release = resolve));
    const startA = a.calls.length;
    let arrived = 0;
    const bothArrived = new Promise<void>((resolve) => (onProbe = () => (++arrived === 2 ? resolve() : undefined)));
    const first = readiness(gateway.current().built);
    await bothArrived;
    onProbe = undefined;
    clock = 10 * PROBE_TTL_MS;
    const second = readiness(gateway.current().built);
    release();
    hold = undefined;
    const [one, two] = await Promise.all([first, second]);
    expect(one).toEqual(two);
    expect(a.calls.length - startA).toBe(1);
  });
});
