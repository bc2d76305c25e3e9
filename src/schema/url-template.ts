// Compiles the `path` of an `@httpOperation` (e.g. `/users/{args.id}/posts`) once per
// schema into a function of the field's arguments. Mesh's own transport interpolates
// argument values into the path as they are, so `id: "../admin"` reaches another
// resource; here every value is one percent-encoded segment (RFC 3986 §3.3) and a value
// that would still be a dot-segment after decoding is refused before any call.
import { stringInterpolator } from '@graphql-mesh/string-interpolation';
import { TributaryError } from '../errors.ts';

export type PathPart = string | ((args: Record<string, unknown>, context: unknown) => string);

/** The value placed in one path segment, refused if it could still mean "here" or "up". */
export function encodePathSegment(value: unknown, where: string): string {
  const text = value instanceof Date ? value.toISOString() : String(value);
  if (isDotSegment(text) || isDotSegment(percentDecoded(text))) {
    throw new TributaryError('BAD_USER_INPUT', `Argument "${where}" may not be "${text}": a path segment cannot be a dot-segment.`, {
      extensions: { argumentName: where },
    });
  }
  // Encoded, CR and LF would be harmless on the wire, but a service that decodes the path
  // into a log line or a header would be open to injection; no identifier needs them.
  if (CONTROL.test(text)) {
    throw new TributaryError('BAD_USER_INPUT', `Argument "${where}" may not contain control characters (such as CR or LF).`, { extensions: { argumentName: where } });
  }
  // encodeURIComponent leaves only unreserved characters and !*'() literal, so `/`, `?`,
  // `#`, `%`, CR, LF and NUL are data in one segment, never structure. A lone surrogate
  // cannot be encoded (it throws URIError): refused as bad input, not an unexpected error.
  try {
    return encodeURIComponent(text);
  } catch {
    throw new TributaryError('BAD_USER_INPUT', `Argument "${where}" is not valid Unicode text.`, { extensions: { argumentName: where } });
  }
}

const CONTROL = /\p{Cc}/u;

/**
 * Whether a server could read `text` as `.` or `..`: as written, NFKC-folded (`．．`,
 * U+FF0E, is what a normalising server sees as `..`) or trimmed. A value such as
 * `../admin` is not one: its `/` is sent as `%2F`, data inside one segment.
 */
function isDotSegment(text: string | undefined): boolean {
  if (text === undefined) return false;
  const folded = text.normalize('NFKC').trim();
  return folded === '.' || folded === '..';
}

/** `%2e%2e` is sent as `%252e%252e`, which a server that decodes twice reads as `..`. */
function percentDecoded(text: string): string | undefined {
  if (!text.includes('%')) return undefined;
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

function readPath(obj: unknown, path: readonly string[]): unknown {
  let value = obj;
  for (const key of path) {
    if (value == null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/**
 * Turns a path template into a function producing the encoded path. `{args.a.b}` reads
 * an argument; `{env.X}` and `{context.…}` are interpolated the way Mesh does (they are
 * operator-controlled, not client input), then encoded like an argument.
 */
export function compilePathTemplate(template: string, fieldCoordinate: string): (args: Record<string, unknown>, context: unknown) => string {
  const parts: PathPart[] = [];
  const re = /\{([^{}]+)\}/g;
  let last = 0;
  for (let m = re.exec(template); m; m = re.exec(template)) {
    if (m.index > last) parts.push(template.slice(last, m.index));
    const expr = m[1].trim();
    if (expr.startsWith('args.')) {
      const path = expr.slice(5).split('.');
      const argName = path.join('.');
      parts.push((args) => {
        const value = readPath(args, path);
        if (value == null) {
          throw new TributaryError('BAD_USER_INPUT', `Argument "${argName}" of ${fieldCoordinate} is required to build the request path.`, {
            extensions: { argumentName: argName },
          });
        }
        // An empty segment changes the resource (`/users//posts`, or `/users/` — the list).
        if (value === '') {
          throw new TributaryError('BAD_USER_INPUT', `Argument "${argName}" of ${fieldCoordinate} may not be empty: it is a path segment.`, {
            extensions: { argumentName: argName },
          });
        }
        return encodePathSegment(value, argName);
      });
    } else {
      const raw = m[0];
      parts.push((args, context) => encodePathSegment(stringInterpolator.parse(raw, { args, context, env: process.env }), expr));
    }
    last = m.index + m[0].length;
  }
  if (last < template.length) parts.push(template.slice(last));
  if (parts.every((p) => typeof p === 'string')) {
    const fixed = parts.join('');
    return () => fixed;
  }
  return (args, context) => {
    let out = '';
    for (const part of parts) out += typeof part === 'string' ? part : part(args, context);
    return out;
  };
}
