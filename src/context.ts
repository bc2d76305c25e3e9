// Per-request state. Everything that lives for one request — DataLoaders, the principal,
// the request id, what the policies learned — hangs off that request (the GraphQL
// context Yoga creates for it, or the passthrough call) and is never stored at module
// scope, so two requests can never see each other's data. The contracts between the
// layers that share that state live here too: the outbound rules the upstream client runs
// for a request, and the passthrough call the policies judge.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { ErrorCode } from './errors.ts';

/** Who is calling, as the auth policy verified it. */
export interface Principal {
  readonly kind: 'jwt' | 'apiKey';
  readonly subject?: string;
  readonly claims?: Record<string, unknown>;
}

/**
 * What one request — a GraphQL request or a passthrough call alike — carries to every
 * upstream call it makes: the outbound rules (upstream/outbound.ts) read it before each
 * call, and the policies fill it in as they judge the request.
 */
export interface RequestScope {
  /** Set by the auth policy when a credential was verified. */
  principal: Principal | undefined;
  /** The client's address as the trusted-proxy rules tell (policies/client-address.ts). */
  address: string | undefined;
  /** Header of the client's request, by lower-case name. */
  readonly header: (name: string) => string | undefined;
  /** The client's `x-request-id`, else one made up for it. */
  readonly requestId: string;
  /** Sources this request called (response-cache TTLs, passthrough cache invalidation). */
  readonly touched: Set<string>;
  /** Per-rule memory for this request, e.g. a source's rate-limit charge made once. */
  readonly memo: Map<string, unknown>;
  /** Upstream calls made for it so far (the access log says how many). */
  upstreamCalls: number;
}

export function createRequestScope(header: RequestScope['header'], requestId: string): RequestScope {
  return { principal: undefined, address: undefined, header, requestId, touched: new Set(), memo: new Map(), upstreamCalls: 0 };
}

const scopes = new WeakMap<Request, RequestScope>();

/**
 * The scope of a /graphql request, created on first use: the policies' `onRequest` hooks
 * run before Yoga builds the context, and the context factory then puts the same object
 * on the context. Keyed by the Fetch request object, which lives exactly as long as it.
 */
export function scopeOf(request: Request): RequestScope {
  let scope = scopes.get(request);
  if (!scope) {
    const headers = request.headers;
    scope = createRequestScope((name) => headers.get(name) ?? undefined, requestIdFrom(headers.get('x-request-id')));
    scopes.set(request, scope);
  }
  return scope;
}

/**
 * The client's request id when it is a plausible one (visible ASCII, at most 200
 * characters: it goes into logs and upstream headers as it is), else a new UUID.
 */
export function requestIdFrom(sent: string | null | undefined): string {
  return sent && REQUEST_ID.test(sent) ? sent : randomUUID();
}

const REQUEST_ID = /^[\x21-\x7e]{1,200}$/;

/** `jwt:<sub>` or `apiKey:<id>`: the principal as one string (rate-limit counters, cache keys). */
export function principalKey(principal: Principal | undefined): string | undefined {
  return principal === undefined ? undefined : `${principal.kind}:${principal.subject ?? ''}`;
}

/** What the gateway does to one call before it leaves (upstream/outbound.ts runs them). */
export interface OutboundCall {
  /** The call's upstream headers, lower-case names; a rule may set or delete fields. */
  readonly headers: Record<string, string>;
  readonly scope: RequestScope;
}

export interface OutboundRule {
  readonly name: string;
  /** The sources it applies to; all when absent. */
  readonly sources?: ReadonlySet<string>;
  /**
   * Runs before every call of the scope's request to `source`, in list order. Throws a
   * coded error to refuse the call: the error belongs to the field (or the passthrough
   * call) that made it, and nothing is sent.
   */
  apply(source: string, call: OutboundCall): void | Promise<void>;
}

/** A REST passthrough call as the policies judge it, once the route, method, path and size were accepted. */
export interface PassthroughCall {
  readonly source: string;
  readonly method: string;
  /** Path and query as the upstream will see them. */
  readonly path: string;
  /** Client request fields the passthrough forwards to this source. */
  readonly allow: ReadonlySet<string>;
  /** The client's request line and headers (node:http). */
  readonly req: IncomingMessage;
  /**
   * True when the route will refuse the call once the policies have run (mode
   * `declared`, no declared operation): they should only authenticate and count it.
   */
  readonly undeclared?: boolean;
  /**
   * The declared operation the request reaches, when it reaches one: its label and the
   * schema coordinates of the fields that call it, so that field rules (rate limits,
   * cache TTLs) apply to it here too. Undefined for OPTIONS and, in `mode: any`, for
   * undeclared paths.
   */
  readonly operation?: { readonly label: string; readonly fields: readonly string[] };
}

