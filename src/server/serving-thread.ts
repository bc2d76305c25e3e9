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
// main thread) and exits with the thread's exit code. When the config asks for several
// workers, the thread says so instead of serving and this thread becomes the cluster
// primary (workers.ts), whose workers get the same young generation by a Node flag.
import { Worker } from 'node:worker_threads';
import { moduleUrl, threadImport } from '../module-runtime.ts';
import { runPrimary, WORKER_SEMI_SPACE_MB } from './workers.ts';

/** V8's young generation is two semi-spaces and a new large-object space of the same size. */
const YOUNG_GENERATION_MB = 3 * WORKER_SEMI_SPACE_MB;

/** How long the thread gets to finish in-flight requests after a signal. */
const STOP_GRACE_MS = 30_000;

export type ThreadMessage = { type: 'cluster'; count: number };

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
    let stopping = false;
    let becomingPrimary = false;
    const stop = () => {
      if (stopping) return;
      stopping = true;
      worker.postMessage('stop');
      setTimeout(() => void worker.terminate(), STOP_GRACE_MS).unref();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    worker.on('message', (message: ThreadMessage) => {
      if (message?.type !== 'cluster') return;
      becomingPrimary = true;
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void worker.terminate().then(() => runPrimary({ count: message.count, log: (m) => console.log(m) }).then(() => process.exit(0)));
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
