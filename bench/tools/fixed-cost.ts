// What one GraphQL request costs Tributary before any upstream call: `{ __typename }`
// (answered by the plan, no call) beside the same query on a hand-written node:http
// server that answers it as the BFF would. The difference is the price of the HTTP and
// GraphQL pipeline (Yoga, the policies, logs and metrics) that every query pays once.
//   node --import tsx bench/tools/fixed-cost.ts [--requests 20000] [--c 8] [--cpu-prof]
// (`--cpu-prof`: Tributary runs with it; the profile's folder is printed, for profile-summary.ts)
import path from 'node:path';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { parseArgs } from 'node:util';
import { scalingScenarioAt } from '../scenarios/scaling.ts';
import { forkBackend } from '../lib/backend-client.ts';
import { pinSelf, pollUntil, spawnPinned, treeCpuMs } from '../lib/processes.ts';
import { freePort, startTributary } from '../lib/suts.ts';
import { runLoad } from '../lib/load.ts';

const { values } = parseArgs({
  options: { requests: { type: 'string', default: '20000' }, c: { type: 'string', default: '8' }, 'cpu-prof': { type: 'boolean', default: false } },
});
const amount = Number(values.requests);
const connections = Number(values.c);
const scenario = scalingScenarioAt('tickets-link1@10')!;
await pinSelf(1);
const dir = path.join(tmpdir(), `tributary-fixed-${process.pid}`);
mkdirSync(dir, { recursive: true });
const backend = await forkBackend(scenario.backend);
const sut = await startTributary(dir, scenario, backend.urls, 0, { nodeFlags: values['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [] });
const body = JSON.stringify({ query: '{ __typename }' });
const answer = '{"data":{"__typename":"Query"}}';
const verify = (text: string) => (text === answer ? ('identical' as const) : ('mismatch' as const));
await pollUntil(sut.url, body, (status, text) => status === 200 && text === answer, { timeoutMs: 60_000 });

// The floor: node:http answering the same bytes, on the same core.
const floorPort = await freePort();
const FLOOR = `require('node:http').createServer((req, res) => { req.resume(); req.once('end', () => { res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': ${answer.length} }); res.end(${JSON.stringify(answer)}); }); }).listen(${floorPort}, '127.0.0.1');`;
const floor = spawnPinned(0, process.execPath, ['-e', FLOOR], { cwd: dir, log: path.join(dir, 'floor.log') });
const floorUrl = `http://127.0.0.1:${floorPort}/graphql`;
await pollUntil(floorUrl, body, (status, text) => status === 200 && text === answer, { timeoutMs: 10_000 });

/** CPU µs per answered request of `pid` under `amount` requests at `connections`. */
async function measure(url: string, pid: number): Promise<{ us: number; rps: number; wrong: number }> {
  const before = treeCpuMs(pid);
  const load = await runLoad({ url, body, connections, durationS: 0, amount, verify });
  return { us: ((treeCpuMs(pid) - before) * 1000) / load.responses, rps: load.rps, wrong: load.mismatches + load.errors + load.non2xx };
}

try {
  for (let round = 0; round < 3; round++) {
    const t = await measure(sut.url, sut.process.pid);
    const f = await measure(floorUrl, floor.pid);
    console.log(
      `round ${round + 1}: Tributary ${t.us.toFixed(1)} µs CPU per request (${t.rps.toFixed(0)} req/s, ${t.wrong} wrong) · node:http ${f.us.toFixed(1)} µs (${f.rps.toFixed(0)} req/s) · difference ${(t.us - f.us).toFixed(1)} µs`,
    );
  }
} finally {
  await sut.process.stop();
  if (values['cpu-prof']) console.log(`profile in ${dir}`);
  await floor.stop();
  await backend.stop();
}
