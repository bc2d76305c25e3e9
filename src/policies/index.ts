// The gateway policies, built once from config, each capability a Policy (policy.ts):
// gateway.ts puts them in order. Secure defaults (body size, CSRF, operation limits,
// introspection, GraphiQL and field suggestions in production, CORS off) are always
// there, and so are persisted documents (Apollo clients expect automatic persisted
// queries; a manifest adds trusted documents); auth, rate limits, caching and per-source
// header rules only when configured, so an unconfigured policy adds no hook and no work
// to a request. Shared stores (Redis) are opened here and closed with the policies.
import type { Plugin } from 'graphql-yoga';
import type { LoadedConfig } from '../config/load.ts';
import type { Logger } from '../observability/log.ts';
import { createAuthenticator, type Authenticator } from './auth/authenticator.ts';
import { credentialsGate, useAuth, type CredentialsGate } from './auth/use-auth.ts';
import { passthroughCacheJudge } from './cache/passthrough-judge.ts';
import { createPassthroughCache, type PassthroughCache } from './cache/passthrough-cache.ts';
import { memoryKv, redisKv } from './cache/kv.ts';
import { memoryResponseStore, redisResponseStore, resilientResponseStore } from './cache/stores.ts';
import { sessionInputsOf } from '../config/session-inputs.ts';
import { useGraphqlCache } from './cache/use-graphql-cache.ts';
import { createClientAddressResolver, useClientAddress } from './client-address.ts';
import { useCsrf } from './csrf.ts';
import { useIntrospectionDisabled } from './introspection.ts';
import { useOperationLimits } from './limits.ts';
import { usePolicyErrors } from './policy-errors.ts';
import { memoryCounters, redisCounters } from './rate-limit/counters.ts';
import { createRateLimiter, type RateLimiter } from './rate-limit/limiter.ts';
import { useRateLimit } from './rate-limit/use-rate-limit.ts';
import { createRedisConnections } from './redis.ts';
import { compileSetHeaders, useSetHeaders, type HeaderRules } from './set-headers.ts';
import type { Policy } from './policy.ts';
import { TributaryError } from '../errors.ts';
import type { TrustedDocuments } from './persisted/manifest.ts';
import { usePersistedDocuments } from './persisted/use-persisted-documents.ts';

export interface Policies {
  /** Yoga options the policies decide. */
  readonly yoga: {
    readonly graphiql: boolean;
    readonly batching: false | { limit: number };
    readonly maxRequestBodySize: number;
    readonly cors: false | { origin: string[]; credentials: boolean; maxAge: number; methods: string[] };
  };
  /** Each capability, for gateway.ts to put in order; absent when not configured (no hook, no cost). */
  readonly errors: Policy;
  readonly csrf?: Policy;
  readonly clientAddress: Policy;
  readonly auth?: Policy;
  readonly rateLimit?: Policy;
  readonly persisted: Policy;
  readonly limits: Policy;
  readonly introspection?: Policy;
  readonly setHeaders: Policy;
  readonly cache?: Policy;
  /** /graphql's credentials, required, for the gateway's own routes that ask for them (metrics); absent without auth. */
  readonly credentials?: CredentialsGate;
  /** A digest of the settings this was built from; a reload with other settings needs a restart. */
  readonly fingerprint: string;
  close(): Promise<void>;
}

export interface PolicyOptions {
  readonly config: LoadedConfig;
  readonly logger: Logger;
  /** Defaults to `process.env.NODE_ENV`. */
  readonly nodeEnv?: string;
  /** Clock for token expiry checks (tests). */
  readonly now?: () => number;
  /**
   * The trusted documents of the generation serving now (gateway.ts reads the manifest
   * on every build, so a reload serves a changed one); none without a manifest.
   */
  readonly trustedDocuments?: () => TrustedDocuments | undefined;
}

const WHERE = 'tributary.policies';

