// A tiny route table for the demo services, so that each service file is just its
// routes. It gives every service the same HTTP behaviour: 404 for a path no route has,
// 405 with `Allow` for a known path and another method, HEAD wherever GET is, JSON
// error bodies, and 500 (without details) when a handler throws something unexpected.
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { errorReply, HttpError, readJsonBody, sendJson, type JsonReply } from './http.ts';

/** Largest request body a demo service reads; every POST body here is tiny. */
const MAX_BODY_BYTES = 64 * 1024;

export interface RouteContext {
  readonly req: IncomingMessage;
  /** The request URL, resolved against a dummy origin; use `pathname` and `searchParams`. */
  readonly url: URL;
  /** Decoded values of the `{name}` segments of the route's path. */
  readonly params: Readonly<Record<string, string>>;
  /** Parses the JSON body; rejects with a 400/413 HttpError. */
  readonly body: () => Promise<unknown>;
}

export interface Route {
  readonly method: 'GET' | 'POST';
  /** Path as written in the OpenAPI document, e.g. `/customers/{id}`. */
  readonly path: string;
  readonly handle: (context: RouteContext) => JsonReply | Promise<JsonReply>;
}

export interface RouterOptions {
  /** Called once per request, before routing, with the method and raw URL. */
  readonly onRequest?: (request: { method: string; url: string }) => void;
}

interface CompiledRoute {
  readonly route: Route;
  /** One entry per path segment: a literal, or `{ param }` for a template segment. */
  readonly segments: ReadonlyArray<string | { readonly param: string }>;
  readonly paramCount: number;
}

function compile(route: Route): CompiledRoute {
  const segments = route.path
    .split('/')
    .slice(1)
    .map((segment) => {
      const match = /^\{([^}]+)\}$/.exec(segment);
      return match ? { param: match[1]! } : segment;
    });
  return { route, segments, paramCount: segments.filter((s) => typeof s !== 'string').length };
}

/** The route's params if `pathSegments` fits its path, else undefined. */
function matchPath(compiled: CompiledRoute, pathSegments: readonly string[]): Record<string, string> | undefined {
  if (compiled.segments.length !== pathSegments.length) return undefined;
  const params: Record<string, string> = {};
  for (const [index, segment] of compiled.segments.entries()) {
    const actual = pathSegments[index]!;
    if (typeof segment === 'string') {
      if (segment !== actual) return undefined;
    } else {
      if (actual === '') return undefined;
      params[segment.param] = actual;
    }
  }
  return params;
}

function decodeSegments(pathname: string): string[] | undefined {
  try {
    return pathname
      .split('/')
      .slice(1)
      .map((segment) => decodeURIComponent(segment));
  } catch {
    return undefined; // malformed percent-encoding: no route can match
  }
}

async function dispatch(routes: readonly CompiledRoute[], req: IncomingMessage): Promise<JsonReply> {
  const method = req.method ?? 'GET';
  const url = new URL(req.url ?? '/', 'http://demo.invalid');
  const segments = decodeSegments(url.pathname);
  const candidates = segments
    ? routes.flatMap((compiled) => {
        const params = matchPath(compiled, segments);
        return params ? [{ compiled, params }] : [];
      })
    : [];
  if (candidates.length === 0) return errorReply(404, `No such resource: ${method} ${url.pathname}`);

  // As in OpenAPI, a literal path beats a template: `/customers/bulk` is not customer "bulk".
  const fewestParams = Math.min(...candidates.map((c) => c.compiled.paramCount));
  const best = candidates.filter((c) => c.compiled.paramCount === fewestParams);
  const wanted = method === 'HEAD' ? 'GET' : method;
  const chosen = best.find((c) => c.compiled.route.method === wanted);
  if (!chosen) {
    const allowed = [...new Set(best.flatMap((c) => (c.compiled.route.method === 'GET' ? ['GET', 'HEAD'] : [c.compiled.route.method])))];
    return errorReply(405, `Method ${method} is not allowed on ${url.pathname}`, { allow: allowed.join(', ') });
  }
  return chosen.compiled.route.handle({ req, url, params: chosen.params, body: () => readJsonBody(req, MAX_BODY_BYTES) });
}

function toReply(error: unknown): JsonReply {
  if (error instanceof HttpError) return errorReply(error.status, error.message, { ...error.headers });
  return errorReply(500, 'Internal server error');
}

export function createRouter(routes: readonly Route[], options: RouterOptions = {}): RequestListener {
  const compiled = routes.map(compile);
  return (req: IncomingMessage, res: ServerResponse) => {
    options.onRequest?.({ method: req.method ?? 'GET', url: req.url ?? '/' });
    dispatch(compiled, req)
      .catch(toReply)
      .then((reply) => {
        if (!res.headersSent && !res.destroyed) sendJson(res, reply);
      })
      // Only a reply that cannot be serialised gets here; never leave the client hanging.
      .catch(() => res.destroy());
  };
}
