// Compiles the `path` of an `@httpOperation` (e.g. `/users/{args.id}/posts`) once per
// schema into a function of the field's arguments. Mesh's own transport interpolates
// argument values into the path as they are, so `id: "../admin"` reaches another
// resource; here every value is one percent-encoded segment (RFC 3986 §3.3), and a value
// that a server could still read as holding a dot-segment is refused before any call.
import { stringInterpolator } from '@graphql-mesh/string-interpolation';
import { TributaryError } from '../../errors.ts';

export type PathPart = string | ((args: Record<string, unknown>, context: unknown) => string);

function badInput(where: string, message: string): TributaryError {
  return new TributaryError('BAD_USER_INPUT', `Argument "${where}" ${message}`, { extensions: { argumentName: where } });
}

/** The value placed in one path segment, refused if it could still mean "here" or "up". */
export function encodePathSegment(value: unknown, where: string): string {
  const text = segmentText(value, where);
  const decoded = percentDecoded(text);
  const dots = dotSegmentIn(text) ?? (decoded === undefined ? undefined : dotSegmentIn(decoded));
  if (dots !== undefined) {
    throw badInput(where, `may not be "${text}": it holds the dot-segment "${dots}" once split on "/", "\\" or ";".`);
  }
  // Encoded, CR and LF would be harmless on the wire, but a service that decodes the path
  // (once, or twice) into a log line or a header would be open to injection; no
  // identifier needs them.
  if (CONTROL.test(text) || (decoded !== undefined && CONTROL.test(decoded))) {
    throw badInput(where, 'may not contain control characters (such as CR or LF).');
  }
  // encodeURIComponent leaves only unreserved characters and !*'() literal, so `/`, `?`,
  // `#`, `%`, CR, LF and NUL are data in one segment, never structure. A lone surrogate
  // cannot be encoded (it throws URIError): refused as bad input, not an unexpected error.
  try {
    return encodeURIComponent(text);
  } catch {
    throw badInput(where, 'is not valid Unicode text.');
  }
}

/**
 * A list is written as OpenAPI's `simple` style, the default for path parameters
 * (OpenAPI 3.1 §4.8.12.4): elements joined by commas, so an element holding a comma
 * would reach the service as two. Scalars are written as they are.
 */
function segmentText(value: unknown, where: string): string {
  if (!Array.isArray(value)) return value instanceof Date ? value.toISOString() : String(value);
  const items = value.map((item: unknown) => (item instanceof Date ? item.toISOString() : String(item)));
  for (const item of items) {
    if (item.includes(',')) throw badInput(where, `may not hold "${item}": its elements are joined with "," and one may not contain it.`);
  }
  return items.join(',');
}

const CONTROL = /\p{Cc}/u;

/**
 * Separators some server reads inside one segment: `/` once the path is decoded, `\` on
 * servers that treat it as `/` (IIS, many Windows stacks), `;` where path parameters are
 * cut off before routing (`..;x` is `..` to Tomcat and Jetty). NFKC folding first, so
 * the fullwidth forms (U+FF0F, U+FF3C, U+FF1B) split too.
 */
const SEPARATORS = /[/\\;]/;

/**
 * The dot-segment a server could read in `text`, or undefined: any piece between
 * separators that is `.` or `..` as written, NFKC-folded (`．．`, U+FF0E, and `‥`,
 * U+2025, are what a normalising server sees as `..`) or trimmed. So `..`, `a/../../admin`,
 * `..;`, `..\\x` and `x/./y` are refused; `a/b` and `1.2.3` are one harmless segment.
 */
function dotSegmentIn(text: string): string | undefined {
  // eslint-disable-next-line no-control-regex -- \x00-\x7f is the ASCII range: only non-ASCII text can fold to a dot
  if (!text.includes('.') && !/[^\x00-\x7f]/.test(text)) return undefined;
  const folded = text.normalize('NFKC');
  for (const piece of folded.split(SEPARATORS)) {
    const trimmed = piece.trim();
    if (trimmed === '.' || trimmed === '..') return trimmed;
  }
  return undefined;
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
        if (value === '' || (Array.isArray(value) && value.length === 0)) {
          throw new TributaryError('BAD_USER_INPUT', `Argument "${argName}" of ${fieldCoordinate} may not be empty: it is a path segment.`, {
            extensions: { argumentName: argName },
          });
        }
        return encodePathSegment(value, argName);
      });
    } else if (/^(env|context)\./.test(expr)) {
      const raw = m[0];
      parts.push((args, context) => encodePathSegment(stringInterpolator.parse(raw, { args, context, env: process.env }), expr));
    } else {
      // `{thingId}` with no parameter of that name (OAS 3.1 §4.8.12.1: every template
      // expression MUST be a path parameter): nothing can fill it, and a guess would call
      // another resource (`/things/undefined`). The operation is refused, never sent;
      // `undeclaredPathVariables` names it at build time.
      parts.push(() => {
        throw new TributaryError(
          'OPERATION_UNSERVABLE',
          `${fieldCoordinate} cannot be called: its path template has the variable "{${expr}}", which its OpenAPI document declares no parameter for.`,
          {
            extensions: { variable: expr },
          },
        );
      });
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

/** What a path key's `#…` part stands for: constant fields the operation is selected by. */
export interface PathKeyConstant {
  readonly in: 'header' | 'query';
  readonly name: string;
  readonly value: string;
}

/**
 * Splits a path key at `#`, the APIs.guru convention for operations that share a path
 * (OAS 3.1 §4.8.8.1: a path key is a path, so whatever follows `#` is not sent as such;
 * a `#` in a request-target is not HTTP, RFC 9112 §3.2). After it, `name=value` pairs
 * joined by `&` are constants: a header when the operation declares that header, or when
 * the name has the form of a header field (`X-Amz-Target`, anything with a hyphen); else
 * a query parameter. A bare `#name` only names a parameter the operation declares as
 * usual (`/tags/{arn}#tagKeys`) and adds nothing. A `?` part stays in the path: the
 * query string it starts is sent as written, before the operation's own parameters.
 */
export function splitPathKey(key: string, declaredHeaders: ReadonlySet<string>): { path: string; constants: PathKeyConstant[] } {
  const at = key.indexOf('#');
  if (at === -1) return { path: key, constants: [] };
  const constants: PathKeyConstant[] = [];
  for (const pair of key.slice(at + 1).split('&')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const name = safeDecode(pair.slice(0, eq));
    const value = safeDecode(pair.slice(eq + 1));
    const header = declaredHeaders.has(name.toLowerCase()) || name.includes('-');
    constants.push({ in: header ? 'header' : 'query', name: header ? name.toLowerCase() : name, value });
  }
  return { path: key.slice(0, at) || '/', constants };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Template variables of a path that no argument fills (`/things/{thingId}` without a `thingId` parameter). */
export function undeclaredPathVariables(template: string): string[] {
  return [...template.matchAll(/\{([^{}]+)\}/g)].map((m) => m[1]!.trim()).filter((expr) => !/^(args|env|context)\./.test(expr));
}
