// A nesting bound for JSON answers. V8's JSON.parse copes with any depth, but what
// consumes the value does not: GraphQL execution, JSON scalars and the final
// JSON.stringify of the response all recurse, and an answer nested 100,000 levels deep
// overflows the stack there — failing the whole GraphQL response, not the one field.
// Refusing it here, before parsing, keeps the failure on the field that asked for it.
//
// One pass over the bytes, no allocation: a few nanoseconds a byte, a small fraction of
// what JSON.parse itself costs on the same body. Only `[` and `{` outside strings open a
// level (RFC 8259 §2); inside a string a backslash escapes the next byte, and every byte
// of a multi-byte UTF-8 sequence is >= 0x80, so none can be mistaken for `"` or `\`.

/** Deeper than any API answer we know of; far below what the recursive consumers survive. */
export const MAX_JSON_DEPTH = 512;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

/** Whether `body`, read as JSON text, nests arrays and objects deeper than `max`. */
export function exceedsJsonDepth(body: Uint8Array, max = MAX_JSON_DEPTH): boolean {
  // Going deeper than `max` takes more than `max` opening brackets.
  if (body.length <= max) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const byte = body[i];
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) {
      inString = true;
    } else if (byte === OPEN_ARRAY || byte === OPEN_OBJECT) {
      if (++depth > max) return true;
    } else if (byte === CLOSE_ARRAY || byte === CLOSE_OBJECT) {
      depth--;
    }
  }
  return false;
}
