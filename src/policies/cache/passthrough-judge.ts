// The HTTP cache of the passthrough, as the cache policy's judge: a GET covered by a
// rule is answered from the cache when it can be, and stored on the way back; a call
// with an unsafe method invalidates the source's entries once the service accepted it.
// A call that reaches a declared operation takes the cache TTL of the fields that call
// the same operation. Entries are per session: the principal and every client field the
// source sees are in the key.
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { principalKey, type PassthroughJudge, type Principal } from '../../context.ts';
import { joinedHeader } from '../policy.ts';
import type { PassthroughCache } from './passthrough-cache.ts';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function passthroughCacheJudge(cache: PassthroughCache, maxEntryBytes: number): PassthroughJudge {
  return async function cachePassthrough(call, scope) {
    const { req, source } = call;
    // The route refuses an undeclared call after the judges: authenticated and counted, nothing more.
    if (call.undeclared || !cache.covers(source)) return undefined;
    if (!SAFE_METHODS.has(call.method)) return { onAnswer: (status) => (status < 400 ? cache.invalidate(source) : undefined) };
    const ruleTtl = cache.ruleTtlMs(source, call.operation?.fields ?? []);
    if (call.method !== 'GET' || ruleTtl === undefined) return undefined;
    const key = cache.keyFor(source, call.path, sessionOf(scope.principal, req.headers, call.allow), req.headers);
    if (key === undefined) return undefined;
    const found = await cache.lookup(source, key);
    if (found && 'hit' in found) return { answer: { status: found.hit.status, headers: { ...found.hit.headers, 'x-cache': 'HIT' }, body: found.hit.body } };
    const generation = found?.generation ?? 0;
    const hadAuthorization = req.headers.authorization !== undefined;
    return {
      responseHeaders: { 'x-cache': 'MISS' },
      collectBytes: maxEntryBytes,
      onComplete: ({ status, headers, body }) => {
        if (body !== undefined && found !== undefined) cache.store(source, key, generation, { status, headers, body }, hadAuthorization, ruleTtl);
      },
    };
  };
}

/**
 * Everything the service sees that could change its answer: the principal (from which
 * the gateway-set fields are made, too) and the client fields forwarded to it.
 */
function sessionOf(principal: Principal | undefined, headers: IncomingHttpHeaders, allow: ReadonlySet<string>): string {
  const hash = createHash('sha256').update(principalKey(principal) ?? 'anonymous');
  for (const name of [...allow].sort()) hash.update(`\n${name}:${joinedHeader(headers[name]) ?? ''}`);
  return hash.digest('base64url');
}
