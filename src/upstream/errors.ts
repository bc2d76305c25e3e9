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

export function upstreamCircuitOpen(source: string): TributaryError {
  return new TributaryError('UPSTREAM_CIRCUIT_OPEN', `Source "${source}" is temporarily unavailable after repeated failures`, {
    extensions: { source },
    detail: { source },
  });
}

export function upstreamTooLarge(source: string, maxBytes: number, detail: CallDetail): TributaryError {
  return new TributaryError('UPSTREAM_RESPONSE_TOO_LARGE', `Source "${source}" answered with more than ${maxBytes} bytes`, {
    extensions: { source },
    detail: { source, maxResponseBytes: maxBytes, ...detail },
  });
}

/**
 * Maps an error undici or the socket raised. Anything not recognisably a timeout is
 * "unavailable": refused, reset, DNS failures, TLS failures, unparsable answers and
 * truncated bodies all mean the service could not give a usable answer.
 */
export function fromNetworkError(
  source: string,
  err: unknown,
  timeouts: { connectTimeoutMs: number; timeoutMs: number },
  detail: CallDetail,
): TributaryError {
  const code = errorCode(err);
  if (code !== undefined && TIMEOUT_CODES.has(code)) {
    const ms = code === 'UND_ERR_CONNECT_TIMEOUT' ? timeouts.connectTimeoutMs : timeouts.timeoutMs;
    return upstreamTimeout(source, ms, detail, err);
  }
  return upstreamUnavailable(source, detail, err);
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
