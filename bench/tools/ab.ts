// A/B comparison of two Tributary builds (or Node flags) on one scenario, for a shared,
// noisy machine: both run at once on the SUT core and take turns, in short c=50 runs,
// so that whatever else the machine does hits both alike; CPU time per query is
// reported alongside throughput, as it is the steadier of the two.
//   node --import tsx bench/tools/ab.ts [SCENARIO] [--rounds 8] [--seconds 2]
//        [--a ROOT] [--b ROOT] [--a-node "--flag"] [--b-node "--flag"]
//        [--a-env "NAME=value …"] [--b-env "NAME=value …"]
// ROOT is a checkout (a folder with bin/tributary.js and src/); the default for both is
// this one. To keep a "before": cp -r bin src package.json /tmp/before && ln -s "$PWD/node_modules" /tmp/before/
import path from 'node:path';
import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { parseArgs } from 'node:util';
import { scalingScenarioAt } from '../scenarios/scaling.ts';
import { builtInScenarios } from '../scenarios/index.ts';
import type { Scenario } from '../scenarios/types.ts';
import { forkBackend } from '../lib/backend-client.ts';
import { pinSelf, pollUntil, spawnPinned, treeCpuMs } from '../lib/processes.ts';
import { freePort, ROOT, tributaryStart, writeTributaryConfig } from '../lib/suts.ts';
import { runLoad } from '../lib/load.ts';
import { createVerifier } from '../lib/verify.ts';
import { startBff } from '../lib/bff.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rounds: { type: 'string', default: '8' },
    seconds: { type: 'string', default: '2' },
    a: { type: 'string', default: ROOT },
    b: { type: 'string', default: ROOT },
    'a-node': { type: 'string', default: '' },
    'b-node': { type: 'string', default: '' },
    'a-env': { type: 'string', default: '' },
    'b-env': { type: 'string', default: '' },
  },
});
const name = positionals[0] ?? 'posts-bulk';
// A scaling scenario may be named at a list size: `tickets-link2@200`.
const ref = (await builtInScenarios()).find((r) => r.scenario.name === name);
const scenario = (ref?.scenario.kind === 'cold-start' ? undefined : (ref?.scenario as Scenario | undefined)) ?? scalingScenarioAt(name);
if (!scenario) throw new Error(`no load scenario "${name}"`);

await pinSelf(1);
const dir = path.join(tmpdir(), `tributary-ab-${process.pid}`);
mkdirSync(dir, { recursive: true });
const backend = await forkBackend(scenario.backend);
const bff = await startBff(scenario, backend.urls);
const reference = ((await (await fetch(`http://127.0.0.1:${bff.port}/`, { method: 'POST', body: '{}' })).json()) as { data: unknown }).data;
await bff.close();
const verify = createVerifier(reference);
const body = JSON.stringify({ query: scenario.query });

const sides = await Promise.all(
  (['a', 'b'] as const).map(async (side) => {
    const root = path.resolve(values[side]!);
    const config = writeTributaryConfig(path.join(dir, side), scenario, backend.urls);
    const port = await freePort();
    const nodeFlags = values[`${side}-node`]!.split(' ').filter(Boolean);
    const env = Object.fromEntries(
      values[`${side}-env`]!.split(' ')
        .filter(Boolean)
        .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
    );
    const proc = spawnPinned(0, process.execPath, [...nodeFlags, ...tributaryStart(config, port, root)], {
      cwd: path.join(dir, side),
      log: path.join(dir, side, 'tributary.log'),
      env: { TRIBUTARY_LOG_LEVEL: 'warn', ...env },
    });
    const url = `http://127.0.0.1:${port}/graphql`;
    await pollUntil(url, body, (s, t) => s === 200 && verify(t) === 'identical', { timeoutMs: 60_000 });
    return {
      side,
      label: `${side}: ${root}${nodeFlags.length ? ' ' + nodeFlags.join(' ') : ''}${values[`${side}-env`] ? ' ' + values[`${side}-env`] : ''}`,
      url,
      proc,
      rps: [] as number[],
      cpu: [] as number[],
      p99: [] as number[],
      wrong: 0,
    };
  }),
);

// Each run is a number of requests (what the warm-up answered in `--seconds`), all of
// them answered: a timed run cuts 50 queries off in flight at its end, and the work a
// system then does on them (run-scaling.ts says how much) would count as its cost.
const amounts = new Map<(typeof sides)[number], number>();
for (const s of sides) {
  const warm = await runLoad({ url: s.url, body, connections: 50, durationS: 2, verify });
  amounts.set(s, Math.max(100, Math.ceil((warm.rps * Number(values.seconds)) / 50) * 50));
}
for (let round = 0; round < Number(values.rounds); round++) {
  for (const s of round % 2 ? [...sides].reverse() : sides) {
    const cpu0 = treeCpuMs(s.proc.pid);
    const r = await runLoad({ url: s.url, body, connections: 50, durationS: 0, amount: amounts.get(s), verify });
    s.cpu.push((treeCpuMs(s.proc.pid) - cpu0) / r.responses);
    s.rps.push(r.rps);
    s.p99.push(r.p99Ms);
    s.wrong += r.mismatches + r.errors + r.non2xx;
  }
}
const median = (v: number[]) => [...v].sort((x, y) => x - y)[Math.floor(v.length / 2)];
for (const s of sides) {
  console.log(
    `${s.label}\n   median ${median(s.rps).toFixed(0)} req/s, ${median(s.cpu).toFixed(3)} CPU ms/query, p99 ${median(s.p99).toFixed(1)} ms; wrong answers ${s.wrong}`,
  );
  console.log(`   CPU ms/query per round: ${s.cpu.map((c) => c.toFixed(3)).join(' ')}`);
}
const [a, b] = sides;
console.log(`b/a: req/s ${(median(b.rps) / median(a.rps)).toFixed(2)}×, CPU per query ${(median(b.cpu) / median(a.cpu)).toFixed(2)}×`);
await Promise.all(sides.map((s) => s.proc.stop()));
await backend.stop();
rmSync(dir, { recursive: true, force: true });
