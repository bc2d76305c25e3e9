// The launcher decides a serving process's V8 flags before anything loads
// (bin/serving-flags.js): `start`, `dev` and `demo` run again with the same command plus
// --max-semi-space-size, unless the operator chose a size or asked for V8's default. On
// Node 22.15+ the process replaces itself: the pid that prints the banner is the one
// that was started. Before (no process.execve), it runs the gateway as its child
// (bin/supervise.js), which must look the same from outside: the same output, signals
// passed on, its exit code, and no gateway left serving when the supervisor is killed.
// The supervised path is driven directly, so that it is tested on every Node.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { servingRelaunch } from '../../bin/serving-flags.js';
import { SOURCES, startWorld, writeConfig, type World } from './fixtures.ts';
import { freePort } from '../helpers/free-port.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = path.join(ROOT, 'bin', 'tributary.js');
const node = process.execPath;

describe('servingRelaunch', () => {
  const argv = (...rest: string[]) => [node, BIN, ...rest];
  it.each([
    {
      name: 'start, nothing set',
      args: argv('start', '--port', '1'),
      execArgv: [],
      env: {},
      relaunch: [node, '--max-semi-space-size=128', BIN, 'start', '--port', '1'],
    },
    {
      name: "dev keeps the parent's own flags after the new one",
      args: argv('dev'),
      execArgv: ['--enable-source-maps'],
      env: {},
      relaunch: [node, '--max-semi-space-size=128', '--enable-source-maps', BIN, 'dev'],
    },
    {
      name: 'demo with TRIBUTARY_SEMI_SPACE_MB=32',
      args: argv('demo'),
      execArgv: [],
      env: { TRIBUTARY_SEMI_SPACE_MB: '32' },
      relaunch: [node, '--max-semi-space-size=32', BIN, 'demo'],
    },
    { name: 'check does not serve', args: argv('check'), execArgv: [], env: {}, relaunch: undefined },
    { name: 'the flag is already there (the relaunched process)', args: argv('start'), execArgv: ['--max-semi-space-size=128'], env: {}, relaunch: undefined },
    { name: 'the operator set one in NODE_OPTIONS', args: argv('start'), execArgv: [], env: { NODE_OPTIONS: '--max_semi_space_size=16' }, relaunch: undefined },
    { name: "TRIBUTARY_SEMI_SPACE_MB=0 keeps V8's default", args: argv('start'), execArgv: [], env: { TRIBUTARY_SEMI_SPACE_MB: '0' }, relaunch: undefined },
  ])('$name', ({ args, execArgv, env, relaunch }) => {
    expect(servingRelaunch(args, execArgv, env)).toEqual(relaunch);
  });
});

/** The processes whose parent is `pid` (Linux). */
function childrenOf(pid: number): number[] {
  return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
}

function cmdlineOf(pid: number): string[] {
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Resolves once the banner is printed; rejects if the process exits first. */
function serving(child: ReturnType<typeof spawn>): Promise<string> {
  let out = '';
  return new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      if (out.includes('Tributary is serving')) resolve(out);
    });
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
  });
}

describe('tributary start, really started', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld();
  });
  afterAll(async () => {
    await world?.close();
  });

  const startArgs = async () => ['start', '--config', await writeConfig(world, SOURCES), '--port', String(await freePort()), '--host', '127.0.0.1'];
  const env = { ...process.env, TRIBUTARY_LOG_LEVEL: 'warn' };
  // The supervised path, on any Node: what bin/tributary.js runs when there is no process.execve.
  const supervised = (args: string[]) =>
    spawn(
      node,
      [
        '--input-type=module',
        '-e',
        `import { supervise } from ${JSON.stringify(path.join(ROOT, 'bin', 'supervise.js'))}; supervise(${JSON.stringify([node, '--max-semi-space-size=128', BIN, ...args])});`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env },
    );

  it('serves with the flag, from the process it started where this Node can replace one, else from its one child', async () => {
    const args = await startArgs();
    const child = spawn(node, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
    await serving(child);
    const replaced = typeof (process as { execve?: unknown }).execve === 'function';
    const served = replaced ? child.pid! : childrenOf(child.pid!)[0]!;
    const cmdline = cmdlineOf(served);
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(cmdline.includes('--max-semi-space-size=128')).toBe(true);
    expect(cmdline.slice(-8)).toEqual([BIN, ...args]);
    if (!replaced) expect(alive(served)).toBe(false);
  });

  it('supervised: a SIGTERM to the supervisor drains the gateway, and the supervisor exits as it does', async () => {
    const child = supervised(await startArgs());
    await serving(child);
    const [gateway] = childrenOf(child.pid!);
    expect(cmdlineOf(gateway!)).toContain('--max-semi-space-size=128');
    const exited = new Promise<[number | null, string | null]>((resolve) => child.once('exit', (code, signal) => resolve([code, signal])));
    child.kill('SIGTERM');
    expect(await exited).toEqual([0, null]);
    expect(alive(gateway!)).toBe(false);
  });

  it("supervised: the gateway's exit code is the supervisor's", async () => {
    const child = spawn(
      node,
      [
        '--input-type=module',
        '-e',
        `import { supervise } from ${JSON.stringify(path.join(ROOT, 'bin', 'supervise.js'))}; supervise(${JSON.stringify([node, '--max-semi-space-size=128', BIN, 'start', '--config', '/nonexistent/.meshrc.yaml'])});`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env },
    );
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    expect(err).toMatch(/nonexistent/);
  });

  it('supervised: a supervisor killed outright leaves no gateway serving', async () => {
    const child = supervised(await startArgs());
    await serving(child);
    const [gateway] = childrenOf(child.pid!);
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await gone;
    // The gateway sees its supervisor's channel close and shuts down as on SIGTERM.
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (alive(gateway!)) return;
        clearInterval(poll);
        resolve();
      }, 20);
    });
    expect(alive(gateway!)).toBe(false);
  });
});
