// The worker thread that runs GraphQL Mesh's OpenAPI loader. It runs in its own thread
// so that the main thread can stop it: some real specs make the loader loop, recurse
// until the stack is gone or eat memory, and none of that may hang or kill the gateway
// (loader-thread.ts enforces the time and memory limits). It holds one document:
//   prepare → read + sanitize it, answer its operations and repairs
//   load    → run Mesh's loader on all or some of its operations, answer the SDL
// The answer is SDL with Mesh's annotations (printSchemaWithDirectives; print-sdl.ts sends
// it as UTF-8 chunks that move between threads without a copy): a GraphQLSchema
// cannot cross threads, and SDL with directives is what Mesh itself hands from its
// compose step to its runtime, so processDirectives works on the rebuilt schema.
import { readFile } from 'node:fs/promises';
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createRequire } from 'node:module';
import { parentPort } from 'node:worker_threads';
import { sanitizeDocument } from './sanitize.ts';
import { anyOfObjectsAsUnions } from './any-of.ts';
import { dropWebhookHost, webhooksAsCallbacks } from './webhooks.ts';
import { operationPointers, subsetDocument } from './subset.ts';
import type { SpecWarning } from './spec-warning.ts';
import { dropUnprintableDefaults, indexTypes } from './schema-repairs.ts';
import { printSchemaWithDirectivesAsChunks } from './print-sdl.ts';
import { typeAliases } from './type-names.ts';
import type { LoaderReply, LoaderRequest } from './loader-protocol.ts';

type Json = Record<string, unknown>;

// Mesh's packages through require(): their CommonJS builds load in half the time of
// their ES modules under tsx's loader hooks (which see every import), and the thread's
// start is most of a small spec's load time. graphql's CommonJS build is also what
// `import 'graphql'` gives everywhere (it has no "exports"), so there is one graphql.
const require = createRequire(import.meta.url);
const { loadNonExecutableGraphQLSchemaFromOpenAPI } = require('@omnigraph/openapi') as typeof import('@omnigraph/openapi');
const { defaultImportFn, readFileOrUrl } = require('@graphql-mesh/utils') as typeof import('@graphql-mesh/utils');

// Mesh and graphql-compose print notes with console.log; stdout belongs to the command
// (`sources check --json` prints exactly one JSON object there), so they go to stderr.
console.log = console.info = console.debug = (...args: unknown[]) => console.error(...args);

/**
 * How documents (and the files their `$ref`s name) are fetched: Mesh's reader parses
 * whatever body comes back, so a `503 Service Unavailable` page would be reported as
 * "not an OpenAPI document". An answer that is not 2xx (RFC 9110 §15.3) is that error.
 */
async function documentFetch(input: string | URL, init?: RequestInit): Promise<Response> {
  const response = await globalThis.fetch(input, init);
  if (!response.ok) {
    await response.body?.cancel();
    throw new Error(`${String(input)} answered ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`);
  }
  return response;
}

let document: Json | undefined;
let prepared: Extract<LoaderRequest, { type: 'prepare' }> | undefined;

function post(message: LoaderReply, transfer: ArrayBuffer[] = []): void {
  parentPort!.postMessage(message, transfer);
}

/** Mesh's logger interface; warnings are collected for the current job, debug lines mark phases. */
function jobLogger(warnings: SpecWarning[]) {
  const text = (args: unknown[]) =>
    args
      .map((a) => (typeof a === 'string' ? a : a instanceof Error ? a.message : ''))
      .join(' ')
      .trim();
  const logger = {
    log() {},
    info() {},
    debug(...args: unknown[]) {
      const line = text(args);
      if (line.startsWith('Dereferencing')) post({ type: 'progress', phase: 'dereference' });
      else if (line.startsWith('Generating GraphQL Schema')) post({ type: 'progress', phase: 'generate' });
    },
    warn(...args: unknown[]) {
      warnings.push({ pointer: '#', problem: text(args), action: 'reported by the OpenAPI loader' });
    },
    error(...args: unknown[]) {
      warnings.push({ pointer: '#', problem: text(args), action: 'reported by the OpenAPI loader' });
    },
    child: () => logger,
  };
  return logger;
}

/** Format by extension, else by the first character: Mesh refuses files it cannot name. */
async function sniffFormat(file: string): Promise<'json' | 'yaml' | undefined> {
  if (/\.(json|ya?ml|[cm]?[jt]s)$/i.test(file)) return undefined;
  const head = (await readFile(file, 'utf8')).trimStart();
  return head.startsWith('{') || head.startsWith('[') ? 'json' : 'yaml';
}

/**
 * Second try at a local file Mesh's reader refused: a byte-order mark, or YAML that
 * js-yaml rejects but that has one clear reading (duplicate keys: YAML 1.2 §3.2.1.3 says
 * they must not occur; real specs have them, and the last one is what most tools keep).
 */
async function readLeniently(file: string, original: Error, warnings: SpecWarning[]): Promise<unknown> {
  const text = (await readFile(file, 'utf8')).replace(/^\uFEFF/, '');
  const { parse: parseYaml } = await import('yaml');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    try {
      value = parseYaml(text, { uniqueKeys: false, strict: false, maxAliasCount: -1, prettyErrors: false });
    } catch {
      throw original;
    }
  }
  warnings.push({
    pointer: '#',
    problem: `the document could not be read as written (${original.message.split('\n')[0]})`,
    action: 'read with a lenient YAML/JSON parser (for duplicate keys, the last one wins)',
  });
  return value;
}

