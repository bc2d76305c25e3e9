// The compiled build. `tributary` runs dist/ (src/ compiled by `npm run build`, which
// `npm ci` and `npm test` run first, and bundled into dist/cli.bundle.js) whenever it is
// up to date, so what an operator runs
// is the build, and it must behave exactly like the sources the other tests load:
// the same config errors (its Mesh-schema check is ajv's standalone code, not a runtime
// compile), the same schema, the same answers, with its threads started without tsx.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { parseConfig } from '../../src/config/load.ts';
import { threadImport } from '../../src/module-runtime.ts';
import { releaseBuildMemory } from '../../src/runtime/release-memory.ts';
import { chooseEntry, distEntry } from '../../bin/entry.js';
import { asciiOnly } from '../../scripts/bundle.ts';
import { CONFIG_CASES, MINIMAL_CONFIG } from './config-cases.ts';
import { AGENTS, SOURCES, TICKETS, startWorld, writeConfig, type World } from './fixtures.ts';
import { freePort } from '../helpers/free-port.ts';

const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = path.join(ROOT, 'bin', 'tributary.js');

describe('choosing dist/ or the sources', () => {
  let root: string;
  const at = (file: string, seconds: number) => utimesSync(path.join(root, file), seconds, seconds);
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'tributary-entry-'));
    mkdirSync(path.join(root, 'src', 'schema'), { recursive: true });
    writeFileSync(path.join(root, 'src', 'cli.ts'), '');
    writeFileSync(path.join(root, 'src', 'schema', 'merge.ts'), '');
    at('src/cli.ts', 1_000);
    at('src/schema/merge.ts', 1_000);
  });

  it.each([
    { name: 'no build: the sources', setup: () => undefined, env: {}, expected: { use: 'src', stale: false } },
    {
      name: 'a build newer than every source: dist',
      setup: () => {
        mkdirSync(path.join(root, 'dist'), { recursive: true });
        writeFileSync(path.join(root, 'dist', '.built'), '{}');
        at('dist/.built', 2_000);
      },
      env: {},
      expected: { use: 'dist' },
    },
    { name: 'TRIBUTARY_FROM_SOURCE=1: the sources', setup: () => undefined, env: { TRIBUTARY_FROM_SOURCE: '1' }, expected: { use: 'src', stale: false } },
    {
      name: 'a source (in a subfolder) edited after the build: the sources, marked stale',
      setup: () => at('src/schema/merge.ts', 3_000),
      env: {},
      expected: { use: 'src', stale: true },
    },
  ])('$name', ({ setup, env, expected }) => {
    setup();
    expect(chooseEntry(root, env)).toEqual(expected);
  });

  it('this checkout has an up-to-date build (npm test builds first; after editing src/, run npm run build)', () => {
    expect(chooseEntry(ROOT, {})).toEqual({ use: 'dist' });
  });

  it('dist/ runs as the one-file bundle when the build wrote it, dist/cli.js without it or with TRIBUTARY_BUNDLE=0', () => {
    expect(distEntry(ROOT, {})).toBe(path.join(ROOT, 'dist', 'cli.bundle.js'));
    expect(distEntry(ROOT, { TRIBUTARY_BUNDLE: '0' })).toBe(path.join(ROOT, 'dist', 'cli.js'));
    expect(distEntry(root, {})).toBe(path.join(root, 'dist', 'cli.js'));
  });

  // One non-ASCII character anywhere makes V8 hold a whole bundle's source as a two-byte
  // string (the command line's: 11.7 MB instead of 5.9, for the life of the process).
  it.each(['cli.bundle.js', path.join('openapi', 'loader-worker.bundle.js')])('dist/%s is ASCII only', (file) => {
    const code = readFileSync(path.join(ROOT, 'dist', file), 'utf8');
    expect(code.match(/[\u0080-\uffff]/g) ?? []).toEqual([]);
    expect(asciiOnly('/[‘“]°/; "é"')).toBe('/[\\u2018\\u201c]\\u00b0/; "\\u00e9"');
  });

  it('a thread started from dist imports its entry directly; from the sources it registers tsx first', () => {
    expect(threadImport('file:///app/dist/openapi/loader-worker.js')).toBe('import("file:///app/dist/openapi/loader-worker.js")');
    const fromSource = threadImport('file:///app/src/openapi/loader-worker.ts');
    expect(fromSource).toContain('tsx.register()');
    expect(fromSource).toContain('import("file:///app/src/openapi/loader-worker.ts")');
  });
});

