// The round trip of one document, run in a child process (scripts/roundtrip/run.ts starts
// it): a gateway built from a written .meshrc.yaml whose one source points at Prism
// through the recorder, its schema introspected, then one operation per root field that
// stands for an HTTP operation, one after the other. It prints JSON lines on stdout: the
// plan, then `start` and `result` for each field, so that when a field takes the process
// down the parent knows which one did it and starts again after it.
//
// node --import tsx scripts/roundtrip/document.ts <document> [skip-file]
//
// The gateway is built while Prism starts: the mock's URL comes on stdin once it listens
// (or `stop` when it could not start), and only then are the fields tried.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { buildClientSchema, getIntrospectionQuery, type GraphQLObjectType, type GraphQLSchema, type IntrospectionQuery } from 'graphql';
import { getDirectives } from '@graphql-tools/utils';
import { stringify } from 'yaml';
import { createGateway, type Gateway } from '../../src/gateway.ts';
import { createLogger } from '../../src/observability/log.ts';
import { classify, trim, type GraphqlError, type Observation } from './classify.ts';
import { buildOperation, type CallsOut } from './operation.ts';
import { startRecorder, type Recorder } from './recorder.ts';
import { credentials, operationFor, readDocument, type Document } from './spec.ts';

export const SOURCE = 'Doc';
const FIELD_TIMEOUT_MS = Number(process.env.ROUNDTRIP_FIELD_TIMEOUT_MS ?? 15_000);

export interface PlannedField {
  readonly coordinate: string;
  readonly kind: 'query' | 'mutation';
  readonly method: string;
}

export type DocumentEvent =
  | { event: 'plan'; fields: PlannedField[] }
  | { event: 'start'; coordinate: string }
  | { event: 'result'; coordinate: string; kind: 'query' | 'mutation'; method: string; class: string; cause?: string; call?: string }
  | { event: 'failed'; error: string }
  | { event: 'done' };

function emit(event: DocumentEvent): void {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

interface HttpOperationArgs {
  path?: string;
  httpMethod?: string;
}

/** Root fields that stand for an HTTP operation: those the schema build marked with the operation they call. */
function plannedFields(schema: GraphQLSchema): Array<PlannedField & { path?: string }> {
  const out: Array<PlannedField & { path?: string }> = [];
  for (const [kind, type] of [
    ['query', schema.getQueryType()],
    ['mutation', schema.getMutationType()],
  ] as const) {
    if (!type) continue;
    for (const field of Object.values(type.getFields())) {
      const marked = (field.extensions as { tributaryOperation?: { method?: string } }).tributaryOperation;
      const http = getDirectives(schema, field).find((d) => d.name === 'httpOperation')?.args as HttpOperationArgs | undefined;
      if (!marked && !http) continue;
      out.push({
        coordinate: `${type.name}.${field.name}`,
        kind,
        method: (marked?.method ?? http?.httpMethod ?? (kind === 'query' ? 'GET' : 'POST')).toUpperCase(),
        path: http?.path,
      });
    }
  }
  return out;
}

/** Object fields that make calls of their own (OpenAPI links, @resolveTo, Tributary links). */
function callsOutOf(schema: GraphQLSchema): CallsOut {
  return (typeName, fieldName) => {
    const type = schema.getType(typeName) as GraphQLObjectType | undefined;
    const field = type?.getFields?.()[fieldName];
    if (!field) return false;
    if (Object.keys(field.extensions ?? {}).some((k) => k.startsWith('tributary'))) return true;
    return getDirectives(schema, field).some((d) => ['httpOperation', 'resolveTo', 'link', 'resolveRootField'].includes(d.name));
  };
}

function errorsOf(body: unknown): GraphqlError[] {
  const errors = (body as { errors?: Array<{ message?: string; extensions?: { code?: string } }> } | undefined)?.errors;
  return Array.isArray(errors) ? errors.map((e) => ({ message: String(e.message ?? ''), ...(e.extensions?.code ? { code: e.extensions.code } : {}) })) : [];
}

const JSON_POST = { 'content-type': 'application/json', accept: 'application/json' };

async function tryField(
  gateway: Gateway,
  planned: PlannedField & { path?: string },
  schema: GraphQLSchema,
  document: Document,
  callsOut: CallsOut,
  recorder: Recorder,
  logs: () => string[],
): Promise<Observation> {
  const [typeName, fieldName] = planned.coordinate.split('.');
  const field = (schema.getType(typeName) as GraphQLObjectType | undefined)?.getFields()[fieldName];
  if (!field) return { exchanges: [], failure: `NOT_IN_INTROSPECTION: ${planned.coordinate} is not in the introspected schema` };
  const operation = planned.path ? operationFor(document, planned.method, planned.path) : undefined;
  const built = buildOperation(planned.kind, field, schema, { operation, document, callsOut });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), FIELD_TIMEOUT_MS)));
  const answer = await Promise.race([gateway.inject({ method: 'POST', url: '/graphql', headers: JSON_POST, payload: JSON.stringify(built) }), timeout]).finally(
    () => clearTimeout(timer),
  );
  if (answer === 'timeout') return { exchanges: recorder.take(), timedOut: true };
  let body: unknown;
  try {
    body = answer.json();
  } catch {
    return {
      exchanges: recorder.take(),
      status: answer.statusCode,
      errors: [{ message: `not JSON: ${answer.payload.slice(0, 200)}`, code: `HTTP_${answer.statusCode}` }],
    };
  }
  // A masked error's cause is in the gateway's log, not in the answer.
  const logged = logs();
  const errors = errorsOf(body).map((e) =>
    e.code === 'INTERNAL_SERVER_ERROR' && logged.length ? { ...e, message: `${e.message} (log: ${logged[logged.length - 1]})` } : e,
  );
  const data = (body as { data?: Record<string, unknown> | null }).data;
  return { exchanges: recorder.take(), status: answer.statusCode, errors, hasData: !!data && fieldName in data };
}

