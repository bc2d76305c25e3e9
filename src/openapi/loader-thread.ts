// Runs loader-worker.ts in a worker thread with a time limit per request and a heap
// limit per thread, so that a spec that makes Mesh's loader loop or blow up costs a
// terminated thread and a reported error, never a hung or crashed process. Idle threads
// are kept (unref'd, so they never keep the process alive) because starting one (Mesh's
// modules, and tsx from sources) costs far more than a small spec's load; at most one
// thread per core works at a time, so a config with many sources does not thrash a
// small machine.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { FROM_SOURCE, moduleUrl, threadImport } from '../module-runtime.ts';
import type { LoaderPhase, LoaderReply, LoaderRequest } from './loader-protocol.ts';
import { raiseInterruptBudget } from './tiering.ts';

/**
 * Heap of one loader thread. Stripe's 4 MB spec peaks near 500 MB for the whole process;
 * specs of 20 MB need a few GB. A runaway dies here, alone, not the gateway.
 */
const MAX_OLD_GENERATION_MB = 6144;
/** Mesh recurses once per schema nesting level; real specs nest deeper than V8's default allows. */
const STACK_SIZE_MB = 16;
const MAX_IDLE = 2;

const idle: Worker[] = [];

/**
 * The thread's entry module: from dist/, the one-file bundle the build writes beside it
 * (scripts/bundle.ts: Mesh's modules load in half the time), unless TRIBUTARY_BUNDLE=0.
 */
function workerEntry(): string {
  const own = moduleUrl('./loader-worker.ts', import.meta.url);
  if (FROM_SOURCE || process.env.TRIBUTARY_BUNDLE === '0') return own;
  const bundle = new URL('./loader-worker.bundle.js', import.meta.url);
  return existsSync(bundle) ? bundle.href : own;
}

function workerSource(): string {
  return `${threadImport(workerEntry())};`;
}

/** The limits a loader thread runs under (also what the benchmark's loader-alone run gets). */
export function loaderResourceLimits(maxMemoryMb = MAX_OLD_GENERATION_MB): { maxOldGenerationSizeMb: number; stackSizeMb: number } {
  return { maxOldGenerationSizeMb: maxMemoryMb, stackSizeMb: STACK_SIZE_MB };
}

function spawn(maxMemoryMb: number): Worker {
  return new Worker(workerSource(), { eval: true, resourceLimits: loaderResourceLimits(maxMemoryMb) });
}

/**
 * Concurrency lanes. Small specs load in tens of milliseconds, less than a thread takes
 * to start, so they queue for one shared lane (one warm thread serves them all); large
 * ones get a thread per core.
 */
const SMALL_SPEC_BYTES = 1_048_576;
interface Lane {
  limit: number;
  busy: number;
  waiting: Array<() => void>;
}
const lanes = { small: { limit: 1, busy: 0, waiting: [] } as Lane, large: { limit: Math.max(1, availableParallelism()), busy: 0, waiting: [] } as Lane };

async function enter(lane: Lane): Promise<void> {
  if (lane.busy < lane.limit) {
    lane.busy++;
    return;
  }
  await new Promise<void>((resolve) => lane.waiting.push(resolve));
}

function leave(lane: Lane): void {
  const next = lane.waiting.shift();
  if (next) next();
  else lane.busy--;
}

export class LoaderThreadError extends Error {
  constructor(
    message: string,
    readonly kind: 'timeout' | 'crash' | 'failed',
  ) {
    super(message);
    this.name = 'LoaderThreadError';
  }
}

type Payload<T extends LoaderRequest['type']> = Omit<Extract<LoaderRequest, { type: T }>, 'id'>;

export interface LoaderThreadOptions {
  onProgress?: (phase: LoaderPhase) => void;
  /** Heap limit of the thread in MB (default 6144). A smaller one is spawned fresh, never pooled. */
  maxMemoryMb?: number;
}

/** One worker thread, owned by one caller between acquire() and release(). */
export class LoaderThread {
  private worker: Worker | undefined;
  private nextId = 1;
  /** Puts V8's interrupt budget back (tiering.ts), once this thread's loads are done. */
  private lowerBudget: () => void = () => undefined;
  private readonly maxMemoryMb: number;

  private constructor(
    private readonly options: LoaderThreadOptions,
    private readonly lane: Lane,
  ) {
    this.maxMemoryMb = options.maxMemoryMb ?? MAX_OLD_GENERATION_MB;
  }

