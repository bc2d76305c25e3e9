// The strict schema of `tributary.policies` (and of a source's `setHeaders`). An empty
// policies block is a secure gateway: every limit below has a default that is on, and
// the opt-in policies (auth, rate limiting, caching) do nothing — and cost nothing per
// request — until configured. Units are in the key names (Ms, Sec, Bytes). docs/policies.md
// is the reference; keep the two in step.
import { z } from 'zod';

const positiveInt = z.number().int().positive();

/** An auth requirement: refuse without credentials, accept either way, or do not look. */
export const AuthMode = z.enum(['required', 'optional', 'none']);
export type AuthMode = z.infer<typeof AuthMode>;

/** A GraphQL schema coordinate: `Type` or `Type.field`. */
const coordinate = z.string().regex(/^[_A-Za-z][_0-9A-Za-z]*(\.[_A-Za-z][_0-9A-Za-z]*)?$/, 'expected "Type" or "Type.field"');
/** A header field name (RFC 9110 §5.1 token). */
const headerName = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'expected an HTTP header name');

export const LimitsSettings = z
  .object({
    /** Largest /graphql request body; larger ones get 413 PAYLOAD_TOO_LARGE before any parsing. */
    maxBodyBytes: positiveInt.default(1024 * 1024),
    /** Most lexical tokens in a document; parsing stops at the first token over it. */
    maxTokens: positiveInt.default(2_000),
    /** Deepest selection nesting (introspection is not counted). */
    maxDepth: positiveInt.default(10),
    /** Most aliases in one operation. */
    maxAliases: positiveInt.default(15),
    /** Most directives in one operation. */
    maxDirectives: positiveInt.default(50),
    /** Highest graphql-armor cost (objects 2, scalars 1, times 1.5 per level of depth). */
    maxCost: positiveInt.default(5_000),
    /** Most operations in one batched request; 0 turns batching off. */
    maxBatch: z.number().int().min(0).max(100).default(0),
  })
  .strict();
export type LimitsSettings = z.infer<typeof LimitsSettings>;

export const CsrfSettings = z
  .object({
    enabled: z.boolean().default(true),
    /**
     * A request a browser could send cross-site without a CORS preflight (GET, or POST
     * with a form or text/plain content type) must carry one of these headers.
     */
    requestHeaders: z.array(headerName).min(1).default(['x-graphql-yoga-csrf', 'apollo-require-preflight']),
  })
  .strict();

export const CorsSettings = z
  .object({
    /** Origins allowed to call the gateway from a browser; none by default (same origin only). */
    origins: z.array(z.string().url()).default([]),
    credentials: z.boolean().default(false),
    maxAgeSec: z.number().int().nonnegative().default(600),
  })
  .strict();

export const JwtSettings = z
  .object({
    /** Shared secret for HS256/384/512; `{env.NAME}` reads an environment variable. */
    secret: z.string().min(1).optional(),
    /** PEM public key (SPKI) for RS*, PS*, ES*; `{env.NAME}` reads an environment variable. */
    publicKey: z.string().min(1).optional(),
    /** JWKS document URL; keys are fetched on demand and cached. */
    jwksUrl: z.string().url().optional(),
    /** How long fetched JWKS keys are trusted before they are fetched again. */
    jwksCacheMs: positiveInt.default(600_000),
    /** Shortest time between two JWKS fetches (an unknown `kid` cannot make the gateway hammer the issuer). */
    jwksCooldownMs: positiveInt.default(30_000),
    jwksTimeoutMs: positiveInt.default(5_000),
    /** Accepted `alg` values; never `none`. The key type must match (no algorithm confusion). */
    algorithms: z.array(z.enum(['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'])).min(1),
    issuer: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
    audience: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
    /** Allowed clock skew for `exp` and `nbf`. */
    clockToleranceSec: z.number().int().nonnegative().default(30),
    /** Claims a token must carry; `exp` by default so that no token lives forever. */
    requiredClaims: z.array(z.string().min(1)).default(['exp']),
  })
  .strict()
  .refine((j) => [j.secret, j.publicKey, j.jwksUrl].filter((v) => v !== undefined).length === 1, {
    message: 'expected exactly one of "secret", "publicKey" or "jwksUrl"',
  })
  .refine((j) => (j.secret !== undefined) === j.algorithms.every((a) => a.startsWith('HS')), {
    message: 'HS* algorithms go with "secret" only, and every other algorithm with "publicKey" or "jwksUrl" only (mixing them allows algorithm confusion)',
    path: ['algorithms'],
  });
