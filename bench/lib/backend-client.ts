// The runner's side of the backend child (backend-main.ts): start it, ask for call counts.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BackendSpec } from '../scenarios/types.ts';
import type { CallCounts } from './backend.ts';

export interface BackendProcess {
  urls: Record<string, string>;
  pid: number;
  counts(): Promise<CallCounts>;
  /** A `sized` backend: serve this list size from now on (resolves once it does). */
  select(size: number): Promise<void>;
  stop(): Promise<void>;
}

const MAIN = fileURLToPath(new URL('./backend-main.ts', import.meta.url));

export async function forkBackend(spec: BackendSpec): Promise<BackendProcess> {
  // Forked, so it inherits the runner's CPU affinity (the load generator's core).
  const child: ChildProcess = fork(MAIN, [], { execArgv: ['--import', import.meta.resolve('tsx')], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let nextId = 1;
  const waiting = new Map<number, (c: CallCounts) => void>();
  const selecting = new Map<number, (error?: string) => void>();
  const ready = new Promise<Record<string, string>>((resolve, reject) => {
    child.on('message', (m: { type: string; urls?: Record<string, string>; id?: number; counts?: CallCounts; message?: string }) => {
      if (m.type === 'ready') resolve(m.urls!);
      else if (m.type === 'selected') {
        selecting.get(m.id!)?.(m.message);
        selecting.delete(m.id!);
      } else if (m.type === 'error') reject(new Error(`backend failed to start: ${m.message}`));
      else if (m.type === 'counts') {
        waiting.get(m.id!)?.(m.counts!);
        waiting.delete(m.id!);
      }
    });
    child.once('exit', (code) => reject(new Error(`backend exited with ${code}`)));
  });
  child.send({ type: 'start', backend: spec });
  const urls = await ready;
  return {
    urls,
    pid: child.pid!,
    counts: () =>
      new Promise((resolve) => {
        const id = nextId++;
        waiting.set(id, resolve);
        child.send({ type: 'counts', id });
      }),
    select: (size) =>
      new Promise((resolve, reject) => {
        const id = nextId++;
        selecting.set(id, (error) => (error ? reject(new Error(error)) : resolve()));
        child.send({ type: 'select', id, size });
      }),
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.disconnect();
        setTimeout(() => child.kill('SIGKILL'), 3_000).unref();
      }),
  };
}