  /** `bytes`: size of the spec, 0 when unknown (a URL), which counts as large. */
  static async acquire(options: LoaderThreadOptions = {}, bytes = 0): Promise<LoaderThread> {
    const lane = bytes > 0 && bytes < SMALL_SPEC_BYTES ? lanes.small : lanes.large;
    await enter(lane);
    const thread = new LoaderThread(options, lane);
    thread.lowerBudget = raiseInterruptBudget();
    if (thread.maxMemoryMb === MAX_OLD_GENERATION_MB) thread.worker = idle.pop();
    thread.worker?.ref();
    return thread;
  }

  /** Whether this caller's document is a large one (its own lane, see SMALL_SPEC_BYTES). */
  get large(): boolean {
    return this.lane === lanes.large;
  }

  /**
   * Stops the thread now; the caller keeps its lane, and a later request starts a fresh
   * thread (which must be prepared again). After a large document's load, the thread's
   * heap holds what Mesh built from it until its next collection, which an idle thread
   * may never run: a GB for a 20 MB document, resident while the caller builds the
   * schema from the answer. Stopped, the thread gives it back first.
   */
  discard(): void {
    const worker = this.worker;
    this.worker = undefined;
    if (worker) void worker.terminate();
    this.lowerBudget();
  }

  /** True when a request terminated the thread: its prepared document is gone. */
  get fresh(): boolean {
    return this.worker === undefined;
  }

  request(type: 'prepare', payload: Omit<Payload<'prepare'>, 'type'>, timeoutMs: number): Promise<unknown>;
  request(type: 'load', payload: Omit<Payload<'load'>, 'type'>, timeoutMs: number): Promise<unknown>;
  request(type: LoaderRequest['type'], payload: object, timeoutMs: number): Promise<unknown> {
    const worker = (this.worker ??= spawn(this.maxMemoryMb));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const finish = (error: Error | undefined, result?: unknown) => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        if (error) reject(error);
        else resolve(result);
      };
      const kill = (error: LoaderThreadError) => {
        if (this.worker === worker) this.worker = undefined;
        void worker.terminate();
        finish(error);
      };
      const onMessage = (reply: LoaderReply) => {
        if (reply.type === 'progress') this.options.onProgress?.(reply.phase);
        else if (reply.id !== id) return;
        else if (reply.type === 'done') finish(undefined, reply.result);
        else finish(new LoaderThreadError(reply.message, 'failed'));
      };
      const onError = (error: Error & { code?: string }) => {
        const message =
          error.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? `the OpenAPI loader ran out of memory (limit ${this.maxMemoryMb} MB)`
            : `the OpenAPI loader crashed: ${error.message}`;
        kill(new LoaderThreadError(message, 'crash'));
      };
      const onExit = (code: number) => kill(new LoaderThreadError(`the OpenAPI loader thread exited (code ${code})`, 'crash'));
      const timer = setTimeout(
        () => kill(new LoaderThreadError(`the OpenAPI loader did not finish within ${Math.round(timeoutMs / 1000)} s (it was stopped)`, 'timeout')),
        timeoutMs,
      );
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      worker.postMessage({ ...payload, type, id });
    });
  }

  /** Gives the thread back: kept for the next caller when healthy, else stopped. */
  release(): void {
    this.lowerBudget();
    const worker = this.worker;
    this.worker = undefined;
    if (worker && idle.length < MAX_IDLE && this.maxMemoryMb === MAX_OLD_GENERATION_MB) {
      // Let the document be collected while the thread waits for its next caller.
      worker.postMessage({ type: 'reset', id: 0 });
      worker.unref();
      idle.push(worker);
    } else if (worker) {
      void worker.terminate();
    }
    leave(this.lane);
  }
}

/**
 * Starts a thread now, so that its start (Mesh's modules, tsx from sources: most of a
 * small spec's load time) overlaps with the caller's own start-up work instead of following it.
 */
export function prewarmLoaderThread(): void {
  if (idle.length > 0 || lanes.small.busy + lanes.large.busy > 0) return;
  const worker = spawn(MAX_OLD_GENERATION_MB);
  worker.unref();
  idle.push(worker);
}

/** Stops the idle threads (tests and commands that want a prompt exit). */
export async function closeIdleLoaderThreads(): Promise<void> {
  await Promise.all(idle.splice(0).map((w) => w.terminate()));
}
