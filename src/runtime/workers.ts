// Serving on several cores with node:cluster. The primary process only supervises: it
// forks the workers, restarts one that dies (after a pause, so a worker that crashes at
// start-up does not spin), and on SIGINT/SIGTERM asks each worker to finish its requests
// and exit (a second signal asks them to cut what is left). Each worker is a whole gateway — it builds its own schema and opens its own
// upstream pools — listening on the shared port; the cluster module hands incoming
// connections to the workers in turn.
//
// Workers get the larger young generation the launcher gives a serving process
// (bin/serving-flags.js says why), through the primary's argv. 32 MB did as well as 64 on
// the smaller queries but took 1.37× the CPU per query on the three-service demo (17
// upstream calls); the memory a large build used to leave in it is handled at start-up
// (release-memory.ts).
import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import type { TributarySettings } from '../config/schema.ts';
import { semiSpaceMb, semiSpaceSet } from '../../bin/serving-flags.js';

/**
 * Young-generation semi-space for workers, in MB: the launcher's rule (bin/serving-flags.js),
 * `TRIBUTARY_SEMI_SPACE_MB` or 128; 0 keeps V8's default.
 */
export const WORKER_SEMI_SPACE_MB = semiSpaceMb(process.env.TRIBUTARY_SEMI_SPACE_MB);

/** A dead worker is replaced after this pause; a crash loop then costs little. */
const RESTART_DELAY_MS = 1_000;

/**
 * A worker drains for the configured grace (tributary.server.shutdownGraceMs), then
 * closes its pools and logs; it is killed only if it is still there this long after.
 */
export const KILL_MARGIN_MS = 5_000;

/** What the primary tells a worker; a worker that is not listening yet gets SIGTERM instead. */
export const WORKER_STOP = 'tributary:stop';
export const WORKER_CUT = 'tributary:cut';

/** `0` means one worker per core the process may use. */
export function resolveWorkerCount(requested: number): number {
  return requested === 0 ? availableParallelism() : requested;
}

/**
 * Node options for a worker: the parent's (which hold the launcher's flag), plus the
 * semi-space size when the parent has none (a Node that could not relaunch itself).
 */
export function workerExecArgv(parent: readonly string[], nodeOptions = process.env.NODE_OPTIONS ?? ''): string[] {
  return semiSpaceSet(parent, nodeOptions) || WORKER_SEMI_SPACE_MB === 0 ? [...parent] : [...parent, `--max-semi-space-size=${WORKER_SEMI_SPACE_MB}`];
}

/**
 * Start-up warnings for settings that do not hold across workers: a memory store lives
 * in one process, so with N workers each counts (rate limit) or caches on its own.
 */
export function perWorkerStateWarnings(policies: TributarySettings['policies'], count: number): string[] {
  if (count <= 1) return [];
  const warnings: string[] = [];
  if (policies.rateLimit?.store === 'memory') {
    warnings.push(
      `tributary.policies.rateLimit.store is "memory" with ${count} workers: each worker counts alone, so a client may get up to ${count} times each limit; use store: redis to share the counts`,
    );
  }
  const cache = policies.cache;
  if (cache?.store === 'memory' && (cache.rules.length > 0 || cache.passthrough.enabled)) {
    warnings.push(
      `tributary.policies.cache.store is "memory" with ${count} workers: each worker caches alone (up to ${count} upstream calls per entry, ${count} copies in memory); use store: redis to share the cache`,
    );
  }
  return warnings;
}

/**
 * The same for subscriptions: a memory pubsub reaches the subscribers of the worker that
 * took the webhook call, and a subscriber is on any worker.
 */
export function perWorkerSubscriptionWarnings(settings: Pick<TributarySettings, 'subscriptions' | 'sources'>, count: number): string[] {
  if (count <= 1 || settings.subscriptions.pubsub !== 'memory') return [];
  const hooked = Object.entries(settings.sources).filter(([, s]) => s.webhooks !== undefined);
  if (hooked.length === 0) return [];
  return [
    `tributary.subscriptions.pubsub is "memory" with ${count} workers: a webhook call reaches only the subscribers of the worker that took it (sources ${hooked.map(([n]) => n).join(', ')}); use pubsub: redis to share events`,
  ];
}

export interface PrimaryOptions {
  count: number;
  /** tributary.server.shutdownGraceMs: how long each worker drains on a signal. */
  graceMs: number;
  log: (message: string) => void;
}

/**
 * Runs the cluster primary: forks `count` workers (which re-run the same command line
 * and see `cluster.isWorker`), keeps that many alive, and shuts them down on a signal.
 * Resolves once the last worker has exited after a shutdown, with the exit code the
 * primary should have: 0 when every worker exited 0.
 */
export function runPrimary({ count, graceMs, log }: PrimaryOptions): Promise<number> {
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

  // A worker that listens has a gateway to drain; one still building has nothing in
  // flight, and SIGTERM ends it at once (start.ts).
  const listening = new Set<number>();
  cluster.on('listening', (worker) => listening.add(worker.id));
  cluster.on('exit', (worker) => listening.delete(worker.id));

  return new Promise((resolve) => {
    let signals = 0;
    let workers: Worker[] = [];
    const tell = (worker: Worker, message: string) => {
      if (worker.isDead()) return;
      if (listening.has(worker.id) && worker.isConnected()) worker.send(message);
      else worker.process.kill('SIGTERM');
    };
    // Messages rather than signals: a Ctrl-C (SIGINT to the whole process group) or a
    // service manager that signals every process of the unit already reaches the
    // workers, and a worker counts its own signals, so a second forwarded signal would
    // be taken for "cut now". Messages say which one is meant.
    const onSignal = () => {
      signals += 1;
      if (signals > 1) {
        for (const worker of workers) tell(worker, WORKER_CUT);
        return;
      }
      stopping = true;
      workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => Boolean(w));
      if (workers.length === 0) return resolve(0);
      let left = workers.length;
      let code = 0;
      for (const worker of workers) {
        worker.once('exit', (exitCode, signal) => {
          if (exitCode !== 0 || signal) code = 1;
          if (--left === 0) resolve(code);
        });
        // Each worker drains like a single process does (start.ts).
        tell(worker, WORKER_STOP);
      }
      setTimeout(() => {
        for (const worker of workers) if (!worker.isDead()) worker.process.kill('SIGKILL');
      }, graceMs + KILL_MARGIN_MS).unref();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
