// The three systems under test, each a separate process on the SUT core:
//   bff        the hand-written BFF (bff-main.ts) — the yardstick;
//   tributary  `node bin/tributary.js start` on a config written for the scenario;
//   tributary-v8gc  the same with V8's default young generation (TRIBUTARY_SEMI_SPACE_MB=0,
//              see bin/serving-flags.js): less memory, more GC;
//   stock-mesh `mesh build` then `mesh start` (GraphQL Mesh v0 CLI) in a temp dir, on
//              the same OpenAPI documents, links written as `@resolveTo`;
//   yoga-jit   a hand-written graphql-yoga + graphql-jit + DataLoader server
//              (yoga-jit-main.ts), where the scenario supplies one (`yogaJit`).
// Each writes its config into its own folder of the run's work dir, with the backend's
// real URLs, so the same scenario runs anywhere.
import { createServer } from 'node:net';
import { mkdirSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import type { Scenario, SourceSpec } from '../scenarios/types.ts';
import { spawnPinned, type Started } from './processes.ts';
import { workerExecArgv } from '../../src/runtime/workers.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const MESH_BIN = path.join(ROOT, 'node_modules', '.bin', 'mesh');
/** tsx's loader, by URL, so that `--import` works whatever the child's working directory. */
export const TSX = import.meta.resolve('tsx');

export type SutName = 'bff' | 'tributary' | 'tributary-v8gc' | 'stock-mesh' | 'yoga-jit';

export const SUT_NAMES: readonly SutName[] = ['bff', 'tributary', 'tributary-v8gc', 'stock-mesh', 'yoga-jit'];

/** What the systems under test need of a scenario: its sources and each system's config. */
type SutConfigs = Pick<Scenario, 'sources' | 'tributary' | 'stockMesh'>;

/** The systems of a scaling run, by default. */
export const SCALING_SUTS: readonly SutName[] = ['bff', 'tributary', 'yoga-jit', 'stock-mesh'];

/** Run by default only in these scenarios (to keep `npm run bench` short); anywhere with `--sut`. */
export const SUT_ONLY_IN: Partial<Record<SutName, readonly string[]>> = { 'tributary-v8gc': ['posts-bulk', 'stripe-cold-start'] };

export interface Sut {
  name: SutName;
  url: string;
  process: Started;
  /** For stock Mesh: how long `mesh build` took. */
  buildMs?: number;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function writeSources(
  dir: string,
  sources: readonly SourceSpec[],
  urls: Record<string, string>,
): Array<{ name: string; handler: { openapi: { source: string; endpoint: string } } }> {
  mkdirSync(path.join(dir, 'specs'), { recursive: true });
  return sources.map((s) => {
    let source: string;
    if ('file' in s.openapi) source = String(s.openapi.file);
    else {
      source = path.join(dir, 'specs', `${s.name}.json`);
      writeFileSync(source, JSON.stringify(s.openapi, null, 2));
    }
    const endpoint = urls[s.service];
    if (!endpoint) throw new Error(`source ${s.name}: the backend has no service "${s.service}"`);
    return { name: s.name, handler: { openapi: { source, endpoint } } };
  });
}

/** The Node flags a cluster worker gets (src/runtime/workers.ts), for profiling in the same setting. */
export const WORKER_NODE_FLAGS = workerExecArgv([], '');

export function writeTributaryConfig(dir: string, scenario: SutConfigs, urls: Record<string, string>, extraSettings: Record<string, unknown> = {}): string {
  mkdirSync(dir, { recursive: true });
  const config = {
    sources: writeSources(dir, scenario.sources, urls),
    ...scenario.tributary.meshrc,
    tributary: { ...scenario.tributary.settings, ...extraSettings },
  };
  const file = path.join(dir, '.meshrc.yaml');
  writeFileSync(file, stringify(config));
  return file;
}

/** `tributary start` of `config` on loopback at `port`: the arguments after node's own flags. `root`: a checkout (ab.ts compares two). */
export function tributaryStart(config: string, port: number, root = ROOT): string[] {
  return [path.join(root, 'bin', 'tributary.js'), 'start', '--config', config, '--port', String(port), '--host', '127.0.0.1'];
}

export async function startTributary(
  dir: string,
  scenario: SutConfigs,
  urls: Record<string, string>,
  cpu: number | undefined,
  options: { workers?: number; nodeFlags?: string[]; v8gc?: boolean } = {},
): Promise<Sut> {
  const config = writeTributaryConfig(dir, scenario, urls);
  const port = await freePort();
  // The young generation the launcher gives `tributary start` (bin/serving-flags.js), given
  // here explicitly so that the process measured is the gateway itself: no relaunch, and
  // on a Node without process.execve no supervising parent (bin/supervise.js).
  const young = options.v8gc ? [] : WORKER_NODE_FLAGS;
  const args = [...young, ...(options.nodeFlags ?? []), ...tributaryStart(config, port)];
  if (options.workers !== undefined) args.push('--workers', String(options.workers));
  const proc = spawnPinned(cpu, process.execPath, args, {
    cwd: dir,
    log: path.join(dir, 'tributary.log'),
    env: options.v8gc ? { TRIBUTARY_SEMI_SPACE_MB: '0' } : {},
  });
  return { name: options.v8gc ? 'tributary-v8gc' : 'tributary', url: `http://127.0.0.1:${port}/graphql`, process: proc };
}

/** A hand-written server of the scenario export `ref`, as its own process: `bff-main.ts` (its `bff`) or `yoga-jit-main.ts` (its `yogaJit`). */
async function startHandWritten(
  name: 'bff' | 'yoga-jit',
  dir: string,
  ref: { module: string; exportName: string },
  urls: Record<string, string>,
  cpu: number | undefined,
): Promise<Sut> {
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const main = path.join(ROOT, 'bench', 'lib', `${name}-main.ts`);
  const proc = spawnPinned(cpu, process.execPath, ['--import', TSX, main, ref.module, ref.exportName, String(port), JSON.stringify(urls)], {
    cwd: ROOT,
    log: path.join(dir, `${name}.log`),
  });
  return { name, url: `http://127.0.0.1:${port}/graphql`, process: proc };
}

export function startBffProcess(dir: string, ref: { module: string; exportName: string }, urls: Record<string, string>, cpu: number | undefined): Promise<Sut> {
  return startHandWritten('bff', dir, ref, urls, cpu);
}

/** The hand-written graphql-yoga + graphql-jit server of the scenario export `ref` (its `yogaJit`). */
export function startYogaJitProcess(
  dir: string,
  ref: { module: string; exportName: string },
  urls: Record<string, string>,
  cpu: number | undefined,
): Promise<Sut> {
  return startHandWritten('yoga-jit', dir, ref, urls, cpu);
}

function run(command: string, args: string[], cwd: string, log: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawnPinned(undefined, command, args, { cwd, log, env: { FORK: '0' } });
    const timer = setTimeout(() => {
      void p.stop();
      reject(new Error(`${path.basename(args[0] ?? command)} ${args.slice(1).join(' ')} did not finish within ${timeoutMs} ms (log: ${log})`));
    }, timeoutMs);
    p.child.once('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`${path.basename(args[0] ?? command)} ${args.slice(1).join(' ')} exited with ${code} (log: ${log})`));
    });
  });
}

