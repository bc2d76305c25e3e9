// `tributary start`: build, listen, and shut down cleanly on SIGINT/SIGTERM. With more
// than one worker (`--workers N`, or `tributary.server.workers`; 0 = one per core) this
// process becomes the node:cluster primary (server/workers.ts) and each worker runs
// this same command and serves in process. The default is 1: one process, no
// supervisor — the shape containers scale by replicas expect, and the least memory.
import cluster from 'node:cluster';
import { createGateway } from '../gateway.ts';
import { loadConfig } from '../config/load.ts';
import { resolveWorkerCount, runPrimary } from '../server/workers.ts';
import { createLogger } from '../observability/log.ts';
import { createProgress } from '../sources/progress.ts';

export interface StartOptions {
  config: string;
  port?: number;
  host?: string;
  watch?: boolean;
  workers?: number;
}

export async function start(opts: StartOptions): Promise<void> {
  if (cluster.isPrimary) {
    const count = resolveWorkerCount(opts.workers ?? (await loadConfig(opts.config)).tributary.server.workers);
    if (count > 1) {
      await runPrimary({ count, log: (message) => console.log(message) });
      process.exit(0);
    }
  }
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
}
