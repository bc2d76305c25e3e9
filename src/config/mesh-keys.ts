// What Tributary does with each key a GraphQL Mesh v0 config can hold (Mesh's own JSON
// schema, @graphql-mesh/types, is the list of keys). Nothing a Mesh user writes is
// accepted and then ignored in silence; every key is one of:
//   applied  — it means what it means in Mesh;
//   mapped   — it becomes the Tributary setting named in the note (mesh-compat.ts);
//   warning  — it has no effect in Tributary, and the build log and `tributary check`
//              say so with the key path: it only changes Mesh's tooling or cosmetics;
//   refused  — CONFIG_INVALID with the key path: ignoring it would change what clients
//              get or how safe the gateway is (code that would not run, TLS, allowlists).
// The README's "Mesh compatibility" table is this list; test/core/mesh-compat.test.ts
// keeps the two in step and checks that every key of Mesh's schema has a row.
//
// `key` is a generic key path: `[]` stands for any list index, `<other>` for any name
// not listed beside it.

export type MeshKeyVerdict = 'applied' | 'mapped' | 'warning' | 'refused';

export interface MeshKey {
  readonly key: string;
  readonly verdict: MeshKeyVerdict;
  /** What Tributary does with it, or what to use instead (a refusal's message). */
  readonly note: string;
}

const NO_CODE = 'Tributary runs no code named by its config';

