// A spec that needed repairs and recovery is still served for real: the operation Mesh
// failed on is typed as JSON but calls the same REST endpoint with the same parameters,
// and a source that cannot be loaded at all does not take the others down (/readyz says
// which one failed). A real gateway over a real backend.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTempDir, startBackend, writeTempDir, type Backend } from '../helpers/backend.ts';
import { createGateway, type Gateway } from '../../src/gateway.ts';
import { silentLogger } from '../../src/observability/log.ts';
import { closeIdleLoaderThreads } from '../../src/openapi/loader-thread.ts';

const SPEC = `openapi: 3.0.3
info: { title: t, version: '1' }
paths:
  /things/{id}:
    get:
      operationId: thing
      parameters:
        - { name: id, in: path, required: true, schema: { type: string } }
        - { name: verbose, in: query, schema: { type: boolean } }
        - { in: query, schema: { type: string } }
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: { type: object, properties: { inner: { $ref: '#/components/schemas/Loop' } } }
  /plain:
    get:
      operationId: plain
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: { type: object, properties: { ok: { type: boolean } } }
components:
  schemas:
    Loop: { allOf: [{ $ref: '#/components/schemas/Loop' }] }
`;

describe('serving a spec that needed recovery', () => {
  let backend: Backend;
  let dir: string;
  let gateway: Gateway;
  beforeAll(async () => {
    backend = await startBackend((_req, url) => {
      if (url.pathname === '/plain') return { status: 200, body: { ok: true } };
      const m = /^\/things\/(\w+)$/.exec(url.pathname);
      return m ? { status: 200, body: { inner: { id: m[1], verbose: url.searchParams.get('verbose') } } } : undefined;
    });
    dir = await writeTempDir({
      'spec.yaml': SPEC,
      'broken.yaml': 'openapi: 3.0.3\npaths: [unclosed\n',
      '.meshrc.yaml': `sources:\n  - name: Broken\n    handler:\n      openapi:\n        source: ./broken.yaml\n        endpoint: ${backend.url}\n  - name: Things\n    handler:\n      openapi:\n        source: ./spec.yaml\n        endpoint: ${backend.url}\n`,
    });
    gateway = await createGateway({ configFile: path.join(dir, '.meshrc.yaml'), logger: silentLogger });
  });
  afterAll(async () => {
    await gateway?.close();
    await backend.close();
    await removeTempDir(dir);
    await closeIdleLoaderThreads();
  });

  it('serves the sources that loaded; /readyz names the one that did not, and why', async () => {
    const res = await gateway.yoga.fetch('http://gw/readyz');
    const body = (await res.json()) as { ready: boolean; sources: Array<{ name: string; loaded: boolean; error?: string }> };
    expect(body.ready).toBe(true);
    expect(body.sources.map((s) => [s.name, s.loaded])).toEqual([
      ['Broken', false],
      ['Things', true],
    ]);
    expect(body.sources[0].error).toMatch(/broken\.yaml.*unexpected end of the stream/s);
  });

  it('reports what was repaired and recovered as build warnings, with JSON pointers', () => {
    const warnings = gateway.current().built.warnings.join('\n');
    expect(warnings).toContain('Source "Things": #/paths/~1things~1{id}/get/parameters/2: parameter has no "name"');
    expect(warnings).toContain('Source "Things": #/paths/~1things~1{id}/get: the OpenAPI loader failed on this operation');
    expect(warnings).toContain('request and response types mapped to the JSON scalar');
  });

  it('serves the JSON-typed operation with its path and query parameters, and the others as usual', async () => {
    const res = await gateway.yoga.fetch('http://gw/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ thing(id: "7", verbose: "true") plain { ok } }' }),
    });
    expect(await res.json()).toEqual({ data: { thing: { inner: { id: '7', verbose: 'true' } }, plain: { ok: true } } });
    // (/readyz probes the backend at its base URL too.)
    expect(
      backend.calls
        .map((c) => c.url)
        .filter((u) => u !== '/')
        .sort(),
    ).toEqual(['/plain', '/things/7?verbose=true']);
  });
});
