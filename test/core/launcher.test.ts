// The launcher decides a serving process's V8 flags before anything loads
// (bin/serving-flags.js): `start`, `dev` and `demo` replace themselves with the same
// command plus --max-semi-space-size, unless the operator chose a size, asked for V8's
// default, or the Node cannot replace a process (before 22.15). No serving thread, no
// supervising process: the pid that prints the banner is the one that was started.
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
      relaunch: [node, '--max-semi-space-size=64', BIN, 'start', '--port', '1'],
    },
    {
      name: "dev keeps the parent's own flags after the new one",
      args: argv('dev'),
      execArgv: ['--enable-source-maps'],
      env: {},
      relaunch: [node, '--max-semi-space-size=64', '--enable-source-maps', BIN, 'dev'],
    },
    {
      name: 'demo with TRIBUTARY_SEMI_SPACE_MB=32',
      args: argv('demo'),
      execArgv: [],
      env: { TRIBUTARY_SEMI_SPACE_MB: '32' },
      relaunch: [node, '--max-semi-space-size=32', BIN, 'demo'],
    },
    { name: 'check does not serve', args: argv('check'), execArgv: [], env: {}, relaunch: undefined },
    { name: 'the flag is already there (the relaunched process)', args: argv('start'), execArgv: ['--max-semi-space-size=64'], env: {}, relaunch: undefined },
    { name: 'the operator set one in NODE_OPTIONS', args: argv('start'), execArgv: [], env: { NODE_OPTIONS: '--max_semi_space_size=16' }, relaunch: undefined },
    { name: "TRIBUTARY_SEMI_SPACE_MB=0 keeps V8's default", args: argv('start'), execArgv: [], env: { TRIBUTARY_SEMI_SPACE_MB: '0' }, relaunch: undefined },
  ])('$name', ({ args, execArgv, env, relaunch }) => {
    expect(servingRelaunch(args, execArgv, env, true)).toEqual(relaunch);
  });

  it('a Node that cannot replace a process goes on as it is', () => {
    expect(servingRelaunch(argv('start'), [], {}, false)).toBeUndefined();
  });
});

describe('tributary start, really started', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld();
  });
  afterAll(async () => {
    await world?.close();
  });

  it('serves from the process it started, with the flag exactly when this Node can relaunch', async () => {
    const config = await writeConfig(world, SOURCES);
    const port = await freePort();
    const child = spawn(node, [BIN, 'start', '--config', config, '--port', String(port), '--host', '127.0.0.1'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, TRIBUTARY_LOG_LEVEL: 'warn' },
    });
    let out = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString('utf8');
        if (out.includes('Tributary is serving')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
    });
    const cmdline = readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(cmdline.includes('--max-semi-space-size=64')).toBe(typeof (process as { execve?: unknown }).execve === 'function');
    expect(cmdline.slice(-8)).toEqual([BIN, 'start', '--config', config, '--port', String(port), '--host', '127.0.0.1']);
  });
});
