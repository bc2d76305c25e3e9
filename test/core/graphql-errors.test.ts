// GraphQL errors over HTTP, one table: a request (document, variables, Accept) to a
// gateway (NODE_ENV, executor, policies) → the HTTP status, the error code, and what the
// answer must not (or must) contain. Covers operations on a root type the schema lacks,
// variable coercion (BAD_USER_INPUT, 400 or 200 by Accept: GraphQL-over-HTTP
// §"application/json" vs §"application/graphql-response+json"), "Did you mean" hidden in
// production, a service's value that does not fit its field's type (coded, the value
// in the log only), and every request-level refusal keeping its catalogue status for
// both media types. Field and variable cases run on graphql-jit (the default) and on
// graphql-js (a test plugin swaps the execute function, as a fallback would).
import { execute } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERRORS, type ErrorCode } from '../../src/errors.ts';
import { createGateway, type Gateway } from '../../src/gateway.ts';
import { createLogger } from '../../src/observability/log.ts';
import { removeTempDir, startBackend, writeTempDir, type Backend } from '../helpers/backend.ts';
import { freePort } from '../helpers/free-port.ts';
import { inProcessFetch } from '../helpers/gateway.ts';
import {
  arrayOf,
  BOOLEAN,
  getOp,
  INTEGER,
  meshrc,
  NUMBER,
  objectOf,
  openapiDoc,
  pathParam,
  queryParam,
  ref,
  specYaml,
  STRING,
  type OpenApiDoc,
} from '../helpers/openapi.ts';

const SPEC: OpenApiDoc = openapiDoc({
  title: 'Shop',
  paths: {
    '/items': getOp('listItems', { params: [queryParam('status', ref('Status')), queryParam('limit', INTEGER)], response: arrayOf(ref('Item')) }),
    '/items/{id}': getOp('itemById', { params: [pathParam('id', INTEGER)], response: ref('Item') }),
    '/labels/{id}': getOp('labelById', { params: [pathParam('id')], response: ref('Label') }),
  },
  schemas: {
    Status: { type: 'string', enum: ['active', 'retired'] },
    Item: objectOf({ id: INTEGER, name: STRING, price: NUMBER, inStock: BOOLEAN, status: ref('Status'), tags: arrayOf(STRING) }),
    Label: objectOf({ code: STRING, rank: INTEGER }, ['code']),
  },
});

/** Values the service holds that no client answer may quote. */
const SECRET = {
  int: 'secret-int-7731',
  object: 'secret-object-4410',
  enum: 'secret-enum-0092',
  float: 'secret-float-5120',
  bool: 'secret-bool-8841',
  list: 'secret-list-2207',
  label: 'secret-label-6650',
};

const ITEMS: Record<string, unknown> = {
  '1': { id: 1, name: 'Kettle', price: 3.5, inStock: true, status: 'active', tags: ['steel'] },
  '2': { id: SECRET.int, name: 'Teapot', status: 'active' },
  '3': { id: 3, name: { token: SECRET.object }, status: 'active' },
  '4': { id: 4, name: 'Cup', status: SECRET.enum },
  '5': { id: 5, name: 'Jug', price: SECRET.float, inStock: SECRET.bool },
  '6': { id: 6, name: 'Mug', tags: ['ok', { token: SECRET.list }] },
};
const LABELS: Record<string, unknown> = { good: { code: 'a', rank: 1 }, missing: { rank: SECRET.label } };

type Accept = 'json' | 'gql';
const MEDIA: Record<Accept, string> = { json: 'application/json', gql: 'application/graphql-response+json' };

interface Running {
  readonly gateway: Gateway;
  /** fetch() through gateway.inject: the statuses and bodies are the gateway's, no socket needed. */
  readonly fetch: ReturnType<typeof inProcessFetch>;
  readonly log: string[];
}

/** Runs the execution on graphql-js instead of graphql-jit: a later setExecuteFn wins. */
const graphqlJs: Plugin = { onExecute: ({ setExecuteFn }) => setExecuteFn(execute) };

let backend: Backend;
let dir: string;
const gateways = new Map<string, Running>();

async function start(name: string, options: { nodeEnv: string; yaml?: string; plugins?: Plugin[] }): Promise<void> {
  const file = join(dir, `${name}.yaml`);
  await writeFile(file, meshrc([{ name: 'Shop', spec: 'shop.yaml', endpoint: backend.url }], options.yaml));
  const log: string[] = [];
  const logger = createLogger({
    level: 'debug',
    destination: new Writable({ write: (chunk: Buffer, _e, done) => (log.push(chunk.toString('utf8')), done()) }),
  });
  const previous = process.env.NODE_ENV;
  process.env.NODE_ENV = options.nodeEnv;
  let gateway: Gateway;
  try {
    gateway = await createGateway({ configFile: file, logger, plugins: options.plugins });
  } finally {
    process.env.NODE_ENV = previous;
  }
  gateways.set(name, { gateway, fetch: inProcessFetch(gateway), log });
}

