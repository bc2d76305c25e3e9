// Uploads reach the service as bytes (issue 11): a GraphQL multipart request (the
// GraphQL multipart request spec, which Yoga reads) carries files into `File` arguments,
// and the service receives a multipart/form-data body with each file as a part with
// its filename and content type, or — for `application/octet-stream` and other binary
// media types — the file's bytes as the body. Never the JSON text of the File object.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../../src/gateway.ts';
import { silentLogger } from '../../src/observability/log.ts';
import { removeTempDir, startBackend, type Backend, type BackendCall } from '../helpers/backend.ts';
import { inProcessFetch, type GraphqlBody } from '../helpers/gateway.ts';
import { jsonResponse, objectOf, openapiDoc, writeSources, BOOLEAN, STRING, INTEGER, arrayOf } from '../helpers/openapi.ts';

const BINARY = { type: 'string', format: 'binary' };
const OK = jsonResponse(objectOf({ ok: BOOLEAN }));

const SPEC = openapiDoc({
  title: 'Uploads',
  paths: {
    '/upload': {
      post: {
        operationId: 'upload',
        requestBody: {
          content: {
            'multipart/form-data': {
              schema: objectOf({ file: BINARY, attachments: arrayOf(BINARY), note: STRING, tags: arrayOf(STRING), meta: objectOf({ a: INTEGER }) }),
            },
          },
        },
        responses: OK,
      },
    },
    '/raw': { put: { operationId: 'raw', requestBody: { content: { 'application/octet-stream': { schema: BINARY } } }, responses: OK } },
    '/avatar': { put: { operationId: 'avatar', requestBody: { content: { 'image/png': { schema: BINARY } } }, responses: OK } },
    '/anything': { put: { operationId: 'anything', requestBody: { content: { 'image/*': { schema: BINARY } } }, responses: OK } },
  },
});

/** Bytes that are not UTF-8 (a lone 0xFF, a NUL, an unpaired continuation byte): any text round trip mangles them. */
const BYTES = new Uint8Array([0xff, 0x00, 0xfe, 0x80, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

let backend: Backend;
let dir: string;
let gateway: Gateway;

beforeAll(async () => {
  backend = await startBackend(() => ({ status: 200, body: { ok: true } }));
  dir = await writeSources({ specs: { 'uploads.yaml': SPEC }, sources: [{ name: 'Uploads', spec: 'uploads.yaml', endpoint: backend.url }] });
  gateway = await createGateway({ configFile: `${dir}/.meshrc.yaml`, logger: silentLogger });
});

afterAll(async () => {
  await gateway?.close({ graceMs: 0 });
  await backend?.close();
  await removeTempDir(dir);
});

/** A GraphQL multipart request: `operations`, `map`, then one part per file. */
async function multipartRequest(query: string, files: Record<string, File>): Promise<GraphqlBody> {
  const variables = Object.fromEntries(Object.keys(files).map((name) => [name, null]));
  const form = new FormData();
  form.append('operations', JSON.stringify({ query, variables }));
  form.append('map', JSON.stringify(Object.fromEntries(Object.keys(files).map((name, i) => [String(i), [`variables.${name}`]]))));
  Object.values(files).forEach((file, i) => form.append(String(i), file));
  const answer = await inProcessFetch(gateway)('/graphql', { method: 'POST', body: form, headers: { 'x-graphql-yoga-csrf': '1' } });
  return (await answer.json()) as GraphqlBody;
}

function lastCall(path: string): BackendCall {
  const call = backend.calls.findLast((c) => c.url === path);
  if (!call) throw new Error(`no call to ${path}`);
  return call;
}

/** Parses what the service received with undici's multipart parser. */
async function receivedForm(call: BackendCall): Promise<FormData> {
  return new Request('http://backend/', {
    method: 'POST',
    headers: { 'content-type': String(call.headers['content-type']) },
    body: new Uint8Array(call.raw),
  }).formData();
}

it('multipart/form-data: each file is a part with its bytes, filename and type; other fields are form fields', async () => {
  const answer = await multipartRequest(
    'mutation ($f: File, $a: File, $b: File) { upload(input: { file: $f, attachments: [$a, $b], note: "héllo", tags: ["x", "y"], meta: { a: 1 } }) { ok } }',
    {
      f: new File([BYTES], 'photo.png', { type: 'image/png' }),
      a: new File([BYTES.slice(0, 3)], 'a.bin', { type: 'application/x-a' }),
      b: new File([BYTES.slice(3)], 'b.txt', { type: 'text/plain' }),
    },
  );
  expect(answer).toEqual({ data: { upload: { ok: true } } });
  const form = await receivedForm(lastCall('/upload'));
  const file = form.get('file') as File;
  expect([file.name, file.type, new Uint8Array(await file.arrayBuffer())]).toEqual(['photo.png', 'image/png', BYTES]);
  const attachments = form.getAll('attachments') as File[];
  expect(await Promise.all(attachments.map(async (f) => [f.name, f.type, new Uint8Array(await f.arrayBuffer())]))).toEqual([
    ['a.bin', 'application/x-a', BYTES.slice(0, 3)],
    ['b.txt', 'text/plain', BYTES.slice(3)],
  ]);
  expect(form.get('note')).toBe('héllo');
  expect(form.getAll('tags')).toEqual(['x', 'y']);
  expect(JSON.parse(String(form.get('meta')))).toEqual({ a: 1 });
});

it.each([
  ['application/octet-stream', 'raw', '/raw', 'application/x-anything', 'application/octet-stream'],
  ['image/png', 'avatar', '/avatar', 'image/x-other', 'image/png'],
  ['image/* (the file says which)', 'anything', '/anything', 'image/gif', 'image/gif'],
])("%s: the file's exact bytes are the body", async (_media, field, path, fileType, sentType) => {
  const answer = await multipartRequest(`mutation ($f: File) { ${field}(input: $f) { ok } }`, { f: new File([BYTES], 'x.bin', { type: fileType }) });
  expect(answer).toEqual({ data: { [field]: { ok: true } } });
  const call = lastCall(path);
  expect(new Uint8Array(call.raw)).toEqual(BYTES);
  expect(call.headers['content-type']).toBe(sentType);
});