async function main(): Promise<void> {
  const [file, skipFile] = process.argv.slice(2);
  if (!file) throw new Error('usage: document.ts <document> [skip-file]');
  const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
  const skip = new Set<string>(skipFile ? (JSON.parse(await readFile(skipFile, 'utf8')) as string[]) : []);
  const document = await readDocument(file);
  const recorder = await startRecorder();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tributary-roundtrip-'));
  // The gateway's error log lines: a masked error's cause is there, not in the answer.
  let logged: string[] = [];
  const logSink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        try {
          const entry = JSON.parse(line) as { level?: number; msg?: string; err?: { message?: string } };
          if ((entry.level ?? 0) >= 50) logged.push(entry.err?.message ?? entry.msg ?? line);
        } catch {
          logged.push(line);
        }
      }
      done();
    },
  });
  let gateway: Gateway | undefined;
  try {
    const auth = credentials(document);
    const handler: Record<string, unknown> = { source: path.resolve(file), endpoint: recorder.url };
    if (Object.keys(auth.operationHeaders).length) handler.operationHeaders = auth.operationHeaders;
    if (Object.keys(auth.queryParams).length) handler.queryParams = auth.queryParams;
    const config = {
      sources: [{ name: SOURCE, handler: { openapi: handler } }],
      tributary: {
        // The operations are the harness's, not a client's to be guarded against: big
        // selections and aliased union members stay under the limits.
        policies: { limits: { maxTokens: 1_000_000, maxAliases: 10_000, maxDepth: 50, maxCost: 100_000_000, maxBodyBytes: 16 * 1024 * 1024 } },
        // One call per field, and every field tried: no retries (Prism answers the same
        // again), no breaker tripped by the mock's own 500s, a timeout below the field's.
        sources: { [SOURCE]: { upstream: { retries: 0, timeoutMs: Math.max(1_000, FIELD_TIMEOUT_MS - 5_000), breakerFailureThreshold: 1_000_000 } } },
      },
    };
    await writeFile(path.join(dir, '.meshrc.yaml'), stringify(config));
    try {
      gateway = await createGateway({ configFile: path.join(dir, '.meshrc.yaml'), logger: createLogger({ level: 'error', destination: logSink }) });
    } catch (error) {
      emit({ event: 'failed', error: trim(`GATEWAY_BUILD_FAILED: ${error instanceof Error ? error.message : String(error)}`, 400) });
      return;
    }
    const built = gateway.current().built.schema;
    const introspection = await gateway.inject({
      method: 'POST',
      url: '/graphql',
      headers: JSON_POST,
      // With `isOneOf`, so that the argument filler gives a OneOf input object one member.
      payload: JSON.stringify({ query: getIntrospectionQuery({ oneOf: true }) }),
    });
    const introspected = introspection.json() as { data?: IntrospectionQuery };
    if (!introspected.data) {
      emit({ event: 'failed', error: trim(`INTROSPECTION_FAILED: ${introspection.statusCode} ${introspection.payload}`, 400) });
      return;
    }
    const schema = buildClientSchema(introspected.data);
    const fields = plannedFields(built);
    emit({ event: 'plan', fields: fields.map(({ coordinate, kind, method }) => ({ coordinate, kind, method })) });
    const callsOut = callsOutOf(built);
    const mockUrl = String((await lines.next()).value ?? 'stop').trim();
    if (!/^https?:/.test(mockUrl)) return;
    recorder.target(mockUrl);
    for (const planned of fields) {
      if (skip.has(planned.coordinate)) continue;
      emit({ event: 'start', coordinate: planned.coordinate });
      recorder.take();
      logged = [];
      let observation: Observation;
      try {
        observation = await tryField(gateway, planned, schema, document, callsOut, recorder, () => logged);
      } catch (error) {
        // The harness's own failure: recorded for the field, never a reason to stop the document.
        const where = error instanceof Error ? (error.stack?.split('\n')[1]?.trim() ?? '') : '';
        observation = { exchanges: recorder.take(), failure: `HARNESS_ERROR: ${error instanceof Error ? error.message : String(error)} ${where}` };
      }
      const verdict = classify(planned.path ? { ...observation, template: planned.path } : observation);
      const first = observation.exchanges[0];
      emit({
        event: 'result',
        coordinate: planned.coordinate,
        kind: planned.kind,
        method: planned.method,
        class: verdict.class,
        ...(verdict.cause ? { cause: verdict.cause } : {}),
        ...(first ? { call: trim(`${first.method} ${first.url} → ${first.status}`, 160) } : {}),
      });
    }
    emit({ event: 'done' });
  } finally {
    await gateway?.close({ graceMs: 0 }).catch(() => undefined);
    await recorder.close();
    await rm(dir, { recursive: true, force: true });
  }
}

// graphql-jit throws some errors outside any promise chain: they end this process, and
// the parent records the field in progress as a gateway crash.
main().then(
  () => process.exit(0),
  (error: unknown) => {
    emit({ event: 'failed', error: trim(error instanceof Error ? error.message : String(error), 400) });
    process.exit(0);
  },
);
