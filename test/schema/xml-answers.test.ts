// Answers in XML, where the document says the operation produces only XML (Swagger 2.0
// `produces`, OAS 3 `content`): the schema describes the XML document (OAS 3.0 §4.7.26,
// XML Object), and the field is filled from it as the GraphQL types say.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../../src/gateway.ts';
import { silentLogger } from '../../src/observability/log.ts';
import { removeTempDir, startBackend, writeTempDir, type Backend } from '../helpers/backend.ts';
import { graphql } from '../helpers/gateway.ts';

const SPEC = `
swagger: '2.0'
info: { title: Apps, version: '1' }
produces: [application/xml]
paths:
  /apps:
    get:
      operationId: apps
      responses:
        '200': { description: ok, schema: { $ref: '#/definitions/AppList' } }
definitions:
  App:
    type: object
    properties:
      sid: { type: string }
      voice_method: { type: string }
      port: { type: integer }
      enabled: { type: boolean }
  AppList:
    type: object
    properties:
      applications: { type: array, items: { $ref: '#/definitions/App' } }
      tags: { type: array, xml: { wrapped: true }, items: { type: string, xml: { name: tag } } }
      page: { type: integer }
      ratio: { type: number }
      next_page_uri: { type: string }
      owner: { type: object, properties: { name: { type: string }, admin: { type: boolean } } }
`;

const ANSWERS: Record<string, string> = {
  one: '<?xml version="1.0"?><xml><applications><sid>AP1</sid><voice_method></voice_method><port>8080</port><enabled>true</enabled></applications><tags><tag>a</tag><tag>b</tag></tags><page>0</page><ratio>1.5</ratio><next_page_uri></next_page_uri><owner admin="false"><name>Ann &amp; Bo</name></owner></xml>',
  two: '<Response><applications><sid>AP1</sid></applications><applications><sid>AP2</sid><enabled>false</enabled></applications><page>3</page></Response>',
  broken: '<xml><applications><sid>AP1</sid></xml>',
};

let answer = 'one';
let backend: Backend;
let dir: string;
let gateway: Gateway;

beforeAll(async () => {
  backend = await startBackend(() => ({ status: 200, headers: { 'content-type': 'application/xml; charset=utf-8' }, body: ANSWERS[answer] }));
  dir = await writeTempDir({
    'apps.yaml': SPEC,
    '.meshrc.yaml': `sources:\n  - name: Apps\n    handler:\n      openapi:\n        source: ./apps.yaml\n        endpoint: ${backend.url}\n`,
  });
  gateway = await createGateway({ configFile: `${dir}/.meshrc.yaml`, logger: silentLogger });
});

afterAll(async () => {
  await gateway?.close({ graceMs: 0 });
  await backend?.close();
  await removeTempDir(dir);
});

const QUERY = '{ apps { applications { sid voice_method port enabled } tags page ratio next_page_uri owner { name admin } } }';

describe('an XML answer', () => {
  it('is read as the types say: numbers, booleans, empty elements, attributes, one item of a list, a wrapped list', async () => {
    answer = 'one';
    const result = await graphql(gateway, QUERY);
    expect(result.body.errors).toBeUndefined();
    expect(result.body.data).toEqual({
      apps: {
        applications: [{ sid: 'AP1', voice_method: '', port: 8080, enabled: true }],
        tags: ['a', 'b'],
        page: 0,
        ratio: 1.5,
        next_page_uri: '',
        owner: { name: 'Ann & Bo', admin: false },
      },
    });
  });

  it('reads repeated elements as the items of an unwrapped list, whatever the root is named', async () => {
    answer = 'two';
    const result = await graphql(gateway, '{ apps { applications { sid enabled } page tags } }');
    expect(result.body.errors).toBeUndefined();
    expect(result.body.data).toEqual({
      apps: {
        applications: [
          { sid: 'AP1', enabled: null },
          { sid: 'AP2', enabled: false },
        ],
        page: 3,
        tags: null,
      },
    });
  });

  it('that is not well-formed is UPSTREAM_BAD_RESPONSE', async () => {
    answer = 'broken';
    const result = await graphql(gateway, QUERY);
    expect(result.body.errors?.[0]?.extensions?.code).toBe('UPSTREAM_BAD_RESPONSE');
    expect(result.body.errors?.[0]?.message).toBe('Source "Apps" answered Query.apps with a body that is not valid XML.');
  });
});
