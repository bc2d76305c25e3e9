// Whether an upstream answer may be stored by a shared cache, and for how long
// (RFC 9111). Deliberately conservative: anything that would need revalidation,
// that is private to one user, or that sets a cookie is not stored at all.

/** Cache-Control directives, lower-case names; a directive without a value maps to ''. */
export function parseCacheControl(value: string | string[] | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (Array.isArray(value) ? value.join(',') : (value ?? '')).split(',')) {
    const [rawName, ...rest] = part.split('=');
    const name = rawName!.trim().toLowerCase();
    if (name !== '')
      out.set(
        name,
        rest
          .join('=')
          .trim()
          .replace(/^"(.*)"$/, '$1'),
      );
  }
  return out;
}

/** Statuses a cache may store when the answer gives an explicit lifetime (RFC 9110 §15.1, "heuristically cacheable"). */
const STORABLE_STATUSES = new Set([200, 203, 204, 300, 301, 308, 404, 405, 410, 414, 501]);

/**
 * Milliseconds the answer stays fresh in a shared cache, or 0 when it must not be stored:
 * `no-store`, `private` and `no-cache` (RFC 9111 §5.2.2), `Vary: *` (§4.1), `Set-Cookie`,
 * no explicit lifetime; and a request with `Authorization` only with `public`,
 * `s-maxage` or `must-revalidate` (§3.5). `s-maxage` wins over `max-age` (§5.2.2.10).
 */
export function sharedFreshnessMs(status: number, headers: Readonly<Record<string, string | string[] | undefined>>, requestHadAuthorization: boolean): number {
  if (!STORABLE_STATUSES.has(status) || headers['set-cookie'] !== undefined) return 0;
  const vary = headers.vary;
  if ((Array.isArray(vary) ? vary.join(',') : (vary ?? '')).split(',').some((v) => v.trim() === '*')) return 0;
  const cc = parseCacheControl(headers['cache-control']);
  if (cc.has('no-store') || cc.has('private') || cc.has('no-cache')) return 0;
  if (requestHadAuthorization && !cc.has('public') && !cc.has('s-maxage') && !cc.has('must-revalidate')) return 0;
  const seconds = Number(cc.get('s-maxage') ?? cc.get('max-age'));
  if (!Number.isInteger(seconds) || seconds <= 0) return 0;
  const age = Number(Array.isArray(headers.age) ? headers.age[0] : headers.age);
  return Math.max(0, seconds - (Number.isInteger(age) && age > 0 ? age : 0)) * 1000;
}

/** Whether the client asked not to be served from a cache (RFC 9111 §5.2.1.4, §5.4). */
export function clientRefusesStored(headers: Readonly<Record<string, string | string[] | undefined>>): boolean {
  const cc = parseCacheControl(headers['cache-control']);
  return cc.has('no-cache') || cc.has('no-store') || cc.has('max-age') || (headers.pragma !== undefined && String(headers.pragma).includes('no-cache'));
}
