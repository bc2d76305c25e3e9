// The REST passthrough: `<prefix>/<source>/<path>` is forwarded to `<source endpoint>/<path>`
// and the answer streamed back. Everything that can refuse a request — unknown source,
// method, path, an operation the served schema does not declare, declared body size — is
// decided before the upstream is called, so a refused request never reaches a service. The upstream client owns connections,
// timeouts and the circuit breaker; this module owns what may cross and in what form.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { performance } from 'node:perf_hooks';
import type { GraphQLSchema } from 'graphql';
import {
  createRequestScope,
  requestIdFrom,
  type PassthroughCall,
  type PassthroughJudge,
  type PassthroughTerms,
  type PassthroughVerdict,
  type RequestScope,
} from '../context.ts';
import type { PassthroughMode, PassthroughSettings } from '../config/schema.ts';
import { ERRORS, httpError, isTributaryError, type ErrorCode } from '../errors.ts';
import type { Logger } from '../observability/log.ts';
import type { AccessLog } from '../observability/access-log.ts';
import type { UpstreamClient } from '../upstream/types.ts';
import { declaredOperations } from './declared.ts';
import { compileDeclaredRoutes, type DeclaredRoutes, type RouteMatch } from './declared-routes.ts';
import { createHeaderAllowList, downstreamResponseHeaders, forwardedFields, upstreamRequestHeaders, type ClientConnection } from './headers.ts';
import { createLocationRewriter, type LocationRewriter } from './location.ts';
import { safeUpstreamPath } from './path.ts';

export interface PassthroughSource {
  readonly name: string;
  readonly passthrough: boolean;
  /** Overrides `PassthroughSettings.forwardHeaders` for this source. */
  readonly forwardHeaders?: readonly string[];
  /** Overrides `PassthroughSettings.mode` for this source. */
  readonly mode?: PassthroughMode;
  /** The source's base URL, for rewriting `Location` answers; without it they are removed. */
  readonly endpoint?: string;
}

export interface PassthroughOptions {
  readonly settings: PassthroughSettings;
  readonly sources: readonly PassthroughSource[];
  readonly upstream: UpstreamClient;
  readonly logger: Logger;
  /**
   * The schema being served: its `@httpOperation` directives say which operations each
   * source declares (declared.ts). Without it, no source declares any.
   */
  readonly schema?: GraphQLSchema;
  /**
   * The policies' judges of a call (auth, rate limits, cache, client address), in order:
   * the first refusal or answer ends the judging; what the others add is merged.
   */
  readonly judges?: readonly PassthroughJudge[];
  /** One line per call (observability/access-log.ts); none: only the debug line. */
  readonly accessLog?: AccessLog;
}

