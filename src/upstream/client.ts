// The UpstreamClient: every call to a REST service goes through here (see types.ts).
// This file wires the pieces together — one keep-alive pool per origin, the source and
// operation circuits, the retry loop — while each policy lives in its own small module.
import { Readable } from 'node:stream';
import { Pool } from 'undici';
import { isTributaryError, type TributaryError } from '../errors.ts';
import { silentLogger, type Logger } from '../observability/log.ts';
import type { UpstreamSettings } from '../config/schema.ts';
import type { RequestScope } from '../context.ts';
import { bufferedAttempt, startAttempt, type Attempt, type AttemptOptions, type BufferedAnswer, type BufferedLimits } from './attempt.ts';
import { cappedStream, declaredLength, discard } from './body.ts';
import type { BreakerState } from './breaker.ts';
import { SourceCircuits, type Admission, type Verdict } from './circuits.ts';
import { failureScope, upstreamTooLarge, type CallDetail } from './errors.ts';
import { outgoingHeaders } from './headers.ts';
import { applyOutbound, rulesBySource, type OutboundRule } from './outbound.ts';
import { upstreamCalls, type UpstreamCallMessage } from '../observability/channels.ts';
import { joinPath, parseEndpoint, type Endpoint } from './path.ts';
import { parseRetryAfter } from './retry-after.ts';
import { backoffDelay, isRetryableMethod, isRetryableStatus } from './retry.ts';
import type { UpstreamClient, UpstreamRequest, UpstreamResponse, UpstreamSource, UpstreamStreamResponse } from './types.ts';

export interface UpstreamClientOptions {
  readonly sources: readonly UpstreamSource[];
  readonly logger?: Logger;
  /** Clock in epoch milliseconds, for the breaker and Retry-After dates. Default `Date.now`. */
  readonly now?: () => number;
  /** Waits before a retry. Default: a timer. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Uniform in [0, 1), for backoff jitter. Default `Math.random`. */
  readonly random?: () => number;
  /** Run, in order, before every call that carries a request scope (outbound.ts). */
  readonly outbound?: readonly OutboundRule[];
}

/** A readiness probe answers quickly or not at all: /readyz must not hang on a dead source. */
const PROBE_TIMEOUT_MS = 2_000;

interface Source {
  readonly name: string;
  readonly settings: UpstreamSettings;
  readonly endpoint: Endpoint;
  readonly pool: Pool;
  readonly circuits: SourceCircuits;
  readonly outbound: readonly OutboundRule[];
  /** What bounds its buffered answers, built once. */
  readonly limits: BufferedLimits;
}

/** What one attempt of `request()` came to. */
type Outcome =
  | { readonly kind: 'answer'; readonly status: number; readonly headers: UpstreamResponse['headers']; readonly body: Buffer }
  | { readonly kind: 'error'; readonly error: unknown };

