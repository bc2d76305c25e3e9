// How policy refusals look on /graphql. Errors raised in validation or parsing get their
// code and status here; `usePolicyErrors` then makes the status stick (Yoga would
// otherwise answer 200 to an application/json client, GraphQL-over-HTTP §6.4.1) and
// tidies what Yoga itself puts in front of clients: its OPERATION_RESOLUTION_FAILURE
// becomes BAD_REQUEST, and `extensions.originalError` — the JSON parser's message — is
// not sent.
import type { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { ERRORS, httpExtension, type ErrorCode } from '../errors.ts';

const POLICY_STATUS = Symbol('tributary.policyStatus');

/** Gives a GraphQL error a catalogue code and makes its HTTP status (and response headers, if any) final. */
export function markRefusal(error: GraphQLError, code: ErrorCode, extra: Record<string, unknown> = {}, headers?: Readonly<Record<string, string>>): void {
  const extensions = error.extensions as Record<string, unknown>;
  Object.assign(extensions, extra, { code, http: httpExtension(code, { headers }) });
  Object.defineProperty(error, POLICY_STATUS, { value: { status: ERRORS[code].status, headers } });
}

interface SerializableError {
  extensions?: Record<string, unknown>;
  [POLICY_STATUS]?: { status: number; headers?: Readonly<Record<string, string>> };
}

function tidy(error: SerializableError): void {
  const extensions = error.extensions;
  if (!extensions) return;
  if ('originalError' in extensions) delete extensions.originalError;
  // Yoga's code for an operationName that names no operation (or none given for several):
  // not in the catalogue; the request cannot be run as sent, as for BAD_REQUEST's other cases.
  if (extensions.code === 'OPERATION_RESOLUTION_FAILURE') extensions.code = 'BAD_REQUEST';
  // A body that is not JSON, or a batch when batching is off, is not a well-formed
  // GraphQL-over-HTTP request at all: 400 whatever the client accepts (§6.4.1 covers only well-formed ones).
  if (extensions.code === 'BAD_REQUEST' && typeof extensions.http === 'object' && extensions.http !== null)
    extensions.http = { ...extensions.http, spec: false };
  const refusal = error[POLICY_STATUS];
  // Yoga's parse step sets `spec` after our onReject ran; restore the refusal's status.
  if (refusal !== undefined) extensions.http = { status: refusal.status, spec: false, ...(refusal.headers ? { headers: refusal.headers } : {}) };
}

export function usePolicyErrors(): Plugin {
  return {
    onResultProcess({ result }) {
      for (const one of Array.isArray(result) ? result : [result]) {
        const errors = (one as { errors?: readonly SerializableError[] }).errors;
        if (errors) for (const error of errors) tidy(error);
      }
    },
  };
}
