// `Location` and `Content-Location` in a service's answer name URLs on the service's side
// of the gateway (RFC 9110 §10.2.2, §8.7). Handed over verbatim they would reveal an
// internal host and send the client around the gateway — past its auth, rate limits and
// path checks. So a URL inside the source's base URL is rewritten to the same resource
// under the passthrough (`<prefix>/<source>/…`), a relative one is first resolved against
// the upstream request (RFC 3986 §5.2), and any other is removed.
import type { Logger } from '../observability/log.ts';
import { joinPath, parseEndpoint } from '../upstream/path.ts';

export const LOCATION_FIELDS = ['location', 'content-location'] as const;

export interface LocationRewriter {
  /**
   * Rewrites the location fields of `headers` in place for an answer to `requestPath`
   * (path and query as sent upstream, relative to the endpoint).
   */
  rewrite(headers: Record<string, string | string[]>, requestPath: string): void;
}

/**
 * `endpoint`: the source's base URL; when unknown, every location is removed, since none
 * can be shown to be the source's. `publicBase`: `<prefix>/<source>`.
 */
export function createLocationRewriter(options: { source: string; endpoint: string | undefined; publicBase: string; logger: Logger }): LocationRewriter {
  const { source, publicBase, logger } = options;
  let base: { origin: string; basePath: string; inside: string } | undefined;
  if (options.endpoint !== undefined) {
    try {
      const parsed = parseEndpoint(source, options.endpoint);
      // `/api/a` and `/api/a/` are the same base; `/api/ab` is not inside it.
      base = { ...parsed, inside: parsed.basePath.replace(/\/+$/, '') };
    } catch {
      base = undefined;
    }
  }

  function mapped(value: string, requestPath: string): string | undefined {
    if (base === undefined) return undefined;
    let target: URL;
    try {
      // WHATWG URL resolves dot-segments, so `../../secret` lands where a client would go.
      target = new URL(value.trim(), base.origin + joinPath(base.basePath, requestPath));
    } catch {
      return undefined;
    }
    if (target.origin !== base.origin || target.username !== '' || target.password !== '') return undefined;
    const path = target.pathname;
    if (path !== base.inside && !path.startsWith(`${base.inside}/`)) return undefined;
    const rest = path.slice(base.inside.length);
    // An absolute-path reference: the client reaches it at whatever host it used for this request.
    return `${publicBase}${rest === '' ? '/' : rest}${target.search}${target.hash}`;
  }

  return {
    rewrite(headers, requestPath) {
      for (const name of LOCATION_FIELDS) {
        const value = headers[name];
        if (value === undefined) continue;
        // A repeated Location is malformed (it is a single URI-reference); judge the first.
        const first = Array.isArray(value) ? value[0] : value;
        const next = first === undefined ? undefined : mapped(first, requestPath);
        if (next === undefined) {
          delete headers[name];
          logger.debug({ source, field: name, value: first }, 'upstream location outside the source removed');
        } else {
          headers[name] = next;
        }
      }
    },
  };
}