export function createUpstreamClient(options: UpstreamClientOptions): UpstreamClient {
  const logger = options.logger ?? silentLogger;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = options.random ?? Math.random;

  const pools = new Map<string, Pool>();
  const sources = new Map<string, Source>();
  const outbound = rulesBySource(
    options.outbound ?? [],
    options.sources.map((s) => s.name),
  );
  let closed = false;

  for (const { name, endpoint, settings } of options.sources) {
    if (sources.has(name)) throw new Error(`Upstream source "${name}" is declared twice`);
    const parsed = parseEndpoint(name, endpoint);
    const circuits = new SourceCircuits({
      source: name,
      failureThreshold: settings.breakerFailureThreshold,
      openMs: settings.breakerOpenMs,
      now,
      logger,
    });
    const limits: BufferedLimits = {
      maxBytes: settings.maxResponseBytes,
      tooLarge: (detail) => upstreamTooLarge(name, settings.maxResponseBytes, detail),
      noBody: hasNoBody,
    };
    sources.set(name, { name, settings, endpoint: parsed, pool: poolFor(parsed.origin, settings), circuits, outbound: outbound.get(name) ?? [], limits });
  }

  /**
   * Sources on one origin share a pool, and so its connections, unless their pool
   * settings differ; a pool's options are fixed when it is created.
   */
  function poolFor(origin: string, settings: UpstreamSettings): Pool {
    const key = `${origin} ${settings.connections} ${settings.connectTimeoutMs} ${settings.timeoutMs}`;
    let pool = pools.get(key);
    if (!pool) {
      pool = new Pool(origin, {
        connections: settings.connections,
        connectTimeout: settings.connectTimeoutMs,
        // Phase timeouts no longer than the whole exchange may take; the total deadline
        // per attempt is in attempt.ts. Redirects are not followed: undici 7 core has no
        // redirect handling, so a 3xx is returned like any answer.
        headersTimeout: settings.timeoutMs,
        bodyTimeout: settings.timeoutMs,
      });
      pools.set(key, pool);
    }
    return pool;
  }

  function lookup(name: string): Source {
    const source = sources.get(name);
    if (!source) throw new Error(`Unknown upstream source "${name}"`);
    if (closed) throw new Error('The upstream client is closed');
    return source;
  }

  function describeCall(source: Source, method: string, target: string, operation?: string): CallDetail {
    return operation === undefined ? { method, url: source.endpoint.origin + target } : { method, url: source.endpoint.origin + target, operation };
  }

  function attemptOptions(source: Source, request: UpstreamRequest, target: string, detail: CallDetail): AttemptOptions {
    return {
      source: source.name,
      pool: source.pool,
      method: request.method,
      path: target,
      headers: outgoingHeaders(request.headers),
      body: request.body ?? null,
      signal: request.signal,
      timeoutMs: source.settings.timeoutMs,
      connectTimeoutMs: source.settings.connectTimeoutMs,
      detail,
    };
  }

  function send(source: Source, request: UpstreamRequest, target: string, detail: CallDetail): Promise<Attempt> {
    return startAttempt(attemptOptions(source, request, target, detail));
  }

  /** One buffered attempt; never rejects. The breaker hears of the logical call only, once it settles. */
  function attemptOnce(source: Source, request: UpstreamRequest, target: string, detail: CallDetail): Promise<Outcome> {
    let sent: Promise<BufferedAnswer>;
    try {
      sent = bufferedAttempt(attemptOptions(source, request, target, detail), source.limits);
    } catch (error) {
      return Promise.resolve(failedOutcome(error));
    }
    return sent.then(answeredOutcome, failedOutcome);
  }

  /**
   * How long to wait before repeating after `outcome`, or undefined to stop here. Only
   * "try again later" outcomes are repeated: network errors, timeouts and 429/502/503/504.
   */
  function retryDelay(source: Source, outcome: Outcome, retry: number): number | undefined {
    const { retryBaseDelayMs, retryMaxDelayMs } = source.settings;
    if (outcome.kind === 'error') {
      const error = outcome.error;
      const transient = isTributaryError(error) && (error.code === 'UPSTREAM_TIMEOUT' || error.code === 'UPSTREAM_UNAVAILABLE');
      return transient ? backoffDelay(retry, retryBaseDelayMs, retryMaxDelayMs, random) : undefined;
    }
    if (!isRetryableStatus(outcome.status)) return undefined;
    // The service said when to come back (RFC 9110 §10.2.3). Waiting less would be
    // ignoring it; waiting longer than we allow ourselves would stall the client, so a
    // far-off Retry-After ends the retries and the caller gets that answer.
    const retryAfter = parseRetryAfter(outcome.headers['retry-after'], now());
    if (retryAfter !== undefined) return retryAfter <= retryMaxDelayMs ? retryAfter : undefined;
    return backoffDelay(retry, retryBaseDelayMs, retryMaxDelayMs, random);
  }

  function settle(outcome: Outcome, attempts: number): UpstreamResponse {
    if (outcome.kind === 'error') throw outcome.error;
    return { status: outcome.status, headers: outcome.headers, body: outcome.body, attempts };
  }

  /**
   * The request as the source's outbound rules leave it. They run before the circuit is
   * asked: a call they refuse (auth, rate limit) was never the service's to fail.
   */
  function judged(source: Source, request: UpstreamRequest): UpstreamRequest | Promise<UpstreamRequest> {
    const scope = request.scope;
    if (!scope) return request;
    scope.touched.add(source.name);
    scope.upstreamCalls += 1;
    if (source.outbound.length === 0) return request;
    const headers = { ...request.headers };
    const pending = applyOutbound(source.outbound, source.name, { headers, scope });
    const judgedRequest = { ...request, headers };
    return pending ? pending.then(() => judgedRequest) : judgedRequest;
  }

  /**
   * The source's outbound rules for a request that calls no operation of it — a
   * subscription to its webhook events — so that per-source auth and rate limits judge
   * it as they judge its calls; throws their refusal. Nothing is sent.
   */
  async function admit(name: string, scope: RequestScope): Promise<void> {
    const source = lookup(name);
    if (source.outbound.length === 0) return;
    await applyOutbound(source.outbound, source.name, { headers: {}, scope });
  }

  // Not `async`: a query with links has hundreds of calls waiting for a connection at
  // once, and each async layer is a promise and a suspended frame per waiting call, copied
  // by every scavenge while it waits. Errors thrown before the call leaves (an unknown
  // source, an outbound rule's refusal, an open circuit) still come back as rejections.
  function request(name: string, call: UpstreamRequest): Promise<UpstreamResponse> {
    let ruled: UpstreamRequest | Promise<UpstreamRequest>;
    let source: Source;
    try {
      source = lookup(name);
      ruled = judged(source, call);
    } catch (error) {
      return Promise.reject(error);
    }
    return ruled instanceof Promise ? ruled.then((request) => traced(source, call, request)) : traced(source, call, ruled);
  }

  function traced(source: Source, call: UpstreamRequest, request: UpstreamRequest): Promise<UpstreamResponse> {
    if (!upstreamCalls.hasSubscribers) return buffered(source, request);
    // The outbound rules gave the request headers of its own (judged): the message can
    // carry those, and what a subscriber adds is sent, without another copy per call.
    const owned = request !== call;
    const message = callMessage(source, request, false, owned);
    const sent = owned ? request : { ...request, headers: message.headers };
    return upstreamCalls.tracePromise(() => buffered(source, sent, message), message);
  }

  /**
   * `message`, when observers listen: told the attempts made, which a failed call's error
   * does not carry. The first attempt is a plain promise chain; only a call that is to be
   * repeated goes on in `repeated`'s loop.
   */
  function buffered(source: Source, request: UpstreamRequest, message?: UpstreamCallMessage): Promise<UpstreamResponse> {
    let target: string, operation: string, detail: CallDetail, maxAttempts: number, admission: Admission;
    try {
      target = joinPath(source.endpoint.basePath, request.path);
      operation = operationOf(request);
      detail = describeCall(source, request.method, target, request.operation);
      // A streamed request body is used up by the first attempt, so it cannot be resent.
      maxAttempts = isRetryableMethod(request.method) && !(request.body instanceof Readable) ? 1 + source.settings.retries : 1;
      admission = source.circuits.admit(operation);
    } catch (error) {
      return Promise.reject(error);
    }
    return attemptOnce(source, request, target, detail).then((outcome) => {
      // Another call may have opened a circuit meanwhile: then the retries stop too.
      const delay = maxAttempts > 1 && !source.circuits.suspended(operation) ? retryDelay(source, outcome, 0) : undefined;
      if (delay !== undefined) return repeated(source, request, message, { target, operation, detail, maxAttempts, admission }, outcome, delay);
      if (message) message.attempts = 1;
      // Once per logical call, on its last attempt: retries do not multiply one failure.
      source.circuits.settle(admission, verdictOf(outcome));
      return settle(outcome, 1);
    });
  }

  /** The rest of a call whose first attempt is to be repeated after `firstDelay`. */
  async function repeated(
    source: Source,
    request: UpstreamRequest,
    message: UpstreamCallMessage | undefined,
    call: { target: string; operation: string; detail: CallDetail; maxAttempts: number; admission: Admission },
    first: Outcome,
    firstDelay: number,
  ): Promise<UpstreamResponse> {
    const { target, operation, detail, maxAttempts, admission } = call;
    let outcome = first;
    let attempts = 1;
    let delay: number | undefined = firstDelay;
    try {
      for (; ; attempts++) {
        if (attempts > 1) {
          outcome = await attemptOnce(source, request, target, detail);
          // Another call may have opened a circuit meanwhile (or while this one waited,
          // below): then the retries stop too.
          if (attempts >= maxAttempts || source.circuits.suspended(operation)) break;
          delay = retryDelay(source, outcome, attempts - 1);
        }
        if (delay === undefined) break;
        logger.warn(
          {
            source: source.name,
            ...detail,
            operation,
            attempt: attempts,
            delayMs: delay,
            ...(outcome.kind === 'answer' ? { status: outcome.status } : { error: errorSummary(outcome.error) }),
          },
          `retrying call to source "${source.name}" (${operation})`,
        );
        await waitUnlessAborted(sleep(delay), request.signal);
        if (source.circuits.suspended(operation)) break;
      }
    } catch (abort) {
      // The caller went away between attempts: no verdict on the service.
      source.circuits.settle(admission, {});
      throw abort;
    } finally {
      if (message) message.attempts = attempts;
    }
    // Once per logical call, on its last attempt: retries do not multiply one failure.
    source.circuits.settle(admission, verdictOf(outcome));
    return settle(outcome, attempts);
  }

  async function stream(name: string, call: UpstreamRequest): Promise<UpstreamStreamResponse> {
    const source = lookup(name);
    const request = await judged(source, call);
    if (!upstreamCalls.hasSubscribers) return streamed(source, request);
    const message = callMessage(source, request, true);
    return upstreamCalls.tracePromise(() => streamed(source, { ...request, headers: message.headers }), message);
  }

  /** What observers (observability/channels.ts) learn about a call; they may add headers. */
  function callMessage(source: Source, request: UpstreamRequest, isStream: boolean, ownsHeaders = false): UpstreamCallMessage {
    return {
      source: source.name,
      operation: operationOf(request),
      method: request.method,
      headers: ownsHeaders && request.headers ? request.headers : { ...request.headers },
      scope: request.scope,
      streamed: isStream,
      // Every field a subscriber may set, present from the start: one object shape for all calls.
      result: undefined,
      error: undefined,
      attempts: undefined,
      startedAt: undefined,
    };
  }

  async function streamed(source: Source, request: UpstreamRequest): Promise<UpstreamStreamResponse> {
    const target = joinPath(source.endpoint.basePath, request.path);
    const detail = describeCall(source, request.method, target, request.operation);
    const { maxResponseBytes } = source.settings;
    const tooLarge = (): TributaryError => upstreamTooLarge(source.name, maxResponseBytes, detail);

    const admission: Admission = source.circuits.admit(operationOf(request));
    let attempt: Attempt;
    try {
      attempt = await send(source, request, target, detail);
    } catch (error) {
      source.circuits.settle(admission, verdictOf({ kind: 'error', error }));
      throw error;
    }
    // The outcome is judged on the status: once the body is handed over, the consumer
    // sets the pace, and a slow client must not count against the service.
    source.circuits.settle(admission, verdictOf({ kind: 'answer', status: attempt.status, headers: attempt.headers, body: EMPTY }));
    if (hasNoBody(request.method, attempt.status)) {
      // As in attemptOnce: no body, whatever Content-Length claims.
      await attempt.body.dump().catch(() => undefined);
      attempt.finish();
      return { status: attempt.status, headers: attempt.headers, body: Readable.from([]) };
    }
    const length = request.method === 'HEAD' ? undefined : declaredLength(attempt.headers['content-length']);
    if (length !== undefined && length > maxResponseBytes) {
      // Refused before any byte is passed on, so the caller can still answer with an error status.
      discard(attempt.body);
      attempt.finish();
      throw tooLarge();
    }
    const body = cappedStream(attempt.body, maxResponseBytes, tooLarge, (err) => attempt.fail(err) as Error, attempt.finish);
    return { status: attempt.status, headers: attempt.headers, body };
  }

  async function probe(name: string): Promise<{ reachable: boolean; status?: number; error?: string }> {
    const source = lookup(name);
    const target = joinPath(source.endpoint.basePath, '');
    const detail = describeCall(source, 'GET', target);
    const timeoutMs = Math.min(source.settings.timeoutMs, PROBE_TIMEOUT_MS);
    // Straight to the pool: a probe neither asks nor tells the breaker, so /readyz can
    // watch a source recover without using up the breaker's one half-open call.
    let attempt: Attempt;
    try {
      attempt = await startAttempt({
        source: source.name,
        pool: source.pool,
        method: 'GET',
        path: target,
        headers: {},
        body: null,
        signal: undefined,
        timeoutMs,
        connectTimeoutMs: Math.min(source.settings.connectTimeoutMs, timeoutMs),
        detail,
      });
    } catch (error) {
      logger.debug({ source: source.name, ...detail, error: errorSummary(error) }, `probe of source "${source.name}" failed`);
      return { reachable: false, error: isTributaryError(error) ? error.message : `Source "${source.name}" is unavailable` };
    }
    // Any status shows the service is there; the body is read (a little) only to keep
    // the connection reusable.
    await attempt.body.dump({ limit: 64 * 1024 }).catch(() => undefined);
    attempt.finish();
    return { reachable: true, status: attempt.status };
  }

  function known(name: string): Source {
    const source = sources.get(name);
    if (!source) throw new Error(`Unknown upstream source "${name}"`);
    return source;
  }

  function breakerState(name: string): BreakerState {
    return known(name).circuits.state;
  }

  function openOperations(name: string): ReturnType<UpstreamClient['openOperations']> {
    return known(name).circuits.openOperations();
  }

  async function close(): Promise<void> {
    closed = true;
    // Graceful: requests in flight finish, then the keep-alive connections are closed.
    await Promise.all([...pools.values()].map((pool) => pool.close()));
  }

  return { request, stream, admit, probe, breakerState, openOperations, close };
}

