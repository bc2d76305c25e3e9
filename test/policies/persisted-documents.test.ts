// Persisted documents, as a client sends them: automatic persisted queries (Apollo's
// protocol) with the memory store, and trusted documents from a manifest — every id
// form, the manifest formats, trusted documents only in production (refused before any
// upstream call), a reload that serves a changed manifest, and the checks at load.
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DocumentNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startLiveReload, type ReloadedEvent } from '../../src/reload/live-reload.ts';
import { codes, startGateway, type RunningGateway } from './fixtures/gateway.ts';
import { PRODUCTS, startWorld, type World } from './fixtures/world.ts';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const md5 = (text: string) => createHash('md5').update(text).digest('hex');
const LIST = '{ listProducts { id name } }';
const ONE = 'query One($id: String!) { productById(id: $id) { id name } }';
const CSRF = { 'x-graphql-yoga-csrf': '1' };

let world: World;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(async () => {
  await world?.close();
});
beforeEach(() => world.reset());

const persisted = (query: string, hash = sha256(query)) => ({ extensions: { persistedQuery: { version: 1, sha256Hash: hash } } });
const getByHash = (g: RunningGateway, hash: string) =>
  g.fetch(`/graphql?extensions=${encodeURIComponent(JSON.stringify({ persistedQuery: { version: 1, sha256Hash: hash } }))}`, {
    headers: { accept: 'application/json', ...CSRF },
  });

