// Mesh's OpenAPI loader alone on one document — the call Tributary's loader thread makes
// (`loadNonExecutableGraphQLSchemaFromOpenAPI`, src/openapi/loader-worker.ts), with Mesh
// reading the file itself — in a worker thread under the same limits as Tributary's
// (loader-thread.ts), for bench/tools/build-cost.ts. Prints one JSON line:
// { ms, types } (ms: the call alone, from inside the thread).
//   node --import tsx bench/lib/loader-alone-main.ts SPEC
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { loaderResourceLimits } from '../../src/openapi/loader-thread.ts';
import { ROOT } from './suts.ts';

const spec = path.resolve(process.argv[2] ?? '');

// CommonJS, as loader-worker.ts loads Mesh (its CommonJS build, through require()).
const code = `
const { parentPort, workerData } = require('node:worker_threads');
const { createRequire } = require('node:module');
const path = require('node:path');
const load = createRequire(workerData.root + '/package.json');
const { loadNonExecutableGraphQLSchemaFromOpenAPI } = load('@omnigraph/openapi');
const logger = { log() {}, info() {}, debug() {}, warn() {}, error() {}, child: () => logger };
const started = performance.now();
loadNonExecutableGraphQLSchemaFromOpenAPI('Source', { source: workerData.spec, cwd: path.dirname(workerData.spec), logger }).then(
  (schema) => parentPort.postMessage({ ms: Math.round(performance.now() - started), types: Object.keys(schema.getTypeMap()).length }),
  (error) => parentPort.postMessage({ error: String(error && error.message || error) }),
);
`;

const worker = new Worker(code, { eval: true, workerData: { spec, root: ROOT }, resourceLimits: loaderResourceLimits() });
const result = await new Promise<Record<string, unknown>>((resolve, reject) => {
  worker.once('message', resolve);
  worker.once('error', reject);
});
await worker.terminate();
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exitCode = 'error' in result ? 1 : 0;
