// Tracing: OpenTelemetry spans for what the gateway does, exported over OTLP/HTTP (JSON)
// by the standard SDK, configured by `tributary.observability.tracing` and the standard
// OTEL_* environment variables. Off unless configured, and then free: nothing here loads
// OpenTelemetry until startTracing() runs (its modules are imported dynamically), and
// without it no channel has a subscriber and no plugin is added.
//
// One tracer provider per process, made from the first config that turns tracing on and
// shared by every gateway in the process while one of them uses it: the channels it
// subscribes to (observability/channels.ts) are process-wide, so two providers would
// each see every call. The last gateway to close shuts it down, which flushes.
//
// The current span lives in an AsyncLocalStorage of this module's own, not in
// OpenTelemetry's global context manager: nothing is registered globally (an embedder's
// own OpenTelemetry setup is left alone), and the link batches' channel can bind the
// same storage (tracing-channels.ts), so that the calls a batch makes are its children.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Attributes, Context, Span, Tracer, TextMapPropagator } from '@opentelemetry/api';
import type { TracingSettings } from '../config/observability.ts';
import type { Logger } from './log.ts';

/**
 * Whether tracing is on: `enabled` when set, else whether an OTLP endpoint is configured
 * here or by OTEL_EXPORTER_OTLP_ENDPOINT / OTEL_EXPORTER_OTLP_TRACES_ENDPOINT.
 * OTEL_SDK_DISABLED=true and OTEL_TRACES_EXPORTER=none turn it off whatever the config says:
 * they are the operator's standard switches.
 */
export function tracingEnabled(settings: TracingSettings, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true' || env.OTEL_TRACES_EXPORTER?.trim().toLowerCase() === 'none') return false;
  return settings.enabled ?? Boolean(settings.endpoint || env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

/** One span, as the gateway's layers use it; OpenTelemetry's types stay in this file. */
export interface TraceSpan {
  /** The span's context (the store the link batches' channel binds). */
  readonly context: unknown;
  /** Runs `fn` with this span as the current one: spans started inside are its children. */
  run<T>(fn: () => T): T;
  set(attributes: Attributes): void;
  /**
   * Marks the span failed. `type` is a catalogue code (errors.ts), an HTTP status or an
   * error class name; `description` a catalogue text: never an error's own message,
   * which may carry an upstream URL.
   */
  fail(type: string, description?: string): void;
  /** Writes W3C traceparent/tracestate for this span into outgoing headers. */
  inject(headers: Record<string, string>): void;
  end(): void;
}

export interface Tracing {
  /** A server span continuing the trace the client's traceparent/tracestate name (none: a new trace). */
  server(name: string, header: (name: string) => string | undefined, attributes: Attributes): TraceSpan;
  /** A child of the current span (none: the root of a new trace). */
  child(name: string, kind: 'client' | 'internal', attributes: Attributes): TraceSpan;
  /** The storage holding the current span's context (what `run` sets). */
  readonly storage: AsyncLocalStorage<unknown>;
  /** A passthrough request's server span around `run`, ended once the answer is written or cut. */
  serve(req: IncomingMessage, res: ServerResponse, route: string, run: () => Promise<void>): Promise<void>;
  /** Exports every span ended so far (tests; a shutdown does it too). */
  forceFlush(): Promise<void>;
  /** This gateway is done with tracing; the last one out shuts the provider down (flushing). */
  shutdown(): Promise<void>;
}

/** HTTP methods known to the HTTP semantic conventions; others are reported as `_OTHER`. */
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'CONNECT', 'TRACE']);

/** A server span's name (semantic conventions): method and route, `HTTP` for a method not in the list. */
export function serverSpanName(method: string, route: string | undefined): string {
  const shown = KNOWN_METHODS.has(method) ? method : 'HTTP';
  return route === undefined ? shown : `${shown} ${route}`;
}

/** `http.request.method` and, for a method not in the list, the one sent (semantic conventions). */
export function methodAttributes(method: string): Attributes {
  return KNOWN_METHODS.has(method) ? { 'http.request.method': method } : { 'http.request.method': '_OTHER', 'http.request.method_original': method };
}

interface Shared {
  readonly tracing: Omit<Tracing, 'shutdown'>;
  readonly close: () => Promise<void>;
  readonly settings: string;
  users: number;
}

let shared: Promise<Shared> | undefined;

/** Tracing for one gateway: the process's provider, made on first use from `settings`. */
export async function startTracing(settings: TracingSettings, logger: Logger): Promise<Tracing> {
  const fingerprint = JSON.stringify(settings);
  // A failed start (a module that does not load) leaves nothing behind: the next one retries.
  shared ??= createShared(settings, fingerprint, logger).catch((error: unknown) => {
    shared = undefined;
    throw error;
  });
  const mine = shared;
  const current = await mine;
  current.users += 1;
  if (current.settings !== fingerprint)
    logger.warn("tracing is set up once per process, from the first config that turns it on: this config's tracing settings are not applied");
  let released = false;
  return {
    ...current.tracing,
    async shutdown() {
      if (released) return;
      released = true;
      current.users -= 1;
      if (current.users > 0) return;
      if (shared === mine) shared = undefined;
      await current.close();
    },
  };
}

