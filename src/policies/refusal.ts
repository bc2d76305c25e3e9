// A policy's refusal of a whole /graphql request, answered before Yoga parses it: the
// catalogue's status and the error's own headers, through the one renderer (errors.ts).
import { httpError, httpHeadersOf, type TributaryError } from '../errors.ts';

export function refusalResponse(error: TributaryError, fetchAPI: { Response: typeof Response }): Response {
  const answer = httpError(error, 'graphql');
  return new fetchAPI.Response(answer.body, { status: answer.status, headers: answer.headers });
}

/** The same refusal, for the passthrough's judge. */
export function passthroughRefusal(error: TributaryError): {
  refuse: { code: TributaryError['code']; message: string; headers?: Readonly<Record<string, string>> };
} {
  return { refuse: { code: error.code, message: error.message, headers: httpHeadersOf(error) } };
}