beforeAll(async () => {
  backend = await startBackend((_req, url) => {
    const item = /^\/items\/(\d+)$/.exec(url.pathname);
    if (item) return ITEMS[item[1]!] ? { status: 200, body: ITEMS[item[1]!] } : { status: 404, body: {} };
    const label = /^\/labels\/(\w+)$/.exec(url.pathname);
    if (label) return { status: 200, body: LABELS[label[1]!] ?? {} };
    if (url.pathname === '/items') return { status: 200, body: [ITEMS['1']] };
    return undefined;
  });
  dir = await writeTempDir({ 'shop.yaml': specYaml(SPEC) });
  const rateLimit = (rule: string) => `  policies:\n    rateLimit:\n      rules:\n        - ${rule}\n`;
  const downRedis = `redis://127.0.0.1:${await freePort()}`;
  await start('dev', { nodeEnv: 'development' });
  await start('prod', { nodeEnv: 'production' });
  await start('dev-js', { nodeEnv: 'development', plugins: [graphqlJs] });
  await start('prod-js', { nodeEnv: 'production', plugins: [graphqlJs] });
  await start('guarded', {
    nodeEnv: 'development',
    yaml: '  policies:\n    auth:\n      jwt:\n        secret: a-test-secret-that-is-long-enough-for-hs256\n        algorithms: [HS256]\n',
  });
  await start('global-limit', { nodeEnv: 'development', yaml: rateLimit('{ limit: 1, windowSec: 3600 }') });
  await start('field-limit', { nodeEnv: 'development', yaml: rateLimit('{ limit: 1, windowSec: 3600, field: Query.listItems }') });
  await start('source-limit', { nodeEnv: 'development', yaml: rateLimit('{ limit: 1, windowSec: 3600, source: Shop }') });
  await start('store-down', {
    nodeEnv: 'development',
    yaml: `  policies:\n    rateLimit:\n      store: redis\n      redisUrl: ${downRedis}\n      onStoreDown: closed\n      rules:\n        - { limit: 100, windowSec: 60 }\n`,
  });
});
afterAll(async () => {
  await Promise.all([...gateways.values()].map((g) => g.gateway.close()));
  await backend?.close();
  if (dir) await removeTempDir(dir);
});

interface Request {
  readonly query?: string;
  readonly variables?: Record<string, unknown>;
  readonly operationName?: string;
  /** Sent as is instead of `{ query, variables, operationName }`. */
  readonly body?: string;
  readonly method?: 'GET';
  readonly headers?: Record<string, string>;
}

interface Case {
  readonly name: string;
  readonly on: readonly string[];
  readonly request: Request;
  /** The status for each Accept; one number when both get the same. */
  readonly status: number | Readonly<Record<Accept, number>>;
  /** The code of every error in the answer; none when there must be no error. */
  readonly code?: ErrorCode;
  /** Text the whole answer must not contain. */
  readonly hidden?: readonly string[];
  /** Text the whole answer must contain. */
  readonly shown?: readonly string[];
  /** Text the gateway's log must contain afterwards. */
  readonly logged?: readonly string[];
  /** Send the request once first (to use up a rate limit). */
  readonly twice?: boolean;
}

const JIT_AND_JS = ['dev', 'prod', 'dev-js', 'prod-js'];
const DEV = ['dev', 'dev-js'];
const PROD = ['prod', 'prod-js'];
/** GraphQL-over-HTTP: 200 to a legacy application/json client, 400 to one that accepts application/graphql-response+json. */
const BY_ACCEPT = { json: 200, gql: 400 };
const SUGGESTION = 'Did you mean';

