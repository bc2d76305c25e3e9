// The one strict schema for Tributary's own settings: the `tributary:` key of
// `.meshrc.yaml`. Everything else in that file belongs to GraphQL Mesh and is checked
// against Mesh's own JSON schema (see load.ts). Every object here is `.strict()`, so a
// misspelt key is an error rather than a silently ignored setting. Defaults are written
// with their units in the key name (Ms, Bytes) so that the schema is the documentation.
import { z } from 'zod';
import { ObservabilitySettings } from './observability.ts';
import { PoliciesSettings, SetHeadersSettings } from './policies.ts';
import { SourceWebhookSettings, SubscriptionSettings } from './subscriptions.ts';

const positiveInt = z.number().int().positive();
const nonNegativeInt = z.number().int().nonnegative();

/** Per-source upstream behaviour. Every call to a REST service goes through this. */
export const UpstreamSettings = z
  .object({
    /** Time to open a TCP connection before UPSTREAM_TIMEOUT. */
    connectTimeoutMs: positiveInt.default(2_000),
    /** Time for the whole exchange (headers and body) before UPSTREAM_TIMEOUT. */
    timeoutMs: positiveInt.default(10_000),
    /** Extra attempts for idempotent requests (GET, HEAD, OPTIONS) only; never for mutations. */
    retries: nonNegativeInt.max(10).default(2),
    /** First backoff; doubles each attempt, with jitter, capped by retryMaxDelayMs. */
    retryBaseDelayMs: nonNegativeInt.default(50),
    /** Upper bound for one backoff and for an upstream Retry-After we agree to wait. */
    retryMaxDelayMs: nonNegativeInt.default(2_000),
    /**
     * Consecutive failed calls (after their retries) that open a circuit: connection
     * failures open the source's, 5xx and timeouts one operation's (src/upstream/breaker.ts).
     */
    breakerFailureThreshold: positiveInt.default(5),
    /** How long an open circuit rejects calls before one probe is let through. */
    breakerOpenMs: positiveInt.default(10_000),
    /** Cap on an upstream response body; larger answers fail with UPSTREAM_RESPONSE_TOO_LARGE. */
    maxResponseBytes: positiveInt.default(10 * 1024 * 1024),
    /** Keep-alive connections kept per source origin. */
    connections: positiveInt.default(64),
  })
  .strict();
export type UpstreamSettings = z.infer<typeof UpstreamSettings>;

/**
 * What the REST passthrough forwards: `declared` — only method + path pairs of the
 * source's OpenAPI operations still in the served schema (filterSchema removes them),
 * else 404 PASSTHROUGH_NOT_DECLARED; `any` — every path under the source's base URL.
 */
export const PassthroughMode = z.enum(['declared', 'any']);
export type PassthroughMode = z.infer<typeof PassthroughMode>;

/** Tributary's settings for one Mesh source, keyed by the source's `name`. */
/**
 * A source whose OpenAPI document is a URL that could not be read (at start or on a
 * reload) is tried again in the background, the others served meanwhile; the delay
 * doubles from `initialDelayMs` up to `maxDelayMs` (with jitter), and the source joins
 * the schema when it loads. Stops when the gateway closes.
 */
export const LoadRetrySettings = z
  .object({
    enabled: z.boolean().default(true),
    initialDelayMs: positiveInt.max(3_600_000).default(1_000),
    maxDelayMs: positiveInt.max(3_600_000).default(60_000),
  })
  .strict()
  .refine((r) => r.maxDelayMs >= r.initialDelayMs, { message: 'maxDelayMs must be at least initialDelayMs', path: ['maxDelayMs'] });
export type LoadRetrySettings = z.infer<typeof LoadRetrySettings>;

