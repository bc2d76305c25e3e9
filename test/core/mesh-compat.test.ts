// Mesh compatibility made explicit: every key of a GraphQL Mesh v0 config is applied,
// mapped onto a Tributary setting, warned about or refused (src/config/mesh-keys.ts);
// the README's table is that list; the config file is found where Mesh's CLI finds it;
// an unset environment variable is a load error; Mesh's annotations are not served.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { Writable } from 'node:stream';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { printSchema } from 'graphql';
import { jsonSchema as meshJsonSchema } from '@graphql-mesh/types';
import { MESH_KEYS, meshKeyRule } from '../../src/config/mesh-keys.ts';
import { parseConfig, type LoadedConfig } from '../../src/config/load.ts';
import { findConfigFile } from '../../src/config/file-name.ts';
import { TributaryError } from '../../src/errors.ts';
import { buildOnce, type Gateway } from '../../src/gateway.ts';
import { createLogger } from '../../src/observability/log.ts';
import { writeTempDir, startBackend, type Backend } from '../helpers/backend.ts';
import { SOURCES, gatewayFor, query, startWorld, writeConfig, type World } from './fixtures.ts';

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = path.join(ROOT, 'bin', 'tributary.js');
const FILE = '/srv/gw/.meshrc.yaml';
const PETS = `sources:
  - name: Pets
    handler:
      openapi:
        source: ./pets.yaml
`;

function parse(text: string, file = FILE): LoadedConfig {
  return parseConfig(text, file);
}

function refusal(text: string): string {
  try {
    parse(text);
  } catch (error) {
    expect(error).toBeInstanceOf(TributaryError);
    expect((error as TributaryError).code).toBe('CONFIG_INVALID');
    return (error as Error).message;
  }
  throw new Error('expected CONFIG_INVALID');
}

