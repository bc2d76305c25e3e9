// What the gateway's layers tell observers (metrics, traces), as Node diagnostics
// channels: the upstream client and the link loaders publish, observability/ subscribes,
// and neither imports the other. A channel nobody subscribes to costs one property read
// (`hasSubscribers`), so a gateway with metrics and tracing off pays nothing per call.
import diagnostics_channel from 'node:diagnostics_channel';
import type { RequestScope } from '../context.ts';

/** One logical upstream call (retries included), published around its whole duration. */
export interface UpstreamCallMessage {
  readonly source: string;
  /** Method and path template (`GET /users/{id}`): never the filled-in path, so labels stay bounded. */
  readonly operation: string;
  readonly method: string;
  /** The headers about to be sent; a `start` subscriber may add fields (`traceparent`). */
  readonly headers: Record<string, string>;
  /** The request the call is made for; absent for the gateway's own calls (probes). */
  readonly scope?: RequestScope;
  /** Whether the answer is streamed (passthrough) rather than buffered. */
  readonly streamed: boolean;
  /** Set by the tracing channel once the call settled. */
  result?: { readonly status: number; readonly attempts?: number };
  error?: unknown;
  /** Attempts made, set by the client before a buffered call settles, failed or not (retries = attempts - 1). */
  attempts?: number;
  /**
   * When the metrics' `start` subscriber saw the call (performance.now()). On the message
   * rather than in a WeakMap of the subscriber's: a WeakMap set and delete per call cost
   * about 1% of a 22-call query's CPU, and its entries are ephemerons the collector must
   * trace.
   */
  startedAt?: number;
}

export const upstreamCalls = diagnostics_channel.tracingChannel<UpstreamCallMessage, UpstreamCallMessage>('tributary:upstream:call');

/** One link batch: the keys of one tick sent as one bulk call or as per-key calls. */
export interface LinkBatchMessage {
  /** The link's coordinate (`Post.user`). */
  readonly link: string;
  readonly kind: 'bulk' | 'perKey';
  readonly size: number;
  result?: unknown;
  error?: unknown;
}

export const linkBatches = diagnostics_channel.tracingChannel<LinkBatchMessage, LinkBatchMessage>('tributary:link:batch');

/** A schema generation built (start, reload, or a background retry of a failed source), or a reload refused. */
export interface SchemaBuildMessage {
  readonly reason: 'start' | 'reload' | 'retry';
  readonly ms: number;
  readonly ok: boolean;
}

export const schemaBuilds = diagnostics_channel.channel('tributary:schema:build');
