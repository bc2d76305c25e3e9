// One attempt: one HTTP exchange on a source's pool, under a total deadline. undici's
// own timeouts bound each phase (connect, headers, gaps in the body); the deadline here
// bounds the whole exchange, so a service that trickles bytes cannot hold a call open
// forever. The caller's signal and the deadline both abort the same request, and
// `fail()` tells them apart: a caller abort stays an abort, the deadline is a timeout.
import { EventEmitter } from 'node:events';
import type { Readable } from 'node:stream';
import type { Dispatcher, Pool } from 'undici';
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
 * Sends the request and resolves once the response headers are in. Rejects with a
 * TributaryError (UPSTREAM_TIMEOUT or UPSTREAM_UNAVAILABLE; INTERNAL_SERVER_ERROR when
 * undici refused the request as invalid), or with the caller signal's reason when the
 * caller aborted.
 */
export async function startAttempt(options: AttemptOptions): Promise<Attempt> {
  const { signal } = options;
  if (signal?.aborted) throw signal.reason;

  // undici takes an EventEmitter that emits 'abort' as well as an AbortSignal. An
  // AbortController per attempt (and undici's EventTarget listener on its signal) cost
  // ~12 µs of CPU per call in bench/tools measurements — most of the client's overhead
  // over a bare pool.request; an emitter costs a fraction of that.
  const abortEmitter = new EventEmitter() as EventEmitter & { aborted?: boolean; reason?: unknown };
  const abort = (reason: unknown): void => {
    if (abortEmitter.aborted) return;
    abortEmitter.aborted = true;
    abortEmitter.reason = reason;
    abortEmitter.emit('abort');
  };
  let timedOut = false;
  const deadline = setTimeout(() => {
    timedOut = true;
    abort(new Error(`deadline of ${options.timeoutMs} ms passed`));
  }, options.timeoutMs);
  const onCallerAbort = (): void => abort(signal?.reason);
  signal?.addEventListener('abort', onCallerAbort, { once: true });

  const finish = (): void => {
    clearTimeout(deadline);
    signal?.removeEventListener('abort', onCallerAbort);
  };
  // `beforeAnswer`: no status line yet, so a failure to connect is the host's (errors.ts).
  const failAt = (err: unknown, beforeAnswer: boolean): unknown => {
    if (signal?.aborted) return signal.reason;
    if (timedOut) return operationTimeout(options.source, options.timeoutMs, options.detail, err);
    return fromNetworkError(options.source, err, options, options.detail, beforeAnswer);
  };
  const fail = (err: unknown): unknown => failAt(err, false);

  try {
    const response = await options.pool.request({
      method: options.method as Dispatcher.HttpMethod,
      path: options.path,
      headers: options.headers,
      body: options.body,
      signal: abortEmitter,
      // Per attempt, so a short probe timeout also shortens undici's phase timeouts.
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
    return {
      status: response.statusCode,
      headers: response.headers,
      body: response.body,
      fail,
      finish,
    };
  } catch (err) {
    finish();
    throw failAt(err, true);
  }
}
