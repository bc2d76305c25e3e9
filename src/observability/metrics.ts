// Prometheus metrics, one set per process, in prom-client's default registry: prom-client
// refuses a second metric of the same name, and gateways in tests share one process.
// Nothing exists until a gateway with `tributary.observability.metrics.enabled` acquires
// it: the metrics are then registered, the diagnostics channels (channels.ts) subscribed
// and Node's process metrics started; when the last such gateway releases it, the
// channels are left again, so a process with metrics off does no work per request.
//
// Every label value comes from the config or the schema, never from a request: source
// names, operation templates (`GET /users/{id}`), status classes, error codes of the
// catalogue, link coordinates, GraphQL operation types. The one value a client chooses,
// the GraphQL operation name, is bounded here by construction (BoundedLabel), and the
// operation templates are bounded too, in case a caller ever passes something else.
import type diagnostics_channel from 'node:diagnostics_channel';
import type { ServerResponse } from 'node:http';
import { collectDefaultMetrics, Counter, Gauge, Histogram, register, type Metric } from 'prom-client';
import { ERRORS, isTributaryError } from '../errors.ts';
import { statusClassIndex, UpstreamSeries } from './upstream-series.ts';
import { linkBatches, schemaBuilds, upstreamCalls, type LinkBatchMessage, type SchemaBuildMessage, type UpstreamCallMessage } from './channels.ts';

/** What the circuit gauges read at scrape time: the upstream client of the generation being served. */
export interface CircuitsView {
  readonly sources: readonly { readonly name: string; readonly loaded: boolean }[];
  readonly upstream: {
    breakerState(source: string): 'closed' | 'open' | 'half-open';
    openOperations(source: string): readonly { readonly operation: string; readonly state: 'open' | 'half-open' }[];
  };
}

/** One GraphQL request, as the Yoga plugin saw it (http/graphql-metrics.ts). */
export interface GraphqlRequestRecord {
  /** The operation's name from the document; bounded here before it becomes a label. */
  readonly operationName: string | undefined;
  /** query | mutation | subscription; undefined when nothing was executed (refused, invalid). */
  readonly operationType: string | undefined;
  /** How many operations the request executed (batching sends several). */
  readonly operations: number;
  readonly failed: boolean;
  readonly seconds: number;
}

export interface Metrics {
  readonly contentType: string;
  /** The Prometheus text exposition of the whole registry. */
  render(): Promise<string>;
  graphqlStarted(): void;
  graphqlFinished(record: GraphqlRequestRecord): void;
  /** Counts a passthrough request in flight until its response closes. */
  passthroughStarted(res: ServerResponse): void;
  /** Adds a view for the circuit gauges; returns its removal. */
  watch(view: () => CircuitsView | undefined): () => void;
  /** The acquiring gateway is done with the metrics (its close()). */
  release(): void;
}

/** Operation names kept as labels per process; later new names count as `(other)`. */
export const MAX_OPERATION_NAMES = 100;
/** Upstream operation templates kept per process; a spec rarely has more. */
export const MAX_UPSTREAM_OPERATIONS = 2_000;

/** What GraphQL's Name grammar allows (GraphQL spec §2.1.9), at most 64 characters. */
const OPERATION_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
/** Where a bounded label puts what it does not keep. */
const OTHER = '(other)';
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT']);

/**
 * A label fed by values outside the gateway's control: the first `max` distinct values
 * that pass `accept` are kept, first come first served, and everything else becomes
 * `(other)`. A client sending made-up names can use up the slots, not memory: the
 * number of series stays at most `max` + the fixed markers.
 */
export class BoundedLabel {
  readonly #seen = new Set<string>();
  constructor(
    private readonly max: number,
    private readonly accept: (value: string) => boolean = () => true,
  ) {}

