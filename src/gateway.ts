// The composition root: the one place that wires config, sources, upstream client,
// schema, passthrough and policies together (DESIGN.md's layer rule: only this file
// imports the leaves; commands, reload and tests use what it exports).
//
// A request, from the socket to the upstream call and back:
//   node:http ─▶ handle()            passthrough first: its route needs the raw `req.url`
//            │                       to judge traversal before any normalisation could
//            │                       hide a `..`
//            ├▶ webhooks             /webhooks/<source>/<key>: the source's secret or
//            │                       signature, not the client policies, then the event
//            │                       bus (subscriptions/webhook-route.ts)
//            ├▶ REST passthrough     route, method, path, size (passthrough/route.ts), then
//            │                       each policy's judge in policyOrder (client address,
//            │                       auth, rate limits, cache), then upstream.stream()
//            └▶ compression ─▶ Yoga  answers compressed by Accept-Encoding (http/compression.ts);
//                                    plugins in the order `plugins()` lists them: health,
//                                    the policies, GraphQL errors, the executor
//                                    (http/jit.ts), the cache, the body limit
//                  ─▶ fields / links  each REST field and link batch runs its compiled
//                                    operation (schema/operation/compile.ts) with the
//                                    request's scope (context.ts RequestScope)
//   upstream client ─▶ service       the source's outbound rules (upstream/outbound.ts:
//                                    per-source auth, rate limits, forwarded and
//                                    gateway-set headers), then circuit, pool, timeout,
//                                    retries and body cap (upstream/client.ts)
// Errors answered outside execution go through errors.ts httpError(); inside it, Yoga
// renders them with the masking of http/mask-errors.ts.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { InjectOptions, Response as InjectResponse } from 'light-my-request';
import { createYoga, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import type { GraphQLSchema } from 'graphql';
import { loadConfig, type LoadedConfig } from './config/load.ts';
import { buildSchema, type BuildOptions, type BuiltSchema } from './schema/build.ts';
import { scopeOf, type TributaryContext } from './context.ts';
import { createUpstreamClient } from './upstream/client.ts';
import { closeIdleLoaderThreads } from './openapi/loader-thread.ts';
import { diskCacheWritten } from './openapi/disk-cache.ts';
import { holdYoungGeneration, releaseBuildMemory } from './runtime/release-memory.ts';
import { createPassthrough } from './passthrough/route.ts';
import { createLogger, type Logger } from './observability/log.ts';
import { tributaryMaskedErrors } from './http/mask-errors.ts';
import { useGraphqlErrors } from './http/graphql-errors.ts';
import { useHealth } from './http/health.ts';
import { shutDown, trackServer, type Shutdown, type TrackedServer } from './runtime/shutdown.ts';
import { useJit } from './http/jit.ts';
import { planOperation } from './links/planned/planner.ts';
import { useIncrementalDelivery } from './http/defer-stream.ts';
import { useRequestBodyLimit } from './http/body-limit.ts';
import { withCompression } from './http/compression.ts';
import { defaultQuery } from './http/default-query.ts';
import { createPolicies, policyFingerprint, type Policies } from './policies/index.ts';
import type { Policy } from './policies/policy.ts';
import { loadTrustedDocuments, unservableDocuments, type TrustedDocuments } from './policies/persisted/manifest.ts';
import { forwardHeadersRule, requestIdRule } from './upstream/outbound.ts';
import { useRequestId } from './http/request-id.ts';
import { metricsEndpoint, type MetricsEndpoint } from './http/metrics.ts';
import { useTracing } from './http/tracing.ts';
import { startTracing, tracingEnabled } from './observability/tracing.ts';
import { createAccessLog, type AccessLog } from './observability/access-log.ts';
import { schemaBuilds, type SchemaBuildMessage } from './observability/channels.ts';
import type { OutboundRule } from './context.ts';
import { getDirectiveExtensions } from '@graphql-tools/utils';
import { httpError, TributaryError } from './errors.ts';
import { LoadRetrySettings, UpstreamSettings } from './config/schema.ts';
import { interpolateEnv } from './config/env.ts';
import type { LoaderPhase } from './openapi/loader-protocol.ts';
import { loadSpecRobustly, type RobustLoadOptions, type RobustLoadResult } from './openapi/robust-load.ts';
import { makeExecutableSource } from './schema/source.ts';
import { applyTransforms } from './schema/transforms.ts';
import { resolveServerUrl } from './schema/server-url.ts';
import { retryLoad, type LoadRetry } from './runtime/load-retry.ts';
import { createEventBus } from './subscriptions/bus.ts';
import { createWebhookRoute } from './subscriptions/webhook-route.ts';
import { serveGraphqlWs, type GraphqlWs } from './subscriptions/websocket.ts';

export interface GatewayOptions {
  configFile: string;
  logger?: Logger;
  /** Extra Yoga/envelop plugins, after Tributary's own (tests, embedding). */
  plugins?: Plugin[];
  onProgress?: BuildOptions['onProgress'];
  /** Told about each background retry of a source whose document failed (runtime/load-retry.ts). */
  onSourceRetry?: (event: SourceRetryEvent) => void;
}

/** One step of a source's background retry: an attempt failed, it loaded (and is served), or retrying stopped. */
export interface SourceRetryEvent {
  readonly source: string;
  readonly outcome: 'failed' | 'loaded' | 'stopped';
  /** Attempts made so far. */
  readonly attempts: number;
  readonly error?: string;
}

/** Everything that belongs to one schema version; swapped as a whole on reload. */
export interface Generation {
  readonly config: LoadedConfig;
  readonly built: BuiltSchema;
  readonly passthrough: ReturnType<typeof createPassthrough>;
  readonly graphiqlQuery: string;
  /** The manifest's documents as this build read them (tributary.policies.persistedDocuments). */
  readonly trustedDocuments?: TrustedDocuments;
  /** Closes the generation's upstream pools (their calls finish first). */
  close(): Promise<void>;
}

/** How one source of a generation loaded (for commands: check, start --strict). */
export type SourceStatus = BuiltSchema['sources'][number];

export interface GenerationOptions {
  readonly logger: Logger;
  readonly onProgress?: BuildOptions['onProgress'];
  /**
   * The policies, in order (see `policyOrder`): their passthrough judges and outbound
   * rules go into this generation's passthrough and upstream client. Commands that never
   * serve pass none.
   */
  readonly policies?: readonly Policy[];
  /** Where the passthrough writes its access-log lines (none: not logged). */
  readonly accessLog?: AccessLog;
}

export interface Gateway {
  readonly yoga: YogaServerInstance<Record<string, unknown>, TributaryContext>;
  /** The config, schema and trusted documents being served now. */
  current(): { config: LoadedConfig; built: BuiltSchema; trustedDocuments?: TrustedDocuments };
  /** node:http request listener: passthrough first, Yoga for the rest. */
  handle(req: IncomingMessage, res: ServerResponse): void;
  listen(options?: { port?: number; host?: string }): Promise<{ server: Server; url: string; port: number }>;
  /**
   * One request through the whole gateway — passthrough, policies, GraphQL — without a
   * socket (light-my-request drives `handle` with in-memory req/res). For tests and
   * embedding; the client address is 127.0.0.1 unless `remoteAddress` says otherwise.
   */
  inject(request: InjectOptions): Promise<InjectResponse>;
  /**
   * Re-reads the config and sources; on success swaps atomically. On failure — a bad config,
   * or a source served now that no longer loads — keeps serving the old generation.
   */
  reload(): Promise<{ ok: true; previous: GraphQLSchema; next: GraphQLSchema } | { ok: false; error: Error }>;
  /**
   * Graceful: /readyz answers 503, no new connections, requests in flight finish within
   * `graceMs` (default tributary.server.shutdownGraceMs), the rest are cut, then upstream
   * pools close; logs one line with the counts. Called again during the drain it returns
   * the same shutdown, and `graceMs: 0` cuts what is left at once (a second signal).
   */
  close(options?: { graceMs?: number }): Promise<void>;
}

/**
 * Builds one generation from a loaded config: sources → upstream client → schema →
 * passthrough. The one place this wiring exists: the gateway, every command that builds
 * a schema without serving it (check, schema, sources add) and tests call it.
 */
export async function buildGeneration(config: LoadedConfig, options: GenerationOptions): Promise<Generation> {
  const { logger } = options;
  const policies = options.policies ?? [];
  const outbound = outboundRules(config, policies);
  // Read on every build, before the schema (a bad manifest fails fast), so a reload serves it as it is now.
  const manifest = config.tributary.policies.persistedDocuments;
  const trustedDocuments = manifest ? await loadTrustedDocuments(manifest, config.dir, 'tributary.policies.persistedDocuments') : undefined;
  const built = await buildSchema(config, {
    logger,
    onProgress: options.onProgress,
    createUpstream: (sources) => createUpstreamClient({ sources, logger: logger.child({ component: 'upstream' }), outbound }),
  });
  const passthrough = createPassthrough({
    settings: config.tributary.passthrough,
    sources: built.sources
      .filter((s) => s.loaded)
      .map((s) => {
        // `true` (the default) takes the global mode; `declared` or `any` overrides it.
        const own = config.tributary.sources[s.name]?.passthrough ?? true;
        return {
          name: s.name,
          passthrough: config.tributary.passthrough.enabled && own !== false,
          mode: typeof own === 'string' ? own : undefined,
          endpoint: s.endpoint,
          forwardHeaders: config.tributary.sources[s.name]?.forwardHeaders,
        };
      }),
    upstream: built.upstream,
    logger: logger.child({ component: 'passthrough' }),
    judges: policies.flatMap((p) => (p.passthrough ? [p.passthrough] : [])),
    accessLog: options.accessLog,
    // The served schema says which operations each source declares (passthrough/declared.ts).
    schema: built.schema,
  });
  if (trustedDocuments) {
    const unservable = unservableDocuments(trustedDocuments, built.schema);
    if (unservable.length)
      logger.warn(
        { manifest: trustedDocuments.shownAs, documents: unservable.slice(0, 20) },
        `${unservable.length} of the manifest's ${trustedDocuments.size} documents do not validate against the schema; requests for them will fail`,
      );
  }
  return { config, built, passthrough, graphiqlQuery: defaultQuery(built.schema), trustedDocuments, close: () => built.upstream.close() };
}

/** Builds a config's generation once, for a command that never serves it, and closes its pools. */
export async function buildOnce(config: LoadedConfig | string, options: GenerationOptions): Promise<Generation> {
  const generation = await buildGeneration(typeof config === 'string' ? await loadConfig(config) : config, options);
  await generation.close();
  return generation;
}

export interface LoneSourceOptions extends Omit<RobustLoadOptions, 'handler' | 'onProgress'> {
  readonly onProgress?: (phase: LoaderPhase | 'generate') => void;
  /** The handler as written; `{env.X}` in its source and endpoint is resolved here. */
  readonly handler: { source: string; endpoint?: string };
  readonly logger: Logger;
  readonly transforms?: ReadonlyArray<Record<string, unknown>>;
  /** How errors name the document (the path as the user typed it). */
  readonly shownAs?: string;
  /** Used when neither the handler nor the document names a usable server (the result says so). */
  readonly fallbackEndpoint?: string;
}

export interface LoneSource {
  readonly loaded: RobustLoadResult;
  /** The source's executable schema, transforms applied. */
  readonly schema: GraphQLSchema;
  readonly endpoint: string;
  /** Why the fallback endpoint was used: the document names no server, or one that is not a usable URL. */
  readonly endpointProblem?: 'none' | { unusable: string; reason: string };
}

/**
 * One source on its own, through the gateway's own path (robust load, then every
 * operation compiled through a throwaway upstream client that sends nothing): what
 * `sources check` reports on and `sources add` checks before it writes the config.
 */
export async function buildLoneSource(options: LoneSourceOptions): Promise<LoneSource> {
  const { name, logger } = options;
  const handler = {
    source: interpolateEnv(options.handler.source),
    ...(options.handler.endpoint ? { endpoint: interpolateEnv(options.handler.endpoint) } : {}),
  };
  const loaded = await loadSpecRobustly({ ...options, handler, onProgress: options.onProgress });
  const transport = getDirectiveExtensions(loaded.schema)?.transport?.[0] as { location?: string } | undefined;
  let endpointProblem: LoneSource['endpointProblem'];
  const fallback = (problem: NonNullable<LoneSource['endpointProblem']>, reason: string): string => {
    if (options.fallbackEndpoint === undefined)
      throw new TributaryError('SOURCE_LOAD_FAILED', `${options.shownAs ?? options.handler.source} ${reason}; pass --endpoint <base URL of the service>.`);
    endpointProblem = problem;
    return options.fallbackEndpoint;
  };
  const named = handler.endpoint ?? transport?.location;
  let endpoint: string;
  if (!named) endpoint = fallback('none', 'names no server (OAS 3.0 "servers", Swagger 2.0 "host")');
  else {
    try {
      // Server variables take their defaults, as at serve time (schema/server-url.ts).
      endpoint = resolveServerUrl(name, named);
    } catch (error) {
      const reason = (error as Error).message;
      endpoint = fallback({ unusable: named, reason }, `has a server URL "${named}" that is not usable as is (${reason})`);
    }
  }
  options.onProgress?.('generate');
  const upstream = createUpstreamClient({ sources: [{ name, endpoint, settings: UpstreamSettings.parse({}) }], logger });
  try {
    const own = makeExecutableSource({ name, annotated: loaded.schema, endpoint, ms: loaded.ms }, loaded.schema, { upstream, logger, handler });
    const schema = applyTransforms(own.schema, options.transforms, { apiName: name, baseDir: options.baseDir, where: '--prefix' });
    return { loaded: own.warnings.length ? { ...loaded, warnings: [...loaded.warnings, ...own.warnings] } : loaded, schema, endpoint, endpointProblem };
  } finally {
    await upstream.close();
  }
}

function publishBuild(reason: SchemaBuildMessage['reason'], started: number, ok: boolean): void {
  if (schemaBuilds.hasSubscribers) schemaBuilds.publish({ reason, ms: performance.now() - started, ok } satisfies SchemaBuildMessage);
}

/** Whether a source's OpenAPI document is read from a URL (what a background retry can wait for). */
function documentIsUrl(config: LoadedConfig, name: string): boolean {
  const source = config.mesh.sources.find((s) => s.name === name)?.handler.openapi?.source;
  try {
    return typeof source === 'string' && /^https?:\/\//i.test(interpolateEnv(source));
  } catch {
    return false; // an unset {env.X}: nothing a retry can wait for
  }
}

/** Why a reload is refused: a source served now no longer loads (the running one keeps serving it). */
function lostSources(current: Generation, next: Generation): Error | undefined {
  const servedNow = new Set(current.built.sources.filter((s) => s.loaded).map((s) => s.name));
  const broken = next.built.sources.filter((s) => !s.loaded && servedNow.has(s.name));
  return broken.length ? new Error(broken.map((s) => `source "${s.name}" no longer loads: ${s.error}`).join('\n')) : undefined;
}

/**
 * The policies in the order their parts run. For /graphql, each one's plugins in turn;
 * for the passthrough, each one's judge in turn; for every upstream call, each one's
 * outbound rule in turn. Why this order:
 *   errors          first: its onResultProcess gives every later refusal its code and status
 *   csrf            a simple cross-site request is refused before anything else is read
 *   client address  the rate limits and logs read it; the passthrough's X-Forwarded-For
 *   auth            onRequest, before the body is read; the principal it sets is read by
 *                   the rate limits (who to count), the cache (whose entry) and the
 *                   gateway-set headers; outbound: refuses a call to a source that needs
 *                   credentials before the rate limits charge for it
 *   rate limits     global rules in onRequest (no body read for a refusal), field rules in
 *                   onExecute (after validation: a refused document costs nothing)
 *   persisted documents  onParams: swaps a documentId or hash for its document (or refuses
 *                   one not trusted) before anything reads the query — Yoga's parameter
 *                   check, parsing and the limits, validation, field rules, the cache key;
 *                   after auth and the global rate limits, so a refused client never
 *                   reaches the persisted-query store
 *   limits          tokens while parsing; depth, aliases, directives, cost in validation
 *   introspection   off in production: a validation rule
 *   gateway-set headers  outbound only, last of the rules: its fields win over any the
 *                   client sent or the request copied
 *   cache           its plugins wrap execution, so they come after the executor (below);
 *                   its passthrough judge after auth and rate limits, so a hit is still
 *                   authenticated and counted
 */
export function policyOrder(p: Policies): Policy[] {
  return [p.errors, p.csrf, p.clientAddress, p.auth, p.rateLimit, p.persisted, p.limits, p.introspection, p.setHeaders, p.cache].filter(
    (x): x is Policy => x !== undefined,
  );
}

type YogaPlugin = NonNullable<NonNullable<Parameters<typeof createYoga<Record<string, unknown>, TributaryContext>>[0]['plugins']>[number]>;

/** Outbound rules for one generation: the client fields each source may see (config), then the policies'. */
function outboundRules(config: LoadedConfig, policies: readonly Policy[]): OutboundRule[] {
  const forward = forwardHeadersRule(new Map(Object.entries(config.tributary.sources).map(([name, s]) => [name, s.forwardHeaders ?? []])));
  // The request id first: every call carries it, refused or not.
  const own = [requestIdRule(), ...policies.flatMap((p) => (p.outbound ? [p.outbound] : []))];
  // Forwarded fields before the gateway-set ones, which must win; after auth and rate
  // limits, which may refuse the call (a refused call needs no headers).
  const setIndex = own.findIndex((r) => policies.find((p) => p.outbound === r)?.name === 'gateway-set headers');
  if (!forward) return own;
  return setIndex === -1 ? [...own, forward] : [...own.slice(0, setIndex), forward, ...own.slice(setIndex)];
}

/**
 * Every Yoga plugin, in the order they run:
 *   tracing         (when on) before all, request id included: its instrumentation wraps
 *                   the whole request, so the server span times every later hook,
 *                   refusals included, and each GraphQL phase's span is current while
 *                   that phase runs (the fields' upstream calls become its children)
 *   request id      first of the rest, so that every answer echoes it and the access log times the
 *                   whole request, refusals by later onRequest hooks included
 *   health          /healthz and /readyz answer before any policy, so probes need no credentials
 *   metrics         GET /metrics likewise (it asks for credentials itself when configured to),
 *                   and the GraphQL requests counted from here on, refusals included
 *   policies        up to the executor, in policyOrder's order (the cache's come after it)
 *   GraphQL errors  codes for the executors' own errors (operation types, variables, upstream values)
 *   defer/stream    validation rules for @defer and @stream (http/defer-stream.ts), beside
 *                   the executor that runs them, and the masking of the deferred parts'
 *                   errors: after the GraphQL errors, which code those errors first
 *   executor        graphql-jit, graphql-js, or graphql-tools' for @defer/@stream, chosen
 *                   once per operation (http/jit.ts); it replaces the execute function,
 *                   so what wraps execution comes after it — in envelop a later
 *                   onExecute wraps what earlier ones set
 *   cache           the response cache wraps execution
 *   extra           tests' and embedders' plugins, around Tributary's own
 *   body limit      last, where Yoga puts its own maxRequestBodySize check (http/body-limit.ts)
 */
function plugins(
  p: Policies,
  built: {
    tracing?: YogaPlugin;
    requestId: YogaPlugin;
    health: YogaPlugin;
    metrics: readonly YogaPlugin[];
    jit: YogaPlugin;
    incremental: readonly YogaPlugin[];
    extra: readonly Plugin[];
  },
): YogaPlugin[] {
  const before = policyOrder(p).filter((x) => x !== p.cache);
  return [
    ...(built.tracing ? [built.tracing] : []),
    built.requestId,
    built.health,
    ...built.metrics,
    ...before.flatMap((x) => x.graphql ?? []),
    ...useGraphqlErrors(),
    ...built.incremental,
    built.jit,
    ...(p.cache?.graphql ?? []),
    ...built.extra,
    useRequestBodyLimit(p.yoga.maxRequestBodySize),
  ];
}

/** The first build's garbage is collected this long after it (release-memory.ts), not before the port opens. */
const BUILD_GARBAGE_COLLECTED_AFTER_MS = 1_000;

export async function createGateway(options: GatewayOptions): Promise<Gateway> {
  const logger = options.logger ?? createLogger();
  // Policies are built once, from the first config: Yoga's plugin list is fixed when Yoga
  // is created. A reload that changes them keeps the running ones and says so.
  let policies: Policies | undefined;
  const policiesFor = async (config: LoadedConfig): Promise<Policies> => {
    if (!policies)
      policies = await createPolicies({ config, logger: logger.child({ component: 'policies' }), trustedDocuments: () => generation.trustedDocuments });
    else if (policies.fingerprint !== policyFingerprint(config))
      logger.warn("tributary.policies or a source's setHeaders/forwardHeaders changed: restart the gateway to apply policy changes");
    return policies;
  };
  // Like the policies, decided by the first config (Yoga's plugins are fixed by then).
  let accessLog: AccessLog | undefined;
  // Metrics too (http/metrics.ts): acquired before the first build, so that its duration is recorded.
  let metrics: MetricsEndpoint | undefined;
  let first = true;
  let firstServer = '';
  const generationOf = async (why: 'reload' | 'retry' = 'reload'): Promise<Generation> => {
    const config = await loadConfig(options.configFile);
    // Before the schema build: a policy config error fails fast.
    const policies = await policiesFor(config);
    // The server's settings (port, path, compression) are fixed once it listens.
    const server = JSON.stringify(config.tributary.server);
    if (first) firstServer = server;
    else if (server !== firstServer) logger.warn('tributary.server changed: restart the gateway to apply it');
    if (first) accessLog = config.tributary.observability.accessLog ? createAccessLog(logger) : undefined;
    if (first)
      metrics = metricsEndpoint(config.tributary.observability.metrics, {
        graphqlPath: config.tributary.server.graphqlPath,
        credentials: policies.credentials,
      });
    const reason = first ? 'start' : why;
    first = false;
    const started = performance.now();
    try {
      const built = await buildGeneration(config, { logger, onProgress: options.onProgress, policies: policyOrder(policies), accessLog });
      publishBuild(reason, started, true);
      return built;
    } catch (error) {
      publishBuild(reason, started, false);
      throw error;
    }
  };
  holdYoungGeneration();
  let generation = await generationOf().catch((error: unknown) => {
    metrics?.close().catch(() => undefined);
    throw error;
  });
  metrics?.watch(() => generation.built);
  // Once per gateway, from the first config; OpenTelemetry loads only when it is on.
  const tracing = tracingEnabled(generation.config.tributary.observability.tracing)
    ? await startTracing(generation.config.tributary.observability.tracing, logger)
    : undefined;
  // A loader thread holds Mesh's modules and its last document (over 100 MB with a
  // Stripe-sized spec); a gateway that has started needs neither. Reloads (dev, --watch)
  // start a thread again and keep it warm, since they come in bursts.
  await closeIdleLoaderThreads();
  releaseBuildMemory(BUILD_GARBAGE_COLLECTED_AFTER_MS);
  const active = policies!;
  const servers: TrackedServer[] = [];
  // Set once close() starts; /readyz answers 503 from then on.
  let shutdown: { drain: Shutdown; closed: Promise<void> } | undefined;

  // Subscriptions (subscriptions/): one event bus per gateway, decided by the first config
  // like the policies; the webhook route reads the served schema and sources as they are now.
  const subscriptions = generation.config.tributary.subscriptions;
  const bus = await (async () => {
    try {
      return createEventBus(subscriptions, logger.child({ component: 'subscriptions' }));
    } catch (error) {
      // A config error (pubsub redis without a URL): what was built so far is let go.
      await Promise.all([generation.close(), metrics?.close(), active.close(), tracing?.shutdown()].map((p) => p?.catch(() => undefined)));
      throw error;
    }
  })();
  const webhooks = createWebhookRoute({
    path: subscriptions.webhookPath,
    maxBodyBytes: subscriptions.maxBodyBytes,
    current: () => ({ sources: generation.config.tributary.sources, schema: generation.built.schema }),
    bus,
    logger: logger.child({ component: 'webhooks' }),
  });
  const sockets: GraphqlWs[] = [];

  const maskedErrors = tributaryMaskedErrors(logger);
  // Reloads and background retries build and swap one at a time, each on top of the last.
  let swaps: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(work: () => Promise<T>): Promise<T> => {
    const run = swaps.then(work, work);
    swaps = run.catch(() => undefined);
    return run;
  };
  const swapTo = (next: Generation): void => {
    const previous = generation;
    generation = next;
    // Requests that started on the old generation may still be using its upstream
    // pools; close them once those have had time to finish.
    setTimeout(() => void previous.close(), 30_000).unref();
    retryFailedSources();
  };

  // Sources whose document URL could not be read, retried in the background until they
  // load (then swapped in like a reload) or the gateway closes; /readyz says which.
  const retries = new Map<string, LoadRetry>();
  const retryFailedSources = (): void => {
    const failing = new Set(generation.built.sources.filter((s) => !s.loaded).map((s) => s.name));
    for (const [name, retry] of retries) {
      if (failing.has(name)) continue;
      retry.stop();
      retries.delete(name);
    }
    if (shutdown) return;
    for (const name of failing) {
      const settings = generation.config.tributary.sources[name]?.loadRetry ?? LoadRetrySettings.parse({});
      if (retries.has(name) || !settings.enabled || !documentIsUrl(generation.config, name)) continue;
      const retry: LoadRetry = retryLoad({
        source: name,
        settings,
        attempt: (signal) =>
          exclusive(async () => {
            if (signal.aborted) throw new Error('stopped');
            const next = await generationOf('retry');
            const status = next.built.sources.find((s) => s.name === name);
            const refused = signal.aborted
              ? new Error('stopped')
              : !status
                ? new Error(`source "${name}" is no longer configured`)
                : !status.loaded
                  ? new Error(status.error)
                  : lostSources(generation, next);
            if (refused) {
              await next.close();
              throw refused;
            }
            // Done before the swap, so that the swap's own look at failing sources leaves it be.
            retries.delete(name);
            swapTo(next);
            logger.info({ source: name, attempts: retry.attempts }, `source "${name}" loaded after ${retry.attempts} retries; now served`);
          }),
        onFailure: (error, attempts) => {
          logger.warn({ source: name, attempts, err: error }, `source "${name}" still fails to load; retrying in the background`);
          options.onSourceRetry?.({ source: name, outcome: 'failed', attempts, error: error.message });
        },
      });
      retries.set(name, retry);
      void retry.done.then((loaded) => options.onSourceRetry?.({ source: name, outcome: loaded ? 'loaded' : 'stopped', attempts: retry.attempts }));
    }
  };
  /** What /readyz reports on: the generation served, with the sources being retried marked. */
  const served = () =>
    retries.size === 0
      ? generation.built
      : { ...generation.built, sources: generation.built.sources.map((s) => (retries.has(s.name) ? { ...s, retrying: true } : s)) };

  const yoga = createYoga<Record<string, unknown>, TributaryContext>({
    // A function, so that each request executes against the generation current when it
    // started; a request in flight during a reload finishes on the schema it began with.
    schema: () => generation.built.schema,
    graphqlEndpoint: generation.config.tributary.server.graphqlPath,
    landingPage: false,
    graphiql: active.yoga.graphiql ? () => ({ title: 'Tributary', defaultQuery: generation.graphiqlQuery }) : false,
    batching: active.yoga.batching,
    maxRequestBodySize: false,
    cors: active.yoga.cors,
    // GraphiQL's scripts and styles are served inline from the package rather than from
    // a CDN: gateways often run where browsers (or the gateway) cannot reach one. Loaded
    // on the first GraphiQL page only: the inline assets cost ~80 MB of resident memory
    // in every process, most of which never serve a browser.
    renderGraphiQL: async (opts) => (await import('@graphql-yoga/render-graphiql')).renderGraphiQL(opts),
    maskedErrors,
    logging: false,
    context: ({ request }) => {
      const sdk = generation.built.sdk;
      // The scope the policies' onRequest hooks filled in; every upstream call carries it.
      const scope = scopeOf(request);
      const context: Partial<TributaryContext> = { requestId: scope.requestId, scope, principal: scope.principal, webhookEvents: bus };
      return sdk ? Object.assign(context, sdk) : context;
    },
    plugins: plugins(active, {
      tracing: tracing && useTracing(tracing),
      requestId: useRequestId(accessLog),
      health: useHealth(served, () => shutdown !== undefined),
      metrics: metrics?.plugins ?? [],
      jit: useJit({ logger: logger.child({ component: 'executor' }), planner: planOperation, executor: generation.config.tributary.server.executor }),
      incremental: useIncrementalDelivery(maskedErrors),
      extra: options.plugins ?? [],
    }),
  });

  // From the first config, like the server's other settings.
  const graphqlHandler = withCompression(generation.config.tributary.server.compression, (req, res) => void yoga(req, res));
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const current = generation;
    // Webhook calls carry their own proof (a secret or signature), not a client's credentials.
    if (webhooks.matches(req.url ?? '/')) return void webhooks.handle(req, res);
    if (current.passthrough.matches(req.url ?? '/')) {
      metrics?.passthroughStarted(res);
      const run = () => current.passthrough.handle(req, res);
      (tracing ? tracing.serve(req, res, `${current.config.tributary.passthrough.prefix}/*`, run) : run()).catch((error: unknown) => {
        logger.error({ err: error }, 'passthrough failed');
        if (res.headersSent) return void res.destroy();
        const answer = httpError({ code: 'INTERNAL_SERVER_ERROR', message: 'Unexpected error.' }, 'rest');
        res.writeHead(answer.status, answer.headers).end(answer.body);
      });
      return;
    }
    graphqlHandler(req, res);
  };
  retryFailedSources();

  return {
    yoga,
    current: () => ({ config: generation.config, built: generation.built, trustedDocuments: generation.trustedDocuments }),
    handle,
    async listen({ port, host } = {}) {
      const server = createServer(handle);
      const tracked = trackServer(server);
      const s = generation.config.tributary.server;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port ?? s.port, host ?? s.host, () => resolve());
      });
      servers.push(tracked);
      if (subscriptions.websocket)
        sockets.push(
          serveGraphqlWs(server, {
            path: s.graphqlPath,
            run: (request, serverContext) => Promise.resolve(yoga.fetch(request, serverContext)),
            schema: () => generation.built.schema,
            logger,
          }),
        );
      await metrics?.listen();
      const address = server.address() as AddressInfo;
      // Wildcard and loopback binds are shown as "localhost": that is what people type.
      const bound = host ?? s.host;
      const shownHost = ['0.0.0.0', '::', '127.0.0.1', '::1'].includes(bound) ? 'localhost' : bound;
      return { server, port: address.port, url: `http://${shownHost}:${address.port}${s.graphqlPath}` };
    },
    async inject(request) {
      // Loaded on first use: a served gateway never needs it.
      const { inject } = await import('light-my-request');
      return inject(handle, request);
    },
    reload() {
      return exclusive(async () => {
        const previous = generation;
        try {
          const next = await generationOf();
          const lost = lostSources(previous, next);
          if (lost) {
            await next.close();
            throw lost;
          }
          swapTo(next);
          return { ok: true as const, previous: previous.built.schema, next: next.built.schema };
        } catch (error) {
          logger.error({ err: error }, 'reload failed; still serving the previous schema');
          return { ok: false as const, error: error as Error };
        }
      });
    },
    close({ graceMs } = {}) {
      if (shutdown) {
        if (graceMs === 0) shutdown.drain.cutNow();
        return shutdown.closed;
      }
      const grace = graceMs ?? generation.config.tributary.server.shutdownGraceMs;
      const drain = shutDown(servers, grace);
      // Subscriptions never finish by themselves: ending them lets their requests drain.
      const socketsClosed = Promise.all([...sockets.map((w) => w.close()), bus.close()]);
      for (const retry of retries.values()) retry.stop();
      retries.clear();
      const closed = (async () => {
        const report = await drain.done;
        // A retry's build in flight finishes (and closes what it built) before the pools close.
        await Promise.race([swaps, new Promise((resolve) => setTimeout(resolve, Math.max(0, grace - report.ms)).unref())]);
        // Pools close gracefully (their calls finish first), within what is left of the
        // grace: calls still running then (after a cut, or for a client that left) belong
        // to clients already gone, and the process need not wait for them.
        const pools = generation.close().catch(() => undefined);
        await Promise.race([pools, new Promise((resolve) => setTimeout(resolve, Math.max(0, grace - report.ms)).unref())]);
        await socketsClosed;
        await yoga.dispose?.();
        await active.close();
        await metrics?.close();
        await tracing?.shutdown();
        await diskCacheWritten();
        logger.info(
          { drained: report.drained, cut: report.cut, ms: report.ms, graceMs: grace },
          `shutdown: ${report.drained} requests drained, ${report.cut} cut, in ${report.ms} ms (grace ${grace} ms)`,
        );
      })();
      shutdown = { drain, closed };
      return closed;
    },
  };
}