/** A policy's verdict on a passthrough call; the first refusal or answer ends the judging. */
export type PassthroughVerdict =
  | { readonly refuse: { readonly code: ErrorCode; readonly message: string; readonly headers?: Readonly<Record<string, string>> } }
  /** Answered by the gateway itself (a cache hit); the upstream is not called. */
  | { readonly answer: { readonly status: number; readonly headers: Readonly<Record<string, string | string[]>>; readonly body: Buffer } }
  | PassthroughTerms
  | undefined;

/** What a policy adds to a call it lets through. */
export interface PassthroughTerms {
  /**
   * Who the client is, as the trusted-proxy rules tell: the X-Forwarded-For to send, and
   * whether the peer is a trusted proxy (whose X-Forwarded-Host/-Proto and Host are then
   * believed). Without it the passthrough's defaults apply (passthrough/headers.ts).
   */
  readonly forwarded?: { readonly forwardedFor: string | undefined; readonly peerTrusted: boolean };
  /** Fields added to the answer (e.g. RateLimit-*). */
  readonly responseHeaders?: Readonly<Record<string, string>>;
  /** Awaited once the upstream's status is known, before the answer is written (cache invalidation). */
  readonly onAnswer?: (status: number) => Promise<void> | void;
  /** Keep up to this many bytes of the answer body for `onComplete`. */
  readonly collectBytes?: number;
  /** Called once the answer went out whole; `body` is undefined when it exceeded `collectBytes`. */
  readonly onComplete?: (answer: { status: number; headers: Record<string, string | string[]>; body: Buffer | undefined }) => void;
}

export type PassthroughJudge = (call: PassthroughCall, scope: RequestScope) => PassthroughVerdict | Promise<PassthroughVerdict>;

/**
 * One webhook call as subscribers see it (subscriptions/ publishes it, the Subscription
 * fields of schema/subscriptions.ts filter and resolve it).
 */
export interface WebhookEvent {
  /** The path the call was posted to (`/webhooks/<source>/<key>/…`), as URL parsing normalises it. */
  readonly path: string;
  /** The request body, parsed as JSON. */
  readonly body: unknown;
}

/**
 * Where Subscription fields listen: the gateway's event bus. The iterable is handed out
 * once the subscription is live (with Redis: once SUBSCRIBE is acknowledged), so that a
 * client whose subscription was answered misses no event sent after.
 */
export interface WebhookEvents {
  subscribe(topic: string): Promise<AsyncIterable<WebhookEvent>>;
}

/** What the webhook route reads off a Subscription field (its `tributaryWebhook` extension). */
export interface WebhookField {
  readonly source: string;
  /** The field's name as the source defines it: `/webhooks/<source>/<key>`. */
  readonly key: string;
  /** The HTTP method the document says the service calls with, upper case. */
  readonly method: string;
}

/** The topic of a webhook key of a source: what the route publishes on and the field subscribes to. */
export function webhookTopic(source: string, key: string): string {
  return `tributary:webhook:${JSON.stringify([source, key])}`;
}

export interface TributaryContext {
  /** The incoming Fetch API request (Yoga puts it on every context). */
  request?: Request;
  /** Request headers as a plain object, lower-case names; Mesh configs read `{context.headers.x}`. */
  headers?: Record<string, string>;
  /** Per-request loaders (DataLoader behind each), one per link plan, created on first use. */
  loaders?: Map<string, unknown>;
  requestId?: string;
  /** The request's scope (see RequestScope); set by the gateway's context factory. */
  scope?: RequestScope;
  /** The scope's principal, for Mesh templates that read `{context.principal.subject}`. */
  principal?: Principal | undefined;
  /** Webhook events for Subscription fields; set by the gateway's context factory. */
  webhookEvents?: WebhookEvents;
  [key: string]: unknown;
}

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

/**
 * A root field that is one REST operation, as planned execution (links/planned/) calls it
 * without its resolver: schema/source.ts puts it on the resolver it writes, so that a
 * resolver something else wrapped or replaced (a transform, a plugin) carries none and
 * the operation runs on the executor instead.
 */
export interface PlannedRestOperation {
  execute(args: Record<string, unknown>, context: TributaryContext | undefined): Promise<unknown>;
}

export const PLANNED_REST_OPERATION = Symbol('tributary.plannedRestOperation');

/** The operation a resolver stands for, when it is the REST operation's own resolver. */
export function plannedRestOperationOf(resolve: unknown): PlannedRestOperation | undefined {
  return typeof resolve === 'function' ? (resolve as { [PLANNED_REST_OPERATION]?: PlannedRestOperation })[PLANNED_REST_OPERATION] : undefined;
}