  of(value: string): string {
    if (this.#seen.has(value)) return value;
    if (this.#seen.size >= this.max || !this.accept(value)) return OTHER;
    this.#seen.add(value);
    return value;
  }
}

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

function instruments() {
  // Fed by every upstream call, so kept as plain numbers (upstream-series.ts).
  const upstream = new UpstreamSeries(SECONDS, (operation) => (operation === OTHER ? operation : upstreamOperations.of(operation)));
  register.registerMetric(
    upstream.histogram(
      'tributary_upstream_request_duration_seconds',
      'Logical upstream calls (retries included; streamed calls until the answer head), by source, operation template and status class.',
    ) as unknown as Metric,
  );
  register.registerMetric(
    upstream.counter(
      'tributary_upstream_requests_total',
      'Logical upstream calls, by source, operation template and status class (2xx, 3xx, 4xx, 5xx, error).',
    ) as unknown as Metric,
  );
  return {
    upstream,
    graphqlRequests: new Counter({
      name: 'tributary_graphql_requests_total',
      help: 'GraphQL requests at the GraphQL path, by operation name (bounded), operation type and outcome.',
      labelNames: ['operation_name', 'operation_type', 'outcome'] as const,
    }),
    graphqlDuration: new Histogram({
      name: 'tributary_graphql_request_duration_seconds',
      help: 'Time from a GraphQL request arriving to its response being ready, by operation type and outcome.',
      labelNames: ['operation_type', 'outcome'] as const,
      buckets: SECONDS,
    }),
    inFlight: new Gauge({
      name: 'tributary_requests_in_flight',
      help: 'Requests being served, by kind (graphql, passthrough).',
      labelNames: ['kind'] as const,
    }),
    upstreamErrors: new Counter({
      name: 'tributary_upstream_errors_total',
      help: 'Upstream calls that ended without an answer, by source, operation template and error code.',
      labelNames: ['source', 'operation', 'code'] as const,
    }),
    upstreamRetries: new Counter({
      name: 'tributary_upstream_retries_total',
      help: 'Extra attempts made by the retry policy, by source and operation template.',
      labelNames: ['source', 'operation'] as const,
    }),
    linkBatchSize: new Histogram({
      name: 'tributary_link_batch_size',
      help: 'Keys per link batch, by link coordinate and kind (bulk, perKey).',
      labelNames: ['link', 'kind'] as const,
      buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000],
    }),
    schemaBuildDuration: new Histogram({
      name: 'tributary_schema_build_duration_seconds',
      help: 'Schema generation builds, by reason (start, reload, retry) and outcome (ok, error).',
      labelNames: ['reason', 'outcome'] as const,
      buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    }),
    // Read at scrape time from the upstream clients being served: no work per call.
    sourceCircuit: new Gauge({
      name: 'tributary_upstream_circuit_state',
      help: 'State of each source circuit (connection failures): 0 closed, 1 half-open, 2 open.',
      labelNames: ['source'] as const,
      collect() {
        this.reset();
        for (const { name, upstream } of servedSources()) this.set({ source: name }, STATE_VALUE[upstream.breakerState(name)]);
      },
    }),
    operationCircuit: new Gauge({
      name: 'tributary_upstream_operation_circuit_state',
      help: 'Operation circuits that are not closed (5xx, timeouts): 1 half-open, 2 open; closed ones are absent.',
      labelNames: ['source', 'operation'] as const,
      collect() {
        this.reset();
        for (const { name, upstream } of servedSources()) {
          for (const { operation, state } of upstream.openOperations(name))
            this.set({ source: name, operation: upstreamOperations.of(operation) }, STATE_VALUE[state]);
        }
      },
    }),
    storeErrors: new Counter({
      name: 'tributary_policy_store_errors_total',
      help: 'Policy store (Redis) failures, by policy and what the request got instead.',
      labelNames: ['policy', 'outcome'] as const,
    }),
    rateLimited: new Counter({ name: 'tributary_rate_limited_total', help: 'Requests refused with 429, by rule.', labelNames: ['rule'] as const }),
    cacheLookups: new Counter({
      name: 'tributary_cache_lookups_total',
      help: 'Response cache lookups, by route kind and result.',
      labelNames: ['kind', 'result'] as const,
    }),
  };
}

type Instruments = ReturnType<typeof instruments>;

/** Created on the first acquire, for the life of the process (the registry keeps them). */
let made: Instruments | undefined;
/** Set while some gateway holds the metrics; what the channel handlers and policy counters write to. */
let live: Instruments | undefined;
let holders = 0;
const views = new Set<() => CircuitsView | undefined>();
const operationNames = new BoundedLabel(MAX_OPERATION_NAMES, (name) => OPERATION_NAME.test(name));
const upstreamOperations = new BoundedLabel(MAX_UPSTREAM_OPERATIONS);

const STATE_VALUE = { closed: 0, 'half-open': 1, open: 2 } as const;

/** The loaded sources of every generation being served, with their upstream client. */
function* servedSources(): Generator<{ name: string; upstream: CircuitsView['upstream'] }> {
  for (const view of views) {
    const served = view();
    if (!served) continue;
    for (const source of served.sources) if (source.loaded) yield { name: source.name, upstream: served.upstream };
  }
}

// --- the channel handlers ------------------------------------------------------------

function operationLabel(message: UpstreamCallMessage): string {
  // The method is the config's (passthrough.methods) or the schema's; an unknown one is folded anyway.
  return KNOWN_METHODS.has(message.method) ? upstreamOperations.of(message.operation) : OTHER;
}

function errorCode(error: unknown): string {
  if (isTributaryError(error) && error.code in ERRORS) return error.code;
  return error instanceof Error && error.name === 'AbortError' ? 'ABORTED' : 'INTERNAL_SERVER_ERROR';
}

function upstreamSettled(message: UpstreamCallMessage, failed: boolean): void {
  const at = message.startedAt;
  if (!live || at === undefined) return;
  message.startedAt = undefined;
  const seconds = (performance.now() - at) / 1000;
  const status = failed ? undefined : message.result?.status;
  // The bounded operation label is applied once per operation, inside the series.
  live.upstream.record(message.source, KNOWN_METHODS.has(message.method) ? message.operation : OTHER, statusClassIndex(status), seconds);
  // The client sets `attempts` on the message for buffered calls, answered or not; a streamed call is never retried.
  const attempts = message.attempts ?? message.result?.attempts ?? 1;
  if (!failed && attempts === 1) return;
  const labels = { source: message.source, operation: operationLabel(message) };
  if (failed) live.upstreamErrors.inc({ ...labels, code: errorCode(message.error) });
  if (attempts > 1) live.upstreamRetries.inc(labels, attempts - 1);
}

// Node subscribes only the handlers given (@types/node asks for all five).
type Handlers<M extends object> = diagnostics_channel.TracingChannelSubscribers<M>;

const upstreamHandlers = {
  start(message: UpstreamCallMessage) {
    message.startedAt = performance.now();
  },
  asyncEnd(message: UpstreamCallMessage) {
    upstreamSettled(message, message.error !== undefined);
  },
  // A call that throws before its promise exists (synchronously) ends here instead of asyncEnd.
  error(message: UpstreamCallMessage) {
    upstreamSettled(message, true);
  },
} as Handlers<UpstreamCallMessage>;

const linkHandlers = {
  start(message: LinkBatchMessage) {
    live?.linkBatchSize.observe({ link: message.link, kind: message.kind }, message.size);
  },
} as Handlers<LinkBatchMessage>;

function onSchemaBuild(message: unknown): void {
  const build = message as SchemaBuildMessage;
  live?.schemaBuildDuration.observe({ reason: build.reason, outcome: build.ok ? 'ok' : 'error' }, build.ms / 1000);
}

// --- acquire and release -------------------------------------------------------------

let defaultMetricsStarted = false;

/** The process's metrics, for one gateway; call `release()` once when that gateway closes. */
export function acquireMetrics(): Metrics {
  made ??= instruments();
  if (!defaultMetricsStarted) {
    collectDefaultMetrics();
    defaultMetricsStarted = true;
  }
  if (holders++ === 0) {
    live = made;
    upstreamCalls.subscribe(upstreamHandlers);
    linkBatches.subscribe(linkHandlers);
    schemaBuilds.subscribe(onSchemaBuild);
  }
  const own = made;
  const mine = new Set<() => CircuitsView | undefined>();
  let released = false;
  return {
    contentType: register.contentType,
    render: () => register.metrics(),
    graphqlStarted: () => own.inFlight.inc({ kind: 'graphql' }),
    graphqlFinished(record) {
      own.inFlight.dec({ kind: 'graphql' });
      const operationType = record.operationType ?? 'none';
      const outcome = record.failed ? 'error' : 'ok';
      let operationName: string;
      if (record.operations > 1) operationName = '(batch)';
      else if (record.operations === 0) operationName = '(none)';
      else operationName = record.operationName === undefined ? '(anonymous)' : operationNames.of(record.operationName);
      own.graphqlRequests.inc({ operation_name: operationName, operation_type: operationType, outcome });
      own.graphqlDuration.observe({ operation_type: operationType, outcome }, record.seconds);
    },
    passthroughStarted(res) {
      own.inFlight.inc({ kind: 'passthrough' });
      res.once('close', () => own.inFlight.dec({ kind: 'passthrough' }));
    },
    watch(view) {
      views.add(view);
      mine.add(view);
      return () => {
        views.delete(view);
        mine.delete(view);
      };
    },
    release() {
      if (released) return;
      released = true;
      for (const view of mine) views.delete(view);
      if (--holders > 0) return;
      live = undefined;
      upstreamCalls.unsubscribe(upstreamHandlers);
      linkBatches.unsubscribe(linkHandlers);
      schemaBuilds.unsubscribe(onSchemaBuild);
    },
  };
}

// --- the policies' counters ----------------------------------------------------------

type Labels<C> = C extends Counter<infer L> ? Partial<Record<L, string>> : never;

/** A counter the policies increment; a no-op while no gateway serves metrics. */
function policyCounter<K extends 'storeErrors' | 'rateLimited' | 'cacheLookups'>(key: K): { inc(labels: Labels<Instruments[K]>): void } {
  return {
    inc(labels) {
      (live?.[key] as Counter<string> | undefined)?.inc(labels as Record<string, string>);
    },
  };
}

/** A shared store (Redis) failed; `outcome` says what the request got instead. */
export const storeErrors = policyCounter('storeErrors');
/** Requests refused by a rate-limit rule (the rule's id: its configured name or one made from its settings). */
export const rateLimited = policyCounter('rateLimited');
/** Response cache lookups. */
export const cacheLookups = policyCounter('cacheLookups');