export type JwtSettings = z.infer<typeof JwtSettings>;

export const ApiKeySettings = z
  .object({
    /** Identifies the client (rate limits, `{principal.subject}`, logs); never the key itself. */
    id: z.string().min(1),
    /** The key; `{env.NAME}` reads an environment variable. */
    key: z.string().min(1).optional(),
    /** Or its SHA-256 in hex, so the config need not hold the key. */
    sha256: z
      .string()
      .regex(/^[0-9a-fA-F]{64}$/, 'expected 64 hex digits')
      .optional(),
  })
  .strict()
  .refine((k) => (k.key === undefined) !== (k.sha256 === undefined), { message: 'expected exactly one of "key" or "sha256"' });

export const ApiKeysSettings = z
  .object({
    header: headerName.default('x-api-key'),
    keys: z.array(ApiKeySettings).min(1),
  })
  .strict();

export const AuthSettings = z
  .object({
    jwt: JwtSettings.optional(),
    apiKeys: ApiKeysSettings.optional(),
    /** Mode for /graphql and every source not named below; default `required` once a method is configured. */
    default: AuthMode.optional(),
    /** Mode for /graphql requests as a whole. */
    graphql: AuthMode.optional(),
    /** Per source: its passthrough route, and its GraphQL fields (a field error when `required` is not met). */
    sources: z.record(z.string(), AuthMode).default({}),
  })
  .strict();
export type AuthSettings = z.infer<typeof AuthSettings>;

/** A Redis URL, or `{env.NAME}`; when absent, TRIBUTARY_REDIS_URL is used. */
const redisUrl = z.string().min(1).optional();

export const RateLimitRule = z
  .object({
    /** Names the counter; rules with the same name share it. Default: derived from the scope. */
    name: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+$/, 'expected letters, digits, "_", "." or "-"')
      .optional(),
    limit: positiveInt,
    windowSec: positiveInt.default(60),
    /** Only requests to this source (its passthrough route, or GraphQL requests that call it). */
    source: z.string().min(1).optional(),
    /** Only GraphQL operations selecting this field (`Type.field`); each selection counts once. */
    field: coordinate.optional(),
    /** Whose requests are counted together: the authenticated identity (else the IP), or always the IP. */
    by: z.enum(['identity', 'ip']).default('identity'),
  })
  .strict()
  .refine((r) => r.source === undefined || r.field === undefined, { message: 'expected at most one of "source" or "field"' });
export type RateLimitRule = z.infer<typeof RateLimitRule>;

export const RateLimitSettings = z
  .object({
    store: z.enum(['memory', 'redis']).default('memory'),
    redisUrl,
    keyPrefix: z.string().min(1).default('tributary:rl:'),
    /**
     * When the Redis store cannot be reached: `open` lets requests through (and counts
     * them in tributary_policy_store_errors_total), `closed` refuses them with 503.
     */
    onStoreDown: z.enum(['open', 'closed']).default('open'),
    rules: z.array(RateLimitRule).min(1),
  })
  .strict();
export type RateLimitSettings = z.infer<typeof RateLimitSettings>;

export const CacheRule = z
  .object({
    /** `Type` (any result holding one) or `Type.field` (a result selecting it). */
    coordinate: coordinate.optional(),
    /** Every GraphQL result whose upstream calls all went to this source; and its passthrough GETs. */
    source: z.string().min(1).optional(),
    ttlMs: positiveInt,
  })
  .strict()
  .refine((r) => (r.coordinate === undefined) !== (r.source === undefined), { message: 'expected exactly one of "coordinate" or "source"' });