export const SourceSettings = z
  .object({
    /**
     * Serve this source under the REST passthrough prefix: `true` with the global
     * `passthrough.mode`, or `declared` / `any` to override the mode for this source.
     */
    passthrough: z.union([z.boolean(), PassthroughMode]).default(true),
    upstream: UpstreamSettings.default(UpstreamSettings.parse({})),
    /** Client request headers forwarded to this source (GraphQL calls and passthrough), case-insensitive. */
    forwardHeaders: z.array(z.string().min(1)).optional(),
    /** Headers the gateway sets on every call to this source, from the principal or env (docs/policies.md). */
    setHeaders: SetHeadersSettings.optional(),
    /**
     * Let this source's Mesh templates read `{context.params.…}` (the client's GraphQL
     * query, variables, operationName and `extensions`) into upstream requests. Off by
     * default: such a value is whatever the client chose. When on, the values read are
     * part of the response cache key.
     */
    allowClientTemplates: z.boolean().optional(),
    /** Values for the variables of the document's server URL (`{port}`); each defaults to the document's own default. */
    serverVariables: z.record(z.string(), z.string()).optional(),
    loadRetry: LoadRetrySettings.default(LoadRetrySettings.parse({})),
    /** How this source's webhook calls are verified (README "Subscriptions and webhooks"); none: no webhook route. */
    webhooks: SourceWebhookSettings.optional(),
  })
  .strict();
export type SourceSettings = z.infer<typeof SourceSettings>;

/**
 * Tributary's short link declaration: `field` is a new field on a type of one source,
 * resolved by calling root field `target` of another. With `keysArg` the target is a
 * bulk endpoint taking a list of keys; without it, it is called once per distinct key
 * with the key in `arg`. Both are batched and de-duplicated per request by DataLoader.
 */
export const LinkSettings = z
  .object({
    /** `Type.field` to add, e.g. `Order.customer`. */
    field: z.string().regex(/^[_A-Za-z][_0-9A-Za-z]*\.[_A-Za-z][_0-9A-Za-z]*$/, 'expected "Type.field"'),
    /** Root field that resolves it, `Query.field` or just `field` (Query is assumed). */
    target: z.string().regex(/^([_A-Za-z][_0-9A-Za-z]*\.)?[_A-Za-z][_0-9A-Za-z]*$/, 'expected "Query.field" or "field"'),
    /** Field of the parent object that holds the key (or a list of keys). */
    key: z.string().min(1),
    /** Bulk mode: argument of `target` that takes the list of keys. */
    keysArg: z.string().min(1).optional(),
    /** Per-key mode: argument of `target` that takes one key. */
    arg: z.string().min(1).optional(),
    /** Field of each result that holds its key, for matching by value (bulk mode). Default `id`. */
    valueKey: z.string().min(1).optional(),
    /** Fixed extra arguments for `target`. */
    args: z.record(z.string(), z.unknown()).optional(),
    description: z.string().optional(),
  })
  .strict()
  .refine((l) => (l.keysArg === undefined) !== (l.arg === undefined), {
    message: 'expected exactly one of "keysArg" (bulk endpoint) or "arg" (one call per key)',
  });
export type LinkSettings = z.infer<typeof LinkSettings>;

export const BatchingSettings = z
  .object({
    /**
     * Most keys in one bulk call; larger batches are split. No limit unless set: a bulk
     * endpoint takes what fits in its URL (below), as DataLoader and a hand-written
     * client send it, so a list of 1,000 items with 500 distinct keys is one call.
     */
    maxBatchSize: positiveInt.optional(),
    /**
     * Longest upstream URL (path and query) a bulk GET may produce; larger batches are
     * split. 8,000 bytes: what RFC 9110 §4.1 asks every server to accept at least, and
     * below the request-line limits of nginx (8 KiB), Apache (8,190) and Node (16 KiB).
     */
    maxUrlLength: positiveInt.min(256).default(8_000),
  })
  .strict();
export type BatchingSettings = z.infer<typeof BatchingSettings>;

