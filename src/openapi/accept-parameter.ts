// A Swagger 2.0 operation that declares its `Accept` header as a parameter. Swagger 2.0
// (unlike OAS 3.0 §4.7.12.1, where such a parameter "SHALL be ignored") lets a document
// say which values the header may take: rebilly's `Accept: application/json | text/csv`.
// Mesh's loader sends `produces` joined by commas instead (`application/json, text/csv`),
// a value that parameter's `enum` does not allow, so the service may refuse every call.
// Here `produces` is narrowed to the one value the gateway will send: the parameter's
// default when it has one, else its first JSON media type (the gateway decodes JSON),
// else its first value.

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

const JSON_MEDIA = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/** The value an `Accept` parameter lets the gateway send, or undefined when it does not constrain it. */
function acceptValue(parameter: Json): string | undefined {
  const values = Array.isArray(parameter.enum) ? parameter.enum.filter((v): v is string => typeof v === 'string') : [];
  if (typeof parameter.default === 'string' && (values.length === 0 || values.includes(parameter.default))) return parameter.default;
  return values.find((v) => JSON_MEDIA.test(v)) ?? values[0];
}

/**
 * Narrows `operation.produces` to the value its `Accept` header parameter allows.
 * `parameters` are the operation's and its path item's, already resolved; returns the
 * value chosen, or undefined when nothing changed.
 */
export function honourAcceptParameter(operation: Json, parameters: readonly unknown[]): string | undefined {
  const accept = parameters.find((p): p is Json => isObject(p) && p.in === 'header' && typeof p.name === 'string' && p.name.toLowerCase() === 'accept');
  if (!accept) return undefined;
  const value = acceptValue(accept);
  if (value === undefined) return undefined;
  operation.produces = [value];
  return value;
}
