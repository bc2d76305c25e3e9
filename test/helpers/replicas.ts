// Gateway replicas as separate `tributary start` processes on loopback, for the suites
// about what replicas share (Redis-backed rate limits, caches, persisted queries, the
// subscription bus). Each is ready when its /readyz says so; a replica that dies first
// fails the wait at once, with its output.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from './free-port.ts';

export interface Replica {
  readonly child: ChildProcess;
  /** `http://127.0.0.1:<port>` */
  readonly base: string;
  readonly output: string[];
}

async function waitReady({ base, child, output }: Replica): Promise<void> {
  // Bounded polling of /readyz: up to ~45 s in 100 ms steps; fail at once if the process died.
  for (let i = 0; i < 450; i += 1) {
    if (child.exitCode !== null) throw new Error(`replica exited with ${child.exitCode}:\n${output.join('')}`);
    try {
      if ((await fetch(`${base}/readyz`)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`replica at ${base} never became ready:\n${output.join('')}`);
}

/** Starts `count` replicas of the gateway on `config`, with `env` added to this process's environment. */
export async function startReplicas(config: string, count: number, env: Record<string, string>): Promise<Replica[]> {
  const replicas: Replica[] = [];
  for (let i = 0; i < count; i += 1) {
    const port = await freePort();
    const output: string[] = [];
    const child = spawn(
      process.execPath,
      [join(process.cwd(), 'bin/tributary.js'), 'start', '--config', config, '--port', String(port), '--host', '127.0.0.1'],
      { env: { ...process.env, TRIBUTARY_LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout!.on('data', (d: Buffer) => output.push(d.toString()));
    child.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
    replicas.push({ child, base: `http://127.0.0.1:${port}`, output });
  }
  await Promise.all(replicas.map(waitReady));
  return replicas;
}

/** Kills the replicas and waits until each has exited. */
export async function stopReplicas(replicas: readonly Replica[]): Promise<void> {
  await Promise.all(
    replicas.map(
      ({ child }) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
}
