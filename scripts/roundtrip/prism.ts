// Stoplight Prism as a real process on loopback, serving one OpenAPI document as a mock
// that validates every request against it. `--errors` turns a request that violates the
// document into a 422 (or 401/404/405/406/415) and an answer of Prism's own that violates
// it into a 500, both with the violations in the `sl-violations` header: the two signals
// the round trip classifies by. Examples are served as written (`--dynamic` stays off), so
// a run is repeatable.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PRISM_BIN = path.join(ROOT, 'node_modules/@stoplight/prism-cli/dist/index.js');

export interface Prism {
  readonly url: string;
  readonly pid: number | undefined;
  /** The last lines Prism printed (for a failure message). */
  tail(): string;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 3_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Starts Prism on `document`; rejects with Prism's own words when it cannot serve it within `startMs`. */
export async function startPrism(document: string, options: { startMs?: number; onSpawn?: (child: ChildProcess) => void } = {}): Promise<Prism> {
  // Large documents take Prism a while to read and index, more so on a busy machine.
  const startMs = options.startMs ?? 240_000;
  // A port is free a moment before Prism binds it; another process may take it first, so retry.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const child = spawn(process.execPath, [PRISM_BIN, 'mock', '-h', '127.0.0.1', '-p', String(port), '--errors', document], {
      stdio: ['ignore', 'pipe', 'pipe'],
      // Prism's telemetry and colours off: no network call, plain lines.
      env: { ...process.env, SCARF_ANALYTICS: 'false', DO_NOT_TRACK: '1', NO_COLOR: '1', FORCE_COLOR: '0' },
    });
    options.onSpawn?.(child);
    let output = '';
    const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-8_000));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const tail = () => output.trim().split('\n').slice(-4).join(' | ').replace(/\s+/g, ' ');
    const ready = await new Promise<'ok' | 'exit' | 'timeout'>((resolve) => {
      const timer = setTimeout(() => resolve('timeout'), startMs);
      const onData = () => {
        if (/Prism is listening on/.test(output)) {
          clearTimeout(timer);
          resolve('ok');
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve('exit');
      });
    });
    if (ready === 'ok') {
      // Prism's request log is not read past start; drop it rather than buffer it.
      child.stdout.removeAllListeners('data');
      child.stdout.resume();
      return { url: `http://127.0.0.1:${port}`, pid: child.pid, tail, stop: () => stopProcess(child) };
    }
    await stopProcess(child);
    if (ready === 'exit' && /EADDRINUSE/.test(output) && attempt < 3) continue;
    throw new Error(ready === 'timeout' ? `Prism did not start within ${startMs} ms: ${tail()}` : `Prism exited: ${tail()}`);
  }
}
