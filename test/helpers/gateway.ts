// Requests through the whole gateway — passthrough, policies, GraphQL — without a port:
// gateway.inject drives its node:http handler with in-memory req/res. Most suites only
// need the gateway's answer, and a listening socket per gateway made them pay for
// ports, connection pools and teardown they were not testing. Suites about the network
// itself (drain, slowloris, raw bytes, keep-alive, the peer's address) stay on a socket.
//
// Every helper sends what fetch() would: the same default headers and the same body
// encoding (via a WHATWG Request), so a test moved off fetch() asks the same question.
import type { Gateway } from '../../src/gateway.ts';

/** The headers undici's fetch() adds to every request unless the caller set them. */
const FETCH_DEFAULTS: Readonly<Record<string, string>> = {
  accept: '*/*',
  'accept-language': '*',
  'sec-fetch-mode': 'cors',
  'user-agent': 'node',
};

/** Answers with no body by definition (RFC 9110 §15.2, §15.3.5, §15.4.5): a Response refuses one. */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/**
 * A fetch() bound to one gateway: `input` is a path (`/graphql`) or a URL whose path is
 * used. Redirects are returned, not followed — there is no network to follow them on.
 */
export function inProcessFetch(gateway: Gateway): (input: string | URL, init?: RequestInit) => Promise<Response> {
  return async (input, init = {}) => {
    const url = new URL(input, 'http://localhost');
    // The Request does what fetch() does to a body: encodes it and sets its content-type.
    const request = new Request(url, init);
    const headers: Record<string, string> = { ...FETCH_DEFAULTS };
    request.headers.forEach((value, name) => (headers[name] = value));
    const payload = request.body ? Buffer.from(await request.arrayBuffer()) : undefined;
    const answer = await gateway.inject({ method: request.method, url: url.pathname + url.search, headers, ...(payload ? { payload } : {}) });
    const responseHeaders = new Headers();
    for (const [name, value] of Object.entries(answer.headers)) {
      if (value === undefined) continue;
      for (const one of Array.isArray(value) ? value : [value]) responseHeaders.append(name, String(one));
    }
    const body = NULL_BODY.has(answer.statusCode) || request.method === 'HEAD' ? null : new Uint8Array(answer.rawPayload);
    return new Response(body, { status: answer.statusCode, statusText: answer.statusMessage, headers: responseHeaders });
  };
}

export interface RestAnswer {
  readonly status: number;
  readonly headers: Headers;
  /** The body as text ('' when there was none). */
  readonly body: string;
  json<T = unknown>(): T;
}

/** One HTTP request (a passthrough call, a probe, a GET of GraphiQL); a non-string body is sent as JSON. */
export async function rest(
  gateway: Gateway,
  method: string,
  url: string,
  options: { headers?: Record<string, string>; body?: unknown } = {},
): Promise<RestAnswer> {
  const headers = { ...options.headers };
  let body: string | undefined;
  if (typeof options.body === 'string') body = options.body;
  else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
  }
  const response = await inProcessFetch(gateway)(url, { method, headers, body });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text, json: <T>() => JSON.parse(text) as T };
}

export interface GraphqlBody {
  data?: Record<string, unknown> | null;
  errors?: Array<{ message: string; path?: unknown[]; extensions?: Record<string, unknown> }>;
}

export interface GraphqlAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: GraphqlBody;
}

/** A GraphQL POST as JSON to `path` (default /graphql); the answer must be JSON. */
export async function graphql(
  gateway: Gateway,
  query: string,
  options: { variables?: Record<string, unknown>; operationName?: string; headers?: Record<string, string>; path?: string } = {},
): Promise<GraphqlAnswer> {
  const { variables, operationName } = options;
  const r = await rest(gateway, 'POST', options.path ?? '/graphql', {
    headers: options.headers,
    body: { query, ...(variables ? { variables } : {}), ...(operationName ? { operationName } : {}) },
  });
  let body: GraphqlBody;
  try {
    body = r.json<GraphqlBody>();
  } catch {
    throw new Error(`graphql(): the answer (${r.status}) is not JSON: ${r.body.slice(0, 200)}`);
  }
  return { status: r.status, headers: r.headers, body };
}