/** Exports every span ended so far in this process, when tracing runs (a test's hook: no waiting on the batch delay). */
export async function forceFlushTracing(): Promise<void> {
  await (await shared)?.tracing.forceFlush();
}

/** The provider, exporter and channel subscribers; OpenTelemetry's modules load here. */
async function createShared(settings: TracingSettings, fingerprint: string, logger: Logger): Promise<Shared> {
  const [api, { W3CTraceContextPropagator }, sdk, { OTLPTraceExporter }, resources, { traceChannels }] = await Promise.all([
    import('@opentelemetry/api'),
    import('@opentelemetry/core'),
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
    import('./tracing-channels.ts'),
  ]);
  // Export failures (a collector down) reach OpenTelemetry's diagnostics, silent unless
  // someone listens: the gateway's log does, at warn.
  const diagLogger = logger.child({ component: 'tracing' });
  api.diag.setLogger(
    {
      error: (message, ...args) => diagLogger.warn({ args }, message),
      warn: (message, ...args) => diagLogger.warn({ args }, message),
      info: () => undefined,
      debug: () => undefined,
      verbose: () => undefined,
    },
    { logLevel: api.DiagLogLevel.WARN, suppressOverrideMessage: true },
  );
  // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES (envDetector); the config's name wins.
  const serviceName = settings.serviceName ?? process.env.OTEL_SERVICE_NAME ?? 'tributary';
  const resource = resources
    .defaultResource()
    .merge(resources.detectResources({ detectors: [resources.envDetector] }))
    .merge(resources.resourceFromAttributes({ 'service.name': serviceName }));
  // No `url`: the exporter reads OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, then
  // OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces (and _HEADERS, _TIMEOUT, _COMPRESSION).
  const exporter = new OTLPTraceExporter(settings.endpoint ? { url: `${settings.endpoint.replace(/\/+$/, '')}/v1/traces` } : {});
  // No sampler: the SDK reads OTEL_TRACES_SAMPLER / _ARG (default parent-based, always on).
  const sampler = settings.sampleRatio === undefined ? undefined : new sdk.ParentBasedSampler({ root: new sdk.TraceIdRatioBasedSampler(settings.sampleRatio) });
  // BatchSpanProcessor reads OTEL_BSP_* (delay, queue and batch sizes, export timeout).
  const provider = new sdk.BasicTracerProvider({ resource, ...(sampler ? { sampler } : {}), spanProcessors: [new sdk.BatchSpanProcessor(exporter)] });
  const tracer: Tracer = provider.getTracer('tributary');
  const propagator: TextMapPropagator = new W3CTraceContextPropagator();
  const storage = new AsyncLocalStorage<unknown>();
  const KIND = { server: api.SpanKind.SERVER, client: api.SpanKind.CLIENT, internal: api.SpanKind.INTERNAL };

  const wrap = (span: Span, parent: Context): TraceSpan => {
    const context = api.trace.setSpan(parent, span);
    return {
      context,
      run: (fn) => storage.run(context, fn),
      set: (attributes) => void span.setAttributes(attributes),
      fail(type, description) {
        span.setAttribute('error.type', type);
        span.setStatus({ code: api.SpanStatusCode.ERROR, ...(description ? { message: description } : {}) });
      },
      inject: (headers) => propagator.inject(context, headers, api.defaultTextMapSetter),
      end: () => span.end(),
    };
  };
  const start = (name: string, kind: keyof typeof KIND, attributes: Attributes, parent: Context): TraceSpan =>
    wrap(tracer.startSpan(name, { kind: KIND[kind], attributes }, parent), parent);

  const tracing: Omit<Tracing, 'shutdown'> = {
    storage,
    server(name, header, attributes) {
      const parent = propagator.extract(api.ROOT_CONTEXT, header, { get: (carrier, key) => carrier(key), keys: () => ['traceparent', 'tracestate'] });
      return start(name, 'server', attributes, parent);
    },
    child: (name, kind, attributes) => start(name, kind, attributes, (storage.getStore() as Context | undefined) ?? api.ROOT_CONTEXT),
    async serve(req, res, route, run) {
      const method = req.method ?? '';
      // The route only, never the path: a path may carry identifiers, a query string tokens.
      const span = tracing.server(serverSpanName(method, route), (name) => joined(req.headers[name]), {
        ...methodAttributes(method),
        'http.route': route,
      });
      // 'finish': the answer was handed to the socket; 'close' alone: the connection was cut.
      let ended = false;
      const end = (): void => {
        if (ended) return;
        ended = true;
        // The passthrough echoes its request id on every answer, refusals included.
        const requestId = res.getHeader('x-request-id');
        span.set({ 'http.response.status_code': res.statusCode, ...(typeof requestId === 'string' ? { 'tributary.request_id': requestId } : {}) });
        if (!res.writableFinished) span.fail('aborted');
        else if (res.statusCode >= 500) span.fail(String(res.statusCode));
        span.end();
      };
      res.once('finish', end);
      res.once('close', end);
      return span.run(run);
    },
    async forceFlush() {
      await provider.forceFlush();
    },
  };
  const unsubscribe = traceChannels(tracing);
  return {
    tracing,
    settings: fingerprint,
    users: 0,
    async close() {
      unsubscribe();
      try {
        await provider.shutdown();
      } finally {
        api.diag.disable();
      }
    },
  };
}

function joined(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}
