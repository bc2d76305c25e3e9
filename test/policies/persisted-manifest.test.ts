// The trusted-documents manifest at load: each format, from a file or a URL, and every
// way a manifest is refused — with a CONFIG_INVALID that names the manifest and the id.
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TributaryError } from '../../src/errors.ts';
import { loadTrustedDocuments } from '../../src/policies/persisted/manifest.ts';
import { startBackend, removeTempDir, writeTempDir, type Backend } from '../helpers/backend.ts';
import { startGateway } from './fixtures/gateway.ts';
import { startWorld, type World } from './fixtures/world.ts';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const md5 = (text: string) => createHash('md5').update(text).digest('hex');
const A = '{ listProducts { id } }';
const B = 'query B { listProducts { name } }';
const WHERE = 'tributary.policies.persistedDocuments';

let dir: string;
let backend: Backend;
const served: Record<string, { status: number; body: string }> = {};
beforeAll(async () => {
  dir = await writeTempDir({});
  backend = await startBackend(
    (_req, url) =>
      served[url.pathname] && { status: served[url.pathname]!.status, body: served[url.pathname]!.body, headers: { 'content-type': 'application/json' } },
  );
});
afterAll(async () => {
  await backend?.close();
  await removeTempDir(dir);
});

async function load(manifest: string | { url: string }) {
  if (typeof manifest === 'string') {
    await writeFile(join(dir, 'manifest.json'), manifest);
    return loadTrustedDocuments({ manifest: 'manifest.json', fetchTimeoutMs: 5_000 }, dir, WHERE);
  }
  return loadTrustedDocuments({ manifest: manifest.url, fetchTimeoutMs: 5_000 }, dir, WHERE);
}

describe('formats', () => {
  const formats = [
    { name: 'GraphQL Codegen (SHA-256 keys)', text: JSON.stringify({ [sha256(A)]: A, [sha256(B)]: B }), ids: [sha256(A), sha256(B)] },
    { name: 'SHA-256 keys written as sha256:<hex>', text: JSON.stringify({ [`sha256:${sha256(A)}`]: A }), ids: [`sha256:${sha256(A)}`] },
    { name: 'Relay (MD5 keys)', text: JSON.stringify({ [md5(A)]: A, [md5(B)]: B }), ids: [md5(A), md5(B)] },
    {
      name: 'Apollo persisted-query manifest',
      text: JSON.stringify({
        format: 'apollo-persisted-query-manifest',
        version: 1,
        operations: [
          { id: sha256(B), body: B, name: 'B', type: 'query' },
          { id: 'custom-a', body: A, name: null, type: 'query' },
        ],
      }),
      ids: [sha256(B), 'custom-a'],
    },
  ];
  it.each(formats)('$name: every document by its id and by its SHA-256', async ({ text, ids }) => {
    const docs = await load(text);
    expect(docs.size).toBe(ids.length);
    for (const id of ids) {
      const doc = docs.byId(id)!;
      expect(doc.id).toBe(id);
      expect(docs.bySha256(doc.sha256)).toBe(doc);
      expect(docs.byId(`sha256:${doc.sha256}`)).toBe(doc);
      expect(doc.sha256).toBe(sha256(doc.text));
      expect(doc.document.kind).toBe('Document');
    }
  });

  it('reads a manifest from a URL', async () => {
    served['/manifest.json'] = { status: 200, body: JSON.stringify({ [sha256(A)]: A }) };
    const docs = await load({ url: `${backend.url}/manifest.json` });
    expect(docs.bySha256(sha256(A))?.text).toBe(A);
  });
});