export type CacheRule = z.infer<typeof CacheRule>;

export const CacheSettings = z
  .object({
    store: z.enum(['memory', 'redis']).default('memory'),
    redisUrl,
    keyPrefix: z.string().min(1).default('tributary:cache:'),
    /** Entries kept by the memory store (least recently used go first). */
    maxEntries: positiveInt.default(1_000),
    rules: z.array(CacheRule).default([]),
    passthrough: z
      .object({
        /** Cache passthrough GETs of sources with a `source` rule, as upstream Cache-Control allows. */
        enabled: z.boolean().default(false),
        /** Larger answers are passed through but not stored. */
        maxEntryBytes: positiveInt.default(1024 * 1024),
      })
      .strict()
      .default({ enabled: false, maxEntryBytes: 1024 * 1024 }),
  })
  .strict();
export type CacheSettings = z.infer<typeof CacheSettings>;

export const PersistedDocumentsSettings = z
  .object({
    /**
     * The manifest of trusted documents: a file (relative to the config file) or an
     * http(s) URL, read on every build (start and each reload). GraphQL Codegen's and
     * Relay's `{ "<id>": "<document>" }` or Apollo's persisted-query manifest.
     */
    manifest: z.string().min(1),
    /**
     * Whether documents not in the manifest still run. Default: no when NODE_ENV=production
     * (trusted documents only), yes otherwise.
     */
    allowArbitrary: z.boolean().optional(),
    /** How long fetching a manifest URL may take. */
    fetchTimeoutMs: positiveInt.default(10_000),
  })
  .strict();
export type PersistedDocumentsSettings = z.infer<typeof PersistedDocumentsSettings>;

export const ApqSettings = z
  .object({
    /** Default: on, unless trusted documents only are allowed (a manifest with allowArbitrary false). */
    enabled: z.boolean().optional(),
    store: z.enum(['memory', 'redis']).default('memory'),
    redisUrl,
    keyPrefix: z.string().min(1).default('tributary:apq:'),
    /** Documents the memory store keeps (least recently used go first). */
    maxEntries: positiveInt.default(1_000),
    /** Total size of the documents the memory store keeps, in bytes (as held in memory: 2 per character). */
    maxBytes: positiveInt.default(8 * 1024 * 1024),
    /** How long a stored document lives without being sent again (both stores). */
    ttlSec: positiveInt.default(86_400),
  })
  .strict();
export type ApqSettings = z.infer<typeof ApqSettings>;

export const PoliciesSettings = z
  .object({
    limits: LimitsSettings.default(LimitsSettings.parse({})),
    csrf: CsrfSettings.default(CsrfSettings.parse({})),
    cors: CorsSettings.optional(),
    /** Default: on, unless NODE_ENV=production. */
    introspection: z.boolean().optional(),
    /** Default: on, unless NODE_ENV=production. */
    graphiql: z.boolean().optional(),
    /** "Did you mean …?" in validation errors. Default: shown, unless NODE_ENV=production. */
    fieldSuggestions: z.boolean().optional(),
    /** Proxies (IPs or CIDR ranges) whose X-Forwarded-For is believed; no one's by default. */
    trustedProxies: z.array(z.string().min(1)).default([]),
    auth: AuthSettings.optional(),
    rateLimit: RateLimitSettings.optional(),
    cache: CacheSettings.optional(),
    /** Trusted documents from a manifest (persisted documents, allow-list). */
    persistedDocuments: PersistedDocumentsSettings.optional(),
    /** Automatic persisted queries (Apollo's protocol). */
    apq: ApqSettings.default(ApqSettings.parse({})),
  })
  .strict();
export type PoliciesSettings = z.infer<typeof PoliciesSettings>;

/**
 * Upstream request headers a source gets from the gateway, never from the client:
 * `{claims.<path>}`, `{principal.subject}`, `{principal.kind}` and `{env.NAME}` are
 * replaced; a header whose template resolves to nothing is not sent.
 */
export const SetHeadersSettings = z.record(headerName, z.string());
export type SetHeadersSettings = z.infer<typeof SetHeadersSettings>;
