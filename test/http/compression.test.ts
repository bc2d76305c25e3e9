// Compressed answers on a real socket, read as raw bytes (fetch() would decode them and
// hide the question): the encoding the client's Accept-Encoding prefers, above the
// threshold only, never for streams or the passthrough, and the same bytes once decoded.
import { request } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../../src/gateway.ts';
import { silentLogger } from '../../src/observability/log.ts';
import { removeTempDir, startBackend, type Backend } from '../helpers/backend.ts';
import { arrayOf, getOp, objectOf, openapiDoc, ref, STRING, writeSources } from '../helpers/openapi.ts';

const BLOG = openapiDoc({
  title: 'Blog',
  paths: { '/posts': getOp('posts', { response: arrayOf(ref('Post')) }), '/about': getOp('about', { response: objectOf({ name: STRING }) }) },
  schemas: { Post: objectOf({ id: STRING, title: STRING }) },
});
const POSTS = Array.from({ length: 300 }, (_, i) => ({ id: `p${i}`, title: `Post number ${i} about compression` }));

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** One request, the answer's bytes exactly as they came off the socket. */
function raw(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

function decoded(answer: Raw): string {
  const encoding = answer.headers['content-encoding'];
  if (encoding === 'br') return brotliDecompressSync(answer.body).toString('utf8');
  if (encoding === 'gzip') return gunzipSync(answer.body).toString('utf8');
  expect(encoding).toBeUndefined();
  return answer.body.toString('utf8');
}

let backend: Backend;
const dirs: string[] = [];
const gateways: Gateway[] = [];

async function serve(server = ''): Promise<string> {
  const dir = await writeSources({
    specs: { 'blog.yaml': BLOG },
    sources: [{ name: 'Blog', spec: 'blog.yaml', endpoint: backend.url }],
    tributary: server ? `  server:\n    compression: ${server}\n` : undefined,
  });
  dirs.push(dir);
  const gateway = await createGateway({ configFile: `${dir}/.meshrc.yaml`, logger: silentLogger });
  gateways.push(gateway);
  // The origin: listen() answers with the GraphQL endpoint's URL.
  return new URL((await gateway.listen({ port: 0, host: '127.0.0.1' })).url).origin;
}

const graphqlPost = (query: string, headers: Record<string, string> = {}) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
  body: JSON.stringify({ query }),
});

let url: string;
beforeAll(async () => {
  backend = await startBackend((_req, u) => (u.pathname === '/posts' ? { status: 200, body: POSTS } : { status: 200, body: { name: 'blog' } }));
  url = await serve();
});

afterAll(async () => {
  await Promise.all(gateways.map((g) => g.close({ graceMs: 0 })));
  await backend?.close();
  await Promise.all(dirs.map(removeTempDir));
});

describe('by default', () => {
  const page = { headers: { accept: 'text/html' } };
  it.each([
    { acceptEncoding: 'gzip, deflate, br', encoding: 'br' },
    { acceptEncoding: 'gzip', encoding: 'gzip' },
    { acceptEncoding: 'br;q=0.1, gzip;q=0.9', encoding: 'gzip' },
    { acceptEncoding: 'identity', encoding: undefined },
  ])('the GraphiQL page, Accept-Encoding "$acceptEncoding": $encoding', async ({ acceptEncoding, encoding }) => {
    const plain = await raw(`${url}/graphql`, page);
    expect(plain.status).toBe(200);
    expect(plain.headers['content-type']).toMatch(/^text\/html/);
    const answer = await raw(`${url}/graphql`, { headers: { ...page.headers, 'accept-encoding': acceptEncoding } });
    expect(answer.headers['content-encoding']).toBe(encoding);
    expect(answer.headers.vary).toMatch(/accept-encoding/i);
    expect(decoded(answer)).toBe(plain.body.toString('utf8'));
    if (encoding) expect(answer.body.length).toBeLessThan(plain.body.length / 3);
  });

  it('a large answer is compressed and decodes to the same JSON', async () => {
    const query = '{ posts { id title } }';
    const plain = await raw(`${url}/graphql`, graphqlPost(query));
    const answer = await raw(`${url}/graphql`, graphqlPost(query, { 'accept-encoding': 'br, gzip' }));
    expect(answer.headers['content-encoding']).toBe('br');
    expect(JSON.parse(decoded(answer))).toEqual(JSON.parse(plain.body.toString('utf8')));
    expect((JSON.parse(decoded(answer)) as { data: { posts: unknown[] } }).data.posts).toHaveLength(300);
  });

  it('an answer under the threshold (1 KiB) is sent as it is', async () => {
    const answer = await raw(`${url}/graphql`, graphqlPost('{ about { name } }', { 'accept-encoding': 'br, gzip' }));
    expect(answer.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(answer.body.toString('utf8'))).toEqual({ data: { about: { name: 'blog' } } });
  });

  it('a streamed answer (GraphQL over SSE) is not compressed: each event must arrive when it is ready', async () => {
    const answer = await raw(`${url}/graphql?query=${encodeURIComponent('{ posts { id title } }')}`, {
      headers: { accept: 'text/event-stream', 'accept-encoding': 'br, gzip', 'x-graphql-yoga-csrf': '1' },
    });
    expect(answer.headers['content-type']).toMatch(/^text\/event-stream/);
    // Yoga says `none` on event streams, so that proxies leave them alone too.
    expect([undefined, 'none']).toContain(answer.headers['content-encoding']);
    expect(answer.body.toString('utf8')).toContain('"p299"');
  });

  it("the REST passthrough forwards the service's bytes as they are", async () => {
    const answer = await raw(`${url}/rest/Blog/posts`, { headers: { 'accept-encoding': 'br, gzip' } });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(answer.body.toString('utf8'))).toEqual(POSTS);
  });
});

describe('tributary.server.compression', () => {
  it('thresholdBytes: 0 compresses even a small answer', async () => {
    const small = await serve('{ thresholdBytes: 0 }');
    const answer = await raw(`${small}/graphql`, graphqlPost('{ about { name } }', { 'accept-encoding': 'gzip' }));
    expect(answer.headers['content-encoding']).toBe('gzip');
    expect(JSON.parse(decoded(answer))).toEqual({ data: { about: { name: 'blog' } } });
  });

  it('enabled: false sends every answer as it is', async () => {
    const off = await serve('{ enabled: false }');
    const answer = await raw(`${off}/graphql`, graphqlPost('{ posts { id title } }', { 'accept-encoding': 'br, gzip' }));
    expect(answer.headers['content-encoding']).toBeUndefined();
    expect((JSON.parse(answer.body.toString('utf8')) as { data: { posts: unknown[] } }).data.posts).toHaveLength(300);
  });

  it('an unknown key is a config error with its path', async () => {
    await expect(serve('{ level: 9 }')).rejects.toThrow(/tributary\.server\.compression/);
  });
});
