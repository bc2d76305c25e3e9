// Turning what went wrong on the wire into Tributary's coded errors. A message may reach
// a GraphQL client, so it names the source only; the upstream URL, host, port and the
// raw socket error go into `detail`, which is for the log (see src/errors.ts).
import { TributaryError } from '../errors.ts';

/** What the log needs to find the failing call; never shown to a client. */
export interface CallDetail {
  readonly method: string;
  readonly url: string;
  readonly [key: string]: unknown;
}

/** undici and Node error codes that mean "no answer in time". */
const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);

export function upstreamTimeout(source: string, ms: number, detail: CallDetail, cause?: unknown): TributaryError {
  return new TributaryError('UPSTREAM_TIMEOUT', `Source "${source}" did not answer within ${ms} ms`, {
    extensions: { source },
    detail: { source, timeoutMs: ms, ...detail, ...describe(cause) },
    cause,
  });
}

export function upstreamUnavailable(source: string, detail: CallDetail, cause?: unknown): TributaryError {
  return new TributaryError('UPSTREAM_UNAVAILABLE', `Source "${source}" is unavailable`, {
    extensions: { source },
    detail: { source, ...detail, ...describe(cause) },
    cause,
  });
}

/**
 * An open circuit refused the call. `operation` is set when only that operation's circuit
 * is open; the message then says so, without naming it (a client learns the source only).
 */
export function upstreamCircuitOpen(source: string, operation?: string): TributaryError {
  const scope = operation === undefined ? '' : ' for this operation';
  return new TributaryError('UPSTREAM_CIRCUIT_OPEN', `Source "${source}" is temporarily unavailable${scope} after repeated failures`, {
    extensions: { source },
    detail: operation === undefined ? { source } : { source, operation },
  });
}

/**
 * undici refused to send the request at all (a header value with CR/LF or a code point
 * above U+00FF, an invalid header name, method or path): nothing reached the service, so
 * this says nothing about its health and repeating it cannot help. Argument values are
 * checked before they get here (src/schema/operation/compile.ts), so what is left is the
 * gateway's own doing: an internal error, masked for the client and logged in full.
 */
export function upstreamRequestInvalid(source: string, detail: CallDetail, cause: unknown): TributaryError {
  return new TributaryError('INTERNAL_SERVER_ERROR', 'Unexpected error.', {
    detail: { source, reason: 'the request could not be sent as built', ...detail, ...describe(cause) },
    cause,
  });
}

export function upstreamTooLarge(source: string, maxBytes: number, detail: CallDetail): TributaryError {
  return new TributaryError('UPSTREAM_RESPONSE_TOO_LARGE', `Source "${source}" answered with more than ${maxBytes} bytes`, {
    extensions: { source },
    detail: { source, maxResponseBytes: maxBytes, ...detail },
  });
}

/**
 * Error codes undici and Node use for a request that is invalid as built — raised before
 * any byte is written (undici validates method, path and every header in its Request
 * constructor): InvalidArgumentError, NotSupportedError (e.g. `expect`), a body that
 * does not match its declared length, and Node's argument and character checks.
 */
const INVALID_REQUEST_CODES = new Set([
  'UND_ERR_INVALID_ARG',
  'UND_ERR_NOT_SUPPORTED',
  'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH',
  'ERR_INVALID_ARG_TYPE',
  'ERR_INVALID_ARG_VALUE',
  'ERR_INVALID_CHAR',
  'ERR_INVALID_HTTP_TOKEN',
  'ERR_HTTP_INVALID_HEADER_VALUE',
]);

/**
 * Whom a failure speaks against, for the circuit breaker (see breaker.ts): `source` for
 * the connection itself, before the service said anything (refused, DNS, connect
 * timeout, TLS, a socket reset or closed before the status line) — the host's health;
 * `operation` for a response timeout or a broken answer — what this one call asked for.
 * Errors not in the map (the pool was closed, the request was invalid) count for
 * nothing. A WeakMap rather than a field on the error, so none of it reaches a client.
 */
export type FailureScope = 'source' | 'operation';
const scopes = new WeakMap<TributaryError, FailureScope>();

export function failureScope(error: unknown): FailureScope | undefined {
  return error instanceof TributaryError ? scopes.get(error) : undefined;
}

/**
 * Failures to open a connection at all: no request bytes reached the service, so they
 * say something about the host, never about what one call asked for. A reset or close
 * after the request went out is not one of them: a request can make a handler crash
 * its connection, and a client must not be able to open the whole source's circuit by
 * finding such an argument (those count against the operation).
 */
const CONNECT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'EADDRNOTAVAIL']);

function isConnectFailure(code: string | undefined): boolean {
  if (code === undefined) return false;
  return (
    CONNECT_CODES.has(code) || code.startsWith('ERR_TLS_') || code.startsWith('ERR_SSL_') || code.includes('CERT') || code === 'DEPTH_ZERO_SELF_SIGNED_CERT'
  );
}

/** The gateway closed the pool (shutdown, reload): nothing to do with the service. */
const OWN_CLOSE_CODES = new Set(['UND_ERR_DESTROYED', 'UND_ERR_CLOSED']);

/**
 * Maps an error undici or the socket raised. A request undici refused to send is an
 * internal error; anything else not recognisably a timeout is "unavailable": refused,
 * reset, DNS failures, TLS failures, unparsable answers and truncated bodies all mean the
 * service could not give a usable answer. `beforeAnswer` is true when no status line had
 * arrived yet: then a failure to connect at all is the host's (FailureScope `source`);
 * everything else, a reset after the request went out included, is the operation's.
 */
export function fromNetworkError(
  source: string,
  err: unknown,
  timeouts: { connectTimeoutMs: number; timeoutMs: number },
  detail: CallDetail,
  beforeAnswer = false,
): TributaryError {
  const code = errorCode(err);
  if (code !== undefined && INVALID_REQUEST_CODES.has(code)) return upstreamRequestInvalid(source, detail, err);
  if (code !== undefined && TIMEOUT_CODES.has(code)) {
    const connect = code === 'UND_ERR_CONNECT_TIMEOUT';
    const error = upstreamTimeout(source, connect ? timeouts.connectTimeoutMs : timeouts.timeoutMs, detail, err);
    scopes.set(error, connect ? 'source' : 'operation');
    return error;
  }
  const error = upstreamUnavailable(source, detail, err);
  if (code !== undefined && OWN_CLOSE_CODES.has(code)) return error;
  scopes.set(error, beforeAnswer && isConnectFailure(code) ? 'source' : 'operation');
  return error;
}

/** A deadline (attempt.ts) that passed while the call was out: the operation's slowness. */
export function operationTimeout(source: string, ms: number, detail: CallDetail, cause?: unknown): TributaryError {
  const error = upstreamTimeout(source, ms, detail, cause);
  scopes.set(error, 'operation');
  return error;
}

function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  // Node wraps happy-eyeballs failures (several addresses tried) in an AggregateError.
  if (err instanceof AggregateError) return errorCode(err.errors[0]);
  return undefined;
}

function describe(cause: unknown): Record<string, unknown> {
  if (cause === undefined) return {};
  if (cause instanceof Error) return { error: cause.message, errorCode: errorCode(cause) };
  return { error: String(cause) };
}
