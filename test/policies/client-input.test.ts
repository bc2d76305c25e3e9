// Client input is never an upstream failure, and no client can use the circuit breaker
// to black out a source. Found by an outside probe: a header argument with CR/LF or a
// code point above U+00FF was refused by undici, reported as UPSTREAM_UNAVAILABLE,
// retried and counted by the source's breaker three times a request — two requests
// opened the circuit for every field of the source, with zero bytes ever sent.
//
// A real gateway over counting backends (fixtures/client-input-world.ts). Each hostile
// value is sent 20 times — far past the breaker threshold of 3 — and must get
// BAD_USER_INPUT on its field only, naming the argument, with zero upstream calls; then
// a valid call of the same field must still be answered by the service.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startGateway, type GraphqlAnswer, type RunningGateway } from './fixtures/gateway.ts';
import { startClientInputWorld, type ClientInputWorld } from './fixtures/client-input-world.ts';

let world: ClientInputWorld;
let gateway: RunningGateway;

const upstream = (name: string) =>
  [
    `    ${name}:`,
    '      upstream:',
    '        breakerFailureThreshold: 3',
    '        breakerOpenMs: 600000',
    '        retries: 2',
    '        retryBaseDelayMs: 1',
    '        retryMaxDelayMs: 2',
  ].join('\n');

beforeAll(async () => {
  world = await startClientInputWorld();
  gateway = await startGateway(world, ['  sources:', upstream('Records'), upstream('Down')].join('\n'));
});
afterAll(async () => {
  await gateway?.close();
  await world?.close();
});
beforeEach(() => world.reset());

async function ask(query: string, variables: Record<string, unknown> = {}): Promise<GraphqlAnswer> {
  const r = await gateway.graphql({ query, variables });
  expect(r.status).toBe(200);
  return r.json;
}

/** The one error of an answer, as code, argument and path. */
function theError(answer: GraphqlAnswer): { code: unknown; argumentName: unknown; path: unknown } {
  expect(answer.errors).toHaveLength(1);
  const [error] = answer.errors!;
  return { code: error!.extensions?.code, argumentName: error!.extensions?.argumentName, path: error!.path };
}

async function readyCircuit(source: string): Promise<unknown> {
  const body = (await (await gateway.fetch('/readyz')).json()) as { sources: Array<{ name: string; circuit?: string }> };
  return body.sources.find((s) => s.name === source)?.circuit;
}

const RECORD_BY_ID = 'query ($id: String!, $note: String) { recordById(id: $id, X_Note: $note) { id note } }';
const SEARCH = 'query ($tags: [String], $q: String) { searchRecords(tags: $tags, q: $q) { id query } }';

interface HostileInput {
  readonly name: string;
  readonly query: string;
  readonly variables: Record<string, unknown>;
  /** The argument the error must name. */
  readonly argument: string;
  readonly field: string;
  /** The same field with values the service may get, which must then be answered. */
  readonly valid: Record<string, unknown>;
}

const HOSTILE: HostileInput[] = [
  {
    name: 'header argument with CR/LF',
    query: RECORD_BY_ID,
    variables: { id: '1', note: 'a\r\nX-Injected: yes' },
    argument: 'X_Note',
    field: 'recordById',
    valid: { id: '1', note: 'fine' },
  },
  {
    name: 'header argument with U+0100',
    query: RECORD_BY_ID,
    variables: { id: '1', note: 'caf\u0100' },
    argument: 'X_Note',
    field: 'recordById',
    valid: { id: '1', note: 'café' },
  },
  {
    name: 'header argument with a lone surrogate',
    query: RECORD_BY_ID,
    variables: { id: '1', note: 'x\ud800' },
    argument: 'X_Note',
    field: 'recordById',
    valid: { id: '1', note: 'fine' },
  },
  {
    name: 'header argument with NUL',
    query: RECORD_BY_ID,
    variables: { id: '1', note: 'a\u0000b' },
    argument: 'X_Note',
    field: 'recordById',
    valid: { id: '1', note: 'fine' },
  },
  { name: 'path argument "a/../../admin"', query: RECORD_BY_ID, variables: { id: 'a/../../admin' }, argument: 'id', field: 'recordById', valid: { id: 'a/b' } },
  { name: 'path argument "..;"', query: RECORD_BY_ID, variables: { id: '..;' }, argument: 'id', field: 'recordById', valid: { id: '1.2' } },
  { name: 'path argument "..\\x"', query: RECORD_BY_ID, variables: { id: '..\\x' }, argument: 'id', field: 'recordById', valid: { id: 'x\\y' } },
  { name: 'path argument "x/./y"', query: RECORD_BY_ID, variables: { id: 'x/./y' }, argument: 'id', field: 'recordById', valid: { id: 'x/y' } },
  {
    name: 'path argument "%2e%2e%2fadmin" (decoded once)',
    query: RECORD_BY_ID,
    variables: { id: '%2e%2e%2fadmin' },
    argument: 'id',
    field: 'recordById',
    valid: { id: '%41' },
  },
  { name: 'path argument with a lone surrogate', query: RECORD_BY_ID, variables: { id: '\udc00' }, argument: 'id', field: 'recordById', valid: { id: '😀' } },
  {
    name: 'non-exploded query list, element holding the delimiter',
    query: SEARCH,
    variables: { tags: ['a,b', 'c'] },
    argument: 'tags',
    field: 'searchRecords',
    valid: { tags: ['a b', 'c'] },
  },
  { name: 'NUL in a query argument', query: SEARCH, variables: { q: 'a\u0000b' }, argument: 'q', field: 'searchRecords', valid: { q: 'a b' } },
  { name: 'CR/LF in a query argument', query: SEARCH, variables: { q: 'a\r\nb' }, argument: 'q', field: 'searchRecords', valid: { q: 'a b' } },
  {
    name: 'lone surrogate in a query list element',
    query: SEARCH,
    variables: { tags: ['\ud800'] },
    argument: 'tags',
    field: 'searchRecords',
    valid: { tags: ['ok'] },
  },
];

