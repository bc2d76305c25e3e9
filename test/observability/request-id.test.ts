// The request id and the access log, as an operator relies on them: one id per request,
// taken from the client when plausible, echoed on the answer, sent on every upstream call
// (fields, link batches and the passthrough alike) and on the one JSON access line the
// request writes. Real backend over loopback; the gateway in process.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../../src/gateway.ts';
import { createLogger } from '../../src/observability/log.ts';
import { removeTempDir, startBackend, type Backend } from '../helpers/backend.ts';
import { graphql, rest } from '../helpers/gateway.ts';
import { arrayOf, getOp, objectOf, openapiDoc, pathParam, queryParam, ref, STRING, writeSources } from '../helpers/openapi.ts';

const POSTS = [
  { id: 'p1', title: 'One', userId: 'u1' },
  { id: 'p2', title: 'Two', userId: 'u2' },
];
const USERS = [
  { id: 'u1', name: 'Ann' },
  { id: 'u2', name: 'Bo' },
];

const SPEC = openapiDoc({
  title: 'Blog',
  paths: {
    '/posts': getOp('posts', { response: arrayOf(ref('Post')) }),
    '/users': getOp('usersByIds', { params: [queryParam('ids', arrayOf(STRING), { style: 'form', explode: false })], response: arrayOf(ref('User')) }),
    '/users/{id}': getOp('user', { params: [pathParam('id')], response: ref('User') }),
  },
  schemas: { Post: objectOf({ id: STRING, title: STRING, userId: STRING }), User: objectOf({ id: STRING, name: STRING }) },
});

const LINKS = `  links:
    - { field: Post.author, target: Query.usersByIds, key: userId, keysArg: ids }
`;

let backend: Backend;
let dir: string;
let quietDir: string;
let gateway: Gateway;
let quiet: Gateway;
const lines: Array<Record<string, unknown>> = [];

function capture(): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
}

const accessLines = () => lines.filter((l) => l.component === 'access');

beforeAll(async () => {
  backend = await startBackend((_req, url) => {
    if (url.pathname === '/posts') return { status: 200, body: POSTS };
    if (url.pathname === '/users') {
      const ids = (url.searchParams.get('ids') ?? '').split(',');
      return { status: 200, body: USERS.filter((u) => ids.includes(u.id)) };
    }
    const one = /^\/users\/(.+)$/.exec(url.pathname);
    if (one) return { status: 200, body: USERS.find((u) => u.id === one[1]) ?? USERS[0] };
    return undefined;
  });
  const sources = [{ name: 'Blog', spec: 'blog.yaml', endpoint: backend.url }];
  dir = await writeSources({ specs: { 'blog.yaml': SPEC }, sources, tributary: LINKS });
  gateway = await createGateway({ configFile: `${dir}/.meshrc.yaml`, logger: createLogger({ level: 'info', destination: capture() }) });
  quietDir = await writeSources({ specs: { 'blog.yaml': SPEC }, sources, tributary: `${LINKS}  observability: { accessLog: false }\n` });
  quiet = await createGateway({ configFile: `${quietDir}/.meshrc.yaml`, logger: createLogger({ level: 'info', destination: capture() }) });
});

afterAll(async () => {
  await gateway?.close({ graceMs: 0 });
  await quiet?.close({ graceMs: 0 });
  await backend?.close();
  await removeTempDir(dir);
  await removeTempDir(quietDir);
});

describe('request id', () => {
  const cases = [
    { name: 'the client sends one', sent: 'client-id-42', expectSame: true },
    { name: 'the client sends none', sent: undefined, expectSame: false },
    { name: 'the client sends one too long to be plausible', sent: 'x'.repeat(201), expectSame: false },
  ];
  it.each(cases)('GraphQL, $name: echoed, on every upstream call (field and link batch), on the access line', async ({ sent, expectSame }) => {
    const before = backend.calls.length;
    lines.length = 0;
    const answer = await graphql(gateway, 'query Feed { posts { id author { name } } }', { headers: sent ? { 'x-request-id': sent } : {} });
    expect(answer.body.errors).toBeUndefined();
    const id = answer.headers.get('x-request-id');
    expect(id).toBeTruthy();
    if (expectSame) expect(id).toBe(sent);
    else expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const calls = backend.calls.slice(before);
    expect(calls.map((c) => c.url.split('?')[0])).toEqual(['/posts', '/users']);
    for (const call of calls) expect(call.headers['x-request-id']).toBe(id);
    expect(accessLines()).toEqual([
      expect.objectContaining({
        requestId: id,
        kind: 'graphql',
        method: 'POST',
        path: '/graphql',
        status: 200,
        operationName: 'Feed',
        operationType: 'query',
        upstreamCalls: 2,
        msg: 'request',
      }),
    ]);
  });

  it('passthrough: echoed, sent upstream, one access line with the source and no query string', async () => {
    const before = backend.calls.length;
    lines.length = 0;
    const answer = await rest(gateway, 'GET', '/rest/Blog/users/u1?secret=1', { headers: { 'x-request-id': 'pt-1' } });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('x-request-id')).toBe('pt-1');
    expect(backend.calls.slice(before).map((c) => c.headers['x-request-id'])).toEqual(['pt-1']);
    expect(accessLines()).toEqual([
      expect.objectContaining({
        requestId: 'pt-1',
        kind: 'passthrough',
        method: 'GET',
        path: '/rest/Blog/users/u1',
        status: 200,
        source: 'Blog',
        upstreamCalls: 1,
      }),
    ]);
  });

  it('a refusal is logged with its code, echoes the id, and makes no upstream call', async () => {
    const before = backend.calls.length;
    lines.length = 0;
    const answer = await rest(gateway, 'GET', '/rest/Nope/x', { headers: { 'x-request-id': 'refused-1' } });
    expect(answer.status).toBe(404);
    expect(answer.headers.get('x-request-id')).toBe('refused-1');
    expect(backend.calls.length).toBe(before);
    expect(accessLines()).toEqual([
      expect.objectContaining({ requestId: 'refused-1', status: 404, errorCodes: ['PASSTHROUGH_UNKNOWN_SOURCE'], upstreamCalls: 0 }),
    ]);
  });

  it('a GraphQL error answer lists its codes', async () => {
    lines.length = 0;
    const answer = await graphql(gateway, '{ nope }', { headers: { accept: 'application/graphql-response+json' } });
    expect(answer.status).toBe(400);
    expect(accessLines()).toEqual([expect.objectContaining({ kind: 'graphql', status: 400, errorCodes: ['GRAPHQL_VALIDATION_FAILED'], upstreamCalls: 0 })]);
  });

  it('health probes are echoed but not logged', async () => {
    lines.length = 0;
    const answer = await rest(gateway, 'GET', '/healthz', { headers: { 'x-request-id': 'probe' } });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('x-request-id')).toBe('probe');
    expect(accessLines()).toEqual([]);
  });

  it('observability.accessLog: false writes no access line, and the id is still echoed and sent', async () => {
    const before = backend.calls.length;
    lines.length = 0;
    const answer = await graphql(quiet, '{ posts { id } }', { headers: { 'x-request-id': 'quiet-1' } });
    expect(answer.headers.get('x-request-id')).toBe('quiet-1');
    expect(backend.calls.slice(before).map((c) => c.headers['x-request-id'])).toEqual(['quiet-1']);
    expect(accessLines()).toEqual([]);
  });
});
