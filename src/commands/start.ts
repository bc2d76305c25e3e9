// `tributary start`: build, listen, and shut down cleanly on SIGINT/SIGTERM.
//
// Which process or thread serves (and why):
//   - by default (1 worker) one process, serving from a thread with a larger young
//     generation (server/serving-thread.ts); this main thread only runs the command
//     line, so the modules below are imported where the serving happens;
//   - with more workers (`--workers N`, or `tributary.server.workers`; 0 = one per
//     core) the main thread becomes the node:cluster primary (server/workers.ts) and
//     each worker process runs this same command and serves here, in process.
// One process is the default: the shape containers scaled by replicas expect, and the
// least memory; on a VM or bare metal, set `workers: 0`.
import cluster from 'node:cluster';
import { isMainThread, parentPort } from 'node:worker_threads';
import { resolveWorkerCount, runPrimary, WORKER_SEMI_SPACE_MB } from '../server/workers.ts';
import { serveFromThread, type ThreadMessage } from '../server/serving-thread.ts';

export interface StartOptions {
  config: string;
  port?: number;
  host?: string;
  watch?: boolean;
  workers?: number;
}

export async function start(opts: StartOptions): Promise<void> {
  // The serving thread's stderr is not a TTY even when the terminal's is; it inherits
  // this, so that the load progress still draws one line in place (sources/progress.ts).
  if (isMainThread && process.stderr.isTTY) process.env.TRIBUTARY_STDERR_TTY ??= '1';
  if (cluster.isPrimary && isMainThread && WORKER_SEMI_SPACE_MB > 0) return serveFromThread(import.meta.url, { ...opts });
  if (cluster.isPrimary) {
    // In the serving thread (or the main one): the config decides how many workers there are.
    const { loadConfig } = await import('../config/load.ts');
    const count = resolveWorkerCount(opts.workers ?? (await loadConfig(opts.config)).tributary.server.workers);
    if (count > 1 && parentPort) {
      parentPort.postMessage({ type: 'cluster', count } satisfies ThreadMessage);
      return;
    }
    if (count > 1) {
      await runPrimary({ count, log: (message) => console.log(message) });
      process.exit(0);
    }
  }
  const { createGateway } = await import('../gateway.ts');
  const { createLogger } = await import('../observability/log.ts');
  const { createProgress } = await import('../sources/progress.ts');
  const logger = createLogger();
  // Long loads (a 20 MB spec) show what is happening: a progress line on a terminal.
  const progress = createProgress(process.stderr);
  const gateway = await createGateway({ configFile: opts.config, logger, onProgress: (phase, source) => progress.update(phase, source) }).finally(() => progress.done());
  const { url } = await gateway.listen({ port: opts.port, host: opts.host });
  for (const s of gateway.current().built.sources) {
    if (!s.loaded) logger.error({ source: s.name, error: s.error }, 'source not served');
  }
  console.log(`Tributary is serving ${url} (GraphiQL in a browser)`);
  const live = opts.watch ? await (await import('../reload/live-reload.ts')).startLiveReload(gateway, { configFile: opts.config, logger }) : undefined;
  if (live) {
    live.on('reloaded', () => progress.done());
    live.on('failed', () => progress.done());
    console.log('Watching the config and the source documents; every change rebuilds and swaps the schema.');
  }
  let stopping = false;
  const stop = () => {
    // Under a cluster a Ctrl-C reaches the workers twice (the terminal's SIGINT and the
    // primary's SIGTERM): shut down once.
    if (stopping) return;
    stopping = true;
    live?.close();
    gateway.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  // In the serving thread, signals reach the main thread, which passes them on.
  parentPort?.on('message', (message) => {
    if (message === 'stop') stop();
  });
}