describe('hostile argument values: refused on their field, never sent, never counted', () => {
  for (const c of HOSTILE) {
    it(`${c.name} → BAD_USER_INPUT naming "${c.argument}", zero upstream calls, the breaker stays closed`, async () => {
      for (let i = 0; i < 20; i++) {
        const answer = await ask(c.query, c.variables);
        expect(theError(answer)).toEqual({ code: 'BAD_USER_INPUT', argumentName: c.argument, path: [c.field] });
      }
      expect(world.catalog.calls).toHaveLength(0);
      const valid = await ask(c.query, c.valid);
      expect(valid.errors).toBeUndefined();
      expect(valid.data?.[c.field]).toBeTruthy();
      expect(world.catalog.calls).toHaveLength(1);
      expect(await readyCircuit('Records')).toBe('closed');
    });
  }

  it('sends what it does not refuse exactly: one segment, Latin-1 header text, a comma-joined list', async () => {
    const answer = await ask('{ a: recordById(id: "a/b", X_Note: "café") { id note } s: searchRecords(tags: ["a b", "c"]) { id query } }');
    expect(answer.errors).toBeUndefined();
    expect(answer.data).toEqual({ a: { id: 'a/b', note: 'café' }, s: [{ id: 'r1', query: '?tags=a%20b%2Cc' }] });
    expect(world.catalog.calls.map((c) => c.url).sort()).toEqual(['/records/a%2Fb', '/records?tags=a%20b%2Cc']);
    // Node reads header bytes as Latin-1: é (0xE9) went out as one byte.
    expect(world.catalog.calls.find((c) => c.url.startsWith('/records/'))?.headers['x-note']).toBe('café');
  });
});

describe('the breaker: per operation for answers, per source for connections', () => {
  it('10 calls to an endpoint answering 500 open only that operation: another of the same source still answers', async () => {
    const codes: unknown[] = [];
    for (let i = 0; i < 10; i++) codes.push(theError(await ask('{ broken { id } }')).code);
    expect(codes).toEqual([...Array(3).fill('UPSTREAM_HTTP_ERROR'), ...Array(7).fill('UPSTREAM_CIRCUIT_OPEN')]);
    expect(world.catalog.calls).toHaveLength(3);
    const other = await ask('{ recordById(id: "7") { id } }');
    expect(other).toEqual({ data: { recordById: { id: '7' } } });
    expect(await readyCircuit('Records')).toBe('closed');
  });

  it('the retries of one failing logical call count once', async () => {
    const codes: unknown[] = [];
    for (let i = 0; i < 4; i++) codes.push(theError(await ask('{ busy { id } }')).code);
    // Three calls of three attempts each reached the service (503 is retried); only the
    // third failure opened the circuit, so the fourth call was refused.
    expect(codes).toEqual(['UPSTREAM_HTTP_ERROR', 'UPSTREAM_HTTP_ERROR', 'UPSTREAM_HTTP_ERROR', 'UPSTREAM_CIRCUIT_OPEN']);
    expect(world.catalog.calls).toHaveLength(9);
  });

  it('4xx answers never open a circuit', async () => {
    for (let i = 0; i < 10; i++) expect(theError(await ask('{ missing { id } }')).code).toBe('UPSTREAM_HTTP_ERROR');
    expect(world.catalog.calls).toHaveLength(10);
  });

  it('connection refused opens the source circuit', async () => {
    const codes: unknown[] = [];
    for (let i = 0; i < 4; i++) codes.push(theError(await ask('{ things { id } }')).code);
    expect(codes).toEqual(['UPSTREAM_UNAVAILABLE', 'UPSTREAM_UNAVAILABLE', 'UPSTREAM_UNAVAILABLE', 'UPSTREAM_CIRCUIT_OPEN']);
    expect(await readyCircuit('Down')).toBe('open');
    // The other source is untouched.
    expect(await readyCircuit('Records')).toBe('closed');
  });
});

describe('an answer nested 100,000 levels deep', () => {
  it('fails its own field with UPSTREAM_BAD_RESPONSE when a JSON scalar would carry it to the response', async () => {
    const answer = await ask('{ deepAny { id extra } recordById(id: "1") { id } }');
    expect(theError(answer)).toEqual({ code: 'UPSTREAM_BAD_RESPONSE', argumentName: undefined, path: ['deepAny'] });
    expect(answer.data).toEqual({ deepAny: null, recordById: { id: '1' } });
  });

  it('is read no deeper than the selection when every type below the field is typed (no scan needed)', async () => {
    // `[[[…]]]` where a Record is expected: the executor reads `id` of the outer value and
    // never descends, so the gateway answers normally and the sibling field has data.
    const answer = await ask('{ deep { id } recordById(id: "1") { id } }');
    expect(answer.data).toEqual({ deep: { id: null }, recordById: { id: '1' } });
  });
});