describe('refused at load, naming the manifest and the id', () => {
  const wrong = sha256('{ somethingElse }');
  const cases = [
    {
      name: "a SHA-256 key that is not its document's",
      text: JSON.stringify({ [wrong]: A }),
      says: [`"${wrong}" looks like a SHA-256 but is not the SHA-256 of its document (that is ${sha256(A)})`],
    },
    {
      name: "a sha256:<hex> key that is not its document's",
      text: JSON.stringify({ [`sha256:${wrong}`]: A }),
      says: [`"sha256:${wrong}" looks like a SHA-256`],
    },
    {
      name: "an Apollo id that is not its body's SHA-256",
      text: JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations: [{ id: wrong, body: A }] }),
      says: [`"${wrong}" looks like a SHA-256`],
    },
    {
      name: 'a document that is not GraphQL',
      text: JSON.stringify({ 'doc-1': '{ listProducts { id }' }),
      says: ['"doc-1" is not valid GraphQL: Syntax Error'],
    },
    { name: 'a document that is not a string', text: JSON.stringify({ 'doc-1': 3 }), says: ['"doc-1": expected the document as a string, found number'] },
    { name: 'a file that is not JSON', text: '{ nope', says: ['is not JSON'] },
    { name: 'a list', text: '[]', says: ['expected a JSON object', 'found a list'] },
    {
      name: 'an Apollo manifest of another version',
      text: JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 2, operations: [] }),
      says: ['version 2 is not supported'],
    },
    {
      name: 'an Apollo operation without an id',
      text: JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations: [{ body: A }] }),
      says: ['operations[0] has no string "id"'],
    },
  ];
  it.each(cases)('$name', async ({ text, says }) => {
    const error = await load(text).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TributaryError);
    expect((error as TributaryError).code).toBe('CONFIG_INVALID');
    const message = (error as TributaryError).message;
    expect(message).toContain(`${WHERE}.manifest: `);
    if (text !== '{ nope') expect(message).toContain(join(dir, 'manifest.json'));
    for (const part of says) expect(message).toContain(part);
  });

  it('a missing file', async () => {
    await expect(loadTrustedDocuments({ manifest: 'absent.json', fetchTimeoutMs: 1_000 }, dir, WHERE)).rejects.toThrow(
      `${WHERE}.manifest: cannot read ${join(dir, 'absent.json')} (ENOENT)`,
    );
  });

  it('a URL that answers an error status', async () => {
    served['/gone.json'] = { status: 500, body: '{}' };
    await expect(load({ url: `${backend.url}/gone.json` })).rejects.toThrow(`${WHERE}.manifest: fetching ${backend.url}/gone.json answered HTTP 500`);
  });
});

describe('in a gateway', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld();
  });
  afterAll(() => world?.close());
  const config = (extra: string[] = []) => ['  policies:', '    persistedDocuments:', '      manifest: manifest.json', ...extra].join('\n');

  it('a bad manifest stops the start with its error', async () => {
    const wrong = sha256('{ other }');
    await writeFile(join(world.dir, 'manifest.json'), JSON.stringify({ [wrong]: A }));
    await expect(startGateway(world, config())).rejects.toThrow(`"${wrong}" looks like a SHA-256`);
  });

  it('automatic persisted queries cannot be turned on where only trusted documents run', async () => {
    await writeFile(join(world.dir, 'manifest.json'), JSON.stringify({ [sha256(A)]: A }));
    await expect(startGateway(world, config(['    apq: { enabled: true }']), { nodeEnv: 'production' })).rejects.toThrow(
      'tributary.policies.apq.enabled: automatic persisted queries let clients add documents',
    );
  });

  it('warns at load of documents the schema cannot serve', async () => {
    await writeFile(join(world.dir, 'manifest.json'), JSON.stringify({ [sha256(A)]: A, 'old-1': '{ removedField }' }));
    const g = await startGateway(world, config());
    try {
      const warning = g.log.map((line) => JSON.parse(line) as { msg: string; documents?: unknown }).find((l) => l.msg.includes('do not validate'));
      expect(warning?.msg).toBe("1 of the manifest's 2 documents do not validate against the schema; requests for them will fail");
      expect(warning?.documents).toEqual([{ id: 'old-1', problem: 'Cannot query field "removedField" on type "Query".' }]);
    } finally {
      await g.close();
    }
  });
});
