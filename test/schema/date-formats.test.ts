// `format: date` and `date-time` (OAS 3.0 §4.7.3, RFC 3339 §5.6): what the gateway sends
// is what the format says, in a body as in a query; what it reads may be spelled as
// documents and services do (`2016-12-1`, an offset `+0000`), and means the same.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../../src/gateway.ts';
import { silentLogger } from '../../src/observability/log.ts';
import { removeTempDir, startBackend, writeTempDir, type Backend } from '../helpers/backend.ts';
import { graphql } from '../helpers/gateway.ts';

const SPEC = `
openapi: 3.0.3
info: { title: Periods, version: '1' }
paths:
  /periods:
    get:
      operationId: periods
      parameters: [{ name: from, in: query, schema: { type: string, format: date } }]
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                type: array
                items:
                  type: object
                  properties:
                    endDate: { type: string, format: date }
                    modified: { type: string, format: date-time }
    post:
      operationId: addPeriod
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              properties:
                endDate: { type: string, format: date }
                started: { type: string, format: date-time }
                spans: { type: array, items: { type: string, format: date } }
      responses: { '200': { description: ok, content: { application/json: { schema: { type: object, properties: { ok: { type: boolean } } } } } } }
`;

let backend: Backend;
let dir: string;
let gateway: Gateway;

beforeAll(async () => {
  backend = await startBackend((req) =>
    req.method === 'GET' ? { status: 200, body: [{ endDate: '2016-12-1', modified: '2016-11-21T19:49:20.006+0000' }] } : { status: 200, body: { ok: true } },
  );
  dir = await writeTempDir({
    'periods.yaml': SPEC,
    '.meshrc.yaml': `sources:\n  - name: Periods\n    handler:\n      openapi:\n        source: ./periods.yaml\n        endpoint: ${backend.url}\n`,
  });
  gateway = await createGateway({ configFile: `${dir}/.meshrc.yaml`, logger: silentLogger });
});

afterAll(async () => {
  await gateway?.close({ graceMs: 0 });
  await backend?.close();
  await removeTempDir(dir);
});

const ADD = 'mutation ($input: addPeriod_request_Input) { addPeriod(input: $input) { ok } }';

describe('dates in a request body', () => {
  it.each([
    ['a full-date stays a full-date', { endDate: '2024-01-02' }, { endDate: '2024-01-02' }],
    ['a date without zero padding is the date it means', { endDate: '2016-12-1' }, { endDate: '2016-12-01' }],
    ['a list of dates', { spans: ['2024-01-02', '2024-2-3'] }, { spans: ['2024-01-02', '2024-02-03'] }],
    ['a date-time with a colon-less offset', { started: '2021-01-17T12:34:00.000+0000' }, { started: '2021-01-17T12:34:00.000Z' }],
    ['a date-time with an hours-only offset', { started: '2021-01-17T12:34:00+02' }, { started: '2021-01-17T10:34:00.000Z' }],
  ])('%s', async (_name, input, sent) => {
    const before = backend.calls.length;
    const answer = await graphql(gateway, ADD, { variables: { input } });
    expect(answer.body.errors).toBeUndefined();
    const [call] = backend.calls.slice(before);
    expect(JSON.parse(call!.body)).toEqual(sent);
  });

  it('still refuses what is no date at all', async () => {
    const answer = await graphql(gateway, ADD, { variables: { input: { endDate: '2016-13-45' } } });
    expect(answer.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('dates in a query and an answer', () => {
  it("sends a date argument as a full-date and reads the service's spellings", async () => {
    const before = backend.calls.length;
    const answer = await graphql(gateway, '{ periods(from: "2024-1-2") { endDate modified } }');
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data).toEqual({ periods: [{ endDate: '2016-12-01', modified: '2016-11-21T19:49:20.006Z' }] });
    expect(backend.calls.slice(before)[0]!.url).toBe('/periods?from=2024-01-02');
  });
});
