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
 * (which calls the attempt's own `onAbort`, once), and `fail` tells them apart (a caller
 * abort stays an abort, the deadline is a timeout).
 */
class Watch {
  aborted = false;
  reason: unknown = undefined;
  private timedOut = false;
  private readonly deadline: NodeJS.Timeout;
  private readonly unlisten: (() => void) | undefined;

  constructor(
    private readonly options: AttemptOptions,
    private readonly onAbort: (reason: unknown) => void,
  ) {
    this.deadline = setTimeout(() => {
      this.timedOut = true;
      this.abort(new Error(`deadline of ${options.timeoutMs} ms passed`));
    }, options.timeoutMs);
    const { signal } = options;
    this.unlisten = signal ? whenAborted(signal, () => this.abort(signal.reason)) : undefined;
  }

  private abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.onAbort(reason);
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

/**
 * Sends the request and resolves once the response headers are in. Rejects with a
 * TributaryError (UPSTREAM_TIMEOUT or UPSTREAM_UNAVAILABLE; INTERNAL_SERVER_ERROR when
 * undici refused the request as invalid), or with the caller signal's reason when the
 * caller aborted.
 */
export async function startAttempt(options: AttemptOptions): Promise<Attempt> {
  const { signal } = options;
  if (signal?.aborted) throw signal.reason;
  // undici takes an EventEmitter that emits 'abort' as well as an AbortSignal; an
  // AbortController per attempt (and undici's EventTarget listener on its signal) cost
  // several times as much.
  const emitter = new EventEmitter() as EventEmitter & { aborted?: boolean; reason?: unknown };
  const w = new Watch(options, (reason) => {
    emitter.aborted = true;
    emitter.reason = reason;
    emitter.emit('abort');
  });
  try {
    const response = await options.pool.request({
      method: options.method as Dispatcher.HttpMethod,
      path: options.path,
      headers: options.headers,
      body: options.body,
      signal: emitter,
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

export interface BufferedLimits {
  /** Larger answers fail with `tooLarge()`, as soon as that many bytes are declared or have arrived. */
  readonly maxBytes: number;
  readonly tooLarge: () => Error;
  /** Answers that have no body whatever their headers say (HEAD, 204, 304): read to their end, kept empty. */
  readonly noBody: (status: number) => boolean;
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
    let controller: Dispatcher.DispatchController | undefined;
    let answered = false;
    let settled = false;
    let status = 0;
    let headers: BufferedAnswer['headers'] = {};
    let chunks: Buffer[] = [];
    let received = 0;
    let refusal: Error | undefined;
    const done = (error: unknown, answer?: BufferedAnswer): void => {
      if (settled) return;
      settled = true;
      w.finish();
      if (answer) resolve(answer);
      else reject(error);
    };
    const refuse = (error: Error): void => {
      refusal = error;
      controller?.abort(error);
      done(error);
    };
    const w = new Watch(options, (reason) => {
      if (controller) return controller.abort(reason as Error);
      // Still queued for a connection: the call ends now, and the request is dropped
      // unsent when its turn comes (onRequestStart).
      done(w.fail(reason, true));
    });
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
      {
        onRequestStart(c) {
          controller = c;
          // Aborted while the request waited for a connection.
          if (w.aborted) c.abort(w.reason as Error);
        },
        onResponseStart(_c, statusCode, responseHeaders) {
          answered = true;
          status = statusCode;
          headers = responseHeaders as BufferedAnswer['headers'];
          if (limits.noBody(statusCode)) return;
          // A HEAD answer's Content-Length describes the GET representation (RFC 9110 §8.6); noBody took HEAD.
          const length = declaredLength(headers['content-length']);
          if (length !== undefined && length > limits.maxBytes) refuse(limits.tooLarge());
        },
        onResponseData(_c, chunk) {
          if (settled || limits.noBody(status)) return;
          received += chunk.length;
          if (received > limits.maxBytes) {
            refuse(limits.tooLarge());
            return;
          }
          chunks.push(chunk);
        },
        onResponseEnd() {
          const body = limits.noBody(status) || received === 0 ? EMPTY : Buffer.concat(chunks, received);
          chunks = [];
          done(undefined, { status, headers, body });
        },
        onResponseError(_c, error) {
          if (refusal) return done(refusal);
          // Whatever its Content-Length says (servers and mocks do send one on a 204,
          // though RFC 9110 §8.6 forbids it), a no-body answer ends with its header
          // section. undici counts the missing bytes as a broken body; that is no
          // failure of the service.
          if (answered && limits.noBody(status)) return done(undefined, { status, headers, body: EMPTY });
          done(w.fail(error, !answered));
        },
      },
    );
  });
}