export interface Passthrough {
  /** Whether `rawUrl` (node's `req.url`) is `<prefix>` or below it. False when the passthrough is disabled. */
  matches(rawUrl: string): boolean;
  /** Answers the request; never rejects (failures become JSON error answers and log lines). */
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

interface Route {
  readonly name: string;
  readonly allow: ReadonlySet<string>;
  readonly mode: PassthroughMode;
  readonly declared: DeclaredRoutes;
  readonly locations: LocationRewriter;
}

type Judged =
  | Extract<PassthroughVerdict, { refuse: unknown }>
  | { readonly answer: Extract<PassthroughVerdict, { answer: unknown }>['answer']; readonly terms: PassthroughTerms }
  | { readonly terms: PassthroughTerms };

export function createPassthrough(options: PassthroughOptions): Passthrough {
  const judges = options.judges ?? [];
  const accessLog = options.accessLog;

  /** Runs the judges in order; the terms of those that let the call through are merged. */
  async function judge(call: PassthroughCall, scope: RequestScope): Promise<Judged> {
    let terms: PassthroughTerms = {};
    for (const one of judges) {
      const verdict = await one(call, scope);
      if (verdict === undefined) continue;
      if ('refuse' in verdict) return verdict;
      if ('answer' in verdict) return { answer: verdict.answer, terms };
      terms = {
        ...terms,
        ...verdict,
        responseHeaders: verdict.responseHeaders ? { ...terms.responseHeaders, ...verdict.responseHeaders } : terms.responseHeaders,
      };
    }
    return { terms };
  }

  const { settings, upstream, logger } = options;
  const prefix = settings.prefix;
  const methods: ReadonlySet<string> = new Set(settings.methods);
  const allowHeader = settings.methods.join(', ');
  const routes = new Map<string, Route>();
  // Once per generation: the schema is fixed for the life of this passthrough.
  const declared = options.schema ? declaredOperations(options.schema) : new Map();
  for (const source of options.sources) {
    if (!source.passthrough) continue;
    routes.set(source.name, {
      name: source.name,
      allow: createHeaderAllowList(source.forwardHeaders ?? settings.forwardHeaders),
      mode: source.mode ?? settings.mode,
      declared: compileDeclaredRoutes(declared.get(source.name) ?? [], logger),
      locations: createLocationRewriter({ source: source.name, endpoint: source.endpoint, publicBase: `${prefix}/${source.name}`, logger }),
    });
  }

  function matches(rawUrl: string): boolean {
    if (!settings.enabled || !rawUrl.startsWith(prefix)) return false;
    const next = rawUrl.charAt(prefix.length);
    // `/restful` is not under `/rest`: the prefix must end at a segment boundary.
    return next === '' || next === '/' || next === '?' || next === '#';
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    // Methods are case-sensitive (RFC 9110 §9.1): `get` is not `GET`, so no upper-casing.
    const method = req.method ?? '';
    const target = splitTarget(req.url ?? '', prefix);
    const route = target === undefined ? undefined : routes.get(target.source);
    let operation: string | undefined;
    // Made before anything is judged: every answer, refusals included, echoes the request
    // id, and every upstream call (outbound rules) sends it.
    const scope = createRequestScope((name) => joined(req.headers[name]), requestIdFrom(joined(req.headers['x-request-id'])));
    res.setHeader('x-request-id', scope.requestId);
    const done = (code?: ErrorCode): void => {
      const ms = Math.round((performance.now() - started) * 10) / 10;
      if (accessLog) {
        const queryAt = (req.url ?? '').indexOf('?');
        accessLog(scope, {
          kind: 'passthrough',
          method,
          path: queryAt === -1 ? (req.url ?? '') : (req.url ?? '').slice(0, queryAt),
          status: res.statusCode,
          ms,
          source: route?.name ?? target?.source,
          ...(code ? { errorCodes: [code] } : {}),
        });
      } else logger.debug({ source: route?.name ?? target?.source, method, operation, status: res.statusCode, code, ms }, 'passthrough call');
    };

    if (route === undefined || target === undefined) {
      sendError(res, 'PASSTHROUGH_UNKNOWN_SOURCE', 'No source with the REST passthrough enabled has that name.');
      return done('PASSTHROUGH_UNKNOWN_SOURCE');
    }
    if (!methods.has(method)) {
      // A 405 must list what is allowed (RFC 9110 §15.5.6).
      sendError(res, 'PASSTHROUGH_METHOD_NOT_ALLOWED', `The passthrough does not forward ${method} requests.`, { allow: allowHeader });
      return done('PASSTHROUGH_METHOD_NOT_ALLOWED');
    }
    const path = safeUpstreamPath(target.remainder);
    if (!path.ok) {
      sendError(res, 'PASSTHROUGH_BAD_PATH', `The path cannot be forwarded: ${path.reason}.`);
      return done('PASSTHROUGH_BAD_PATH');
    }
    // After the safety checks, so that a traversal attempt still answers 400 whatever is
    // declared. The refusal itself waits for the policies (below).
    const question = path.path.indexOf('?');
    const match = route.declared.match({
      method,
      path: question === -1 ? path.path : path.path.slice(0, question),
      query: question === -1 ? undefined : path.path.slice(question + 1),
      header: (name) => joined(req.headers[name]),
    });
    if (match.kind === 'declared') operation = match.label;
    const undeclared = route.mode === 'declared' && match.kind !== 'declared' ? notDeclared(route.name, method, match, methods) : undefined;
    const declared = declaredLength(req);
    if (declared !== undefined && declared > settings.maxBodyBytes) {
      // Refuse without reading the body, and close: draining it would let a client make
      // the gateway read any amount (RFC 9110 §15.5.14 allows closing after a 413).
      sendError(res, 'PAYLOAD_TOO_LARGE', tooLargeMessage(settings.maxBodyBytes), { connection: 'close' });
      return done('PAYLOAD_TOO_LARGE');
    }

    const call: PassthroughCall = {
      source: route.name,
      method,
      path: path.path,
      allow: route.allow,
      req,
      operation: match.kind === 'declared' && match.operation ? { label: match.label, fields: match.operation.fields } : undefined,
      undeclared: undeclared !== undefined,
    };
    // An undeclared call still meets the policies first: without credentials a client
    // learns nothing about which operations exist (401, not 404), and probing counts
    // against its rate limits. It never goes further than them.
    const decision = await judge(call, scope);
    if ('refuse' in decision) {
      sendError(res, decision.refuse.code, decision.refuse.message, decision.refuse.headers);
      return done(decision.refuse.code);
    }
    if (undeclared !== undefined) {
      sendError(res, undeclared.code, undeclared.message, undeclared.headers);
      return done(undeclared.code);
    }
    if ('answer' in decision) {
      res.writeHead(
        decision.answer.status,
        decision.terms.responseHeaders ? { ...decision.answer.headers, ...decision.terms.responseHeaders } : decision.answer.headers,
      );
      res.end(method === 'HEAD' ? undefined : decision.answer.body);
      return done();
    }
    const forward = decision.terms;

    // The client going away aborts the upstream call instead of letting it run to its timeout.
    const abort = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    const body = hasBody(req, declared) ? limitBody(req, settings.maxBodyBytes, abort) : undefined;

    // Before the answer's status line goes out an error can still become a JSON answer;
    // after it, only a cut connection can say the body is incomplete.
    let answerBody: Readable | undefined;
    try {
      const client = clientOf(req);
      // Decided once, from the policies' view of the peer when there is one.
      const forwarded = forwardedFields(req.headers, client, forward?.forwarded);
      const headers = upstreamRequestHeaders({ incoming: req.headers, allow: route.allow, client, forwarded });
      // The scope carries the call to the upstream client's outbound rules (gateway-set
      // headers, per-source auth and rate limits), the same ones every GraphQL field meets.
      const answer = await upstream.stream(route.name, {
        method,
        path: path.path,
        headers,
        body: body?.stream ?? null,
        signal: abort.signal,
        operation,
        scope,
      });
      answerBody = answer.body;
      if (forward?.onAnswer) await forward.onAnswer(answer.status);
      const answerHeaders = downstreamResponseHeaders(answer.headers);
      route.locations.rewrite(answerHeaders, path.path);
      res.writeHead(answer.status, forward?.responseHeaders ? { ...answerHeaders, ...forward.responseHeaders } : answerHeaders);
      const collected = forward?.onComplete ? collect(answer.body, forward.collectBytes ?? 0) : undefined;
      await pipeline(answer.body, res);
      forward?.onComplete?.({ status: answer.status, headers: answerHeaders, body: collected?.() });
      return done();
    } catch (err) {
      if (body?.tooLarge()) {
        // The cap was hit mid-stream (chunked body, no Content-Length): the upstream saw a
        // truncated request, which it discards because its framing never completed.
        if (answerBody === undefined) sendError(res, 'PAYLOAD_TOO_LARGE', tooLargeMessage(settings.maxBodyBytes), { connection: 'close' });
        else res.destroy();
        return done('PAYLOAD_TOO_LARGE');
      }
      // Releases the upstream connection if the answer never got piped (writeHead threw).
      answerBody?.destroy();
      if (abort.signal.aborted) {
        logger.debug({ source: route.name, method }, 'passthrough client went away');
        return done();
      }
      const code = isTributaryError(err) ? err.code : 'INTERNAL_SERVER_ERROR';
      const fields = { source: route.name, method, code, detail: isTributaryError(err) ? err.detail : undefined, err };
      if (code === 'INTERNAL_SERVER_ERROR') logger.error(fields, 'passthrough failed');
      else logger.warn(fields, answerBody === undefined ? 'passthrough upstream failed' : 'passthrough upstream failed mid-response');
      if (answerBody !== undefined || res.headersSent) res.destroy();
      // The catalogue text, never err.message: the answer must not carry an upstream URL,
      // host or body, whatever the client library put into its messages.
      else sendError(res, code, ERRORS[code].description);
      return done(code);
    }
  }

  return { matches, handle };
}

/** The refusal for a call no declared operation answers: 405 with Allow when the path declares other methods. */
function notDeclared(
  source: string,
  method: string,
  match: Exclude<RouteMatch, { kind: 'declared' }>,
  methods: ReadonlySet<string>,
): { code: ErrorCode; message: string; headers?: Record<string, string> } {
  if (match.kind === 'method') {
    // RFC 9110 §15.5.6: a 405 lists the methods the target supports.
    const allow = match.allow.filter((m) => methods.has(m)).join(', ');
    return {
      code: 'PASSTHROUGH_METHOD_NOT_ALLOWED',
      message: `Source "${source}" declares no ${method} operation on this path; it declares ${allow}.`,
      headers: { allow },
    };
  }
  return { code: 'PASSTHROUGH_NOT_DECLARED', message: `Source "${source}" declares no ${method} operation for this path in the schema being served.` };
}

/** `<prefix>/<source><remainder>` split on the raw target; undefined when no source is named. */
function splitTarget(rawUrl: string, prefix: string): { source: string; remainder: string } | undefined {
  if (!rawUrl.startsWith(prefix)) return undefined;
  const rest = rawUrl.slice(prefix.length);
  if (!rest.startsWith('/')) return undefined;
  const end = rest.slice(1).search(/[/?#]/);
  const source = end === -1 ? rest.slice(1) : rest.slice(1, end + 1);
  const remainder = end === -1 ? '' : rest.slice(end + 1);
  // The name is compared as written, undecoded: `%61` is not `a`, so one source has one spelling.
  return source === '' ? undefined : { source, remainder };
}

/** Content-Length as a number; undefined when absent. node has already refused malformed values. */
function declaredLength(req: IncomingMessage): number | undefined {
  const raw = req.headers['content-length'];
  return raw === undefined ? undefined : Number(raw);
}

/** A request has a body iff it carries Content-Length or Transfer-Encoding (RFC 9112 §6.3). */
function hasBody(req: IncomingMessage, declared: number | undefined): boolean {
  return req.headers['transfer-encoding'] !== undefined || (declared !== undefined && declared > 0);
}

/**
 * The request body as a stream that fails once more than `max` bytes went through. It
 * is piped, not `pipeline`d, from `req`: destroying `req` would destroy the socket and
 * with it the 413 answer still to be written. On overflow the call is aborted through
 * `abort` before the stream fails, so the upstream client sees a caller abort — the
 * client's fault — rather than a network error it would count against the service's
 * circuit breaker.
 */
function limitBody(req: IncomingMessage, max: number, abort: AbortController): { stream: Readable; tooLarge: () => boolean } {
  let seen = 0;
  let over = false;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      if (seen <= max) return callback(null, chunk);
      over = true;
      // A plain Error, not a TributaryError: the upstream client passes a caller's abort
      // reason through, and would count a coded one as an upstream failure.
      const error = new Error(`request body over ${max} bytes`);
      abort.abort(error);
      callback(error);
    },
  });
  req.pipe(stream);
  // A client that disconnects mid-upload must not leave the upstream waiting for the rest.
  abort.signal.addEventListener('abort', () => stream.destroy(abort.signal.reason as Error), { once: true });
  req.once('close', () => {
    if (!req.complete) stream.destroy(new Error('client aborted the upload'));
  });
  return { stream, tooLarge: () => over };
}

