// What a spec could not be mapped to GraphQL as written, and what Tributary did instead.
// Every degradation is reported this way (never silently): `sources check` prints them,
// the schema build logs them, and the corpus run counts them.

export interface SpecWarning {
  /** JSON pointer (RFC 6901, in URI fragment form) of the spec element, e.g. `#/paths/~1pets/get`. */
  readonly pointer: string;
  /** What could not be mapped, and why. */
  readonly problem: string;
  /** What was done instead, e.g. "operation skipped", "mapped to the JSON scalar". */
  readonly action: string;
}

/** RFC 6901 §3: `~` is written `~0` and `/` is written `~1`. */
export function escapeToken(token: string | number): string {
  return String(token).replace(/~/g, '~0').replace(/\//g, '~1');
}

export function unescapeToken(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

export function pointerOf(keyPath: ReadonlyArray<string | number>): string {
  return `#${keyPath.map((k) => `/${escapeToken(k)}`).join('')}`;
}

/** Key path of a local `$ref` (`#/a/b~1c` → ['a', 'b/c']); undefined for anything else. */
export function keyPathOfPointer(ref: string): string[] | undefined {
  if (!ref.startsWith('#')) return undefined;
  const body = ref.slice(1);
  if (body === '') return [];
  if (!body.startsWith('/')) return undefined;
  // Pointers in URI fragments are percent-encoded (RFC 6901 §6).
  let decoded = body;
  try {
    decoded = decodeURIComponent(body);
  } catch {
    // Keep the raw text: a stray '%' is more likely literal than an encoding.
  }
  return decoded.slice(1).split('/').map(unescapeToken);
}

export function formatWarning(w: SpecWarning): string {
  return `${w.pointer}: ${w.problem}; ${w.action}`;
}
