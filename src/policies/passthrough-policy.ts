// The policies of the REST passthrough, run by its `before` hook once the route, method,
// path, declaration and body size were accepted and before anything goes upstream: the
// same client address, authenticator, rate limiter and header rules as /graphql, and the
// HTTP cache for GETs. A call that reaches a declared operation is charged to the rate
// limits and takes the cache TTL of the fields that call the same operation, so a
// `field` rule cannot be sidestepped by calling its endpoint directly. Who the client is
// (X-Forwarded-For, and whether the peer is a trusted proxy) is decided here, once, so
// that a client's own claims reach a service only through proxies the operator trusts.
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { PassthroughDecision, PassthroughHooks } from '../passthrough/index.ts';
import { httpHeadersOf } from '../errors.ts';
import type { Authenticator, Principal } from './auth/authenticator.ts';
import type { PassthroughCache } from './cache/passthrough-cache.ts';
import type { ClientAddressResolver } from './client-address.ts';
import { principalKey } from './graphql-request.ts';
import type { CompiledRule, RateLimiter } from './rate-limit/limiter.ts';
import type { HeaderRules } from './set-headers.ts';

export interface PassthroughPolicyOptions {
  readonly clientAddress: ClientAddressResolver;
  readonly authenticator?: Authenticator;
  readonly limiter?: RateLimiter;
  readonly headerRules: ReadonlyMap<string, HeaderRules>;
  readonly cache?: PassthroughCache;
  readonly maxEntryBytes: number;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

export function createPassthroughPolicy(options: PassthroughPolicyOptions): PassthroughHooks {
  const { authenticator, limiter, cache, headerRules, clientAddress } = options;

  return {
    async before(req: IncomingMessage, call): Promise<PassthroughDecision> {
      const forwarded = clientAddress(req.socket.remoteAddress, header(req.headers, 'x-forwarded-for'));
      let principal: Principal | undefined;
      if (authenticator) {
        const outcome = await authenticator.authenticate((name) => header(req.headers, name), authenticator.modeForSource(call.source));
        if ('error' in outcome) return { refuse: refusalOf(outcome.error) };
        principal = outcome.principal;
      }
      let responseHeaders: Record<string, string> | undefined;
      if (limiter) {
        const rules = rulesFor(limiter, call.source, call.operation?.fields ?? []);
        if (rules.length > 0) {
          const verdict = await limiter.charge(rules, { principal: principalKey(principal), address: forwarded.address });
          if (!verdict.ok) return { refuse: refusalOf(verdict.error) };
          responseHeaders = verdict.headers;
        }
      }
      // The route refuses an undeclared call after this hook: authenticated and counted, nothing more.
      if (call.undeclared) return {};
      const set = headerRules.get(call.source)?.(principal);
      const headers = set;
      const trust = { forwardedFor: forwarded.forwardedFor, peerTrusted: forwarded.peerTrusted === true };

      if (!cache?.covers(call.source)) return { forwarded: trust, headers, responseHeaders };
      if (!SAFE_METHODS.has(call.method)) {
        return { forwarded: trust, headers, responseHeaders, onAnswer: (status) => (status < 400 ? cache.invalidate(call.source) : undefined) };
      }
      const ruleTtl = cache.ruleTtlMs(call.source, call.operation?.fields ?? []);
      if (call.method !== 'GET' || ruleTtl === undefined) return { forwarded: trust, headers, responseHeaders };
      const key = cache.keyFor(call.source, call.path, sessionOf(principal, req.headers, call.allow, set), req.headers);
      if (key === undefined) return { forwarded: trust, headers, responseHeaders };
      const found = await cache.lookup(call.source, key);
      if (found && 'hit' in found) {
        return { answer: { status: found.hit.status, headers: { ...found.hit.headers, ...responseHeaders, 'x-cache': 'HIT' }, body: found.hit.body } };
      }
      const generation = found?.generation ?? 0;
      const hadAuthorization = req.headers.authorization !== undefined;
      return {
        forwarded: trust,
        headers,
        responseHeaders: { ...responseHeaders, 'x-cache': 'MISS' },
        collectBytes: options.maxEntryBytes,
        onComplete: ({ status, headers: answerHeaders, body }) => {
          if (body !== undefined && found !== undefined) cache.store(call.source, key, generation, { status, headers: answerHeaders, body }, hadAuthorization, ruleTtl);
        },
      };
    },
  };
}

/**
 * Global and source rules, then the rules of every field that calls the operation, each
 * once: the counters are the ones /graphql charges for a selection of that field, so a
 * window is shared by both ways of reaching the operation.
 */
function rulesFor(limiter: RateLimiter, source: string, fields: readonly string[]): CompiledRule[] {
  const rules = [...limiter.global, ...(limiter.bySource.get(source) ?? [])];
  if (fields.length === 0 || limiter.byField.size === 0) return rules;
  const seen = new Set(rules);
  for (const field of fields) {
    for (const rule of limiter.byField.get(field) ?? []) {
      if (!seen.has(rule)) rules.push(rule);
      seen.add(rule);
    }
  }
  return rules;
}

/** Everything the service sees that could change its answer: principal, forwarded fields, gateway-set fields. */
function sessionOf(principal: Principal | undefined, headers: IncomingHttpHeaders, allow: ReadonlySet<string>, set: object | undefined): string {
  const hash = createHash('sha256').update(principalKey(principal) ?? 'anonymous');
  for (const name of [...allow].sort()) hash.update(`\n${name}:${header(headers, name) ?? ''}`);
  if (set) hash.update(`\n${JSON.stringify(set)}`);
  return hash.digest('base64url');
}

function refusalOf(error: { code: PassthroughRefusal['code']; message: string; extensions: Record<string, unknown> }): PassthroughRefusal {
  return { code: error.code, message: error.message, headers: httpHeadersOf(error) };
}

type PassthroughRefusal = Extract<PassthroughDecision, { refuse: unknown }>['refuse'];
