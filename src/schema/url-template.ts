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
  if (text === '.' || text === '..') {
    throw new TributaryError('BAD_USER_INPUT', `Argument "${where}" may not be "${text}": a path segment cannot be a dot-segment.`, {
      extensions: { argumentName: where },
    });
  }
  return encodeURIComponent(text);
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