const EMPTY = Buffer.alloc(0);

/**
 * Answers that end with their header section (RFC 9112 §6.3): to HEAD, and 1xx, 204 and
 * 304 answers, "regardless of the header fields present in the message".
 */
function hasNoBody(method: string, status: number): boolean {
  return method === 'HEAD' || status === 204 || status === 304 || status < 200;
}

/** The circuit key of a call: its declared operation, else one circuit per method. */
function operationOf(request: UpstreamRequest): string {
  return request.operation ?? `${request.method} *`;
}

/**
 * What a logical call's last outcome says, and about whom (breaker.ts has the why). Any
 * answer shows the host is reachable; only a 5xx speaks against the operation. An error
 * counts where fromNetworkError placed it; a caller abort, a refused request and an
 * answer over the size cap count for nothing against the operation.
 */
function answeredOutcome(answer: BufferedAnswer): Outcome {
  return { kind: 'answer', status: answer.status, headers: answer.headers, body: answer.body };
}

function failedOutcome(error: unknown): Outcome {
  return { kind: 'error', error };
}

function verdictOf(outcome: Outcome): Verdict {
  if (outcome.kind === 'answer') return { source: true, operation: outcome.status < 500 };
  const { error } = outcome;
  if (isTributaryError(error) && error.code === 'UPSTREAM_RESPONSE_TOO_LARGE') return { source: true };
  const scope = failureScope(error);
  if (scope === 'source') return { source: false };
  if (scope === 'operation') return { operation: false };
  return {};
}

/** Resolves when `wait` does, rejects with the signal's reason if the caller aborts first. */
function waitUnlessAborted(wait: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return wait;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    wait.then(
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

/** For logs: the coded error's detail, or the raw error's message. */
function errorSummary(error: unknown): unknown {
  if (isTributaryError(error)) return { code: error.code, ...error.detail };
  return error instanceof Error ? error.message : String(error);
}