export const CompressionSettings = z
  .object({
    /** gzip or brotli, as the client's Accept-Encoding prefers, for the GraphiQL page and GraphQL answers. */
    enabled: z.boolean().default(true),
    /** Answers smaller than this are sent as they are: compressing them costs more than it saves. */
    thresholdBytes: nonNegativeInt.default(1024),
  })
  .strict();
export type CompressionSettings = z.infer<typeof CompressionSettings>;

export const ServerSettings = z
  .object({
    host: z.string().min(1).default('0.0.0.0'),
    port: z.number().int().min(0).max(65_535).default(4_000),
    graphqlPath: z
      .string()
      .regex(/^\/[^?#]*$/, 'expected a path starting with "/"')
      .default('/graphql'),
    /** node:cluster workers; 0 means one per core. */
    workers: nonNegativeInt.default(1),
    /**
     * On SIGTERM/SIGINT, how long requests in flight get to finish before their
     * connections are cut (0 cuts at once). At most an hour: timers past 2^31 ms fire at once.
     */
    shutdownGraceMs: nonNegativeInt.max(3_600_000).default(30_000),
    compression: CompressionSettings.default(CompressionSettings.parse({})),
    /**
     * Which executor runs GraphQL operations. `auto`: an operation whose fields are all
     * REST operations, properties and links runs on a plan made once (no resolver per
     * field), the others on graphql-jit (graphql-js where jit is unsafe); `jit`: never
     * planned; `graphql-js`: everything interpreted by graphql-js, the reference semantics
     * (slowest; for comparing answers). @defer/@stream always run on graphql-tools'.
     */
    executor: z.enum(['auto', 'jit', 'graphql-js']).default('auto'),
  })
  .strict();
export type ServerSettings = z.infer<typeof ServerSettings>;

export const PassthroughSettings = z
  .object({
    enabled: z.boolean().default(true),
    /** URL prefix; a request to `<prefix>/<source>/<path>` goes to `<source endpoint>/<path>`. */
    prefix: z
      .string()
      .regex(/^\/[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*$/, 'expected a path such as "/rest"')
      .default('/rest'),
    /** Client request headers forwarded upstream unless a source says otherwise. */
    forwardHeaders: z
      .array(z.string().min(1))
      .default([
        'accept',
        'accept-language',
        'content-type',
        'authorization',
        'if-match',
        'if-none-match',
        'if-modified-since',
        'if-unmodified-since',
        'range',
        'x-request-id',
      ]),
    methods: z
      .array(z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']))
      .default(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']),
    /** Largest request body forwarded. */
    maxBodyBytes: positiveInt.default(1024 * 1024),
    /** `declared`: only operations the served schema declares; `any`: every path (explicit opt-in). */
    mode: PassthroughMode.default('declared'),
  })
  .strict();
export type PassthroughSettings = z.infer<typeof PassthroughSettings>;

export const TributarySettings = z
  .object({
    server: ServerSettings.default(ServerSettings.parse({})),
    passthrough: PassthroughSettings.default(PassthroughSettings.parse({})),
    batching: BatchingSettings.default(BatchingSettings.parse({})),
    /** Per-source settings, keyed by the Mesh source name. */
    sources: z.record(z.string(), SourceSettings).default({}),
    links: z.array(LinkSettings).default([]),
    /** Gateway policies (limits, CSRF, auth, rate limits, cache); see docs/policies.md. */
    policies: PoliciesSettings.default(PoliciesSettings.parse({})),
    /** Access log, Prometheus metrics and OpenTelemetry tracing; see README "Observability". */
    observability: ObservabilitySettings.default(ObservabilitySettings.parse({})),
    /** Subscriptions (SSE, graphql-ws) and the webhook route; see README "Subscriptions and webhooks". */
    subscriptions: SubscriptionSettings.default(SubscriptionSettings.parse({})),
  })
  .strict();
export type TributarySettings = z.infer<typeof TributarySettings>;