/** The parts of the config the policies are built from. */
export function policyFingerprint(config: LoadedConfig): string {
  const sources = Object.fromEntries(Object.entries(config.tributary.sources).map(([name, s]) => [name, [s.setHeaders, s.forwardHeaders]]));
  // The response cache key is built from what the templates read: a reload that reads other inputs needs a restart too.
  const reads = [...new Set((config.contextReads ?? []).map((r) => JSON.stringify(r.path)))].sort();
  // The manifest is read again by every build: where it is may change on a reload, whether there is one may not.
  const { persistedDocuments, ...policies } = config.tributary.policies;
  const persisted = persistedDocuments ? { allowArbitrary: persistedDocuments.allowArbitrary } : undefined;
  return JSON.stringify([policies, persisted, sources, config.tributary.server.graphqlPath, reads]);
}

export async function createPolicies(options: PolicyOptions): Promise<Policies> {
  const { config, logger } = options;
  const settings = config.tributary.policies;
  const production = (options.nodeEnv ?? process.env.NODE_ENV) === 'production';
  const sourceNames = config.mesh.sources.map((s) => s.name);
  const redis = createRedisConnections(logger.child({ component: 'policy-store' }));

  try {
    const clientAddress = createClientAddressResolver(settings.trustedProxies, `${WHERE}.trustedProxies`);
    const authenticator: Authenticator | undefined = settings.auth ? createAuthenticator(settings.auth, sourceNames, `${WHERE}.auth`, options.now) : undefined;
    const limiter: RateLimiter | undefined = settings.rateLimit
      ? createRateLimiter(settings.rateLimit, {
          counters:
            settings.rateLimit.store === 'redis'
              ? redisCounters(redis.get(settings.rateLimit.redisUrl, `${WHERE}.rateLimit`), settings.rateLimit.keyPrefix)
              : memoryCounters(settings.rateLimit.keyPrefix),
          knownSources: sourceNames,
          logger,
          where: `${WHERE}.rateLimit`,
        })
      : undefined;

    const headerRules = new Map<string, HeaderRules>();
    for (const [name, source] of Object.entries(config.tributary.sources)) {
      if (source.setHeaders && Object.keys(source.setHeaders).length > 0)
        headerRules.set(name, compileSetHeaders(source.setHeaders, `tributary.sources.${name}.setHeaders`));
    }

    const cacheSettings = settings.cache;
    let passthroughCache: PassthroughCache | undefined;
    const cachePlugins: Plugin[] = [];
    if (cacheSettings && cacheSettings.rules.length > 0) {
      cacheSettings.rules.forEach((rule, i) => {
        if (rule.source !== undefined && !sourceNames.includes(rule.source)) {
          throw new TributaryError(
            'CONFIG_INVALID',
            `${WHERE}.cache.rules[${i}].source: no Mesh source is named "${rule.source}"; known: ${sourceNames.join(', ')}.`,
          );
        }
      });
      const client = cacheSettings.store === 'redis' ? redis.get(cacheSettings.redisUrl, `${WHERE}.cache`) : undefined;
      const sourceTtl = new Map(cacheSettings.rules.flatMap((r) => (r.source !== undefined ? [[r.source, r.ttlMs] as const] : [])));
      // `Type.field` rules also cover the passthrough GETs of the operation behind the field.
      const fieldTtl = new Map<string, number>();
      for (const r of cacheSettings.rules)
        if (r.coordinate?.includes('.')) fieldTtl.set(r.coordinate, Math.min(r.ttlMs, fieldTtl.get(r.coordinate) ?? Infinity));
      if (cacheSettings.passthrough.enabled && (sourceTtl.size > 0 || fieldTtl.size > 0)) {
        passthroughCache = createPassthroughCache({
          kv: client ? redisKv(client) : memoryKv(cacheSettings.maxEntries),
          prefix: cacheSettings.keyPrefix,
          ttlBySource: sourceTtl,
          ttlByField: fieldTtl,
          maxEntryBytes: cacheSettings.passthrough.maxEntryBytes,
          logger,
        });
      }
      const store = resilientResponseStore(
        client ? redisResponseStore(client, cacheSettings.keyPrefix) : memoryResponseStore(cacheSettings.maxEntries),
        logger,
      );
      cachePlugins.push(
        ...useGraphqlCache({
          store,
          rules: cacheSettings.rules,
          session: sessionInputsOf(config.contextReads ?? [], forwardedHeaders(config)),
          headerRules,
          passthroughCache,
        }),
      );
    }

    const persisted = persistedDocumentsPolicy(options, production, redis);

    const { limits, csrf, cors } = settings;
    const graphqlPath = config.tributary.server.graphqlPath;
    await redis.ready(2_000);
    return {
      yoga: {
        graphiql: settings.graphiql ?? !production,
        batching: limits.maxBatch > 0 ? { limit: limits.maxBatch } : false,
        maxRequestBodySize: limits.maxBodyBytes,
        cors:
          cors && cors.origins.length > 0 ? { origin: cors.origins, credentials: cors.credentials, maxAge: cors.maxAgeSec, methods: ['GET', 'POST'] } : false,
      },
      errors: { name: 'refusal codes and statuses', graphql: [usePolicyErrors()] },
      csrf: csrf.enabled ? { name: 'csrf', graphql: [useCsrf(csrf.requestHeaders)] } : undefined,
      clientAddress: useClientAddress(clientAddress),
      auth: authenticator ? useAuth(authenticator, graphqlPath) : undefined,
      credentials: authenticator ? credentialsGate(authenticator) : undefined,
      rateLimit: limiter ? useRateLimit(limiter, graphqlPath) : undefined,
      persisted,
      limits: { name: 'operation limits', graphql: useOperationLimits(limits, { hideFieldSuggestions: !(settings.fieldSuggestions ?? !production) }) },
      introspection: (settings.introspection ?? !production) ? undefined : { name: 'introspection off', graphql: [useIntrospectionDisabled()] },
      setHeaders: useSetHeaders(headerRules),
      cache:
        cachePlugins.length > 0 || passthroughCache
          ? {
              name: 'cache',
              graphql: cachePlugins,
              passthrough: passthroughCache ? passthroughCacheJudge(passthroughCache, cacheSettings?.passthrough.maxEntryBytes ?? 0) : undefined,
            }
          : undefined,
      fingerprint: policyFingerprint(config),
      close: () => redis.close(),
    };
  } catch (error) {
    await redis.close();
    throw error;
  }
}

