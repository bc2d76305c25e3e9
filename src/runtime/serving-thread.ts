// A single-process gateway serves from a worker thread, so that it can have a larger
// young generation than V8's default: a heap size is fixed when an isolate starts, and
// only a thread (resourceLimits) or a new process (--max-semi-space-size) can start one
// with other sizes. A gateway request allocates a lot of short-lived objects (parsed
// upstream JSON, the response being built); with the default 16 MB semi-space the
// scavenger ran so often that objects still in flight were copied and promoted, and GC
// took a quarter of the CPU (BENCHMARKS.md). A thread costs far less memory than a
// supervising process, and this main thread loads nothing but the command line.
//
// The main thread passes SIGINT/SIGTERM on as a 'stop' message (signals only reach the
// main thread), a second signal as 'cut', and exits with the thread's exit code. When the config asks for several
// workers, the thread says so instead of serving and this thread becomes the cluster
// primary (workers.ts), whose workers get the same young generation by a Node flag.
import { Worker } from 'node:worker_threads';
import { moduleUrl, threadImport } from '../module-runtime.ts';
import { KILL_MARGIN_MS, runPrimary, WORKER_SEMI_SPACE_MB } from './workers.ts';

/** V8's young generation is two semi-spaces and a new large-object space of the same size. */
const YOUNG_GENERATION_MB = 3 * WORKER_SEMI_SPACE_MB;

/**
 * What the thread tells this one: its drain grace (tributary.server.shutdownGraceMs)
 * once the config is read, or that the config asks for a cluster.
 */
export type ThreadMessage = { type: 'grace'; graceMs: number } | { type: 'cluster'; count: number; graceMs: number; warnings: string[] };

/** The thread's code: import the start module (through tsx from sources), then `start(workerData)`. */
function threadSource(startModule: string): string {
  const errors = moduleUrl('../errors.ts', import.meta.url);
  return `
    const { workerData } = require('node:worker_threads');
    ${threadImport(startModule)}
      .then((m) => m.start(workerData))
      .catch(async (error) => {
        const { isTributaryError } = await import(${JSON.stringify(errors)});
        console.error(isTributaryError(error) ? 'error ' + error.code + ': ' + error.message : error);
        process.exit(1);
      });`;
}

/** Runs `start(options)` (src/commands/start.ts) in a serving thread; resolves never — the process exits with it. */
export function serveFromThread(startModule: string, options: unknown): Promise<void> {
  return new Promise(() => {
    const worker = new Worker(threadSource(startModule), {
      eval: true,
      workerData: options,
      resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
    });
    let signals = 0;
    let becomingPrimary = false;
    // Until the thread has read its config it serves nothing, and a 'stop' ends it at
    // once: the margin alone is then enough.
    let graceMs = 0;
    const stop = () => {
      signals += 1;
      if (signals > 1) return worker.postMessage('cut');
      worker.postMessage('stop');
      // The thread drains for its grace, then closes pools and logs (start.ts); this is
      // only for a thread that does not manage that.
      setTimeout(() => void worker.terminate(), graceMs + KILL_MARGIN_MS).unref();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    worker.on('message', (message: ThreadMessage) => {
      if (message?.type === 'grace') graceMs = message.graceMs;
      if (message?.type !== 'cluster') return;
      becomingPrimary = true;
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      for (const warning of message.warnings) console.warn(`Tributary: warning: ${warning}`);
      void worker.terminate().then(() => runPrimary({ count: message.count, graceMs: message.graceMs, log: (m) => console.log(m) }).then((code) => process.exit(code)));
    });
    worker.on('error', (error) => {
      console.error(error);
      process.exit(1);
    });
    worker.on('exit', (code) => {
      if (!becomingPrimary) process.exit(code);
    });
  });
}
