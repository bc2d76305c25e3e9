// Fingerprints of the schemas Tributary builds from a set of documents, to show that a
// change to how the build runs (speed, memory) leaves what it builds alone. For each
// document: the annotated SDL the loader step hands over (Mesh's directives included),
// and the SDL clients are served (`tributary schema`), built twice through the gateway's
// own path — into an empty load cache, then from it — which must print the same.
//   node --import tsx bench/tools/schema-fingerprint.ts [--save FILE] [--compare FILE] [--all] [--graph] [SPEC...]
// --save writes the fingerprints; --compare exits 1 and names the documents whose
// fingerprints differ from a saved file. Default documents: Stripe and a few of
// ../shared/corpus chosen for their shapes; --all takes the whole corpus; --graph adds the
// synthetic Microsoft Graph document (bench/lib/synthetic-graph.ts; slow: minutes).
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { printSchema } from 'graphql';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import { stringify } from 'yaml';
import { buildOnce } from '../../src/gateway.ts';
import { loadSpecRobustly } from '../../src/openapi/robust-load.ts';
import { closeIdleLoaderThreads } from '../../src/openapi/loader-thread.ts';
import { silentLogger } from '../../src/observability/log.ts';
import { writeSyntheticGraphSpec } from '../lib/synthetic-graph.ts';
import { ROOT } from '../lib/suts.ts';

const CORPUS = path.resolve(ROOT, '..', 'shared', 'corpus');
const DEFAULT_DOCUMENTS = [
  'stripe__spec3.2023-09-12.yaml',
  'mesh__cloudflare.json',
  'mesh__jira.json',
  'o2g__github.json',
  'o2g__docusign.json',
  'apisguru-2017__azure.com__arm-recoveryservicessiterecovery__2016-08-10.json',
  'apisguru-2017__slack.com__1.0.0.json',
  'mesh__discriminator-inline.yml',
  'mesh__allof-properties.yml',
  'mesh__additionalProperties.json',
];

interface Fingerprint {
  annotated: string;
  served: string;
  /** The same build from the load cache the first one filled. */
  servedFromCache: string;
}

const digest = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16);

async function fingerprint(spec: string, work: string): Promise<Fingerprint> {
  const dir = mkdtempSync(path.join(work, 'doc-'));
  const loaded = await loadSpecRobustly({ name: 'Source', handler: { source: spec, endpoint: 'http://localhost' }, baseDir: dir });
  const annotated = digest(printSchemaWithDirectives(loaded.schema));
  const config = path.join(dir, '.meshrc.yaml');
  writeFileSync(config, stringify({ sources: [{ name: 'Source', handler: { openapi: { source: spec, endpoint: 'http://localhost' } } }] }));
  const served = async () => digest(printSchema((await buildOnce(config, { logger: silentLogger })).built.schema));
  process.env.TRIBUTARY_CACHE_DIR = path.join(dir, 'cache');
  try {
    return { annotated, served: await served(), servedFromCache: await served() };
  } finally {
    delete process.env.TRIBUTARY_CACHE_DIR;
  }
}

const { values, positionals } = parseArgs({
  args: process.argv.slice(2),
  allowPositionals: true,
  options: { save: { type: 'string' }, compare: { type: 'string' }, all: { type: 'boolean', default: false }, graph: { type: 'boolean', default: false } },
});
const work = mkdtempSync(path.join(tmpdir(), 'tributary-fingerprint-'));
const specs = positionals.length
  ? positionals.map((p) => path.resolve(p))
  : (values.all ? readdirSync(CORPUS).filter((f) => f !== 'INDEX.tsv') : DEFAULT_DOCUMENTS).map((f) => path.join(CORPUS, f));
if (values.graph) specs.push((await writeSyntheticGraphSpec(work)).file);
const saved = values.compare ? (JSON.parse(readFileSync(values.compare, 'utf8')) as Record<string, Fingerprint | { error: string }>) : undefined;
const results: Record<string, Fingerprint | { error: string }> = {};
let differ = 0;
try {
  for (const spec of specs) {
    const name = spec.startsWith(work) ? path.basename(spec) : path.relative(CORPUS, spec);
    const result = await fingerprint(spec, work).catch((error: unknown) => ({ error: (error as Error).message.split('\n')[0] }));
    results[name] = result;
    const notes: string[] = [];
    if ('served' in result && result.served !== result.servedFromCache) notes.push('DIFFERS when built from the load cache');
    if (saved && JSON.stringify(saved[name]) !== JSON.stringify(result)) notes.push(`DIFFERS from ${values.compare}: ${JSON.stringify(saved[name])}`);
    if (notes.length) differ++;
    console.log(`${name}: ${JSON.stringify(result)}${notes.length ? `  <- ${notes.join('; ')}` : ''}`);
  }
} finally {
  await closeIdleLoaderThreads();
  rmSync(work, { recursive: true, force: true });
}
if (values.save) writeFileSync(values.save, JSON.stringify(results, null, 2) + '\n');
if (differ) {
  console.log(`${differ} of ${specs.length} documents differ`);
  process.exitCode = 1;
}
