// The in-process path is the same gateway: each request here is sent twice to one
// gateway, once with fetch() over a real loopback socket and once through the in-process
// helpers (gateway.inject), and both must answer the same status, body and headers that
// carry meaning. What does differ is the transport only (connection, keep-alive, date),
// and the suites that moved off sockets rely on exactly that.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../../src/gateway.ts';
import { silentLogger } from '../../src/observability/log.ts';
import { removeTempDir, startBackend, type Backend } from './backend.ts';
import { graphql, inProcessFetch, rest } from './gateway.ts';
import { arrayOf, getOp, objectOf, openapiDoc, pathParam, ref, STRING, writeSources } from './openapi.ts';

const NOTES = openapiDoc({
  title: 'Notes',
  paths: {
    '/notes': getOp('listNotes', { response: arrayOf(ref('Note')) }),
    '/notes/{id}': getOp('noteById', { params: [pathParam('id')], response: ref('Note') }),
  },
  schemas: { Note: objectOf({ id: STRING, text: STRING }) },
});

/** Headers whose value is the gateway's answer, not the transport's. */
const COMPARED = ['content-type', 'cache-control', 'ratelimit-limit', 'ratelimit-remaining'];

let backend: Backend;
let dir: string;
let gateway: Gateway;
let base: string;

beforeAll(async () => {
  backend = await startBackend((_req, url) => {
    if (url.pathname === '/notes') return { status: 200, body: [{ id: '1', text: 'one' }], headers: { 'cache-control': 'max-age=5' } };
    const note = /^\/notes\/(\w+)$/.exec(url.pathname);
    if (note) return note[1] === '1' ? { status: 200, body: { id: '1', text: 'one' } } : { status: 404, body: { message: 'no note' } };
    return undefined;
  });
  dir = await writeSources({
    specs: { 'notes.yaml': NOTES },
    sources: [{ name: 'Notes', spec: 'notes.yaml', endpoint: backend.url }],
    // A limit high enough never to refuse, so that both paths see its headers.
    tributary: '  policies:\n    rateLimit:\n      rules:\n        - { limit: 1000, windowSec: 60 }\n',
  });
  gateway = await createGateway({ configFile: path.join(dir, '.meshrc.yaml'), logger: silentLogger });
  const { port } = await gateway.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${port}`;
});
afterAll(async () => {
  await gateway?.close();
  await backend?.close();
  if (dir) await removeTempDir(dir);
});

interface Exchange {
  readonly name: string;
  readonly method: string;
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

const JSON_POST = { 'content-type': 'application/json' };
const EXCHANGES: Exchange[] = [
  { name: 'a GraphQL query', method: 'POST', path: '/graphql', headers: JSON_POST, body: JSON.stringify({ query: '{ listNotes { id text } }' }) },
  {
    name: 'a GraphQL query by GET',
    method: 'GET',
    path: '/graphql?query=%7B%20noteById(id%3A%20%221%22)%20%7B%20text%20%7D%20%7D',
    headers: { 'x-graphql-yoga-csrf': '1' },
  },
  { name: 'a GraphQL validation error', method: 'POST', path: '/graphql', headers: JSON_POST, body: JSON.stringify({ query: '{ nope }' }) },
  {
    name: 'a GraphQL field error (upstream 404)',
    method: 'POST',
    path: '/graphql',
    headers: JSON_POST,
    body: JSON.stringify({ query: '{ noteById(id: "2") { id } }' }),
  },
  { name: 'malformed JSON', method: 'POST', path: '/graphql', headers: JSON_POST, body: '{"query":' },
  { name: 'a passthrough GET', method: 'GET', path: '/rest/Notes/notes' },
  { name: 'a passthrough GET the service answers 404', method: 'GET', path: '/rest/Notes/notes/2' },
  { name: 'an undeclared passthrough path', method: 'GET', path: '/rest/Notes/admin' },
  { name: 'an undeclared passthrough method', method: 'DELETE', path: '/rest/Notes/notes/1' },
  { name: 'the readiness probe', method: 'GET', path: '/readyz' },
];

async function answer(send: (input: string, init: RequestInit) => Promise<Response>, e: Exchange) {
  const r = await send(e.path, { method: e.method, headers: e.headers, body: e.body });
  return { status: r.status, body: await r.text(), headers: Object.fromEntries(COMPARED.map((h) => [h, r.headers.get(h)])) };
}

describe('in process and over a socket: one gateway, one answer', () => {
  it.each(EXCHANGES)('$name', async (e) => {
    const overSocket = await answer((p, init) => fetch(base + p, init), e);
    const inProcess = await answer(inProcessFetch(gateway), e);
    // RateLimit-Remaining counts down by one between the two requests: compare the rest.
    const remaining = [overSocket.headers['ratelimit-remaining'], inProcess.headers['ratelimit-remaining']];
    if (remaining[0] !== null) expect(Number(remaining[1])).toBe(Number(remaining[0]) - 1);
    else expect(remaining[1]).toBeNull();
    const comparable = (a: typeof inProcess) => ({ ...a, headers: { ...a.headers, 'ratelimit-remaining': undefined } });
    expect(comparable(inProcess)).toEqual(comparable(overSocket));
  });

  it('graphql() and rest() answer what fetch over the socket does', async () => {
    const query = 'query ($id: String!) { noteById(id: $id) { id text } }';
    const socket = await fetch(`${base}/graphql`, { method: 'POST', headers: JSON_POST, body: JSON.stringify({ query, variables: { id: '1' } }) });
    const viaHelper = await graphql(gateway, query, { variables: { id: '1' } });
    expect({ status: viaHelper.status, body: viaHelper.body, type: viaHelper.headers.get('content-type') }).toEqual({
      status: socket.status,
      body: await socket.json(),
      type: socket.headers.get('content-type'),
    });
    expect(viaHelper.body).toEqual({ data: { noteById: { id: '1', text: 'one' } } });

    const restSocket = await fetch(`${base}/rest/Notes/notes/1`);
    const restHelper = await rest(gateway, 'GET', '/rest/Notes/notes/1');
    expect({ status: restHelper.status, body: restHelper.body }).toEqual({ status: restSocket.status, body: await restSocket.text() });
    expect(restHelper.json()).toEqual({ id: '1', text: 'one' });
  });

  it('the upstream sees the same request from both paths, except the transport-given fields', async () => {
    const first = backend.calls.length;
    // The same request id on both, or each would get its own.
    await fetch(`${base}/rest/Notes/notes/1`, { headers: { 'x-custom': 'kept', 'x-request-id': 'same' } });
    await rest(gateway, 'GET', '/rest/Notes/notes/1', { headers: { 'x-custom': 'kept', 'x-request-id': 'same' } });
    const [socketCall, injectCall] = backend.calls.slice(first);
    // X-Forwarded-Host comes from the socket's local address, which an injected request has not.
    const strip = (h: Record<string, unknown>) => ({ ...h, 'x-forwarded-host': undefined, 'x-forwarded-for': undefined, connection: undefined });
    expect({ method: injectCall!.method, url: injectCall!.url, headers: strip(injectCall!.headers) }).toEqual({
      method: socketCall!.method,
      url: socketCall!.url,
      headers: strip(socketCall!.headers),
    });
    expect([socketCall!.headers['x-forwarded-for'], injectCall!.headers['x-forwarded-for']]).toEqual(['127.0.0.1', '127.0.0.1']);
  });
});
