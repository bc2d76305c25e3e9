// The catalogue of Tributary's coded errors. Every error a client or an operator can
// see has a stable code here, the HTTP status it maps to, and a message template.
// Codes are API: clients branch on them, so never rename one; add a new one instead.
// `test/errors.test.ts` keeps this table, the README's error table and usage in step.

export interface ErrorSpec {
  /** HTTP status when this error decides the response status (passthrough, request-level). */
  readonly status: number;
  /** One line for the docs: when this happens and what to do. */
  readonly description: string;
}

export const ERRORS = {
  // ---- configuration and schema build (operator-facing, never reach a client) ----
  CONFIG_NOT_FOUND: { status: 500, description: 'The config file does not exist or cannot be read.' },
  CONFIG_PARSE_ERROR: { status: 500, description: 'The config file is not valid YAML or JSON.' },
  CONFIG_INVALID: { status: 500, description: 'A config key has the wrong type, an unknown name or a bad value.' },
  SOURCE_LOAD_FAILED: { status: 500, description: 'An OpenAPI source could not be read or turned into GraphQL.' },
  SCHEMA_BUILD_FAILED: { status: 500, description: 'The sources could not be merged into one schema.' },
  LINK_INVALID: { status: 500, description: 'A link or @resolveTo names a type, field, source or argument that does not exist.' },
  SOURCE_NAME_CLASH: { status: 500, description: 'A source with that name, or fields with those names, already exist.' },
  LISTEN_FAILED: { status: 500, description: 'The gateway cannot listen on its host and port: in use, not permitted, or not an address of this machine.' },

  // ---- request-level (client-facing) ----
  BAD_USER_INPUT: {
    status: 400,
    description:
      'A variable does not fit its type or a required one is missing (a request error: 200 when the client accepts only application/json), or an argument value cannot be sent upstream (for example a dot-segment in a path argument; a field error).',
  },
  PASSTHROUGH_BAD_PATH: {
    status: 400,
    description: 'A REST passthrough path tries to leave the source base path (traversal, //host, backslash, control characters).',
  },
  PASSTHROUGH_UNKNOWN_SOURCE: { status: 404, description: 'No source with that name has the REST passthrough enabled.' },
  PASSTHROUGH_METHOD_NOT_ALLOWED: { status: 405, description: 'The passthrough does not forward this HTTP method, or the path declares only other methods.' },
  PASSTHROUGH_NOT_DECLARED: {
    status: 404,
    description: "The source's schema being served declares no operation for this method and path; the passthrough forwards only declared ones.",
  },
  LINK_KEY_NOT_FOUND: { status: 200, description: 'A batched link call answered without an entry for this key; the field is null.' },
  UNAUTHENTICATED: { status: 401, description: 'Credentials are missing or invalid.' },
  RATE_LIMITED: { status: 429, description: 'Too many requests for this client identity in the current window.' },
  PAYLOAD_TOO_LARGE: { status: 413, description: 'The request body exceeds the configured limit.' },
  BAD_REQUEST: {
    status: 400,
    description:
      'The HTTP request is not a GraphQL request the gateway accepts (malformed JSON, batching off, an operationName that names no operation, mutation over GET: 405).',
  },
  GRAPHQL_PARSE_FAILED: { status: 400, description: 'The GraphQL document is not valid syntax (200 when the client accepts only application/json).' },
  GRAPHQL_VALIDATION_FAILED: {
    status: 400,
    description: 'The GraphQL document does not match the schema (200 when the client accepts only application/json).',
  },
  OPERATION_LIMIT_EXCEEDED: {
    status: 400,
    description: 'The operation exceeds a limit in tributary.policies.limits (tokens, depth, aliases, directives, cost); extensions.limit names it.',
  },
  VARIABLE_TOO_DEEP: {
    status: 400,
    description: 'A variable value of a recursive input type or a JSON scalar nests objects and lists more than 128 levels deep (extensions.limit).',
  },
  INTROSPECTION_DISABLED: { status: 400, description: 'Introspection is off (the default when NODE_ENV=production; see tributary.policies.introspection).' },
  CSRF_HEADER_REQUIRED: {
    status: 403,
    description: 'A request a browser could send cross-site without a preflight must carry a CSRF header (tributary.policies.csrf).',
  },
  PERSISTED_QUERY_NOT_FOUND: {
    status: 404,
    description:
      'Automatic persisted queries: no document is stored under this extensions.persistedQuery.sha256Hash (yet); the message is `PersistedQueryNotFound`, on which Apollo Client sends the query with its hash and the gateway stores it.',
  },
  PERSISTED_QUERY_NOT_SUPPORTED: {
    status: 400,
    description:
      'A request sent only a hash while automatic persisted queries are off (tributary.policies.apq) and no manifest holds it; the message is `PersistedQueryNotSupported`, on which Apollo Client sends the query.',
  },
  PERSISTED_QUERY_HASH_MISMATCH: {
    status: 400,
    description:
      'extensions.persistedQuery is not `{ version: 1, sha256Hash: <64 hex digits> }`, or the hash is not the SHA-256 of the query sent with it; nothing is stored or run.',
  },
  PERSISTED_DOCUMENT_NOT_FOUND: {
    status: 404,
    description:
      'A documentId (or, with trusted documents only, a hash) names no document in the manifest (tributary.policies.persistedDocuments); nothing is run.',
  },
  PERSISTED_DOCUMENT_NOT_ALLOWED: {
    status: 403,
    description:
      'Only trusted documents run (a manifest and allowArbitrary false, the default when NODE_ENV=production) and this document is not in the manifest; nothing is run.',
  },
  WEBHOOK_NOT_CONFIGURED: {
    status: 404,
    description: 'No source of that name has webhook settings (tributary.sources.<name>.webhooks): the webhook route is off for it.',
  },
  WEBHOOK_NOT_DECLARED: { status: 404, description: "The path after the source names no Subscription field of the source's served schema." },
  WEBHOOK_METHOD_NOT_ALLOWED: { status: 405, description: 'The callback or webhook is declared with another HTTP method (`Allow` names it).' },
  WEBHOOK_UNSIGNED: { status: 401, description: "A webhook call without the source's secret or signature header." },
  WEBHOOK_BAD_SIGNATURE: { status: 403, description: "A webhook call whose secret or HMAC-SHA256 signature does not match the source's secret." },
  WEBHOOK_BAD_BODY: { status: 400, description: 'A webhook call whose body is not JSON; nothing is delivered.' },
  WEBHOOK_DELIVERY_FAILED: { status: 503, description: 'The event could not be handed to the pubsub (Redis unreachable); the caller should retry.' },
  RATE_LIMIT_UNAVAILABLE: { status: 503, description: 'The rate-limit store is down and tributary.policies.rateLimit.onStoreDown is "closed"; retry later.' },

  // ---- upstream (a REST service misbehaved; data for other fields is still returned) ----
  UPSTREAM_HTTP_ERROR: { status: 502, description: 'The REST service answered with a non-2xx status.' },
  UPSTREAM_TIMEOUT: { status: 504, description: 'The REST service did not answer within the configured timeout.' },
  UPSTREAM_UNAVAILABLE: { status: 502, description: 'The REST service could not be reached (connection refused, reset, DNS).' },
  UPSTREAM_CIRCUIT_OPEN: { status: 503, description: 'Calls to this source are suspended after repeated failures; retry later.' },
  UPSTREAM_BAD_RESPONSE: {
    status: 502,
    description:
      "The REST service answered with a body that is not what its OpenAPI document says (e.g. malformed JSON, or a value that does not fit its field's type: extensions.field, extensions.expectedType).",
  },
  OPERATION_UNSERVABLE: {
    status: 502,
    description:
      "The source's OpenAPI document does not say how to call this operation (for example a path variable with no declared parameter); nothing is sent, and `sources check` names it with a JSON pointer.",
  },
  UPSTREAM_RESPONSE_TOO_LARGE: { status: 502, description: 'The REST service answered with more bytes than the configured cap.' },

  INTERNAL_SERVER_ERROR: { status: 500, description: 'An unexpected error; details are in the gateway log, never in the response.' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

/**
 * An error Tributary raises on purpose. `message` is safe to show to whoever caused it
 * (a client for request errors, an operator for config errors); `detail` is for the log
 * only and may hold upstream URLs and bodies, which must never reach a client.
 */
export class TributaryError extends Error {
  readonly code: ErrorCode;
  readonly extensions: Record<string, unknown>;
  readonly detail: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: { extensions?: Record<string, unknown>; detail?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TributaryError';
    this.code = code;
    this.extensions = options.extensions ?? {};
    this.detail = options.detail;
  }
}

export function isTributaryError(value: unknown): value is TributaryError {
  return value instanceof TributaryError;
}

/**
 * The `extensions.http` of an error that decides a /graphql response's status (a refusal
 * or a request error), as Yoga reads it: the catalogue's status, the answer's own headers
 * (Retry-After, WWW-Authenticate, RateLimit-*), and `spec` — whether GraphQL-over-HTTP
 * lets a client that accepts only application/json get 200 instead (§6.4.1). Field
 * errors carry none: they never change the status of a response with data.
 */
export function httpExtension(code: ErrorCode, options: { headers?: Readonly<Record<string, string>>; spec?: boolean } = {}): HttpExtension {
  return { status: ERRORS[code].status, spec: options.spec ?? false, ...(options.headers ? { headers: options.headers } : {}) };
}

export interface HttpExtension {
  readonly status: number;
  readonly spec: boolean;
  readonly headers?: Readonly<Record<string, string>>;
}

/** The response headers a coded error asks for (`extensions.http.headers`), if any. */
export function httpHeadersOf(error: { extensions: Record<string, unknown> }): Readonly<Record<string, string>> | undefined {
  return (error.extensions.http as HttpExtension | undefined)?.headers;
}

export interface HttpErrorAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/**
 * The one renderer of an error answered outside GraphQL execution — a policy refusal in
 * front of /graphql, a passthrough refusal, an unexpected failure: the status only from
 * the catalogue, never cached, never sniffed, and the body in the endpoint's own shape
 * (a GraphQL response's `errors` on /graphql; `{ "error": { code, message } }` on REST).
 */
export function httpError(error: { code: ErrorCode; message: string; extensions?: Record<string, unknown> }, shape: 'graphql' | 'rest'): HttpErrorAnswer {
  const { http, ...extensions } = error.extensions ?? {};
  const own = (http as HttpExtension | undefined)?.headers;
  const body =
    shape === 'graphql'
      ? JSON.stringify({ errors: [{ message: error.message, extensions: { ...extensions, code: error.code } }] })
      : JSON.stringify({ error: { code: error.code, message: error.message } });
  return {
    status: ERRORS[error.code].status,
    headers: { ...own, 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' },
    body,
  };
}