export const MESH_KEYS: readonly MeshKey[] = [
  // ---- sources ----
  { key: 'sources', verdict: 'applied', note: 'each source below' },
  { key: 'sources[].name', verdict: 'applied', note: 'the source name (tributary.sources.NAME, /rest/NAME)' },
  { key: 'sources[].transforms', verdict: 'applied', note: 'prefix, rename and filterSchema (always in bare mode); any other transform is refused at build' },
  { key: 'sources[].handler', verdict: 'applied', note: 'the handler below' },
  { key: 'sources[].handler.openapi', verdict: 'applied', note: "Mesh's OpenAPI loader, then Tributary's compiled operations; options below" },
  {
    key: 'sources[].handler.<other>',
    verdict: 'refused',
    note: 'not supported: Tributary serves OpenAPI (and Swagger 2.0) sources only; use the openapi handler',
  },
  { key: 'sources[].handler.openapi.source', verdict: 'applied', note: 'file, folder or URL of the document; {env.X} resolved at load' },
  { key: 'sources[].handler.openapi.endpoint', verdict: 'applied', note: "base URL of every call, instead of the document's servers" },
  {
    key: 'sources[].handler.openapi.operationHeaders',
    verdict: 'applied',
    note: 'headers on every call; {context.…} per request, {env.X} must be set at load',
  },
  { key: 'sources[].handler.openapi.schemaHeaders', verdict: 'applied', note: 'headers of the request that fetches a document URL' },
  { key: 'sources[].handler.openapi.queryParams', verdict: 'applied', note: 'query parameters on every call' },
  { key: 'sources[].handler.openapi.fallbackFormat', verdict: 'applied', note: 'format of the document when it cannot be detected' },
  { key: 'sources[].handler.openapi.ignoreErrorResponses', verdict: 'applied', note: "passed to Mesh's loader: non-2xx responses are left out of the types" },
  {
    key: 'sources[].handler.openapi.selectQueryOrMutationField',
    verdict: 'applied',
    note: "passed to Mesh's loader: moves operations between Query and Mutation",
  },
  {
    key: 'sources[].handler.openapi.timeout',
    verdict: 'mapped',
    note: 'tributary.sources.NAME.upstream.timeoutMs (the whole exchange, per attempt); when both are set, tributary.sources wins, with a warning',
  },

  // ---- the unified schema ----
  { key: 'transforms', verdict: 'applied', note: 'prefix, rename and filterSchema on the merged schema; any other transform is refused at build' },
  { key: 'additionalTypeDefs', verdict: 'applied', note: 'SDL strings or files, @resolveTo included' },
  { key: 'additionalResolvers', verdict: 'applied', note: 'resolver modules (with the in-context SDK) and @resolveTo objects' },
  { key: 'merger', verdict: 'warning', note: 'not applied: Tributary merges sources with its own rule (README "How sources are merged")' },

  // ---- serve ----
  { key: 'serve', verdict: 'applied', note: 'each key below; a flag or PORT/HOST beats both it and tributary.server' },
  { key: 'serve.port', verdict: 'mapped', note: 'tributary.server.port; when both are set, tributary.server wins, with a warning' },
  { key: 'serve.hostname', verdict: 'mapped', note: 'tributary.server.host; when both are set, tributary.server wins, with a warning' },
  { key: 'serve.endpoint', verdict: 'mapped', note: 'tributary.server.graphqlPath; when both are set, tributary.server wins, with a warning' },
  { key: 'serve.fork', verdict: 'mapped', note: 'tributary.server.workers (true: one per core, false: 1); when both are set, tributary.server wins' },
  { key: 'serve.batchingLimit', verdict: 'mapped', note: 'tributary.policies.limits.maxBatch (at most 100); when both are set, tributary.policies wins' },
  { key: 'serve.playground', verdict: 'mapped', note: 'tributary.policies.graphiql; when both are set, tributary.policies wins' },
  { key: 'serve.playground.offline', verdict: 'warning', note: 'not applied: GraphiQL is served as Yoga serves it' },
  { key: 'serve.cors', verdict: 'mapped', note: 'tributary.policies.cors, key by key below; when both set a key, tributary.policies wins' },
  { key: 'serve.cors.origin', verdict: 'mapped', note: 'tributary.policies.cors.origins (a list of origins; "*" is refused: list the origins)' },
  { key: 'serve.cors.credentials', verdict: 'mapped', note: 'tributary.policies.cors.credentials' },
  { key: 'serve.cors.maxAge', verdict: 'mapped', note: 'tributary.policies.cors.maxAgeSec' },
  { key: 'serve.cors.allowedHeaders', verdict: 'warning', note: 'not applied: a preflight is allowed the request headers it asks for' },
  {
    key: 'serve.cors.exposedHeaders',
    verdict: 'warning',
    note: 'not applied: no response header is exposed to browser scripts beyond the CORS-safelisted ones',
  },
  { key: 'serve.cors.preflightContinue', verdict: 'warning', note: 'not applied: the gateway answers preflights itself' },
  { key: 'serve.cors.optionsSuccessStatus', verdict: 'warning', note: 'not applied: preflights are answered 204' },
  {
    key: 'serve.sslCredentials',
    verdict: 'refused',
    note: 'not supported: Tributary serves plain HTTP; terminate TLS in front of it (load balancer, ingress or reverse proxy)',
  },
  {
    key: 'serve.staticFiles',
    verdict: 'refused',
    note: 'not supported: Tributary serves no static files; serve them from a web server or CDN beside the gateway',
  },
  { key: 'serve.extraParamNames', verdict: 'refused', note: 'not supported: a GraphQL request may carry query, variables, operationName and extensions only' },
  { key: 'serve.healthCheckEndpoint', verdict: 'warning', note: 'not applied: health is at /healthz and readiness at /readyz (README "Health")' },
  { key: 'serve.browser', verdict: 'warning', note: 'not applied: no browser is opened; GraphiQL is at the GraphQL path' },
  { key: 'serve.playgroundTitle', verdict: 'warning', note: 'not applied: GraphiQL keeps its own title' },

  // ---- plugins ----
  { key: 'plugins', verdict: 'applied', note: 'each plugin below' },
  {
    key: 'plugins[].responseCache',
    verdict: 'mapped',
    note: 'tributary.policies.cache (keys below); when tributary.policies.cache is set, it wins, with a warning',
  },
  {
    key: 'plugins[].responseCache.ttl',
    verdict: 'mapped',
    note: 'one rule { source, ttlMs } per source (a result is cached when all its calls went to covered sources); 0: none; Infinity or none at all is refused (set a TTL)',
  },
  {
    key: 'plugins[].responseCache.ttlPerCoordinate',
    verdict: 'mapped',
    note: 'one rule { coordinate, ttlMs } each; a ttl of 0 is refused (leave the coordinate out: only what a rule covers is cached)',
  },
  {
    key: 'plugins[].responseCache.invalidateViaMutation',
    verdict: 'warning',
    note: 'not applied: mutations always invalidate the entries holding what they return',
  },
  { key: 'plugins[].responseCache.includeExtensionMetadata', verdict: 'warning', note: 'not applied: no cache metadata in responses' },
  { key: 'plugins[].responseCache.idFields', verdict: 'warning', note: 'not applied: entities are identified by their id field' },
  {
    key: 'plugins[].responseCache.sessionId',
    verdict: 'warning',
    note: 'not applied: the cache key already holds the principal and every request value a service can see (docs/policies.md)',
  },
  {
    key: 'plugins[].responseCache.ignoredTypes',
    verdict: 'refused',
    note: `not supported: write rules only for what may be cached (tributary.policies.cache.rules)`,
  },
  { key: 'plugins[].responseCache.if', verdict: 'refused', note: `not supported: ${NO_CODE}; write tributary.policies.cache.rules for what may be cached` },
  {
    key: 'plugins[].responseCache.cacheKey',
    verdict: 'refused',
    note: `not supported: ${NO_CODE}; the key is built from what services can see (docs/policies.md)`,
  },
  { key: 'plugins[].responseCache.shouldCacheResult', verdict: 'refused', note: `not supported: ${NO_CODE}; results with errors are never cached` },
  {
    key: 'plugins[].prometheus',
    verdict: 'mapped',
    note: `tributary.observability.metrics (enabled: true); Tributary's metric set is fixed (README "Metrics")`,
  },
  {
    key: 'plugins[].prometheus.endpoint',
    verdict: 'mapped',
    note: 'tributary.observability.metrics.path (a string; false is a warning: set metrics.enabled: false)',
  },
  { key: 'plugins[].prometheus.<other>', verdict: 'warning', note: `not applied: Tributary's metric set is fixed (README "Metrics")` },
  { key: 'plugins[].maskedErrors', verdict: 'applied', note: 'always on: unexpected errors are masked for clients and logged in full' },
  {
    key: 'plugins[].maskedErrors.errorMessage',
    verdict: 'warning',
    note: 'not applied: the masked message is "Unexpected error." with code INTERNAL_SERVER_ERROR',
  },
  { key: 'plugins[].rateLimit', verdict: 'refused', note: 'not supported: use tributary.policies.rateLimit (docs/policies.md)' },
  { key: 'plugins[].operationFieldPermissions', verdict: 'refused', note: 'not supported: use tributary.policies.auth (per source modes) and filterSchema' },
  { key: 'plugins[].httpCache', verdict: 'refused', note: 'not supported: use tributary.policies.cache (passthrough GETs follow upstream Cache-Control)' },
  { key: 'plugins[].immediateIntrospection', verdict: 'warning', note: 'not applied: introspection is answered by the usual executor' },
  { key: 'plugins[].deduplicateRequest', verdict: 'warning', note: 'not applied: calls are de-duplicated per request by the DataLoader layer only' },
  { key: 'plugins[].httpDetailsExtensions', verdict: 'refused', note: 'not supported: upstream details never reach clients; they are in the log and traces' },
  { key: 'plugins[].liveQuery', verdict: 'refused', note: 'not supported: no @live queries' },
  { key: 'plugins[].mock', verdict: 'refused', note: "not supported: no mocking; point a source's endpoint at a mock service" },
  { key: 'plugins[].snapshot', verdict: 'refused', note: 'not supported: no snapshots of upstream answers' },
  { key: 'plugins[].hive', verdict: 'refused', note: 'not supported: no Hive reporting; use tributary.observability (metrics, tracing)' },
  { key: 'plugins[].newrelic', verdict: 'refused', note: 'not supported: use tributary.observability.tracing (OTLP)' },
  { key: 'plugins[].statsd', verdict: 'refused', note: 'not supported: use tributary.observability.metrics (Prometheus)' },
  { key: 'plugins[].<other>', verdict: 'refused', note: `not supported: ${NO_CODE} (no Envelop plugins); remove it` },

  // ---- everything else ----
  { key: 'cache', verdict: 'applied', note: 'the backend of a mapped responseCache, below' },
  {
    key: 'cache.redis',
    verdict: 'mapped',
    note: 'tributary.policies.cache store: redis and redisUrl (url, or host/port/username/password/db) when responseCache is mapped; else a warning',
  },
  { key: 'cache.<other>', verdict: 'warning', note: 'not applied: the response cache uses tributary.policies.cache.store (memory or redis)' },
  { key: 'pubsub', verdict: 'warning', note: 'not applied: subscriptions use `tributary.subscriptions.pubsub` (memory or redis)' },
  { key: 'documents', verdict: 'warning', note: 'not applied: no documents are preloaded or validated at build' },
  {
    key: 'customFetch',
    verdict: 'refused',
    note: `not supported: ${NO_CODE}; every upstream call goes through Tributary's one client (tributary.sources.NAME.upstream)`,
  },
  {
    key: 'skipSSLValidation',
    verdict: 'refused',
    note: 'not supported: upstream TLS certificates are always verified; give a private CA with NODE_EXTRA_CA_CERTS',
  },
  { key: 'require', verdict: 'refused', note: `not supported: ${NO_CODE}; set environment variables on the process (e.g. node --env-file)` },
  { key: 'additionalEnvelopPlugins', verdict: 'refused', note: `not supported: ${NO_CODE} (no Envelop plugins)` },
  {
    key: 'persistedOperations',
    verdict: 'refused',
    note: 'not supported: no persisted-operation allowlist; limit operations with tributary.policies.limits and auth',
  },
  { key: 'logger', verdict: 'warning', note: 'not applied: Tributary logs JSON lines (pino); set TRIBUTARY_LOG_LEVEL' },
  { key: 'sdk', verdict: 'warning', note: 'not applied: no SDK is generated (a mesh build artefact)' },
  { key: 'codegen', verdict: 'warning', note: 'not applied: no code is generated (a mesh build artefact)' },
  { key: 'pollingInterval', verdict: 'warning', note: 'not applied: only for CDN-hosted supergraphs; document changes are picked up with --watch' },
];

const BY_KEY = new Map(MESH_KEYS.map((k) => [k.key, k]));

/** The row of a generic key path (`serve.port`), else its parent's `<other>` row. */
export function meshKeyRule(key: string): MeshKey | undefined {
  const exact = BY_KEY.get(key);
  if (exact) return exact;
  const cut = key.lastIndexOf('.');
  return cut < 0 ? undefined : BY_KEY.get(`${key.slice(0, cut)}.<other>`);
}

/** Whether rows exist below a generic key path. */
export function hasNestedRules(key: string): boolean {
  return MESH_KEYS.some((k) => k.key.startsWith(`${key}.`) || k.key.startsWith(`${key}[].`));
}
