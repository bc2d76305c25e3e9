// The contract of the one upstream client. Every call to a REST service — a GraphQL
// field, a link batch, the REST passthrough, a readiness probe — goes through an
// UpstreamClient, so that pools, timeouts, retries, the circuit breaker, the response
// size cap and error mapping live in one place.
import type { Readable } from 'node:stream';
import type { UpstreamSettings } from '../config/schema.ts';
import type { RequestScope } from '../context.ts';

export interface UpstreamSource {
  readonly name: string;
  /** Base URL of the service, e.g. `http://127.0.0.1:4001/api`. Paths are appended to it. */
  readonly endpoint: string;
  readonly settings: UpstreamSettings;
}

export interface UpstreamRequest {
  /** Upper-case HTTP method. */
  readonly method: string;
  /**
   * Path and query relative to the source endpoint, already percent-encoded, starting
   * with `/` (e.g. `/users/42?expand=team`). The client appends it to the endpoint's
   * path; it never resolves it as a URL, so it cannot change host or leave the base path.
   */
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: string | Uint8Array | Readable | null;
  /**
   * The operation this call belongs to, as method and path template (`GET /users/{id}`),
   * never the filled-in path: 5xx answers and timeouts count against this operation's
   * circuit only (see breaker.ts). Default: the method and `*`, one circuit per method.
   */
  readonly operation?: string;
  /** Aborts the call (e.g. the client went away). */
  readonly signal?: AbortSignal;
  /**
   * The request this call is made for (a GraphQL request, a passthrough call): the
   * client runs the source's outbound rules with it before anything is sent. Calls the
   * gateway makes on its own (readiness probes, schema builds) carry none.
   */
  readonly scope?: RequestScope;
}

export interface UpstreamResponse {
  readonly status: number;
  /** Lower-case header names. */
  readonly headers: Record<string, string | string[] | undefined>;
  /** The whole body, at most `maxResponseBytes`. */
  readonly body: Buffer;
  /** Attempts made (1 when no retry happened); for logs and tests. */
  readonly attempts: number;
}

export interface UpstreamStreamResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  /** The body as it arrives; errors with UPSTREAM_RESPONSE_TOO_LARGE past the cap. */
  readonly body: Readable;
}

export interface UpstreamClient {
  /**
   * Sends a request and buffers the answer. Non-2xx statuses are answers, not errors:
   * the caller decides what they mean. Throws TributaryError with UPSTREAM_TIMEOUT,
   * UPSTREAM_UNAVAILABLE, UPSTREAM_CIRCUIT_OPEN or UPSTREAM_RESPONSE_TOO_LARGE, or with
   * INTERNAL_SERVER_ERROR when undici refuses to send the request as built.
   */
  request(source: string, request: UpstreamRequest): Promise<UpstreamResponse>;
  /** Like request, but the body is streamed back (REST passthrough). Never retried. */
  stream(source: string, request: UpstreamRequest): Promise<UpstreamStreamResponse>;
  /** Runs the source's outbound rules (auth, rate limits) for a request that sends nothing to it (a subscription). */
  admit(source: string, scope: RequestScope): Promise<void>;
  /** Whether the source's endpoint answers at all (any HTTP status counts), for /readyz. */
  probe(source: string): Promise<{ reachable: boolean; status?: number; error?: string }>;
  /** State of the source-level circuit (connection failures), for /readyz and metrics. */
  breakerState(source: string): 'closed' | 'open' | 'half-open';
  /** The source's operations whose own circuit is open or half-open, for /readyz. */
  openOperations(source: string): readonly { readonly operation: string; readonly state: 'open' | 'half-open' }[];
  close(): Promise<void>;
}
