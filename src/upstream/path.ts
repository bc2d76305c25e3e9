// Where a request goes: the origin a pool connects to and the request-target sent on it.
// The target is the endpoint's base path and the request path joined as strings, never
// resolved as a URL (`new URL(path, base)` would let `//host/x` change host and
// `../` or an absolute path leave the base path). The origin is fixed per pool, so a
// path can only ever select a resource on that one service.

export interface Endpoint {
  /** `scheme://host:port`, what the connection pool is for. */
  readonly origin: string;
  /** Percent-encoded base path, always starting with `/`. */
  readonly basePath: string;
}

/** Splits a source endpoint; throws a plain Error for one that cannot be a base (a configuration bug). */
export function parseEndpoint(sourceName: string, endpoint: string): Endpoint {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new Error(`Source "${sourceName}": endpoint ${JSON.stringify(endpoint)} is not an absolute URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`Source "${sourceName}": endpoint must be http or https, got ${url.protocol}`);
  }
  // Request paths carry their own query; a base query or fragment would have no clear
  // place in the joined target, and credentials in a URL would end up in logs.
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw new Error(`Source "${sourceName}": endpoint must not contain a query, fragment or credentials`);
  }
  return { origin: url.origin, basePath: url.pathname };
}

/**
 * `basePath` + `path`, collapsing the one doubled slash a trailing `/` on the base and
 * the leading `/` of the path would make. Nothing else is normalised: the path is
 * already percent-encoded and is the caller's to validate.
 */
export function joinPath(basePath: string, path: string): string {
  if (path !== '' && !path.startsWith('/')) {
    throw new Error(`Upstream request path must start with "/", got ${JSON.stringify(path)}`);
  }
  if (basePath.endsWith('/') && path.startsWith('/')) return basePath + path.slice(1);
  return basePath + path;
}
