// A request body that may be any value. OAS 3.0 §4.7.11 (Media Type Object): `schema` is
// optional, and the empty schema `{}` validates every instance (JSON Schema 2020-12 §4.3.2);
// Swagger 2.0's `in: body` parameter with `schema: {}` means the same. Mesh's loader takes
// a body's schema only when it has a key, so such an operation got no `input` argument
// and could never send the body it requires (Jira's `PUT …/properties/{propertyKey}`).
// Written with an annotation only, the schema still allows anything, and Mesh gives the
// operation an `input: JSON` argument.

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

const ANY: Json = { description: 'Any JSON value.' };

const isEmptySchema = (schema: unknown): boolean => schema === undefined || (isObject(schema) && Object.keys(schema).length === 0);

/** Media types whose bodies are JSON text (RFC 8259; `+json` suffix, RFC 6839 §3.1). */
const JSON_MEDIA = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/**
 * Gives each JSON media type of `requestBody` (OAS 3) without a schema, or with `{}`, a
 * schema that allows any value. Returns the media types changed.
 */
export function markAnyBody(requestBody: Json): string[] {
  const changed: string[] = [];
  if (!isObject(requestBody.content)) return changed;
  for (const [media, value] of Object.entries(requestBody.content)) {
    if (!JSON_MEDIA.test(media) || !isObject(value) || !isEmptySchema(value.schema)) continue;
    value.schema = { ...ANY };
    changed.push(media);
  }
  return changed;
}

/** The same for a Swagger 2.0 `in: body` parameter whose schema is `{}`; true when changed. */
export function markAnyBodyParameter(parameter: Json): boolean {
  if (parameter.in !== 'body' || !isObject(parameter.schema) || !isEmptySchema(parameter.schema)) return false;
  parameter.schema = { ...ANY };
  return true;
}
