// A document's server URL with variables (OAS 3.0 §4.7.6) is served at its defaults, or
// at the values tributary.sources.<name>.serverVariables gives; and a source whose URL
// cannot be used fails alone — SOURCE_LOAD_FAILED for it, /readyz saying why — while the
// others are served. Before, one such URL stopped the whole gateway with a stack trace.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../../src/gateway.ts';
import { silentLogger } from '../../src/observability/log.ts';
import { removeTempDir, startBackend, writeTempDir, type Backend } from '../helpers/backend.ts';
import { graphql, rest } from '../helpers/gateway.ts';

const spec = (title: string, field: string, servers: string) => `
openapi: 3.0.3
info: { title: ${title}, version: '1' }
servers:
${servers}
paths:
  /${field}:
    get:
      operationId: ${field}
      responses:
        '200': { description: ok, content: { application/json: { schema: { type: object, properties: { at: { type: string } } } } } }
`;

let a: Backend;
let b: Backend;
let dir: string;
let gateway: Gateway;

beforeAll(async () => {
  a = await startBackend((_req, url) => ({ status: 200, body: { at: `a${url.pathname}` } }));
  b = await startBackend((_req, url) => ({ status: 200, body: { at: `b${url.pathname}` } }));
  const files = {
    // Defaults only: host, port and base path all from the variables.
    'defaults.yaml': spec(
      'Defaults',
      'fromDefaults',
      `  - url: 'http://{host}:{port}/{base}'\n    variables:\n      host: { default: 127.0.0.1 }\n      port: { default: '${a.port}' }\n      base: { default: v1 }`,
    ),
    // The default points at a, the config overrides the port to b's.
    'override.yaml': spec('Override', 'fromOverride', `  - url: 'http://127.0.0.1:{port}/v2'\n    variables:\n      port: { default: '${a.port}' }`),
    'broken.yaml': spec('Broken', 'fromBroken', `  - url: 'ftp://127.0.0.1:{port}/'\n    variables:\n      port: { default: '21' }`),
  };
  const source = (name: string, file: string) => `  - name: ${name}\n    handler:\n      openapi:\n        source: ./${file}\n`;
  dir = await writeTempDir({
    ...files,
    '.meshrc.yaml': `sources:\n${source('Defaults', 'defaults.yaml')}${source('Override', 'override.yaml')}${source('Broken', 'broken.yaml')}tributary:\n  sources:\n    Override: { serverVariables: { port: '${b.port}' } }\n`,
  });
  gateway = await createGateway({ configFile: `${dir}/.meshrc.yaml`, logger: silentLogger });
});

afterAll(async () => {
  await gateway?.close({ graceMs: 0 });
  await Promise.all([a?.close(), b?.close()]);
  await removeTempDir(dir);
});

describe('server URL variables', () => {
  it.each([
    { field: 'fromDefaults', at: 'a/v1/fromDefaults' },
    { field: 'fromOverride', at: 'b/v2/fromOverride' },
  ])('$field is served where its variables say', async ({ field, at }) => {
    const answer = await graphql(gateway, `{ ${field} { at } }`);
    expect(answer.body).toEqual({ data: { [field]: { at } } });
  });

  it('a source whose URL is unusable fails alone, with SOURCE_LOAD_FAILED, and /readyz says why', async () => {
    const broken = gateway.current().built.sources.find((s) => s.name === 'Broken')!;
    expect(broken.loaded).toBe(false);
    expect(broken.error).toMatch(/Source "Broken": endpoint must be http or https/);
    const ready = await rest(gateway, 'GET', '/readyz');
    expect(ready.json<{ sources: Array<{ name: string; loaded: boolean; error?: string }> }>().sources.find((s) => s.name === 'Broken')).toMatchObject({
      loaded: false,
      error: expect.stringMatching(/http or https/),
    });
  });
});