const CASES: Case[] = [
  // Operations on a root type the schema does not have: a validation error, not a 500.
  {
    name: 'subscription without a Subscription type',
    on: JIT_AND_JS,
    request: { query: 'subscription { ticks }' },
    status: BY_ACCEPT,
    code: 'GRAPHQL_VALIDATION_FAILED',
    shown: ['subscription operation is not supported'],
  },
  {
    name: 'mutation without a Mutation type',
    on: JIT_AND_JS,
    request: { query: 'mutation { createItem }' },
    status: BY_ACCEPT,
    code: 'GRAPHQL_VALIDATION_FAILED',
    shown: ['mutation operation is not supported'],
  },

  // Variable coercion: request errors, BAD_USER_INPUT.
  {
    name: 'variable of the wrong type',
    on: JIT_AND_JS,
    request: { query: 'query ($id: Int!) { itemById(id: $id) { id } }', variables: { id: 'abc' } },
    status: BY_ACCEPT,
    code: 'BAD_USER_INPUT',
    shown: ['$id'],
  },
  {
    name: 'required variable missing',
    on: JIT_AND_JS,
    request: { query: 'query ($id: Int!) { itemById(id: $id) { id } }', variables: {} },
    status: BY_ACCEPT,
    code: 'BAD_USER_INPUT',
    shown: ['$id'],
  },
  {
    name: 'float for an Int variable',
    on: JIT_AND_JS,
    request: { query: 'query ($n: Int) { listItems(limit: $n) { id } }', variables: { n: 1.5 } },
    status: BY_ACCEPT,
    code: 'BAD_USER_INPUT',
    shown: ['$n'],
  },
  {
    name: 'bad enum value in variables (dev)',
    on: DEV,
    request: { query: 'query ($s: Status) { listItems(status: $s) { id } }', variables: { s: 'activ' } },
    status: BY_ACCEPT,
    code: 'BAD_USER_INPUT',
    shown: ['$s'],
  },
  // graphql-js suggests enum values in coercion errors (graphql-jit does not): proof that dev-js runs graphql-js.
  {
    name: 'bad enum value in variables (dev, graphql-js)',
    on: ['dev-js'],
    request: { query: 'query ($s: Status) { listItems(status: $s) { id } }', variables: { s: 'activ' } },
    status: BY_ACCEPT,
    code: 'BAD_USER_INPUT',
    shown: [`${SUGGESTION} the enum value "active"?`],
  },
  {
    name: 'bad enum value in variables (production)',
    on: PROD,
    request: { query: 'query ($s: Status) { listItems(status: $s) { id } }', variables: { s: 'activ' } },
    status: BY_ACCEPT,
    code: 'BAD_USER_INPUT',
    shown: ['$s'],
    hidden: [SUGGESTION, '"active"'],
  },
  {
    name: 'good variables still answer',
    on: JIT_AND_JS,
    request: { query: 'query ($s: Status, $id: Int!) { listItems(status: $s) { id } itemById(id: $id) { name } }', variables: { s: 'active', id: 1 } },
    status: 200,
    shown: ['Kettle'],
  },

  // "Did you mean …?": shown in dev, gone in production (no "[Suggestion hidden]" marker either).
  {
    name: 'literal enum value suggestion (dev)',
    on: DEV,
    request: { query: '{ listItems(status: activ) { id } }' },
    status: BY_ACCEPT,
    code: 'GRAPHQL_VALIDATION_FAILED',
    shown: [`${SUGGESTION} the enum value "active"?`],
  },
  {
    name: 'literal enum value suggestion (production)',
    on: PROD,
    request: { query: '{ listItems(status: activ) { id } }' },
    status: BY_ACCEPT,
    code: 'GRAPHQL_VALIDATION_FAILED',
    hidden: [SUGGESTION, '"active"', 'Suggestion hidden'],
  },
  {
    name: 'argument name suggestion (dev)',
    on: DEV,
    request: { query: '{ itemById(idd: 1) { id } }' },
    status: BY_ACCEPT,
    code: 'GRAPHQL_VALIDATION_FAILED',
    shown: [`${SUGGESTION} "id"?`],
  },
  {
    name: 'argument name suggestion (production)',
    on: PROD,
    request: { query: '{ itemById(idd: 1) { id } }' },
    status: BY_ACCEPT,
    code: 'GRAPHQL_VALIDATION_FAILED',
    hidden: [SUGGESTION, 'Suggestion hidden'],
  },
  {
    name: 'field and type suggestions (production)',
    on: PROD,
    request: { query: '{ itemById(id: 1) { nam } ... on Quer { __typename } }' },
    status: BY_ACCEPT,
    code: 'GRAPHQL_VALIDATION_FAILED',
    hidden: [SUGGESTION, '"name"', '"Query"', 'Suggestion hidden'],
  },

  // A service's value that does not fit its field: that field only, coded, never quoted.
  {
    name: 'string for an Int',
    on: JIT_AND_JS,
    request: { query: '{ itemById(id: 2) { id name } }' },
    status: 200,
    code: 'UPSTREAM_BAD_RESPONSE',
    shown: ['Item.id', 'Int', '"name":"Teapot"'],
    hidden: [SECRET.int],
    logged: [SECRET.int],
  },
  {
    name: 'object for a String',
    on: JIT_AND_JS,
    request: { query: '{ itemById(id: 3) { id name } }' },
    status: 200,
    code: 'UPSTREAM_BAD_RESPONSE',
    shown: ['Item.name', 'String'],
    hidden: [SECRET.object],
    logged: [SECRET.object],
  },
  {
    name: 'non-enum value for an enum',
    on: JIT_AND_JS,
    request: { query: '{ itemById(id: 4) { status } }' },
    status: 200,
    code: 'UPSTREAM_BAD_RESPONSE',
    shown: ['Item.status', 'Status'],
    hidden: [SECRET.enum],
    logged: [SECRET.enum],
  },
  {
    name: 'string for a Float and a Boolean',
    on: JIT_AND_JS,
    request: { query: '{ itemById(id: 5) { price inStock } }' },
    status: 200,
    code: 'UPSTREAM_BAD_RESPONSE',
    shown: ['Item.price', 'Float', 'Item.inStock', 'Boolean'],
    hidden: [SECRET.float, SECRET.bool],
  },
  {
    name: 'object in a list of String',
    on: JIT_AND_JS,
    request: { query: '{ itemById(id: 6) { tags } }' },
    status: 200,
    code: 'UPSTREAM_BAD_RESPONSE',
    shown: ['Item.tags', '"expectedType":"String"', '"ok"'],
    hidden: [SECRET.list],
  },
  {
    name: 'behind an alias and a fragment',
    on: JIT_AND_JS,
    request: { query: '{ x: itemById(id: 2) { ...F } } fragment F on Item { ... on Item { theId: id } }' },
    status: 200,
    code: 'UPSTREAM_BAD_RESPONSE',
    shown: ['Item.id', '"path":["x","theId"]'],
    hidden: [SECRET.int],
  },
  {
    name: 'no value for a non-null field',
    on: JIT_AND_JS,
    request: { query: '{ labelById(id: "missing") { code } }' },
    status: 200,
    code: 'UPSTREAM_BAD_RESPONSE',
    shown: ['Label.code', 'String!'],
    hidden: [SECRET.label],
  },

  // Request-level refusals keep their catalogue status whatever the Accept.
  { name: 'document that does not parse', on: ['dev'], request: { query: '{' }, status: BY_ACCEPT, code: 'GRAPHQL_PARSE_FAILED' },
  { name: 'malformed JSON', on: ['dev'], request: { body: '{"query": "{ __typename }"' }, status: 400, code: 'BAD_REQUEST' },
  {
    name: 'a batch while batching is off',
    on: ['dev'],
    request: { body: '[{"query":"{ __typename }"},{"query":"{ __typename }"}]' },
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    name: 'operationName naming no operation',
    on: ['dev'],
    request: { query: 'query A { __typename }', operationName: 'B' },
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    name: 'two operations and no operationName',
    on: ['dev'],
    request: { query: 'query A { __typename } query B { __typename }' },
    status: 400,
    code: 'BAD_REQUEST',
  },
  {
    name: 'mutation over GET',
    on: ['dev'],
    request: { method: 'GET', query: 'mutation { createItem }', headers: { 'x-graphql-yoga-csrf': '1' } },
    status: 405,
    code: 'BAD_REQUEST',
  },
  {
    name: 'GET without a CSRF header',
    on: ['dev'],
    request: { method: 'GET', query: '{ __typename }' },
    status: ERRORS.CSRF_HEADER_REQUIRED.status,
    code: 'CSRF_HEADER_REQUIRED',
  },
  {
    name: 'body over the limit',
    on: ['dev'],
    request: { query: `{ __typename } #${'x'.repeat(2 * 1024 * 1024)}` },
    status: ERRORS.PAYLOAD_TOO_LARGE.status,
    code: 'PAYLOAD_TOO_LARGE',
  },
  {
    name: 'too many aliases',
    on: ['dev'],
    request: { query: `{ ${Array.from({ length: 20 }, (_, i) => `a${i}: listItems { id }`).join(' ')} }` },
    status: ERRORS.OPERATION_LIMIT_EXCEEDED.status,
    code: 'OPERATION_LIMIT_EXCEEDED',
  },
  {
    name: 'too deep',
    on: ['dev'],
    request: { query: `${'{ a '.repeat(20)}${'}'.repeat(20)}` },
    status: ERRORS.OPERATION_LIMIT_EXCEEDED.status,
    code: 'OPERATION_LIMIT_EXCEEDED',
  },
  {
    name: 'introspection in production',
    on: PROD,
    request: { query: '{ __schema { types { name } } }' },
    status: ERRORS.INTROSPECTION_DISABLED.status,
    code: 'INTROSPECTION_DISABLED',
  },
  { name: 'no credentials', on: ['guarded'], request: { query: '{ __typename }' }, status: ERRORS.UNAUTHENTICATED.status, code: 'UNAUTHENTICATED' },
  {
    name: 'bad bearer token',
    on: ['guarded'],
    request: { query: '{ __typename }', headers: { authorization: 'Bearer not-a-token' } },
    status: ERRORS.UNAUTHENTICATED.status,
    code: 'UNAUTHENTICATED',
  },
  {
    name: 'global rate limit',
    on: ['global-limit'],
    twice: true,
    request: { query: '{ __typename }' },
    status: ERRORS.RATE_LIMITED.status,
    code: 'RATE_LIMITED',
  },
  {
    name: 'field rate limit',
    on: ['field-limit'],
    twice: true,
    request: { query: '{ listItems { id } }' },
    status: ERRORS.RATE_LIMITED.status,
    code: 'RATE_LIMITED',
  },
  {
    name: 'source rate limit',
    on: ['source-limit'],
    twice: true,
    request: { query: '{ itemById(id: 1) { id } }' },
    status: ERRORS.RATE_LIMITED.status,
    code: 'RATE_LIMITED',
  },
  {
    name: 'rate-limit store down, closed',
    on: ['store-down'],
    request: { query: '{ __typename }' },
    status: ERRORS.RATE_LIMIT_UNAVAILABLE.status,
    code: 'RATE_LIMIT_UNAVAILABLE',
  },
];

