// `tributary start`: take the port (listen-check.ts: a clash is one line before any
// build), build, refuse with --strict when a source failed to load, listen, and shut
// down cleanly on SIGINT/SIGTERM: the first signal drains (runtime/shutdown.ts: /readyz
// 503, no new connections, requests in flight finish within
// tributary.server.shutdownGraceMs), a second one cuts what is left. The
// exit code is 0 once the shutdown has run, whether or not requests had to be cut.
//
// Which process serves (and why):
//   - by default (1 worker) this process, with the larger young generation the launcher
//     gave it (bin/serving-flags.js: V8 flags are decided before anything loads);
//   - with more workers (`--workers N`, or `tributary.server.workers`; 0 = one per
//     core) this process becomes the node:cluster primary (runtime/workers.ts) and
//     each worker process runs this same command and serves here.
// One process is the default: the shape containers scaled by replicas expect, and the
// least memory; on a VM or bare metal, set `workers: 0`.
import cluster from 'node:cluster';
import { perWorkerStateWarnings, perWorkerSubscriptionWarnings, resolveWorkerCount, runPrimary, WORKER_CUT, WORKER_STOP } from '../runtime/workers.ts';
import type { Gateway, SourceStatus } from '../gateway.ts';
import type { LoadedConfig } from '../config/load.ts';
import type { Logger } from '../observability/log.ts';
import { TributaryError } from '../errors.ts';
import { listenError, reservePort, type PortReservation } from './listen-check.ts';

export interface StartOptions {
  config: string;
  port?: number;
  host?: string;
  watch?: boolean;
  workers?: number;
  /** Refuse to start when any source fails to load. */
  strict?: boolean;
}

export async function start(opts: StartOptions): Promise<void> {
  let reservation: PortReservation | undefined;
  if (cluster.isPrimary) {
    // The config decides how many workers there are, how long a shutdown may take, and
    // (below the flags and variables) where to listen.
    const { loadConfig } = await import('../config/load.ts');
    const { server, policies, subscriptions, sources } = (await loadConfig(opts.config)).tributary;
    const listen = { port: opts.port ?? server.port, host: opts.host ?? server.host };
    const count = resolveWorkerCount(opts.workers ?? server.workers);
    // Before any build. Workers listen on their own (through the primary), once each has
    // built: here the port is only tried.
    reservation = await reservePort(listen);
    if (count > 1) {
      await reservation.release();
      for (const warning of [...perWorkerStateWarnings(policies, count), ...perWorkerSubscriptionWarnings({ subscriptions, sources }, count)])
        console.warn(`Tributary: warning: ${warning}`);
      process.exit(await runPrimary({ count, graceMs: server.shutdownGraceMs, log: (message) => console.log(message) }));
    }
  }
  const shutdown = stopOnSignals();
  const { createGateway } = await import('../gateway.ts');
  const { createLogger } = await import('../observability/log.ts');
  const { createProgress } = await import('./progress.ts');
  const logger = createLogger();
  // Long loads (a 20 MB spec) show what is happening: a progress line on a terminal.
  const progress = createProgress(process.stderr);
  const gateway = await createGateway({ configFile: opts.config, logger, onProgress: (phase, source) => progress.update(phase, source) }).finally(() =>
    progress.done(),
  );
  const { config, built } = gateway.current();
  const failed = built.sources.filter((s) => !s.loaded);
  if (failed.length && opts.strict) throw strictRefusal(failed, built.sources.length);
  const wanted = { port: opts.port ?? config.tributary.server.port, host: opts.host ?? config.tributary.server.host };
  await reservation?.release();
  const { url } = await gateway.listen({ port: reservation?.port ?? wanted.port, host: wanted.host }).catch((error: unknown) => {
    throw listenError(error, wanted);
  });
  for (const s of failed) logger.error({ source: s.name, error: s.error }, 'source not served');
  say(logger, `Tributary is serving ${url}${graphiqlOn(config) ? ' (GraphiQL in a browser)' : ''}`, { url });
  if (failed.length) {
    console.warn(
      `Tributary: ${failed.length} of ${built.sources.length} sources failed to load and are not served: ${failed.map((s) => s.name).join(', ')} (the log says why; --strict refuses to start instead)`,
    );
  }
  const live = opts.watch ? await (await import('../reload/live-reload.ts')).startLiveReload(gateway, {}) : undefined;
  if (live) {
    live.on('reloaded', () => progress.done());
    live.on('failed', () => progress.done());
    say(logger, 'Watching the config and the source documents; every change rebuilds and swaps the schema.');
  }
  shutdown.serving(gateway, logger, () => live?.close());
}

/**
 * A line for the operator. In production stdout carries only JSON lines — a log
 * collector parses every one — so it is a log line there; elsewhere plain text.
 */
function say(logger: Logger, text: string, fields: Record<string, unknown> = {}): void {
  if (process.env.NODE_ENV === 'production') logger.info(fields, text);
  else console.log(text);
}

/**
 * Whether the gateway serves GraphiQL: the rule of src/policies/index.ts (createPolicies,
 * `settings.graphiql ?? !production`, production meaning NODE_ENV=production), computed
 * again here because the policies do not expose it; keep the two in step.
 */
function graphiqlOn(config: LoadedConfig): boolean {
  return config.tributary.policies.graphiql ?? process.env.NODE_ENV !== 'production';
}

/** `--strict`: one line naming the sources, then one per source with its reason. */
function strictRefusal(failed: SourceStatus[], total: number): TributaryError {
  const reasons = failed.map((s) => {
    // Most load errors start by naming their source already.
    const reason = (s.error ?? 'unknown error').replace(`Source "${s.name}": `, '');
    return `  - ${s.name}: ${reason}`;
  });
  return new TributaryError(
    'SOURCE_LOAD_FAILED',
    `${failed.length} of ${total} sources failed to load (${failed.map((s) => s.name).join(', ')}), and --strict refuses to start without them:\n${reasons.join('\n')}`,
  );
}

/**
 * Listens for the ways a stop reaches this process: its own signals (first: drain,
 * second: cut) and, in a worker, the cluster primary's messages. Registered before the
 * build, so that a stop during a long build ends the process at once: nothing is in
 * flight yet.
 */
function stopOnSignals(): { serving(gateway: Gateway, logger: Logger, beforeClose: () => void): void } {
  let current: { gateway: Gateway; logger: Logger; beforeClose: () => void } | undefined;
  let stopping = false;
  let signals = 0;
  const stop = () => {
    if (!current) process.exit(0);
    if (stopping) return;
    stopping = true;
    const { gateway, logger, beforeClose } = current;
    beforeClose();
    gateway.close().then(
      // The summary line must reach the log before the process is gone.
      () => logger.flush(() => process.exit(0)),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        logger.flush(() => process.exit(1));
      },
    );
  };
  const cut = () => {
    stop();
    void current?.gateway.close({ graceMs: 0 });
  };
  // Under a cluster a Ctrl-C reaches a worker twice (the terminal's SIGINT to the process
  // group and the primary's stop message); only this process's own signals are counted.
  const onSignal = () => {
    signals += 1;
    if (signals === 1) stop();
    else cut();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  if (cluster.isWorker) {
    process.on('message', (message) => {
      if (message === WORKER_STOP) stop();
      else if (message === WORKER_CUT) cut();
    });
  }
  return {
    serving(gateway, logger, beforeClose) {
      current = { gateway, logger, beforeClose };
    },
  };
}
