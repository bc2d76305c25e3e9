// A path template variable with no declared parameter (OAS 3.1 §4.8.12.1 says every one
// MUST be a path parameter) is a warning with its JSON pointer at build time and a coded
// refusal at request time — never a call to `/things/undefined`.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../../src/gateway.ts';
import { checkSpec } from '../../src/commands/sources-check.ts';
import { silentLogger } from '../../src/observability/log.ts';
import { removeTempDir, startBackend, writeTempDir, type Backend } from '../helpers/backend.ts';
import { graphql } from '../helpers/gateway.ts';

const SPEC = `
openapi: 3.0.3
info: { title: P, version: '1' }
paths:
  /things/{thingId}:
    get:
      operationId: thing
      responses:
        '200': { description: ok, content: { application/json: { schema: { type: object, properties: { id: { type: string } } } } } }
  /things:
    get:
      operationId: things
      responses:
        '200': { description: ok, content: { application/json: { schema: { type: array, items: { type: string } } } } }
`;

let backend: Backend;
let dir: string;
let gateway: Gateway;

beforeAll(async () => {
  backend = await startBackend(() => ({ status: 200, body: ['a'] }));
  dir = await writeTempDir({
    'p.yaml': SPEC,
    '.meshrc.yaml': `sources:\n  - name: P\n    handler:\n      openapi:\n        source: ./p.yaml\n        endpoint: ${backend.url}\n`,
  });
  gateway = await createGateway({ configFile: `${dir}/.meshrc.yaml`, logger: silentLogger });
});

afterAll(async () => {
  await gateway?.close({ graceMs: 0 });
  await backend?.close();
  await removeTempDir(dir);
});

it('the field is refused with OPERATION_UNSERVABLE and nothing is sent; the other field works', async () => {
  const answer = await graphql(gateway, '{ thing { id } things }');
  expect(answer.body.data).toEqual({ thing: null, things: ['a'] });
  expect(answer.body.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([[['thing'], 'OPERATION_UNSERVABLE']]);
  expect(backend.calls.map((c) => c.url)).toEqual(['/things']);
});

it('the build and `sources check` warn with the JSON pointer', async () => {
  expect(gateway.current().built.warnings.some((w) => w.includes('#/paths/~1things~1{thingId}/get') && w.includes('"{thingId}"'))).toBe(true);
  const report = await checkSpec(`${dir}/p.yaml`, { logger: silentLogger, endpoint: backend.url });
  expect(report.warnings).toContainEqual(
    expect.objectContaining({ pointer: '#/paths/~1things~1{thingId}/get', problem: expect.stringContaining('"{thingId}"') }),
  );
});