/**
 * Trusted documents and automatic persisted queries, one policy: both rewrite the
 * request's document. Trusted documents only — the default with a manifest in
 * production — leaves APQ off, since it would let any client add documents.
 */
function persistedDocumentsPolicy(options: PolicyOptions, production: boolean, redis: ReturnType<typeof createRedisConnections>): Policy {
  const { persistedDocuments: manifest, apq } = options.config.tributary.policies;
  const trustedOnly = manifest !== undefined && !(manifest.allowArbitrary ?? !production);
  if (apq.enabled === true && trustedOnly) {
    throw new TributaryError(
      'CONFIG_INVALID',
      `${WHERE}.apq.enabled: automatic persisted queries let clients add documents, and ${WHERE}.persistedDocuments allows trusted documents only${manifest.allowArbitrary === undefined ? ' (the default when NODE_ENV=production)' : ''}; set persistedDocuments.allowArbitrary: true, or leave apq off.`,
    );
  }
  const apqOn = apq.enabled ?? !trustedOnly;
  // Even with neither, the hook stays: a hash then answers PersistedQueryNotSupported, on
  // which Apollo Client sends its queries whole, rather than "Must provide query string".
  const store = !apqOn ? undefined : apq.store === 'redis' ? redisKv(redis.get(apq.redisUrl, `${WHERE}.apq`)) : memoryKv(apq.maxEntries, apq.maxBytes);
  return usePersistedDocuments({
    trusted: options.trustedDocuments ?? (() => undefined),
    trustedOnly,
    apq: store ? { store, prefix: apq.keyPrefix, ttlMs: apq.ttlSec * 1000 } : undefined,
    logger: options.logger.child({ policy: 'persisted-documents' }),
  });
}

/** Client request headers some source copies onto its GraphQL calls (`tributary.sources.<name>.forwardHeaders`). */
function forwardedHeaders(config: LoadedConfig): string[] {
  return Object.values(config.tributary.sources).flatMap((source) => source.forwardHeaders ?? []);
}
