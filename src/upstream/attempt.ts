// One attempt: one HTTP exchange on a source's pool, under a total deadline. undici's
// own timeouts bound each phase (connect, headers, gaps in the body); the deadline here
// bounds the whole exchange, so a service that trickles bytes cannot hold a call open
// forever. The caller's signal and the deadline both abort the same request, and
// `fail()` tells them apart: a caller abort stays an abort, the deadline is a timeout.
import { EventEmitter } from 'node:events';
import type { Readable } from 'node:stream';
import type { Dispatcher, Pool } from 'undici';
import { declaredLength } from './body.ts';
import { fromNetworkError, operationTimeout, type CallDetail } from './errors.ts';

export interface AttemptOptions {
  readonly source: string;
  readonly pool: Pool;
  readonly method: string;
  /** The request-target: base path and request path, already joined. */
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string | Uint8Array | Readable | null;
  readonly signal: AbortSignal | undefined;
  /** The deadline for the whole exchange, headers and body. */
  readonly timeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly detail: CallDetail;
}

export interface Attempt {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Dispatcher.ResponseData['body'];
  /** Maps an error raised while reading `body`, as `start` maps one raised before. */
  fail(err: unknown): unknown;
  /** Stops the deadline and lets go of the caller's signal; call once the body is done. */
  finish(): void;
}

/**
 * The attempts waiting on each caller signal, so that one signal has one 'abort'
 * listener however many calls it carries. A request's signal carries every call the
 * request makes (tens for a query with links); EventTarget's addEventListener and
 * removeEventListener cost about 1.5 µs a call in a profile of 22 calls a query, a Set
 * insert and delete a fraction of that. The listener is never removed: it lives as long
 * as the request's signal.
 */
const waitingOn = new WeakMap<AbortSignal, Set<() => void>>();

function whenAborted(signal: AbortSignal, onAbort: () => void): () => void {
  let waiting = waitingOn.get(signal);
  if (!waiting) {
    const set = new Set<() => void>();
    waitingOn.set(signal, set);
    signal.addEventListener('abort', () => [...set].forEach((fn) => fn()), { once: true });
    waiting = set;
  }
  const own = waiting;
  own.add(onAbort);
  return () => {
    own.delete(onAbort);
  };
}

/**
 * The deadline and the caller's signal of one attempt: both end it through `abort`
 * (which calls the attempt's own `onAbort`, once), and `fail` tells them apart (a
 * caller abort stays an abort, the deadline is a timeout). A base class rather than an
 * object of closures: a buffered attempt is one object (BufferedExchange), which matters
 * when a query has a thousand calls queued for connections at once.
 */
abstract class Watch {
  aborted = false;
  reason: unknown = undefined;
  private timedOut = false;
  private readonly deadline: NodeJS.Timeout;
  private readonly unlisten: (() => void) | undefined;

  constructor(protected readonly options: AttemptOptions) {
    this.deadline = setTimeout(deadlinePassed, options.timeoutMs, this);
    const { signal } = options;
    this.unlisten = signal ? whenAborted(signal, () => this.abort(signal.reason)) : undefined;
  }

  /** Called once, when the deadline passes or the caller aborts, whichever is first. */
  protected abstract onAbort(reason: unknown): void;

  private abort(reason: unknown, timedOut = false): void {
    if (this.aborted) return;
    this.aborted = true;
    this.timedOut = timedOut;
    this.reason = reason;
    this.onAbort(reason);
  }

  /** The deadline passed (a timer's callback: no closure per attempt). */
  expire(): void {
    this.abort(new Error(`deadline of ${this.options.timeoutMs} ms passed`), true);
  }

  /** `beforeAnswer`: no status line yet, so a failure to connect is the host's (errors.ts). */
  fail(err: unknown, beforeAnswer: boolean): unknown {
    const { options } = this;
    if (options.signal?.aborted) return options.signal.reason;
    if (this.timedOut) return operationTimeout(options.source, options.timeoutMs, options.detail, err);
    return fromNetworkError(options.source, err, options, options.detail, beforeAnswer);
  }

  finish(): void {
    clearTimeout(this.deadline);
    this.unlisten?.();
  }
}

function deadlinePassed(watch: Watch): void {
  watch.expire();
}

/** A streamed attempt's watch: undici takes its emitter as the request's signal. */
class StreamWatch extends Watch {
  // undici takes an EventEmitter that emits 'abort' as well as an AbortSignal; an
  // AbortController per attempt (and undici's EventTarget listener on its signal) cost
  // several times as much.
  readonly emitter = new EventEmitter() as EventEmitter & { aborted?: boolean; reason?: unknown };

  protected onAbort(reason: unknown): void {
    this.emitter.aborted = true;
    this.emitter.reason = reason;
    this.emitter.emit('abort');
  }
}

/**
 * Sends the request and resolves once the response headers are in. Rejects with a
 * TributaryError (UPSTREAM_TIMEOUT or UPSTREAM_UNAVAILABLE; INTERNAL_SERVER_ERROR when
 * undici refused the request as invalid), or with the caller signal's reason when the
 * caller aborted.
 */
