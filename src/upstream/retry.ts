// When an upstream attempt may be repeated, and how long to wait first.

/**
 * Methods safe to repeat after a failure whose effect is unknown. GET, HEAD and OPTIONS
 * are safe and idempotent (RFC 9110 §9.2.1, §9.2.2). PUT and DELETE are idempotent by
 * definition too, but a REST service is not bound to honour that, and a duplicated
 * mutation is worse than a failed one, so they are not retried.
 */
const RETRYABLE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function isRetryableMethod(method: string): boolean {
  return RETRYABLE_METHODS.has(method.toUpperCase());
}

/**
 * Statuses that say "not now" rather than "no": 429 Too Many Requests (RFC 6585 §4),
 * 502 Bad Gateway, 503 Service Unavailable and 504 Gateway Timeout (RFC 9110 §15.6.3–5).
 * A 500 is left alone: it usually means the request itself breaks the service.
 */
const RETRYABLE_STATUSES = new Set([429, 502, 503, 504]);

export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUSES.has(status);
}

/**
 * Exponential backoff with full jitter: a uniform delay in [0, min(max, base · 2^n)),
 * where n counts retries from 0. Jitter spreads the retries of many gateway requests
 * that failed together, so they do not hit a recovering service in one wave.
 */
export function backoffDelay(retry: number, baseMs: number, maxMs: number, random: () => number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** retry);
  return Math.floor(random() * ceiling);
}