/**
 * Writes a stock Mesh project and runs `mesh build` in it. Mesh's generated artifacts
 * import its packages by name, so the folder gets a `node_modules` link to ours.
 */
export async function buildStockMesh(dir: string, scenario: SutConfigs, urls: Record<string, string>, port: number, timeoutMs: number): Promise<number> {
  if ('skip' in scenario.stockMesh) throw new Error(scenario.stockMesh.skip);
  mkdirSync(dir, { recursive: true });
  if (!existsSync(path.join(dir, 'node_modules'))) symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  const config = {
    sources: writeSources(dir, scenario.sources, urls),
    ...scenario.stockMesh.meshrc,
    // One process (FORK=0 below, too), like the other systems under test; no browser.
    serve: { port, hostname: '127.0.0.1', fork: 0, browser: false },
  };
  writeFileSync(path.join(dir, '.meshrc.yaml'), stringify(config));
  const started = performance.now();
  await run(process.execPath, [MESH_BIN, 'build', '--dir', dir], dir, path.join(dir, 'mesh-build.log'), timeoutMs);
  return performance.now() - started;
}

export function startStockMesh(dir: string, port: number, cpu: number | undefined): Sut {
  const proc = spawnPinned(cpu, process.execPath, [MESH_BIN, 'start', '--dir', dir], {
    cwd: dir,
    log: path.join(dir, 'mesh-start.log'),
    env: { FORK: '0', NODE_ENV: 'production' },
  });
  return { name: 'stock-mesh', url: `http://127.0.0.1:${port}/graphql`, process: proc };
}
