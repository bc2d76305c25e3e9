// Which parts of the per-request context the config's templates read. GraphQL Mesh
// interpolates `{context.…}` expressions (`@graphql-mesh/string-interpolation`) into
// upstream headers, query parameters, paths, request bodies and link arguments, so
// whatever they read can change what a service answers. Every string in the config is
// scanned once, at load, into context paths; the response cache key (session-inputs.ts)
// is built from these paths, and a path it cannot account for is refused at load.
//
// The interpolator's own grammar, mirrored here: `{key:alternative|modifier,…}`, where
// `key` is a lodash `get` path (`context.headers.x`, `context.headers['x-y']`,
// `context['req'].headers[x]`), optionally followed by `#` and a JSON pointer
// (RFC 6901) into the value read. Scanning takes every innermost `{…}` group, so an
// expression nested in a larger string (an SDL `@resolveTo(sourceArgs: {…})`, or an
// alternative text) is found too: reading more than the interpolator would is safe,
// reading less is not.

type KeyPath = ReadonlyArray<string | number>;

/** One `{context.…}` expression found in the config. */
export interface ContextRead {
  /** Where the string is, from the config root (`sources[0].handler.openapi.operationHeaders.x-user`). */
  readonly keyPath: KeyPath;
  /** The whole string, as written. */
  readonly template: string;
  /** The path read below `context`, e.g. `['req', 'headers', 'x-user']`; empty for all of it. */
  readonly path: readonly string[];
  /** The Mesh source whose config holds it; undefined for top-level keys and `tributary.links`, which may reach any source. */
  readonly source: string | undefined;
}

const INNERMOST_GROUP = /\{([^{}]+)\}/g;

/** The `{context.…}` reads of every string in `mesh` (per source) and in `tributary.links`. */
export function contextReadsOf(mesh: unknown, tributary: { links?: unknown } | undefined): ContextRead[] {
  const out: ContextRead[] = [];
  const walk = (value: unknown, keyPath: Array<string | number>, source: string | undefined): void => {
    if (typeof value === 'string') {
      if (value.includes('{')) for (const path of contextPathsIn(value)) out.push({ keyPath: [...keyPath], template: value, path, source });
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => walk(item, [...keyPath, i], source));
    } else if (value !== null && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) walk(item, [...keyPath, key], source);
    }
  };
  if (mesh !== null && typeof mesh === 'object') {
    for (const [key, value] of Object.entries(mesh)) {
      if (key === 'sources' && Array.isArray(value)) {
        value.forEach((s, i) => walk(s, ['sources', i], typeof (s as { name?: unknown })?.name === 'string' ? (s as { name: string }).name : undefined));
      } else {
        walk(value, [key], undefined);
      }
    }
  }
  if (tributary?.links !== undefined) walk(tributary.links, ['tributary', 'links'], undefined);
  return out;
}

/** The context paths the expressions of one template string read (only those rooted at `context`). */
export function contextPathsIn(template: string): string[][] {
  const paths: string[][] = [];
  for (const match of template.matchAll(INNERMOST_GROUP)) {
    const path = expressionPath(match[1]!);
    if (path && path[0] === 'context') paths.push(path.slice(1));
  }
  return paths;
}

/** The full data path (`['context', 'headers', 'x']`) an interpolator expression reads. */
function expressionPath(expression: string): string[] | undefined {
  // Leading and trailing blanks make the interpolator read a property named " context"
  // (nothing); they are trimmed here so that such a key is still judged as a context read.
  let key = expression.trim();
  // The interpolator cuts the key at the first ":" (alternative text) or "|" (modifiers) past its start.
  for (const mark of [':', '|']) {
    const at = key.indexOf(mark);
    if (at > 0) key = key.slice(0, at);
  }
  const hash = key.indexOf('#');
  const property = hash >= 0 ? key.slice(0, hash) : key;
  const path = propertyPath(property.trim());
  if (hash >= 0) path.push(...pointerTokens(key.slice(hash + 1)));
  return path.length > 0 ? path : undefined;
}

/**
 * Splits a lodash-style property path: `a.b`, `a[0]`, `a["b.c"]`, `a['b']`, `a[b]`. A
 * quoted segment may escape its quote or a backslash with a backslash.
 */
export function propertyPath(text: string): string[] {
  const out: string[] = [];
  // undefined: no segment started (at the start, or right after a bracket).
  let segment: string | undefined;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i]!;
    if (ch === '.') {
      if (segment !== undefined || i === 0) out.push(segment ?? '');
      segment = '';
    } else if (ch === '[') {
      if (segment) out.push(segment);
      segment = undefined;
      const quote = text[i + 1];
      if (quote === '"' || quote === "'") {
        let j = i + 2;
        let value = '';
        for (; j < text.length && text[j] !== quote; j += 1) {
          if (text[j] === '\\' && j + 1 < text.length) j += 1;
          value += text[j];
        }
        out.push(value);
        i = text[j + 1] === ']' ? j + 1 : j;
      } else {
        const end = text.indexOf(']', i + 1);
        out.push(end < 0 ? text.slice(i + 1) : text.slice(i + 1, end));
        i = end < 0 ? text.length : end;
      }
    } else if (ch === ']') {
      // A stray "]" ends a segment, as in lodash.
      if (segment) out.push(segment);
      segment = undefined;
    } else {
      segment = (segment ?? '') + ch;
    }
  }
  if (segment !== undefined) out.push(segment);
  return out;
}

/** RFC 6901 §3-4: `/a~1b/c~0d` → `['a/b', 'c~d']`. */
function pointerTokens(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .replace(/^\//, '')
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}
