// Serving on several cores with node:cluster. The primary process only supervises: it
// forks the workers, restarts one that dies (after a pause, so a worker that crashes at
// start-up does not spin), and on SIGINT/SIGTERM asks each worker to finish its requests
// and exit. Each worker is a whole gateway — it builds its own schema and opens its own
// upstream pools — listening on the shared port; the cluster module hands incoming
// connections to the workers in turn.
//
// Workers get a larger young generation (`--max-semi-space-size`), unless the operator
// set one: a gateway request allocates a lot of short-lived objects (parsed upstream
// JSON, the response being built), and with V8's default 16 MB semi-space the scavenger
// runs so often that objects still in flight are copied and promoted; in the benchmark
// (BENCHMARKS.md) 64 MB cut CPU per query by about a third. 32 MB did as well on the
// smaller queries but took 1.37× the CPU per query on the three-service demo (17
// upstream calls); the memory a large build used to leave in it is handled at start-up
// (release-memory.ts).
import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';

/**
 * Young-generation semi-space for the serving thread or workers, in MB (V8's default
 * is 16). `TRIBUTARY_SEMI_SPACE_MB` overrides it; 0 keeps V8's default (and a single
 * process then serves from its main thread).
 */
export const WORKER_SEMI_SPACE_MB = semiSpaceMb(process.env.TRIBUTARY_SEMI_SPACE_MB);

function semiSpaceMb(value: string | undefined): number {
  if (value === undefined || value === '') return 64;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 1024) throw new Error(`TRIBUTARY_SEMI_SPACE_MB: expected a whole number of MB from 0 to 1024, found "${value}"`);
  return n;
}

/** A dead worker is replaced after this pause; a crash loop then costs little. */
const RESTART_DELAY_MS = 1_000;

/** How long workers get to finish in-flight requests on shutdown before they are killed. */
const SHUTDOWN_GRACE_MS = 30_000;

/** `0` means one worker per core the process may use. */
export function resolveWorkerCount(requested: number): number {
  return requested === 0 ? availableParallelism() : requested;
}

/** Node options for a worker: the parent's, plus the semi-space size unless one is set. */
export function workerExecArgv(parent: readonly string[], nodeOptions = process.env.NODE_OPTIONS ?? ''): string[] {
  const set = [...parent, ...nodeOptions.split(/\s+/)].some((a) => a.startsWith('--max-semi-space-size'));
  return set || WORKER_SEMI_SPACE_MB === 0 ? [...parent] : [...parent, `--max-semi-space-size=${WORKER_SEMI_SPACE_MB}`];
}

export interface PrimaryOptions {
  count: number;
  log: (message: string) => void;
}

/**
 * Runs the cluster primary: forks `count` workers (which re-run the same command line
 * and see `cluster.isWorker`), keeps that many alive, and shuts them down on a signal.
 * Resolves once the last worker has exited after a shutdown.
 */
export function runPrimary({ count, log }: PrimaryOptions): Promise<void> {
  cluster.setupPrimary({ execArgv: workerExecArgv(process.execArgv) });
  let stopping = false;
  const fork = (): Worker => cluster.fork();
  for (let i = 0; i < count; i++) fork();
  log(`Tributary: ${count} workers (node:cluster), pid ${process.pid} supervising`);

  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    log(`worker ${worker.process.pid} exited (${signal ?? code}); starting another in ${RESTART_DELAY_MS} ms`);
    setTimeout(() => {
      if (!stopping) fork();
    }, RESTART_DELAY_MS).unref();
  });

  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => Boolean(w));
      if (workers.length === 0) return resolve();
      let left = workers.length;
      for (const worker of workers) {
        worker.once('exit', () => {
          if (--left === 0) resolve();
        });
        // Each worker handles the signal like a single process does (start.ts): it
        // stops accepting, finishes what is in flight and exits.
        worker.process.kill(signal);
      }
      setTimeout(() => {
        for (const worker of workers) if (!worker.isDead()) worker.process.kill('SIGKILL');
      }, SHUTDOWN_GRACE_MS).unref();
    };
    process.once('SIGINT', () => stop('SIGTERM'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}
