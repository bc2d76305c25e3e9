// A list whose elements have a schema each: `items` as a list of schemas, the tuple form
// of JSON Schema draft 4 (§5.3.1; 2020-12's `prefixItems`), which Swagger 2.0 and OAS 3.0
// do not allow (OAS 3.0 §4.7.24.1) but real specs use (rebilly's `_links`). Mesh typed
// the whole list as the first entry, so every other element failed it; the list is now
// any of the entries, and each element is the member whose one-value enum (a `const`,
// JSON Schema Validation §6.1.3) it holds. A `type` listing several types (nytimes'
// `geo_facet: [array, string]`) is the JSON scalar.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../../src/gateway.ts';
import { silentLogger } from '../../src/observability/log.ts';
import { removeTempDir, startBackend, writeTempDir, type Backend } from '../helpers/backend.ts';
import { graphql } from '../helpers/gateway.ts';

const SPEC = `
swagger: '2.0'
info: { title: Files, version: '1' }
paths:
  /attachments/{id}:
    get:
      operationId: attachment
      produces: [application/json]
      parameters: [{ name: id, in: path, required: true, type: string }]
      responses:
        '200': { description: ok, schema: { $ref: '#/definitions/Attachment' } }
definitions:
  Attachment:
    type: object
    properties:
      name: { type: string }
      facets: { type: [array, string], items: { type: string } }
      _links:
        type: array
        items: [{ $ref: '#/definitions/SelfLink' }, { $ref: '#/definitions/FileLink' }]
  NewLink:
    type: object
    required: [href]
    properties: { href: { type: string } }
  SelfLink:
    allOf: [{ $ref: '#/definitions/NewLink' }]
    type: object
    required: [rel]
    properties: { rel: { type: string, enum: [self] } }
  FileLink:
    allOf: [{ $ref: '#/definitions/NewLink' }]
    type: object
    required: [rel]
    properties: { rel: { type: string, enum: [file] } }
`;

let backend: Backend;
let dir: string;
let gateway: Gateway;

beforeAll(async () => {
  backend = await startBackend(() => ({
    status: 200,
    body: {
      name: 'invoice.pdf',
      facets: '',
      _links: [
        { rel: 'file', href: '/files/9' },
        { rel: 'self', href: '/attachments/1' },
      ],
    },
  }));
  dir = await writeTempDir({
    'files.yaml': SPEC,
    '.meshrc.yaml': `sources:\n  - name: Files\n    handler:\n      openapi:\n        source: ./files.yaml\n        endpoint: ${backend.url}\n`,
  });
  gateway = await createGateway({ configFile: `${dir}/.meshrc.yaml`, logger: silentLogger });
});

afterAll(async () => {
  await gateway?.close({ graceMs: 0 });
  await backend?.close();
  await removeTempDir(dir);
});

describe('a type list of several types (JSON Schema `type: [array, string]`)', () => {
  it('is the JSON scalar, which carries the string the service sends', async () => {
    const answer = await graphql(gateway, '{ attachment(id: "1") { facets } }');
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data).toEqual({ attachment: { facets: '' } });
  });
});

describe('a tuple-form items list', () => {
  it('types each element as the entry whose constant it holds', async () => {
    const answer = await graphql(
      gateway,
      '{ attachment(id: "1") { name _links { __typename ... on SelfLink { rel href } ... on FileLink { fileRel: rel fileHref: href } } } }',
    );
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data).toEqual({
      attachment: {
        name: 'invoice.pdf',
        _links: [
          { __typename: 'FileLink', fileRel: 'file', fileHref: '/files/9' },
          { __typename: 'SelfLink', rel: 'self', href: '/attachments/1' },
        ],
      },
    });
  });

  it('is a list of a union of the entries', async () => {
    const answer = await graphql(gateway, '{ __type(name: "Attachment") { fields { name type { kind ofType { kind possibleTypes { name } } } } } }');
    const fields = (
      answer.body.data as { __type: { fields: Array<{ name: string; type: { kind: string; ofType: { kind: string; possibleTypes: { name: string }[] } } }> } }
    ).__type.fields;
    const links = fields.find((f) => f.name === '_links')!;
    expect(links.type.kind).toBe('LIST');
    expect(links.type.ofType.kind).toBe('UNION');
    expect(links.type.ofType.possibleTypes.map((t) => t.name).sort()).toEqual(['FileLink', 'SelfLink']);
  });
});
