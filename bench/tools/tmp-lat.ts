import path from 'node:path';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import autocannon from 'autocannon';
import { scalingScenarioAt } from '../scenarios/scaling.ts';
import { forkBackend } from '../lib/backend-client.ts';
import { pinSelf, pollUntil, spawnPinned } from '../lib/processes.ts';
import { freePort, ROOT, WORKER_NODE_FLAGS, writeTributaryConfig } from '../lib/suts.ts';
import { startBff } from '../lib/bff.ts';
import { requestBody } from '../lib/run-load-scenario.ts';
const scenario = scalingScenarioAt(process.argv[2] ?? 'tickets-link2@200')!;
const which = process.argv[3] ?? 'tributary';
const extra = process.argv[4] ? JSON.parse(process.argv[4]) : {};
await pinSelf(1);
const dir = path.join(tmpdir(), `tributary-lat-${process.pid}`);
mkdirSync(dir, { recursive: true });
const backend = await forkBackend(scenario.backend);
let url: string; let stop: () => void;
if (which === 'bff') {
  const port = await freePort();
  const proc = spawnPinned(0, process.execPath, ['--import', 'tsx', '-e', `import('${ROOT}/bench/lib/bff.ts').then(async (m) => { const s = await import('${ROOT}/bench/scenarios/scaling.ts'); await m.startBff(s.ticketsLink2, ${JSON.stringify(backend.urls)}, ${port}); })`], { cwd: ROOT, log: path.join(dir, 'bff.log') });
  url = `http://127.0.0.1:${port}/`; stop = () => process.kill(proc.pid, 'SIGKILL');
} else {
  const config = writeTributaryConfig(dir, scenario, backend.urls, extra);
  const port = await freePort();
  const proc = spawnPinned(0, process.execPath, [...(process.env.FLAGS ? process.env.FLAGS.split(' ') : WORKER_NODE_FLAGS), path.join(ROOT, 'bin', 'tributary.js'), 'start', '--config', config, '--port', String(port), '--host', '127.0.0.1'], { cwd: dir, log: path.join(dir, 't.log'), env: { TRIBUTARY_LOG_LEVEL: 'warn' } });
  url = `http://127.0.0.1:${port}/graphql`; stop = () => process.kill(proc.pid, 'SIGINT');
}
const body = requestBody(scenario.query, scenario.variables);
await pollUntil(url, body, (s) => s === 200, { timeoutMs: 60_000 });
const run = async (amount: number) => {
  const lat: number[] = [];
  const inst = autocannon({ url, method: 'POST', headers: { 'content-type': 'application/json' }, body, connections: 50, amount });
  inst.on('response', (_c: unknown, _s: number, _b: number, t: number) => lat.push(t));
  await inst;
  return lat.sort((a, b) => a - b);
};
await run(2000);
const lat = await run(6000);
const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor((p / 100) * lat.length))]!.toFixed(1);
console.log(which, JSON.stringify(extra), 'p10', q(10), 'p25', q(25), 'p50', q(50), 'p75', q(75), 'p90', q(90), 'p95', q(95), 'p99', q(99), 'max', q(100), 'p99/p50', (Number(q(99)) / Number(q(50))).toFixed(2));
stop();
await backend.stop();
