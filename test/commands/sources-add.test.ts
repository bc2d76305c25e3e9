// `sources add`: the config is edited like a person would (comments, order and quoting
// kept; the spec path relative to the config's folder), clashes are refused with the
// flag that resolves them, and the added source is really served by a gateway built
// from the written config, against a real backend.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTempDir, startBackend, writeTempDir, type Backend } from '../helpers/backend.ts';
import { addSource } from '../../src/commands/sources-add.ts';
import { closeIdleLoaderThreads } from '../../src/openapi/loader-thread.ts';
import { createGateway } from '../../src/gateway.ts';
import { silentLogger } from '../../src/observability/log.ts';
import { loadConfig } from '../../src/config/load.ts';

const PETS = (server: string) => `openapi: 3.0.3
info: { title: Pets, version: '1' }
servers: [{ url: '${server}' }]
paths:
  /pets:
    get:
      operationId: listPets
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: { type: array, items: { $ref: '#/components/schemas/Pet' } }
components:
  schemas:
    Pet:
      type: object
      properties:
        id: { type: string }
        name: { type: string }
`;

const CONFIG = (server: string) => `# Our gateway. Keep this comment.
sources:
  # The pets service, first.
  - name: Pets
    handler:
      openapi:
        source: "./specs/pets.yaml" # quoted on purpose
        endpoint: ${server}

tributary:
  server:
    port: 4100 # not the default
`;

describe('sources add', () => {
  let backend: Backend;
  let dir: string;
  beforeAll(async () => {
    backend = await startBackend((_req, url) => {
      if (url.pathname === '/pets') return { status: 200, body: [{ id: 'p1', name: 'Rex' }] };
      if (url.pathname === '/v2/pets') return { status: 200, body: [{ id: 'p2', name: 'Tom', species: 'cat' }] };
      return undefined;
    });
    dir = await writeTempDir({
      'gw/.meshrc.yaml': CONFIG(backend.url),
      'gw/specs/pets.yaml': PETS(backend.url),
      // Same root field, a different Pet type: clashes on both.
      'elsewhere/pets-v2.yaml': PETS(`${backend.url}/v2`).replace('name: { type: string }', 'name: { type: string }\n        species: { type: string }'),
      'elsewhere/no-server.yaml': PETS('x')
        .replace(/servers:.*\n/, '')
        .replace(/listPets/g, 'others'),
    });
  });
  afterAll(async () => {
    await closeIdleLoaderThreads();
    await backend.close();
    await removeTempDir(dir);
  });

  const configFile = () => path.join(dir, 'gw/.meshrc.yaml');
  const add = (name: string, spec: string, extra: { prefix?: string; endpoint?: string } = {}) =>
    addSource({ name, spec, configFile: configFile(), cwd: path.join(dir, 'elsewhere'), logger: silentLogger, ...extra });

  it('refuses a name that is taken, saying where', async () => {
    await expect(add('Pets', 'pets-v2.yaml')).rejects.toThrow(
      `a source named "Pets" already exists (sources[0] in ${configFile()}); choose another name, or remove that source first.`,
    );
  });

  it('refuses clashing root fields and types, and names --prefix as the way out', async () => {
    const before = await readFile(configFile(), 'utf8');
    await expect(add('PetsV2', 'pets-v2.yaml')).rejects.toThrow(
      'cannot add source "PetsV2": its root field Query.listPets already exists in the gateway, and its type Pet already exists with a different definition. Add it with a prefix, e.g. `tributary sources add PetsV2 <spec> --prefix PetsV2_`',
    );
    expect(await readFile(configFile(), 'utf8')).toBe(before);
  });

  it('refuses a spec without a server unless --endpoint is given', async () => {
    await expect(add('Others', 'no-server.yaml')).rejects.toThrow(/names no server .*pass --endpoint/);
  });

  it('adds with --prefix: comments, order and quoting kept, path relative to the config, served for real', async () => {
    const result = await add('PetsV2', 'pets-v2.yaml', { prefix: 'V2_' });
    expect(result.source).toBe('../elsewhere/pets-v2.yaml');
    expect(result.rootFields).toEqual(['Query.V2_listPets']);

    const text = await readFile(configFile(), 'utf8');
    expect(text).toBe(
      CONFIG(backend.url).replace(
        '\ntributary:',
        `  - name: PetsV2
    handler:
      openapi:
        source: ../elsewhere/pets-v2.yaml
    transforms:
      - prefix:
          value: V2_
          includeRootOperations: true

tributary:`,
      ),
    );

    const gateway = await createGateway({ configFile: configFile(), logger: silentLogger });
    try {
      const res = await gateway.yoga.fetch('http://gw/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ listPets { name } V2_listPets { name species } }' }),
      });
      expect(await res.json()).toEqual({ data: { listPets: [{ name: 'Rex' }], V2_listPets: [{ name: 'Tom', species: 'cat' }] } });
    } finally {
      await gateway.close();
    }
  });

  it('adds with --endpoint, and the result is a valid config', async () => {
    const result = await add('Others', 'no-server.yaml', { endpoint: `${backend.url}/others` });
    expect(result.rootFields).toEqual(['Query.others']);
    const config = await loadConfig(configFile());
    expect(config.mesh.sources.map((s) => s.name)).toEqual(['Pets', 'PetsV2', 'Others']);
    expect(config.mesh.sources[2].handler.openapi).toEqual({ source: '../elsewhere/no-server.yaml', endpoint: `${backend.url}/others` });
  });

  it('creates the config when there is none', async () => {
    const file = path.join(dir, 'fresh/.meshrc.yaml');
    const result = await addSource({ name: 'Pets', spec: path.join(dir, 'gw/specs/pets.yaml'), configFile: file, logger: silentLogger });
    expect(result.source).toBe('../gw/specs/pets.yaml');
    expect(await readFile(file, 'utf8')).toBe('sources:\n  - name: Pets\n    handler:\n      openapi:\n        source: ../gw/specs/pets.yaml\n');
  });

  it('writes a .meshrc.json config back as JSON', async () => {
    const file = path.join(dir, 'json/.meshrc.json');
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, `${JSON.stringify({ sources: [{ name: 'Pets', handler: { openapi: { source: '../gw/specs/pets.yaml' } } }] }, null, 2)}\n`);
    await addSource({
      name: 'Others',
      spec: path.join(dir, 'elsewhere/no-server.yaml'),
      endpoint: `${backend.url}/others`,
      configFile: file,
      logger: silentLogger,
    });
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({
      sources: [
        { name: 'Pets', handler: { openapi: { source: '../gw/specs/pets.yaml' } } },
        { name: 'Others', handler: { openapi: { source: '../elsewhere/no-server.yaml', endpoint: `${backend.url}/others` } } },
      ],
    });
  });

  it('rejects a source name that cannot be a path segment and a GraphQL prefix', async () => {
    await expect(add('my pets', 'pets-v2.yaml')).rejects.toThrow(/source name "my pets": expected letters, digits and "_"/);
  });
});