describe('the list of Mesh keys', () => {
  it('the README "Mesh compatibility" table is the list in src/config/mesh-keys.ts, row for row', async () => {
    const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Mesh compatibility'), readme.indexOf('\n## ', readme.indexOf('## Mesh compatibility') + 5));
    const rows = [...section.matchAll(/^\| `([^`]+)` \| (\w+) \| (.*) \|$/gm)].map((m) => ({ key: m[1], verdict: m[2], note: m[3] }));
    expect(rows).toEqual(MESH_KEYS.map(({ key, verdict, note }) => ({ key, verdict, note })));
  });

  // Every key Mesh's own JSON schema defines, walked from its root: a key Mesh adds in a
  // new version must get a row before it can be silently accepted.
  const definitions = (meshJsonSchema as { definitions: Record<string, { properties?: Record<string, unknown> }> }).definitions;
  const keysOf = (definition: string) => Object.keys(definitions[definition]!.properties ?? {});
  const MESH_SCHEMA_KEYS: string[] = [
    ...Object.keys((meshJsonSchema as { properties: Record<string, unknown> }).properties),
    ...keysOf('Source').map((k) => `sources[].${k}`),
    ...keysOf('Handler').map((k) => `sources[].handler.${k}`),
    ...keysOf('OpenapiHandler').map((k) => `sources[].handler.openapi.${k}`),
    ...keysOf('ServeConfig').map((k) => `serve.${k}`),
    ...keysOf('CorsConfig').map((k) => `serve.cors.${k}`),
    ...keysOf('PlaygroundConfig').map((k) => `serve.playground.${k}`),
    ...keysOf('Plugin').map((k) => `plugins[].${k}`),
    ...keysOf('ResponseCacheConfig').map((k) => `plugins[].responseCache.${k}`),
    ...keysOf('PrometheusConfig').map((k) => `plugins[].prometheus.${k}`),
    ...keysOf('MaskedErrorsPluginConfig').map((k) => `plugins[].maskedErrors.${k}`),
    ...keysOf('Cache').map((k) => `cache.${k}`),
  ];

  it.each(MESH_SCHEMA_KEYS)('%s has a row', (key) => {
    expect(meshKeyRule(key), key).toBeDefined();
  });

  it('every row names a key of Mesh\'s schema (or "<other>" beside them): no row for a key that does not exist', () => {
    const known = new Set(MESH_SCHEMA_KEYS);
    const stale = MESH_KEYS.map((k) => k.key).filter((key) => !key.endsWith('.<other>') && !known.has(key));
    expect(stale).toEqual([]);
  });

  it('the OpenAPI handler has exactly the options the rows list (source, endpoint, operationHeaders, schemaHeaders, queryParams, fallbackFormat, ignoreErrorResponses, selectQueryOrMutationField, timeout)', () => {
    expect(keysOf('OpenapiHandler').sort()).toEqual(
      MESH_KEYS.filter((k) => k.key.startsWith('sources[].handler.openapi.'))
        .map((k) => k.key.split('.').at(-1))
        .sort(),
    );
  });
});

describe('mapped keys become Tributary settings', () => {
  const cases: Array<{ name: string; yaml: string; expect: (c: LoadedConfig) => void; warnings?: RegExp[] }> = [
    {
      name: "the handler's timeout is the source's upstream timeout",
      yaml: `${PETS}        timeout: 1234\n`,
      expect: (c) => expect(c.tributary.sources.Pets!.upstream.timeoutMs).toBe(1234),
    },
    {
      name: 'tributary.sources wins over the handler timeout, with a warning naming both',
      yaml: `${PETS}        timeout: 1234\ntributary:\n  sources:\n    Pets:\n      upstream: { timeoutMs: 999 }\n`,
      expect: (c) => expect(c.tributary.sources.Pets!.upstream.timeoutMs).toBe(999),
      warnings: [
        /\.meshrc\.yaml:6: sources\[0\]\.handler\.openapi\.timeout: not applied: tributary\.sources\.Pets\.upstream\.timeoutMs is set too \(999\) and wins over 1234/,
      ],
    },
    {
      name: 'serve: port (a numeric string too), hostname, endpoint, fork, batchingLimit, playground',
      yaml: `${PETS}serve:\n  port: '4100'\n  hostname: 127.0.0.1\n  endpoint: /api/graphql\n  fork: true\n  batchingLimit: 5\n  playground: false\n`,
      expect: (c) => {
        expect(c.tributary.server).toMatchObject({ port: 4100, host: '127.0.0.1', graphqlPath: '/api/graphql', workers: 0 });
        expect(c.tributary.policies.limits.maxBatch).toBe(5);
        expect(c.tributary.policies.graphiql).toBe(false);
      },
    },
    {
      name: 'tributary.server wins over serve.port, with a warning',
      yaml: `${PETS}serve:\n  port: 4100\ntributary:\n  server: { port: 4200 }\n`,
      expect: (c) => expect(c.tributary.server.port).toBe(4200),
      warnings: [/serve\.port: not applied: tributary\.server\.port is set too \(4200\) and wins over 4100/],
    },
    {
      name: 'serve.cors: origin, credentials, maxAge; the headers options are warnings',
      yaml: `${PETS}serve:\n  cors:\n    origin: https://app.example\n    credentials: true\n    maxAge: 60\n    exposedHeaders: [x-request-id]\n`,
      expect: (c) => expect(c.tributary.policies.cors).toEqual({ origins: ['https://app.example'], credentials: true, maxAgeSec: 60 }),
      warnings: [/serve\.cors\.exposedHeaders: not applied/],
    },
    {
      name: 'responseCache: ttl becomes one rule per source, ttlPerCoordinate a rule each, cache.redis the store',
      yaml: `${PETS}plugins:\n  - responseCache:\n      ttl: 5000\n      ttlPerCoordinate:\n        - { coordinate: Query.pets, ttl: 1000 }\ncache:\n  redis:\n    host: cache.internal\n    port: '6380'\n`,
      expect: (c) =>
        expect(c.tributary.policies.cache).toMatchObject({
          store: 'redis',
          redisUrl: 'redis://cache.internal:6380',
          rules: [
            { source: 'Pets', ttlMs: 5000 },
            { coordinate: 'Query.pets', ttlMs: 1000 },
          ],
        }),
    },
    {
      name: 'prometheus: metrics on at its endpoint; its metric toggles are warnings',
      yaml: `${PETS}plugins:\n  - prometheus:\n      endpoint: /prom\n      requestCount: true\n`,
      expect: (c) => expect(c.tributary.observability.metrics).toMatchObject({ enabled: true, path: '/prom' }),
      warnings: [/plugins\[0\]\.prometheus\.requestCount: not applied: Tributary's metric set is fixed/],
    },
    {
      name: 'keys without effect are warnings with file, line and key path',
      yaml: `${PETS}documents: [./queries.graphql]\nserve:\n  browser: false\nplugins:\n  - maskedErrors: { errorMessage: Oops }\n`,
      expect: () => undefined,
      warnings: [/\.meshrc\.yaml:6: documents: not applied/, /:8: serve\.browser: not applied/, /:10: plugins\[0\]\.maskedErrors\.errorMessage: not applied/],
    },
  ];
  it.each(cases)('$name', ({ yaml, expect: check, warnings = [] }) => {
    const config = parse(yaml);
    check(config);
    expect(config.warnings).toHaveLength(warnings.length);
    warnings.forEach((w, i) => expect(config.warnings[i]).toMatch(w));
  });

  it('a plain Mesh config has no warnings', () => {
    expect(parse(PETS).warnings).toEqual([]);
  });
});

describe('refused keys are CONFIG_INVALID with the key path and what to use instead', () => {
  const cases: Array<{ name: string; yaml: string; message: RegExp }> = [
    {
      name: 'skipSSLValidation',
      yaml: `${PETS}skipSSLValidation: true\n`,
      message: /:6: skipSSLValidation: not supported: upstream TLS certificates are always verified; give a private CA with NODE_EXTRA_CA_CERTS/,
    },
    { name: 'customFetch', yaml: `${PETS}customFetch: ./fetch.js\n`, message: /customFetch: not supported: Tributary runs no code named by its config/ },
    { name: 'additionalEnvelopPlugins', yaml: `${PETS}additionalEnvelopPlugins: ./plugins.js\n`, message: /additionalEnvelopPlugins: not supported/ },
    { name: 'require', yaml: `${PETS}require: [dotenv/config]\n`, message: /require: not supported: .*node --env-file/ },
    { name: 'persistedOperations', yaml: `${PETS}persistedOperations: { allowArbitraryOperations: false }\n`, message: /persistedOperations: not supported/ },
    {
      name: 'serve.sslCredentials',
      yaml: `${PETS}serve:\n  sslCredentials: { key: k.pem, cert: c.pem }\n`,
      message: /:7: serve\.sslCredentials: not supported: .*terminate TLS in front/,
    },
    {
      name: 'a plugin with another Tributary setting',
      yaml: `${PETS}plugins:\n  - rateLimit: { config: [] }\n`,
      message: /plugins\[0\]\.rateLimit: not supported: use tributary\.policies\.rateLimit/,
    },
    {
      name: 'a custom plugin',
      yaml: `${PETS}plugins:\n  - myPlugin: { a: 1 }\n`,
      message: /plugins\[0\]\.myPlugin: not supported: Tributary runs no code named by its config \(no Envelop plugins\)/,
    },
    {
      name: 'a handler other than openapi',
      yaml: `sources:\n  - name: G\n    handler:\n      graphql: { endpoint: http://x/graphql }\n`,
      message: /sources\[0\]\.handler\.graphql: not supported: Tributary serves OpenAPI/,
    },
    { name: 'cors for every origin', yaml: `${PETS}serve:\n  cors: { origin: '*' }\n`, message: /serve\.cors\.origin: Tributary does not allow every origin/ },
    {
      name: 'a mapped value out of range names the Mesh key',
      yaml: `${PETS}serve:\n  batchingLimit: 500\n`,
      message: /:7: serve\.batchingLimit: expected a value <= 100, found number 500 \(applied as tributary\.policies\.limits\.maxBatch\)/,
    },
    {
      name: 'a response cache without a TTL',
      yaml: `${PETS}plugins:\n  - responseCache: { invalidateViaMutation: true }\n`,
      message: /plugins\[0\]\.responseCache\.ttl: Tributary caches nothing forever: set ttl/,
    },
    {
      name: 'a response cache with a code expression',
      yaml: `${PETS}plugins:\n  - responseCache: { ttl: 100, shouldCacheResult: 'true' }\n`,
      message: /plugins\[0\]\.responseCache\.shouldCacheResult: not supported/,
    },
  ];
  it.each(cases)('$name', ({ yaml, message }) => {
    const text = refusal(yaml);
    expect(text).toMatch(message);
    expect(text).toContain(FILE);
  });
});

describe('environment variables', () => {
  beforeAll(() => {
    process.env.MC_TOKEN = 'sekrit';
    process.env.MC_PORT = '4321';
    delete process.env.MC_UNSET;
  });
  afterAll(() => {
    delete process.env.MC_TOKEN;
    delete process.env.MC_PORT;
  });
  const HEADERS = (value: string) => `${PETS}        operationHeaders:\n          Authorization: '${value}'\n`;

  it.each([
    {
      name: '{env.X} in operationHeaders',
      yaml: HEADERS('Bearer {env.MC_UNSET}'),
      message:
        /:7: sources\[0\]\.handler\.openapi\.operationHeaders\.Authorization: environment variable MC_UNSET is not set \(the value is "Bearer \{env\.MC_UNSET\}"\)/,
    },
    {
      name: '{env.X} in the endpoint',
      yaml: `${PETS}        endpoint: '{env.MC_UNSET}/v1'\n`,
      message: /sources\[0\]\.handler\.openapi\.endpoint: environment variable MC_UNSET is not set/,
    },
    {
      name: '{env.X} under tributary:',
      yaml: `${PETS}tributary:\n  sources:\n    Pets:\n      setHeaders: { x-key: '{env.MC_UNSET}' }\n`,
      message: /tributary\.sources\.Pets\.setHeaders\.x-key: environment variable MC_UNSET is not set/,
    },
    {
      name: "Mesh's ${X}",
      yaml: `${PETS}        endpoint: \${MC_UNSET}\n`,
      message:
        /sources\[0\]\.handler\.openapi\.endpoint: environment variable MC_UNSET is not set \(the value is "\$\{MC_UNSET\}"\); set it, or write a default: \$\{MC_UNSET:default\}/,
    },
  ])('an unset variable is a load error naming it and the key path: $name', ({ yaml, message }) => {
    expect(refusal(yaml)).toMatch(message);
  });

  it('a default in the template, a set variable and {context.…} templates load', () => {
    const config = parse(
      `${PETS}        endpoint: '{env.MC_UNSET:http://fallback}'\n        operationHeaders:\n          Authorization: 'Bearer {env.MC_TOKEN}'\n          x-user: '{context.headers.x-user}'\n`,
    );
    expect(config.mesh.sources[0]!.handler.openapi!.operationHeaders).toEqual({ Authorization: 'Bearer {env.MC_TOKEN}', 'x-user': '{context.headers.x-user}' });
  });

  it("Mesh's ${X} is replaced at load; a value that is only ${X} is read as YAML, and ${X:default} applies when X is unset", () => {
    const config = parse(`${PETS}        endpoint: 'http://\${MC_UNSET:localhost}:\${MC_PORT}'\ntributary:\n  server:\n    port: \${MC_PORT}\n`);
    expect(config.mesh.sources[0]!.handler.openapi!.endpoint).toBe('http://localhost:4321');
    expect(config.tributary.server.port).toBe(4321);
  });
});

describe("config discovery, as Mesh's CLI searches", () => {
  it.each([
    { name: 'only .meshrc.yml', files: ['.meshrc.yml'], found: '.meshrc.yml' },
    { name: ".meshrc.json before .meshrc.yaml (Mesh's order)", files: ['.meshrc.yaml', '.meshrc.json'], found: '.meshrc.json' },
    { name: '.meshrc (YAML) first of all', files: ['.meshrc.yml', '.meshrc'], found: '.meshrc' },
    { name: 'a package.json without a "mesh" key is passed over', files: ['package.json', '.meshrc.yaml'], found: '.meshrc.yaml' },
    { name: 'none: .meshrc.yaml (sources add creates it)', files: [], found: '.meshrc.yaml' },
  ])('$name', async ({ files, found }) => {
    const dir = await writeTempDir(Object.fromEntries(files.map((f) => [f, f === 'package.json' ? '{"name":"x"}' : PETS])));
    expect(findConfigFile(dir)).toBe(path.join(dir, found));
  });

  it.each<{ name: string; files: Record<string, string>; message: RegExp }>([
    {
      name: '.meshrc.ts',
      files: { '.meshrc.ts': 'export default {}' },
      message: /found .*\.meshrc\.ts: Tributary reads YAML or JSON configs only .* runs no code from its config/,
    },
    {
      name: 'mesh.config.cjs',
      files: { 'mesh.config.cjs': 'module.exports = {}' },
      message: /found .*mesh\.config\.cjs: Tributary reads YAML or JSON configs only/,
    },
    {
      name: 'package.json "mesh"',
      files: { 'package.json': '{"mesh":{"sources":[]}}' },
      message: /package\.json has a "mesh" key: Tributary reads YAML or JSON configs only/,
    },
  ])('a JavaScript config or a package.json "mesh" key is refused by name: $name', async ({ files, message }) => {
    const dir = await writeTempDir(files);
    let error: unknown;
    try {
      findConfigFile(dir);
    } catch (e) {
      error = e;
    }
    expect((error as TributaryError).code).toBe('CONFIG_NOT_FOUND');
    expect((error as Error).message).toMatch(message);
  });

  it("a YAML config comes before a JavaScript one in Mesh's order, so it is the one used", async () => {
    const dir = await writeTempDir({ 'mesh.config.js': 'module.exports = {}', '.meshrc.yml': PETS });
    expect(findConfigFile(dir)).toBe(path.join(dir, '.meshrc.yml'));
  });

  it('a .meshrc.json is read with line numbers in its errors', () => {
    const json = JSON.stringify({ sources: [{ name: 'Pets', handler: { openapi: { source: './pets.yaml', timeout: 'soon' } } }] }, null, 2);
    expect(() => parse(json, '/srv/gw/.meshrc.json')).toThrow(
      /\.meshrc\.json:8: sources\[0\]\.handler\.openapi\.timeout: expected integer, found string "soon"/,
    );
    expect(
      parse(JSON.stringify({ sources: [{ name: 'Pets', handler: { openapi: { source: './pets.yaml', timeout: 50 } } }] }), '/srv/gw/.meshrc.json').tributary
        .sources.Pets!.upstream.timeoutMs,
    ).toBe(50);
  });
});

describe('the gateway applies what was mapped, and shows no Mesh annotations', () => {
  let world: World;
  let slow: Backend;
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  let gateway: Gateway;
  beforeAll(async () => {
    world = await startWorld();
    // Holds every request until the suite ends: only the gateway's own timeout can answer.
    slow = await startBackend(async () => {
      await held;
      return { status: 200, body: [] };
    });
    process.env.MC_AGENTS_KEY = 'agent-key-1';
    gateway = await gatewayFor(
      world,
      `${SOURCES}        operationHeaders:\n          x-api-key: '{env.MC_AGENTS_KEY}'\n    transforms:\n      - prefix: { value: Ag_, includeRootOperations: true }\n  - name: Slow\n    handler:\n      openapi:\n        source: ../specs/tickets.yaml\n        endpoint: '${'{SLOW}'}'\n        timeout: 50\n    transforms:\n      - prefix: { value: Slow_, includeRootOperations: true }\n`.replace(
        '{SLOW}',
        slow.url,
      ),
    );
  });
  afterAll(async () => {
    release();
    delete process.env.MC_AGENTS_KEY;
    await gateway?.close();
    await Promise.all([world.close(), slow.close()]);
  });

  it("the handler's timeout is what the upstream client waits for", async () => {
    const { body } = await query(gateway, '{ Slow_tickets(limit: 1) { id } }');
    expect(body.errors?.[0]?.extensions?.code).toBe('UPSTREAM_TIMEOUT');
  });

  it('{env.X} in operationHeaders is sent with its value', async () => {
    const before = world.agents.calls.length;
    const { body } = await query(gateway, '{ Ag_agentById(id: "1") { name } }');
    expect(body.errors).toBeUndefined();
    expect(world.agents.calls[before]!.headers['x-api-key']).toBe('agent-key-1');
  });

  it("introspection shows no Mesh directive and no type only they use; the specified directives are graphql-js's, beside the client's @defer and @stream", async () => {
    const { body } = await query(gateway, '{ __schema { types { name } directives { name locations args { name } } } }');
    const names = body.data.__schema.types.map((t: { name: string }) => t.name) as string[];
    expect(names.filter((n) => /HTTPMethod|ObjMap|ResolveToSourceArgs/.test(n))).toEqual([]);
    expect(names).toContain('Ticket');
    expect(body.data.__schema.directives.map((d: { name: string }) => d.name).sort()).toEqual([
      'defer',
      'deprecated',
      'include',
      'oneOf',
      'skip',
      'specifiedBy',
      'stream',
    ]);
    expect(body.data.__schema.directives.find((d: { name: string }) => d.name === 'oneOf').locations).toEqual(['INPUT_OBJECT']);
  });

  it('the printed schema (tributary schema) has none of them either, and queries and links still work', async () => {
    const sdl = printSchema(gateway.current().built.schema);
    expect(sdl).not.toMatch(/HTTPMethod|ObjMap|@httpOperation|@transport/);
    // The only directives printed are the ones clients write (incremental delivery).
    expect([...sdl.matchAll(/^directive @(\w+)/gm)].map((m) => m[1])).toEqual(['defer', 'stream']);
    const { body } = await query(gateway, '{ tickets(limit: 2) { id title } Ag_agentsByIds(ids: ["1", "2"]) { id name } }');
    expect(body.errors).toBeUndefined();
    expect(body.data.tickets).toHaveLength(2);
    expect(body.data.Ag_agentsByIds).toHaveLength(2);
  });
});

describe('warnings reach the build log and tributary check', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld();
  });
  afterAll(async () => world.close());

  it('the build logs each one at warn level', async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    });
    const file = await writeConfig(world, `${SOURCES}serve:\n  playgroundTitle: Helpdesk\n`);
    await buildOnce(file, { logger: createLogger({ level: 'warn', destination }) });
    const warned = lines.map((l) => JSON.parse(l) as { level: number; msg: string }).filter((l) => l.level === 40);
    expect(warned.map((l) => l.msg)).toContainEqual(
      expect.stringMatching(/\.meshrc\.yaml:\d+: serve\.playgroundTitle: not applied: GraphiQL keeps its own title/),
    );
  });

  it('`tributary check` with no --config finds .meshrc.yml in the working directory and prints the warning', async () => {
    const yaml = await writeConfig(world, `${SOURCES}pollingInterval: 1000\n`);
    const dir = path.dirname(yaml);
    await writeFile(path.join(dir, '.meshrc.yml'), await readFile(yaml, 'utf8'));
    await rm(yaml);
    const { stdout } = await promisify(execFile)(process.execPath, [BIN, 'check', '--json'], { cwd: dir, env: withoutConfigVariable() }).catch(
      (e: { stdout: string; stderr: string }) => {
        throw new Error(`check failed: ${e.stdout}\n${e.stderr}`);
      },
    );
    const result = JSON.parse(stdout) as { ok: boolean; config: string; warnings: string[] };
    expect(result.ok).toBe(true);
    expect(result.config).toBe('.meshrc.yml');
    expect(result.warnings).toContainEqual(expect.stringMatching(/\.meshrc\.yml:\d+: pollingInterval: not applied/));
  });
});

function withoutConfigVariable(): NodeJS.ProcessEnv {
  const { TRIBUTARY_CONFIG: _named, ...env } = process.env;
  return env;
}
