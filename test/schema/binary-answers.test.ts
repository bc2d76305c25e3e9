// Binary answers (issue 11) come out as base64 text in a `Base64` field, never `{}` and
// never bytes mangled by a UTF-8 decoding: decided at build time from the operation's
// response media type and schema, one row per shape of document.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { getNamedType, type GraphQLSchema } from 'graphql';
import { createGateway, type Gateway } from '../../src/gateway.ts';
import { silentLogger } from '../../src/observability/log.ts';
import { removeTempDir, startBackend, type Backend } from '../helpers/backend.ts';
import { graphql } from '../helpers/gateway.ts';
import { objectOf, openapiDoc, writeSources, STRING, type PathItem } from '../helpers/openapi.ts';

/** A PNG signature and IHDR start, then bytes that are not UTF-8: a text round trip changes them. */
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0xff, 0xfe, 0x80, 0x00, 0xc3]);
const SVG = '<svg xmlns="http://www.w3.org/2000/svg"/>';

function getAnswering(operationId: string, content: Record<string, object>): PathItem {
  return { get: { operationId, responses: { '200': { description: 'ok', content } } } };
}

const BINARY = { type: 'string', format: 'binary' };
const ROWS: ReadonlyArray<{
  field: string;
  content: Record<string, object>;
  answer: { type: string; body: Buffer | string };
  expected: { type: string; data: unknown };
}> = [
  {
    field: 'pngBinary',
    content: { 'image/png': { schema: BINARY } },
    answer: { type: 'image/png', body: PNG },
    expected: { type: 'Base64', data: PNG.toString('base64') },
  },
  {
    field: 'octetString',
    content: { 'application/octet-stream': { schema: STRING } },
    answer: { type: 'application/octet-stream', body: PNG },
    expected: { type: 'Base64', data: PNG.toString('base64') },
  },
  { field: 'pngNoSchema', content: { 'image/png': {} }, answer: { type: 'image/png', body: PNG }, expected: { type: 'Base64', data: PNG.toString('base64') } },
  {
    field: 'pdfBinary',
    content: { 'application/pdf': { schema: BINARY } },
    answer: { type: 'application/pdf', body: PNG },
    expected: { type: 'Base64', data: PNG.toString('base64') },
  },
  {
    field: 'anyBinary',
    content: { '*/*': { schema: BINARY } },
    answer: { type: 'application/x-whatever', body: PNG },
    expected: { type: 'Base64', data: PNG.toString('base64') },
  },
  // Text stays text: SVG is XML, and a JSON answer is not touched.
  { field: 'svg', content: { 'image/svg+xml': { schema: STRING } }, answer: { type: 'image/svg+xml', body: SVG }, expected: { type: 'String', data: SVG } },
];

const SPEC = openapiDoc({
  title: 'Images',
  paths: {
    ...Object.fromEntries(ROWS.map((row) => [`/${row.field}`, getAnswering(row.field, row.content)])),
    '/json': getAnswering('json', { 'application/json': { schema: objectOf({ name: STRING }) } }),
  },
});

let backend: Backend;
let dir: string;
let gateway: Gateway;
let schema: GraphQLSchema;

beforeAll(async () => {
  backend = await startBackend((_req, url) => {
    if (url.pathname === '/json') return { status: 200, body: { name: 'n' } };
    const row = ROWS.find((r) => `/${r.field}` === url.pathname);
    return row && { status: 200, headers: { 'content-type': row.answer.type }, body: row.answer.body };
  });
  dir = await writeSources({ specs: { 'images.yaml': SPEC }, sources: [{ name: 'Images', spec: 'images.yaml', endpoint: backend.url }] });
  gateway = await createGateway({ configFile: `${dir}/.meshrc.yaml`, logger: silentLogger });
  schema = gateway.current().built.schema;
});

afterAll(async () => {
  await gateway?.close({ graceMs: 0 });
  await backend?.close();
  await removeTempDir(dir);
});

it.each(ROWS)('$field: typed $expected.type, the answer round-trips exactly', async ({ field, expected }) => {
  expect(getNamedType(schema.getQueryType()!.getFields()[field]!.type).name).toBe(expected.type);
  const answer = await graphql(gateway, `{ ${field} }`);
  expect(answer.body).toEqual({ data: { [field]: expected.data } });
  if (expected.type === 'Base64') expect(Buffer.from(answer.body.data![field] as string, 'base64')).toEqual(PNG);
});

it('a JSON answer is unchanged, and Base64 says what it holds', async () => {
  expect((await graphql(gateway, '{ json { name } }')).body).toEqual({ data: { json: { name: 'n' } } });
  const base64 = schema.getType('Base64');
  expect(base64?.description).toContain('RFC 4648');
  const sdl = await graphql(gateway, '{ __type(name: "Base64") { kind specifiedByURL } }');
  expect(sdl.body.data).toEqual({ __type: { kind: 'SCALAR', specifiedByURL: 'https://www.rfc-editor.org/rfc/rfc4648#section-4' } });
});