describe('automatic persisted queries (memory store)', () => {
  let g: RunningGateway;
  beforeAll(async () => {
    g = await startGateway(world, ['  policies:', '    apq: { maxEntries: 2 }'].join('\n'));
  });
  afterAll(() => g?.close());

  it('an unknown hash answers PersistedQueryNotFound (404, not cacheable) and calls nothing', async () => {
    const answer = await g.graphql(persisted('{ listProducts { id } }'));
    expect(answer.status).toBe(404);
    expect(answer.json.errors).toEqual([{ message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } }]);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(world.calls()).toBe(0);
  });

  it('a query sent with its hash runs and is stored: the hash alone then runs it, over POST and GET', async () => {
    const first = await g.graphql({ query: LIST, ...persisted(LIST) });
    expect(first.json).toEqual({ data: { listProducts: PRODUCTS.map(({ id, name }) => ({ id, name })) } });
    const second = await g.graphql(persisted(LIST));
    expect(second.json).toEqual(first.json);
    const get = await getByHash(g, sha256(LIST));
    expect(get.status).toBe(200);
    expect(await get.json()).toEqual(first.json);
    expect(world.catalog.calls.map((c) => c.url)).toEqual(['/products', '/products', '/products']);
  });

  it('hashes are compared in either case of hex', async () => {
    await g.graphql({ query: LIST, ...persisted(LIST) });
    expect((await g.graphql(persisted(LIST, sha256(LIST).toUpperCase()))).status).toBe(200);
  });

  const malformed = [
    { name: "a hash that is not the query's", body: { query: LIST, ...persisted(LIST, sha256('something else')) } },
    { name: 'a hash that is not hex', body: { query: LIST, extensions: { persistedQuery: { version: 1, sha256Hash: 'zz' } } } },
    { name: 'a version other than 1', body: { query: LIST, extensions: { persistedQuery: { version: 2, sha256Hash: sha256(LIST) } } } },
  ];
  it.each(malformed)('$name: 400 PERSISTED_QUERY_HASH_MISMATCH, nothing run', async ({ body }) => {
    const answer = await g.graphql(body);
    expect(answer.status).toBe(400);
    expect(codes(answer.json)).toEqual(['PERSISTED_QUERY_HASH_MISMATCH']);
    expect(world.calls()).toBe(0);
  });

  it('a query sent with a hash that is not its own is not stored under that hash', async () => {
    const other = sha256('something else');
    await g.graphql({ query: LIST, ...persisted(LIST, other) });
    expect(codes((await g.graphql(persisted('', other))).json)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
  });

  it('a query that does not validate is never stored', async () => {
    const bad = '{ listProducts { nope } }';
    expect(codes((await g.graphql({ query: bad, ...persisted(bad) })).json)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(codes((await g.graphql(persisted(bad))).json)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
  });

  it('keeps at most maxEntries documents, the least recently used going first', async () => {
    const queries = ['{ a: listProducts { id } }', '{ b: listProducts { id } }', '{ c: listProducts { id } }'];
    for (const query of queries) expect((await g.graphql({ query, ...persisted(query) })).status).toBe(200);
    const found = [];
    for (const query of queries) found.push(codes((await g.graphql(persisted(query))).json));
    expect(found).toEqual([['PERSISTED_QUERY_NOT_FOUND'], [], []]);
  });

  it('a documentId without a manifest is not found (and not an "unexpected parameter")', async () => {
    const answer = await g.graphql({ documentId: `sha256:${sha256(LIST)}` });
    expect(answer.status).toBe(404);
    expect(codes(answer.json)).toEqual(['PERSISTED_DOCUMENT_NOT_FOUND']);
    expect(answer.json.errors?.[0]?.message).toContain('no manifest');
  });
});

describe("automatic persisted queries: the memory store's byte bound", () => {
  let g: RunningGateway;
  beforeAll(async () => {
    // An entry is held as key and document, 2 bytes a character: ~210 bytes for the short queries below.
    g = await startGateway(world, ['  policies:', '    apq: { maxBytes: 500 }'].join('\n'));
  });
  afterAll(() => g?.close());

  it('keeps what fits in maxBytes, the least recently used going first, and never a document larger than it', async () => {
    const queries = ['{ a: listProducts { id } }', '{ b: listProducts { id } }', '{ c: listProducts { id } }'];
    const large = `{ ${Array.from({ length: 12 }, (_, i) => `f${i}: listProducts { id }`).join(' ')} }`;
    for (const query of [...queries, large]) expect((await g.graphql({ query, ...persisted(query) })).status).toBe(200);
    const found = [];
    for (const query of [...queries, large]) found.push(codes((await g.graphql(persisted(query))).json));
    expect(found).toEqual([['PERSISTED_QUERY_NOT_FOUND'], [], [], ['PERSISTED_QUERY_NOT_FOUND']]);
  });
});

describe('automatic persisted queries turned off', () => {
  let g: RunningGateway;
  beforeAll(async () => {
    g = await startGateway(world, ['  policies:', '    apq: { enabled: false }'].join('\n'));
  });
  afterAll(() => g?.close());

  it('a hash alone answers PersistedQueryNotSupported, on which Apollo Client sends the query', async () => {
    const answer = await g.graphql(persisted(LIST));
    expect(answer.status).toBe(400);
    expect(answer.json.errors).toEqual([{ message: 'PersistedQueryNotSupported', extensions: { code: 'PERSISTED_QUERY_NOT_SUPPORTED' } }]);
    expect((await g.graphql({ query: LIST, ...persisted(LIST) })).status).toBe(200);
    expect(codes((await g.graphql(persisted(LIST))).json)).toEqual(['PERSISTED_QUERY_NOT_SUPPORTED']);
  });
});

/** A manifest in GraphQL Codegen's / Relay's shape: SHA-256 keys, and one Relay-style MD5 key. */
function codegenManifest(documents: string[], md5Keyed: string[] = []): string {
  return JSON.stringify(Object.fromEntries([...documents.map((d) => [sha256(d), d]), ...md5Keyed.map((d) => [md5(d), d])]));
}

describe('trusted documents only (NODE_ENV=production, a manifest)', () => {
  let g: RunningGateway;
  const executed: DocumentNode[] = [];
  const manifestFile = () => join(world.dir, 'persisted-documents.json');

  beforeAll(async () => {
    await writeFile(manifestFile(), codegenManifest([LIST], [ONE]));
    const recorder: Plugin = { onExecute: ({ args }) => void executed.push(args.document) };
    const tributary = ['  policies:', '    persistedDocuments:', '      manifest: persisted-documents.json'].join('\n');
    g = await startGateway(world, tributary, { nodeEnv: 'production', configName: 'trusted.yaml', plugins: [recorder] });
  });
  afterAll(() => g?.close());

  const served = [
    { name: 'documentId as sha256:<hex>', body: { documentId: `sha256:${sha256(LIST)}` } },
    { name: 'documentId as the bare hex', body: { documentId: sha256(LIST) } },
    { name: 'the persisted-query extension', body: persisted(LIST) },
    { name: 'the query itself, found by its hash', body: { query: LIST } },
    { name: 'a Relay-style (MD5) id', body: { documentId: md5(ONE), variables: { id: '2' } }, data: { productById: { id: '2', name: 'Teapot' } } },
    {
      name: 'the MD5-keyed document by its SHA-256 too',
      body: { documentId: `sha256:${sha256(ONE)}`, variables: { id: '1' } },
      data: { productById: { id: '1', name: 'Kettle' } },
    },
  ];
  it.each(served)('runs a trusted document named by $name', async ({ body, data }) => {
    const answer = await g.graphql(body);
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ data: data ?? { listProducts: PRODUCTS.map(({ id, name }) => ({ id, name })) } });
  });

  it('runs a documentId over GET', async () => {
    const answer = await g.fetch(`/graphql?documentId=${encodeURIComponent(`sha256:${sha256(LIST)}`)}`, { headers: { accept: 'application/json', ...CSRF } });
    expect(answer.status).toBe(200);
    expect(((await answer.json()) as { data: unknown }).data).toEqual({ listProducts: PRODUCTS.map(({ id, name }) => ({ id, name })) });
  });

  it('executes the document parsed at load: the same object on every request', async () => {
    executed.length = 0;
    await g.graphql({ documentId: sha256(LIST) });
    await g.graphql({ query: LIST });
    await g.graphql(persisted(LIST));
    expect(executed).toHaveLength(3);
    expect(new Set(executed).size).toBe(1);
    expect(executed[0]).toBe(g.gateway.current().trustedDocuments?.bySha256(sha256(LIST))?.document);
  });

  const refused = [
    { name: 'a query not in the manifest', body: { query: '{ listProducts { id } }' }, status: 403, code: 'PERSISTED_DOCUMENT_NOT_ALLOWED' },
    {
      name: 'a query not in the manifest, with its hash',
      body: { query: '{ listProducts { id } }', ...persisted('{ listProducts { id } }') },
      status: 403,
      code: 'PERSISTED_DOCUMENT_NOT_ALLOWED',
    },
    { name: 'an unknown documentId', body: { documentId: `sha256:${sha256('{ x }')}` }, status: 404, code: 'PERSISTED_DOCUMENT_NOT_FOUND' },
    { name: 'an unknown hash (no automatic persisted queries)', body: persisted('{ x }'), status: 404, code: 'PERSISTED_DOCUMENT_NOT_FOUND' },
    { name: 'a documentId and a query', body: { documentId: sha256(LIST), query: LIST }, status: 400, code: 'BAD_REQUEST' },
  ];
  it.each(refused)('refuses $name with $status $code, before any upstream call', async ({ body, status, code }) => {
    const answer = await g.graphql(body);
    expect(answer.status).toBe(status);
    expect(codes(answer.json)).toEqual([code]);
    expect(world.calls()).toBe(0);
  });

  it('a reload serves the manifest as it is then', async () => {
    const added = '{ listProducts { price } }';
    await writeFile(manifestFile(), codegenManifest([added]));
    expect((await g.gateway.reload()).ok).toBe(true);
    expect((await g.graphql({ documentId: sha256(added) })).json).toEqual({ data: { listProducts: PRODUCTS.map(({ price }) => ({ price })) } });
    expect(codes((await g.graphql({ documentId: sha256(LIST) })).json)).toEqual(['PERSISTED_DOCUMENT_NOT_FOUND']);
    expect(codes((await g.graphql({ query: LIST })).json)).toEqual(['PERSISTED_DOCUMENT_NOT_ALLOWED']);
    // A manifest that no longer checks out keeps the one being served.
    await writeFile(manifestFile(), JSON.stringify({ [sha256('{ other }')]: added }));
    const failed = await g.gateway.reload();
    expect(failed.ok).toBe(false);
    expect((await g.graphql({ documentId: sha256(added) })).status).toBe(200);
    await writeFile(manifestFile(), codegenManifest([LIST], [ONE]));
    expect((await g.gateway.reload()).ok).toBe(true);
  });

  it('a reload that drops the manifest trusts nothing: arbitrary documents need a restart', async () => {
    await world.config('', 'trusted.yaml');
    expect((await g.gateway.reload()).ok).toBe(true);
    const answer = await g.graphql({ query: LIST });
    expect(answer.status).toBe(403);
    expect(codes(answer.json)).toEqual(['PERSISTED_DOCUMENT_NOT_ALLOWED']);
    expect(world.calls()).toBe(0);
  });
});

describe('live reload (start --watch, dev)', () => {
  it('watches a local manifest: writing a new one serves it, with no config change', async () => {
    const file = join(world.dir, 'watched.json');
    await writeFile(file, codegenManifest([LIST]));
    const tributary = ['  policies:', '    persistedDocuments:', '      manifest: watched.json', '      allowArbitrary: false'].join('\n');
    const g = await startGateway(world, tributary, { configName: 'watched.yaml' });
    const reload = await startLiveReload(g.gateway, { print: () => undefined, printError: () => undefined, debounceMs: 20 });
    try {
      const added = '{ listProducts { name price } }';
      expect(codes((await g.graphql({ documentId: sha256(added) })).json)).toEqual(['PERSISTED_DOCUMENT_NOT_FOUND']);
      const reloaded = once(reload, 'reloaded') as Promise<[ReloadedEvent]>;
      await writeFile(file, codegenManifest([LIST, added]));
      const [event] = await reloaded;
      expect(event.changed).toContain(file);
      expect((await g.graphql({ documentId: sha256(added) })).json).toEqual({ data: { listProducts: PRODUCTS.map(({ name, price }) => ({ name, price })) } });
    } finally {
      reload.close();
      await g.close();
    }
  });
});
