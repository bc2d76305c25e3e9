// The OpenAPI builders write what a hand-written fixture said: suites that moved from
// inline YAML rely on the text parsing back to exactly the document, in key order
// (property order is field order in the GraphQL schema), and on meshrc() writing the
// source entries the old line-joined configs wrote.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { removeTempDir } from './backend.ts';
import {
  arrayOf,
  getOp,
  headerParam,
  INTEGER,
  meshrc,
  objectOf,
  openapiDoc,
  pathParam,
  postOp,
  queryParam,
  ref,
  specYaml,
  STRING,
  writeSources,
} from './openapi.ts';

const HAND_WRITTEN = `openapi: 3.0.3
info: { title: Shop, version: '1' }
paths:
  /items:
    get:
      operationId: listItems
      parameters:
        - { name: tags, in: query, style: form, explode: false, schema: { type: array, items: { type: string } } }
        - { name: X-Note, in: header, schema: { type: string } }
      responses:
        '200': { description: ok, content: { application/json: { schema: { type: array, items: { $ref: '#/components/schemas/Item' } } } } }
    post:
      operationId: addItem
      requestBody: { content: { application/json: { schema: { $ref: '#/components/schemas/Item' } } } }
      responses:
        '200': { description: ok, content: { application/json: { schema: { $ref: '#/components/schemas/Item' } } } }
  /items/{id}:
    get:
      operationId: itemById
      parameters: [{ name: id, in: path, required: true, schema: { type: integer } }]
      responses:
        '200': { description: ok }
components:
  schemas:
    Item:
      type: object
      required: [id]
      properties: { id: { type: integer }, name: { type: string } }
`;

const BUILT = openapiDoc({
  title: 'Shop',
  paths: {
    '/items': {
      ...getOp('listItems', {
        params: [queryParam('tags', arrayOf(STRING), { style: 'form', explode: false }), headerParam('X-Note')],
        response: arrayOf(ref('Item')),
      }),
      ...postOp('addItem', { body: ref('Item'), response: ref('Item') }),
    },
    '/items/{id}': getOp('itemById', { params: [pathParam('id', INTEGER)] }),
  },
  schemas: { Item: objectOf({ id: INTEGER, name: STRING }, ['id']) },
});

describe('OpenAPI builders', () => {
  it('write the document a hand-written spec holds, key order included', () => {
    const written = parse(specYaml(BUILT)) as unknown;
    expect(written).toEqual(parse(HAND_WRITTEN));
    expect(JSON.stringify(written)).toBe(JSON.stringify(parse(HAND_WRITTEN)));
  });

  it('writeSources puts the specs and a .meshrc.yaml over them in a temp dir', async () => {
    const sources = [{ name: 'Shop', spec: 'shop.yaml', endpoint: 'http://127.0.0.1:1' }];
    const dir = await writeSources({ specs: { 'shop.yaml': BUILT }, sources, tributary: '  server:\n    port: 4001\n', files: { 'notes.txt': 'kept' } });
    try {
      expect(parse(await readFile(join(dir, 'shop.yaml'), 'utf8'))).toEqual(parse(HAND_WRITTEN));
      expect(await readFile(join(dir, '.meshrc.yaml'), 'utf8')).toBe(
        [
          'sources:',
          '  - name: Shop',
          '    handler:',
          '      openapi:',
          '        source: ./shop.yaml',
          '        endpoint: http://127.0.0.1:1',
          'tributary:',
          '  server:',
          '    port: 4001',
          '',
        ].join('\n'),
      );
      expect(await readFile(join(dir, 'notes.txt'), 'utf8')).toBe('kept');
      expect(meshrc(sources)).not.toContain('tributary:');
    } finally {
      await removeTempDir(dir);
    }
  });
});
