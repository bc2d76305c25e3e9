// Enum values reach the service as the spec writes them (OAS 3.1 §4.8.12: a parameter's
// value is an instance of its schema), not as their GraphQL names. GraphQL names cannot
// hold `-`, `;` or a leading digit, so the loader renames `4326` to `_4326` and `;` to
// `_SEMICOLON_`; a default the client leaves out must still be sent as `4326` and `;`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../../src/gateway.ts';
import { silentLogger } from '../../src/observability/log.ts';
import { removeTempDir, startBackend, writeTempDir, type Backend } from '../helpers/backend.ts';
import { graphql } from '../helpers/gateway.ts';

const SPEC = `
openapi: 3.0.3
info: { title: Maps, version: '1' }
paths:
  /tiles:
    get:
      operationId: tiles
      parameters:
        - { name: outputSRS, in: query, schema: { type: string, enum: ['4326', '3857'], default: '4326' } }
        - { name: delimiter, in: query, schema: { type: string, enum: [';', ','], default: ';' } }
        - { name: accept-language, in: header, schema: { type: string, enum: [en-us, fr-fr], default: en-us } }
        - { name: level, in: query, schema: { type: integer, enum: [1, 2], default: 2 } }
      responses:
        '200': { description: ok, content: { application/json: { schema: { type: object, properties: { ok: { type: boolean } } } } } }
`;

let backend: Backend;
let dir: string;
let gateway: Gateway;

beforeAll(async () => {
  backend = await startBackend(() => ({ status: 200, body: { ok: true } }));
  dir = await writeTempDir({
    'maps.yaml': SPEC,
    '.meshrc.yaml': `sources:\n  - name: Maps\n    handler:\n      openapi:\n        source: ./maps.yaml\n        endpoint: ${backend.url}\n`,
  });
  gateway = await createGateway({ configFile: `${dir}/.meshrc.yaml`, logger: silentLogger });
});

afterAll(async () => {
  await gateway?.close({ graceMs: 0 });
  await backend?.close();
  await removeTempDir(dir);
});

describe('enum arguments', () => {
  const cases = [
    {
      name: 'left out: the defaults, as the spec writes them',
      query: '{ tiles { ok } }',
      url: '/tiles?outputSRS=4326&delimiter=%3B&level=2',
      language: 'en-us',
    },
    {
      name: 'given: the chosen values, as the spec writes them',
      query: '{ tiles(outputSRS: _3857, delimiter: _COMMA_, accept_language: fr_fr, level: _1) { ok } }',
      url: '/tiles?outputSRS=3857&delimiter=%2C&level=1',
      language: 'fr-fr',
    },
  ];
  it.each(cases)('$name', async ({ query, url, language }) => {
    const before = backend.calls.length;
    const answer = await graphql(gateway, query);
    expect(answer.body.errors).toBeUndefined();
    const [call] = backend.calls.slice(before);
    expect(call!.url).toBe(url);
    expect(call!.headers['accept-language']).toBe(language);
  });
});

it('introspection still shows each default by its GraphQL name', async () => {
  const answer = await graphql(gateway, '{ __type(name: "Query") { fields { name args { name defaultValue } } } }');
  const args = (answer.body.data as { __type: { fields: Array<{ name: string; args: Array<{ name: string; defaultValue: string }> }> } }).__type.fields.find(
    (f) => f.name === 'tiles',
  )!.args;
  expect(Object.fromEntries(args.map((a) => [a.name, a.defaultValue]))).toEqual({
    outputSRS: '_4326',
    delimiter: '_SEMICOLON_',
    accept_language: 'en_us',
    level: '_2',
  });
});
