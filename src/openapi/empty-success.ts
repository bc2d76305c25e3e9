// A success without a body, in an operation whose other answers have one. OAS 3.0
// §4.7.17: a response without `content` has no body (Swagger 2.0 §Response Object: no
// `schema`). The loader gives such a response no type at all — except for 204 — so the
// field takes the type of the one response that has a schema, usually the `default`
// error: `PUT /things/{id}` answering an empty 200 became `Err` with a non-null `code`
// the service never sent, and every such call failed. Said here as the loader says it
// for 204 (a `null` schema), the field becomes the union of "no body" and the error,
// resolved by the status code.

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Whether a Response Object declares a body (OAS 3 `content` with a media type, Swagger 2 `schema`). */
function hasBody(response: Json): boolean {
  if (isObject(response.content)) return Object.keys(response.content).length > 0;
  return isObject(response.schema);
}

/**
 * Gives each body-less 2xx response (204 aside: the loader does it already) a `null`
 * schema, when another response of the operation has a body. `deref` follows a local
 * `$ref` to its Response Object (undefined when it cannot).
 */
export function markEmptySuccesses(responses: Json, swagger2: boolean, deref: (value: Json) => Json | undefined): void {
  dropNoContentBody(responses, deref);
  const entries = Object.entries(responses).map(
    ([status, value]) => [status, isObject(value) ? (typeof value.$ref === 'string' ? deref(value) : value) : undefined] as const,
  );
  if (!entries.some(([, r]) => r && hasBody(r))) return;
  // With no 2xx declared, the 3xx ones are the operation's successes (OAS 3.0 §4.7.16: the
  // Responses Object SHOULD hold the successful call's answer; Jira's "303: Returned if
  // the operation is successful"). The gateway follows no redirect: the answer is the data.
  const successes = entries.some(([status]) => /^2(\d\d|XX)$/i.test(status)) ? /^2(\d\d|XX)$/i : /^3(\d\d|XX)$/i;
  for (const [status, response] of entries) {
    if (!successes.test(status) || status === '204' || !response || hasBody(response)) continue;
    // A shared Response Object ($ref) is copied, not changed: other operations may use it.
    const noBody = swagger2 ? { schema: { type: 'null' } } : { content: { 'application/json': { schema: { type: 'null' } } } };
    responses[status] = { ...response, ...noBody };
  }
}

/**
 * A 204 answer "cannot contain content" (RFC 9110 §15.3.5; it ends at its header section,
 * RFC 9112 §6.3), so a schema a document gives it describes nothing that can arrive:
 * bitbucket's `GET …/issues/{id}/vote` declares its `error` type for the 204. The loader
 * typed the field as that error, and every success then failed on the error's required
 * fields. The schema is dropped (from a copy: a shared Response Object stays as it is),
 * and the 204 is the body-less success it is.
 */
function dropNoContentBody(responses: Json, deref: (value: Json) => Json | undefined): void {
  const value = responses['204'];
  if (!isObject(value)) return;
  const response = typeof value.$ref === 'string' ? deref(value) : value;
  if (!response || !hasBody(response)) return;
  const { schema: _schema, content: _content, ...rest } = response;
  responses['204'] = rest;
}
