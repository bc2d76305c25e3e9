// What one round trip through gateway and mock came to. The order of the checks is the
// point: a failure of the gateway itself (no answer, a crash) is that whatever Prism said;
// an answer Prism made that breaks its own document is the mock's fault even when the
// gateway then failed on it; a request Prism refused is the gateway's mapping at fault
// even when an error type of the spec turned the 422 into data; only then does the
// GraphQL answer itself decide between data and an answer the generated types cannot carry.
import type { Exchange } from './recorder.ts';

export type FieldClass = 'data' | 'refused' | 'unmappable' | 'gateway' | 'mock';
export const CLASSES: readonly FieldClass[] = ['data', 'refused', 'unmappable', 'gateway', 'mock'];

export interface GraphqlError {
  readonly message: string;
  readonly code?: string;
}

export interface Observation {
  /** The field got no answer within the per-field limit. */
  readonly timedOut?: boolean;
  /** The gateway process died during this field (the parent fills this in). */
  readonly crashed?: string;
  /** Something failed before a request could be sent (the harness or the gateway build). */
  readonly failure?: string;
  readonly exchanges: readonly Exchange[];
  /** The gateway's HTTP status and GraphQL answer. */
  readonly status?: number;
  readonly errors?: readonly GraphqlError[];
  /** The root field's value was present in `data` (null included). */
  readonly hasData?: boolean;
  /** The operation's path template as the schema carries it (`/a/{args.x}{args.y}`). */
  readonly template?: string;
}

export interface Verdict {
  readonly class: FieldClass;
  /** `CODE: message`, trimmed; absent for data. */
  readonly cause?: string;
}

/** Prism's problem types that mean "the request does not fit the document". */
const REQUEST_PROBLEMS = new Set([
  'NO_PATH_MATCHED_ERROR',
  'NO_METHOD_MATCHED_ERROR',
  'NO_SERVER_MATCHED_ERROR',
  'UNAUTHORIZED',
  'NOT_ACCEPTABLE',
  'INVALID_CONTENT_TYPE',
  'UNPROCESSABLE_ENTITY',
  'VIOLATIONS',
]);

/** Gateway error codes that say the gateway (or its link to the service) failed, not the mapping. */
const GATEWAY_CODES = new Set([
  'UPSTREAM_UNAVAILABLE',
  'UPSTREAM_TIMEOUT',
  'UPSTREAM_CIRCUIT_OPEN',
  'OPERATION_UNSERVABLE',
  'UPSTREAM_RESPONSE_TOO_LARGE',
  'RATE_LIMITED',
  'OPERATION_LIMIT_EXCEEDED',
]);

/** Errors that say a value did not fit a generated type (input or output). */
const UNMAPPABLE_CODES = new Set(['UPSTREAM_BAD_RESPONSE', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT', 'VARIABLE_TOO_DEEP']);

export function trim(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function errorCause(error: GraphqlError): string {
  return trim(`${error.code ?? 'NO_CODE'}: ${error.message}`);
}

/**
 * Requests the document allows that Prism 5 cannot take, so its refusal is the mock's
 * failure (docs/roundtrip.md, "Prism's limits"):
 * - two variables with nothing between them in one segment (`{Sid}{mediaTypeExtension}`,
 *   OAS 3.1 §4.8.8.1 allows it): Prism matches the template as an RFC 6570 template and
 *   gives the whole segment to the last variable, so the first is "missing";
 * - a path property that is no variable of the operation's template: either the document
 *   declares an `in: path` parameter its path does not have (OAS 3.0 §4.7.12.1: the name
 *   MUST correspond to a template expression, so no request can carry it), or Prism
 *   routed the request to another, templated path of the document that also matches it
 *   (`…/Local.json` to `…/{Sid}{mediaTypeExtension}`, where OAS 3.0 §4.7.8 leaves the
 *   choice between two templated paths open);
 * - a body on a Swagger 2.0 operation without any `consumes`: Swagger 2.0 gives no
 *   default media type, and Prism then accepts no body at all, while the operation
 *   declares (and may require) one;
 * - "Body parameter is required" for a body that was sent, but is a JSON value that is
 *   false in JavaScript (`0`, `false`, `""`): Prism takes it for no body.
 */
function prismLimit(message: string, template: string | undefined, requestBody: string | undefined): string | undefined {
  const pathProperty = /^Request path must have required property '([^']+)'/.exec(message);
  if (pathProperty && template) {
    if (/\}\{/.test(template)) return `PRISM_ADJACENT_PATH_VARIABLES: ${message} (the template has two variables in a row)`;
    const variables = [...template.matchAll(/\{(?:args\.)?([^}]+)\}/g)].map((m) => m[1]!.toLowerCase());
    if (!variables.includes(pathProperty[1]!.toLowerCase()))
      return `PRISM_PATH_PROPERTY_NOT_IN_TEMPLATE: ${message} (not a variable of the operation's path: declared without one, or another path matched)`;
  }
  if (/^Body parameter is required/.test(message) && requestBody !== undefined && /^\s*(?:0|false|""|null)\s*$/.test(requestBody))
    return `PRISM_FALSY_BODY: ${message} (the body ${requestBody.trim()} was sent)`;
  if (/No supported content types, but request included a non-empty body/.test(message))
    return `PRISM_NO_REQUEST_MEDIA_TYPE: ${message} (the operation has a body but lists no media type for it)`;
  return undefined;
}