export async function startAttempt(options: AttemptOptions): Promise<Attempt> {
  const { signal } = options;
  if (signal?.aborted) throw signal.reason;
  const w = new StreamWatch(options);
  try {
    const response = await options.pool.request({
      method: options.method as Dispatcher.HttpMethod,
      path: options.path,
      headers: options.headers,
      body: options.body,
      signal: w.emitter,
      // Per attempt, so a short probe timeout also shortens undici's phase timeouts.
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
    return {
      status: response.statusCode,
      headers: response.headers,
      body: response.body,
      fail: (err) => w.fail(err, false),
      finish: () => w.finish(),
    };
  } catch (err) {
    w.finish();
    throw w.fail(err, true);
  }
}

/** A whole answer, read into memory. */
export interface BufferedAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
}

/** What bounds a source's buffered answers; one object per source, not per call. */
export interface BufferedLimits {
  /** Larger answers fail with `tooLarge()`, as soon as that many bytes are declared or have arrived. */
  readonly maxBytes: number;
  readonly tooLarge: (detail: CallDetail) => Error;
  /** Answers that have no body whatever their headers say (HEAD, 204, 304): read to their end, kept empty. */
  readonly noBody: (method: string, status: number) => boolean;
}

const EMPTY = Buffer.alloc(0);

/**
 * One attempt whose answer is read whole: on undici's dispatch handler, not
 * `pool.request`, whose body is a Readable stream — per call, a stream, its events, the
 * microtasks and nextTicks of its reads, and an AsyncResource, for an answer that is
 * going to be buffered anyway (3 µs a call of 17 on loopback, in a probe). Rejects as
 * `startAttempt` does, and with `tooLarge()` over the cap; errors once the answer is
 * read are no longer the call's.
 */
export function bufferedAttempt(options: AttemptOptions, limits: BufferedLimits): Promise<BufferedAnswer> {
  const { signal } = options;
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const exchange = new BufferedExchange(options, limits, resolve, reject);
    options.pool.dispatch(
      {
        method: options.method as Dispatcher.HttpMethod,
        path: options.path,
        headers: options.headers,
        body: options.body,
        // Per attempt, so a short probe timeout also shortens undici's phase timeouts.
        headersTimeout: options.timeoutMs,
        bodyTimeout: options.timeoutMs,
      },
      exchange,
    );
  });
}

/**
 * A buffered attempt as one object: undici's dispatch handler, the attempt's deadline and
 * caller-signal watch, and the answer being read. Its methods are the prototype's, so a
 * call queued for a connection holds one object rather than a dozen closures.
 */
class BufferedExchange extends Watch implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | undefined = undefined;
  private answered = false;
  private settled = false;
  private status = 0;
  private headers: BufferedAnswer['headers'] = {};
  private chunks: Buffer[] = [];
  private received = 0;
  private refusal: Error | undefined = undefined;

  constructor(
    options: AttemptOptions,
    private readonly limits: BufferedLimits,
    private readonly resolve: (answer: BufferedAnswer) => void,
    private readonly reject: (error: unknown) => void,
  ) {
    super(options);
  }

  private done(error: unknown, answer?: BufferedAnswer): void {
    if (this.settled) return;
    this.settled = true;
    this.finish();
    if (answer) this.resolve(answer);
    else this.reject(error);
  }

  private refuse(error: Error): void {
    this.refusal = error;
    this.controller?.abort(error);
    this.done(error);
  }

  private noBody(): boolean {
    return this.limits.noBody(this.options.method, this.status);
  }

  protected onAbort(reason: unknown): void {
    if (this.controller) return this.controller.abort(reason as Error);
    // Still queued for a connection: the call ends now, and the request is dropped
    // unsent when its turn comes (onRequestStart).
    this.done(this.fail(reason, true));
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    // Aborted while the request waited for a connection.
    if (this.aborted) controller.abort(this.reason as Error);
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[]>): void {
    this.answered = true;
    this.status = statusCode;
    this.headers = headers as BufferedAnswer['headers'];
    if (this.noBody()) return;
    // A HEAD answer's Content-Length describes the GET representation (RFC 9110 §8.6); noBody took HEAD.
    const length = declaredLength(headers['content-length']);
    if (length !== undefined && length > this.limits.maxBytes) this.refuse(this.limits.tooLarge(this.options.detail));
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.settled || this.noBody()) return;
    this.received += chunk.length;
    if (this.received > this.limits.maxBytes) {
      this.refuse(this.limits.tooLarge(this.options.detail));
      return;
    }
    this.chunks.push(chunk);
  }

  onResponseEnd(): void {
    // An answer that came in one chunk is that chunk, not a copy of it (as undici's own
    // body.text() does): the chunk is a view of the socket's read, allocated for it and
    // never reused. A copy per call is an ArrayBuffer per call outside the JS heap, and
    // V8 counts those: at hundreds of queries a second they alone started a full
    // collection every second (tickets-link2@200, --trace-gc).
    const { chunks } = this;
    const body = this.noBody() || this.received === 0 ? EMPTY : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, this.received);
    this.chunks = [];
    this.done(undefined, { status: this.status, headers: this.headers, body });
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (this.refusal) return this.done(this.refusal);
    // Whatever its Content-Length says (servers and mocks do send one on a 204,
    // though RFC 9110 §8.6 forbids it), a no-body answer ends with its header
    // section. undici counts the missing bytes as a broken body; that is no
    // failure of the service.
    if (this.answered && this.noBody()) return this.done(undefined, { status: this.status, headers: this.headers, body: EMPTY });
    this.done(this.fail(error, !this.answered));
  }
}