describe('the build reports config errors exactly like the sources', () => {
  let compiledParse: typeof parseConfig;
  beforeAll(async () => {
    ({ parseConfig: compiledParse } = (await import(pathToFileURL(path.join(ROOT, 'dist', 'config', 'load.js')).href)) as { parseConfig: typeof parseConfig });
  });
  const outcome = (parse: typeof parseConfig, text: string) => {
    try {
      const config = parse(text, '/srv/gw/.meshrc.yaml');
      return { ok: JSON.stringify(config) };
    } catch (error) {
      return { code: (error as { code?: string }).code, message: (error as Error).message };
    }
  };

  it.each([...CONFIG_CASES, { name: 'a valid config', text: MINIMAL_CONFIG }])('$name', ({ text }) => {
    const compiled = outcome(compiledParse, text);
    expect(compiled).toEqual(outcome(parseConfig, text));
  });
});

describe('the build and the sources serve the same gateway', () => {
  let world: World;
  let configFile: string;
  beforeAll(async () => {
    world = await startWorld();
    configFile = await writeConfig(world, SOURCES);
  });
  afterAll(async () => world.close());

  it('schema: identical SDL', async () => {
    const [compiled, sources] = await Promise.all([
      run(process.execPath, [BIN, 'schema', '--config', configFile]),
      run(process.execPath, [BIN, 'schema', '--config', configFile], { env: { ...process.env, TRIBUTARY_FROM_SOURCE: '1' } }),
    ]);
    expect(compiled.stdout).toContain('type Ticket');
    expect(compiled.stdout).toBe(sources.stdout);
  });

  it.each([
    { name: 'from dist (the bundle)', env: {} },
    { name: 'from dist, not bundled', env: { TRIBUTARY_BUNDLE: '0' } },
    { name: 'from the sources (tsx in the main and the serving thread)', env: { TRIBUTARY_FROM_SOURCE: '1' } },
  ])('start $name: answers a query across both sources', async ({ env }) => {
    const port = await freePort();
    let stderr = '';
    const child: ChildProcess = spawn(process.execPath, [BIN, 'start', '--config', configFile, '--port', String(port), '--host', '127.0.0.1'], {
      env: { ...process.env, ...env, TRIBUTARY_CACHE_DIR: 'off' },
    });
    child.stderr!.on('data', (d) => (stderr += d));
    try {
      let body: { data?: { tickets: Array<{ id: string; assigneeId: string }>; agentsByIds: Array<{ id: string; name: string }> } } | undefined;
      for (let i = 0; i < 600 && !body; i++) {
        if (child.exitCode !== null) throw new Error(`gateway exited with ${child.exitCode}\n${stderr}`);
        body = await fetch(`http://127.0.0.1:${port}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: '{ tickets { id assigneeId } agentsByIds(ids: ["1", "2"]) { id name } }' }),
        })
          .then((r) => r.json())
          .catch(() => new Promise<undefined>((resolve) => setTimeout(resolve, 100)));
      }
      expect(body?.data?.tickets).toHaveLength(TICKETS.length);
      const agents = [...(body?.data?.agentsByIds ?? [])].sort((a, b) => a.id.localeCompare(b.id));
      expect(agents).toEqual(AGENTS.slice(0, 2).map(({ id, name }) => ({ id, name })));
    } finally {
      child.kill('SIGTERM');
    }
  });
});

describe('releasing the build garbage', () => {
  it('collects without leaving a gc() global behind, and can run again', () => {
    releaseBuildMemory();
    releaseBuildMemory();
    expect((globalThis as { gc?: unknown }).gc).toBeUndefined();
  });
});