export function classify(observation: Observation): Verdict {
  const { exchanges } = observation;
  if (observation.crashed !== undefined) return { class: 'gateway', cause: trim(`CRASH: ${observation.crashed}`) };
  if (observation.failure !== undefined) return { class: 'gateway', cause: trim(observation.failure) };

  // The recorder could not reach Prism (it died or reset the connection): the mock failed.
  const unreachable = exchanges.find((e) => e.status === 0);
  if (unreachable) return { class: 'mock', cause: trim(`PRISM_UNREACHABLE: ${unreachable.detail ?? 'no answer'}`) };
  const violations = exchanges.flatMap((e) => e.violations);
  const ownAnswer = violations.find((v) => v.location?.[0] === 'response');
  if (ownAnswer) return { class: 'mock', cause: trim(`PRISM_RESPONSE_VIOLATION: ${ownAnswer.message}`) };
  const request = violations.find((v) => v.location?.[0] === 'request') ?? violations[0];
  const refusedAt = exchanges.find((e) => e.violations.includes(request!));
  const limit = request ? prismLimit(request.message ?? '', observation.template, refusedAt?.requestBody) : undefined;
  if (limit) return { class: 'mock', cause: trim(limit) };
  if (request) return { class: 'refused', cause: trim(`PRISM_${String(request.code ?? 'violation').toUpperCase()}: ${request.message}`) };
  const problem = exchanges.find((e) => e.problem);
  if (problem?.problem) {
    const limit = prismLimit(problem.detail ?? '', observation.template, problem.requestBody);
    if (limit) return { class: 'mock', cause: trim(limit) };
    if (REQUEST_PROBLEMS.has(problem.problem)) return { class: 'refused', cause: trim(`PRISM_${problem.problem}: ${problem.detail ?? ''}`) };
    return { class: 'mock', cause: trim(`PRISM_${problem.problem}: ${problem.detail ?? ''}`) };
  }

  if (observation.timedOut)
    return {
      class: 'gateway',
      cause: exchanges.length
        ? 'TIMEOUT: no answer from the gateway after the upstream call'
        : 'TIMEOUT: no answer from the gateway, and no upstream call made',
    };

  const errors = observation.errors ?? [];
  if (errors.length === 0) {
    if (observation.hasData) {
      // A success answer with data, but the service said no: an error status the spec types
      // (often `default`) turned into data. Prism answers errors without violations only when
      // the document defines no success answer for the operation.
      const failed = exchanges.find((e) => e.status >= 400);
      if (failed)
        return { class: 'mock', cause: trim(`PRISM_NO_SUCCESS_ANSWER: Prism answered ${failed.status} without a violation (no 2xx answer it could give)`) };
      return { class: 'data' };
    }
    return { class: 'gateway', cause: trim(`HTTP_${observation.status ?? 0}: the gateway answered without data or errors`) };
  }

  const first = errors.find((e) => e.code && GATEWAY_CODES.has(e.code)) ?? errors.find((e) => e.code && UNMAPPABLE_CODES.has(e.code)) ?? errors[0];
  if (first.code && GATEWAY_CODES.has(first.code)) return { class: 'gateway', cause: errorCause(first) };
  if (first.code === 'UPSTREAM_HTTP_ERROR') {
    // The service said no, and Prism did not say the request broke the document: the
    // document has no success answer Prism could pick.
    const failed = exchanges.find((e) => e.status >= 400);
    if (failed) return { class: 'mock', cause: trim(`PRISM_NO_SUCCESS_ANSWER: Prism answered ${failed.status} without a violation (${first.message})`) };
    return { class: 'gateway', cause: errorCause(first) };
  }
  if (first.code && UNMAPPABLE_CODES.has(first.code)) return { class: 'unmappable', cause: errorCause(first) };
  // Uncoded errors (graphql-js and graphql-jit's own: non-null, abstract types, scalar
  // serialisation) are about the answer when there was one; without any call, the
  // gateway failed before it could make it.
  if (exchanges.some((e) => e.status >= 200 && e.status < 300)) return { class: 'unmappable', cause: errorCause(first) };
  return { class: 'gateway', cause: errorCause(first) };
}