async function prepare(request: Extract<LoaderRequest, { type: 'prepare' }>) {
  const logger = jobLogger([]);
  const isUrl = /^https?:\/\//i.test(request.source);
  const fallbackFormat = (request.handler.fallbackFormat as 'json' | 'yaml' | undefined) ?? (isUrl ? undefined : await sniffFormat(request.source));
  const versionless: SpecWarning[] = [];
  let raw: unknown;
  try {
    raw = await readFileOrUrl(request.source, {
      cwd: request.cwd,
      fetch: documentFetch as never,
      importFn: defaultImportFn,
      logger: logger as never,
      fallbackFormat,
      headers: (request.handler.schemaHeaders as Record<string, string> | undefined) ?? {},
    });
  } catch (error) {
    if (isUrl || !request.sanitize) throw error;
    raw = await readLeniently(request.source, error as Error, versionless);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new Error(`${request.source} is not an OpenAPI document: expected an object at the top level, found ${Array.isArray(raw) ? 'a list' : typeof raw}`);
  }
  const doc = raw as Json;
  if (typeof doc.openapi !== 'string' && typeof doc.swagger !== 'string') {
    // A fragment with paths is still usable (Mesh reads it as OAS 3); anything else is not a spec.
    if (doc.paths === null || typeof doc.paths !== 'object') {
      throw new Error(
        `${request.source} is not an OpenAPI document: no "openapi" or "swagger" version key at the top level (OAS 3.0 §4.7.1, Swagger 2.0 "swagger"), and no "paths"`,
      );
    }
    versionless.push({ pointer: '#', problem: 'no "openapi" or "swagger" version key (OAS 3.0 §4.7.1 requires one)', action: 'read as OpenAPI 3.0' });
  }
  const repaired = request.sanitize ? sanitizeDocument(doc, { dir: isUrl ? undefined : request.cwd }) : { warnings: [], referencedFiles: [] };
  repaired.warnings.unshift(...versionless);
  // A mapping rule, not a repair: applied whatever `sanitize` says.
  anyOfObjectsAsUnions(doc);
  repaired.warnings.push(...webhooksAsCallbacks(doc));
  document = doc;
  prepared = request;
  typePointers = indexTypes(doc);
  return {
    warnings: repaired.warnings,
    referencedFiles: repaired.referencedFiles,
    operations: operationPointers(doc),
    version: String(doc.openapi ?? doc.swagger),
    typePointers: [...typePointers],
  };
}

let typePointers = new Map<string, string>();

/** Where a type came from, when Mesh named it after a schema in components/definitions. */
function typePointer(typeName: string): string {
  return typePointers.get(typeName.replace(/_Input$/, '')) ?? '#';
}

async function load(request: Extract<LoaderRequest, { type: 'load' }>) {
  if (!prepared) throw new Error('loader worker: load before prepare');
  // The whole document is handed to Mesh as it is (Mesh writes into it, so it is read
  // again if a subset is asked for later); subsets are copies. Most specs load whole at
  // the first try, and a copy of a 20 MB spec costs real time and memory.
  if (!document) await prepare(prepared);
  const whole = !request.include && request.asJson.length === 0;
  const source = whole
    ? document!
    : subsetDocument(document!, { include: request.include ? new Set(request.include) : undefined, asJson: new Set(request.asJson) });
  if (whole) document = undefined;
  const warnings: SpecWarning[] = [];
  const loaded = await loadNonExecutableGraphQLSchemaFromOpenAPI(prepared.name, {
    ...prepared.handler,
    source: source as never,
    cwd: prepared.cwd,
    fetch: documentFetch as never,
    logger: jobLogger(warnings) as never,
  } as never);
  const schema = dropWebhookHost(loaded);
  if (prepared.sanitize) dropUnprintableDefaults(schema, warnings, typePointer);
  // Validated (and repaired: interface-misfits.ts) where it is built from this text,
  // with the long type names written short (type-names.ts).
  collectIfLarge();
  const { rename, names } = typeAliases(Object.keys(schema.getTypeMap()));
  return { sdl: printSchemaWithDirectivesAsChunks(schema, rename), typeNames: names, warnings };
}

/** Past this, the thread's heap is collected between Mesh's loader and the printing. */
const LARGE_HEAP_BYTES = 512 * 1024 * 1024;

/**
 * A full collection, when Mesh's loader has left a large heap. What the loader worked
 * with (the dereferenced document, graphql-compose's composers, the schema before its
 * last mapSchema) is garbage once it returns, but V8 would rather grow the heap than
 * collect it while the SDL is printed: a Microsoft-Graph-sized document peaked 300 MB
 * higher, in no less time (the collection, ~0.7 s there, saves as much later). V8's
 * `gc`, from a context made while --expose-gc is on (as runtime/release-memory.ts does).
 */
function collectIfLarge(): void {
  if (getHeapStatistics().used_heap_size < LARGE_HEAP_BYTES) return;
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  setFlagsFromString('--no-expose-gc');
  gc();
}

parentPort!.on('message', (request: LoaderRequest) => {
  if (request.type === 'reset') {
    document = undefined;
    prepared = undefined;
    return;
  }
  const job = request.type === 'prepare' ? prepare(request) : load(request);
  job.then(
    // The SDL's chunks move to the main thread, not copied (print-sdl.ts).
    (result) => post({ type: 'done', id: request.id, result } as LoaderReply, 'sdl' in result ? result.sdl.map((c) => c.buffer as ArrayBuffer) : []),
    (error: unknown) => post({ type: 'failed', id: request.id, message: error instanceof Error ? error.message : String(error) }),
  );
});