/** Copies of the chunks going by, dropped once over `max` bytes; read the result after the stream ended. */
function collect(body: Readable, max: number): () => Buffer | undefined {
  const chunks: Buffer[] = [];
  let size = 0;
  body.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size <= max) chunks.push(chunk);
  });
  return () => (size <= max ? Buffer.concat(chunks, size) : undefined);
}

function clientOf(req: IncomingMessage): ClientConnection {
  const local = req.socket.localAddress;
  const bare = local?.startsWith('::ffff:') ? local.slice(7) : local;
  return {
    address: req.socket.remoteAddress,
    proto: (req.socket as TLSSocket).encrypted === true ? 'https' : 'http',
    host: req.headers.host,
    localHost: bare === undefined ? undefined : `${bare.includes(':') ? `[${bare}]` : bare}:${req.socket.localPort}`,
    httpVersion: req.httpVersion,
  };
}

function joined(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

function tooLargeMessage(max: number): string {
  return `The request body exceeds the limit of ${max} bytes.`;
}

/** The JSON error answer every passthrough refusal uses, with the catalogue's status. */
function sendError(res: ServerResponse, code: ErrorCode, message: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const answer = httpError({ code, message }, 'rest');
  res.writeHead(answer.status, { ...headers, ...answer.headers, 'content-length': Buffer.byteLength(answer.body) });
  res.end(answer.body);
}