async function send(g: Running, request: Request, accept: Accept): Promise<{ status: number; text: string }> {
  const headers: Record<string, string> = { accept: MEDIA[accept], ...request.headers };
  let response: Response;
  if (request.method === 'GET') {
    const url = new URL('http://localhost/graphql');
    url.searchParams.set('query', request.query ?? '');
    response = await g.fetch(url, { headers });
  } else {
    const body = request.body ?? JSON.stringify({ query: request.query, variables: request.variables, operationName: request.operationName });
    response = await g.fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  }
  return { status: response.status, text: await response.text() };
}

const ROWS = CASES.flatMap((c) =>
  c.on.flatMap((on) => (['json', 'gql'] as const).map((accept) => ({ ...c, on, accept, label: `${c.name} [${on}, ${MEDIA[accept]}]` }))),
);

describe('GraphQL errors over HTTP', () => {
  it.each(ROWS)('$label', async (row) => {
    const g = gateways.get(row.on)!;
    if (row.twice) await send(g, row.request, row.accept);
    const logFrom = g.log.length;
    const { status, text } = await send(g, row.request, row.accept);
    const answer = JSON.parse(text) as { errors?: Array<{ message: string; extensions?: { code?: unknown } }> };
    const codes = [...new Set((answer.errors ?? []).map((e) => e.extensions?.code))];
    const expectedStatus = typeof row.status === 'number' ? row.status : row.status[row.accept];
    expect({ status, codes }).toEqual({ status: expectedStatus, codes: row.code ? [row.code] : [] });
    // The JSON text and the decoded messages: `"active"` is `\"active\"` in the text.
    const seen = [text, ...(answer.errors ?? []).map((e) => e.message)].join('\n');
    for (const part of row.shown ?? []) expect(seen).toContain(part);
    for (const part of row.hidden ?? []) expect(seen).not.toContain(part);
    const logged = g.log.slice(logFrom).join('');
    for (const part of row.logged ?? []) expect(logged).toContain(part);
  });

  it('logs a bad service value once, as a warning with the field, not as an unexpected error', async () => {
    for (const name of ['dev', 'dev-js']) {
      const g = gateways.get(name)!;
      const from = g.log.length;
      await send(g, { query: '{ itemById(id: 4) { status } }' }, 'gql');
      const lines = g.log.slice(from).map((l) => JSON.parse(l) as { level: number; code?: string; detail?: { executorMessage?: string } });
      expect(lines.filter((l) => l.level >= 50)).toEqual([]);
      expect(lines.filter((l) => l.code === 'UPSTREAM_BAD_RESPONSE').map((l) => [l.level, l.detail?.executorMessage?.includes(SECRET.enum)])).toEqual([
        [40, true],
      ]);
    }
  });
});
