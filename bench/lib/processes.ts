// Starting, watching and stopping the processes under test. Each one is started with
// `taskset -c <cpu>` so that it and every thread and child it creates run on that
// core only, in its own process group so that stopping it also stops any workers it
// forked (stock `mesh start` forks). Memory is the resident set of the whole tree.
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, readdirSync, readFileSync } from 'node:fs';

export interface Started {
  child: ChildProcess;
  pid: number;
  /** performance.now() just before the spawn, for cold-start timing. */
  spawnedAt: number;
  stop(): Promise<void>;
}

/**
 * Process groups started here and not yet stopped. They are detached (so that a stop
 * reaches their whole tree), which also means they would outlive an interrupted run:
 * on exit or Ctrl-C the runner kills what is left, by group id.
 */
const running = new Set<number>();
const killAll = () => {
  for (const pid of running) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  running.clear();
};
let cleanupInstalled = false;
function installCleanup(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  process.once('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killAll();
      process.exit(130);
    });
  }
}

export function spawnPinned(
  cpu: number | undefined,
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; log: string },
): Started {
  const out = openSync(options.log, 'a');
  const [cmd, argv] = cpu === undefined ? [command, args] : ['taskset', ['-c', String(cpu), command, ...args]];
  const spawnedAt = performance.now();
  // taskset execs the command, so the pid is the command's own.
  const child = spawn(cmd, argv, { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['ignore', out, out], detached: true });
  const pid = child.pid!;
  installCleanup();
  running.add(pid);
  child.once('exit', () => running.delete(pid));
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      // The whole group: the process and whatever it forked, by the group id we created.
      const kill = (signal: NodeJS.Signals) => {
        try {
          process.kill(-pid, signal);
        } catch {
          /* already gone */
        }
      };
      kill('SIGTERM');
      setTimeout(() => kill('SIGKILL'), 3_000).unref();
    });
  return { child, pid, spawnedAt, stop };
}

/** Pins the calling process (and the threads it has now) to one core. */
export function pinSelf(cpu: number): Promise<boolean> {
  return new Promise((resolve) => {
    const p = spawn('taskset', ['-a', '-cp', String(cpu), String(process.pid)], { stdio: 'ignore' });
    p.once('exit', (code) => resolve(code === 0));
    p.once('error', () => resolve(false));
  });
}

/** `pid` and all its descendants (stock `mesh start` may fork). */
function treeOf(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Field 4 (ppid) comes after the `(comm)` field, which may contain spaces.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {
      /* exited meanwhile */
    }
  }
  const out: number[] = [];
  const visit = (p: number) => {
    out.push(p);
    for (const c of children.get(p) ?? []) visit(c);
  };
  visit(pid);
  return out;
}

/** Kilobytes of resident memory of `pid` and all its descendants. */
export function treeRssKb(pid: number): number {
  let total = 0;
  for (const p of treeOf(pid)) {
    try {
      total += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      /* exited meanwhile */
    }
  }
  return total;
}

/** Linux reports CPU time in clock ticks of 1/100 s (`getconf CLK_TCK`). */
const TICK_MS = 10;

/**
 * CPU time (user + system, ms) used so far by `pid` and its descendants. Unlike
 * throughput, CPU per request hardly changes when other work shares the machine, so it
 * is the steadier measure of what a request costs.
 */
export function treeCpuMs(pid: number): number {
  let ticks = 0;
  for (const p of treeOf(pid)) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // utime and stime are fields 14 and 15 of stat, i.e. 11 and 12 after `(comm) `.
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      /* exited meanwhile */
    }
  }
  return ticks * TICK_MS;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * POSTs `body` until `accept(status, text)` says yes, or `timeoutMs` passes. Returns the
 * time of the accepted answer (performance.now()) and its text.
 */
export async function pollUntil(
  url: string,
  body: string,
  accept: (status: number, text: string) => boolean,
  options: { timeoutMs: number; intervalMs?: number; exited?: () => string | undefined },
): Promise<{ at: number; text: string }> {
  const deadline = performance.now() + options.timeoutMs;
  let last = 'no answer';
  while (performance.now() < deadline) {
    const exited = options.exited?.();
    if (exited) throw new Error(exited);
    try {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(10_000) });
      const text = await res.text();
      if (accept(res.status, text)) return { at: performance.now(), text };
      last = `${res.status} ${text.slice(0, 300)}`;
    } catch (error) {
      last = String((error as Error).cause ?? error);
    }
    await sleep(options.intervalMs ?? 25);
  }
  throw new Error(`no good answer from ${url} within ${options.timeoutMs} ms; last: ${last}`);
}
