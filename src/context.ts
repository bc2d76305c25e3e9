// Per-request state. Everything that lives for one GraphQL request — DataLoaders, the
// principal, the request id — hangs off the context Yoga creates for that request and
// is never stored at module scope, so two requests can never see each other's data.

export interface TributaryContext {
  /** The incoming Fetch API request (Yoga puts it on every context). */
  request?: Request;
  /** Request headers as a plain object, lower-case names; Mesh configs read `{context.headers.x}`. */
  headers?: Record<string, string>;
  /** Per-request loaders (DataLoader behind each), one per link plan, created on first use. */
  loaders?: Map<string, unknown>;
  requestId?: string;
  /** Set by the auth policy when a credential was verified. */
  principal?: { subject?: string; claims?: Record<string, unknown>; kind: 'jwt' | 'apiKey' } | undefined;
  /**
   * Set by the policies (src/policies) only when some source has per-source rules; called
   * before each upstream call a field makes. It throws a coded error to refuse the call
   * (an error on that field only) or returns request fields to set (undefined removes one).
   */
  upstreamGate?: (source: string) => UpstreamGateResult | Promise<UpstreamGateResult>;
  [key: string]: unknown;
}

export type UpstreamGateResult = Readonly<Record<string, string | undefined>> | undefined;

/** Lower-case header object of the incoming request, computed once per request. */
export function requestHeadersOf(context: TributaryContext): Record<string, string> {
  if (context.headers) return context.headers;
  const headers: Record<string, string> = {};
  context.request?.headers.forEach((value, name) => {
    headers[name] = value;
  });
  context.headers = headers;
  return headers;
}

/** The per-request loader for a link plan, created on first use in this request. */
export function loaderFor<T>(context: TributaryContext, id: string, create: () => T): T {
  let loaders = context.loaders;
  if (!loaders) {
    loaders = new Map();
    context.loaders = loaders;
  }
  let loader = loaders.get(id) as T | undefined;
  if (!loader) {
    loader = create();
    loaders.set(id, loader);
  }
  return loader;
}
