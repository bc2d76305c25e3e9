// Turns the raw request-target remainder after `<prefix>/<source>` into the one path
// and query the upstream sees, or refuses it. The input is node's `req.url` as it came
// off the wire, never a WHATWG `URL`: `new URL()` resolves dot-segments (RFC 3986
// §5.2.4), so `/rest/a/../b/x` would already have become `/rest/b/x` — a hop to another
// source — before any check could see it.
//
// The result is appended to the source's base path by the upstream client, never
// resolved, so the only ways to leave the base are meanings some server downstream
// gives to the bytes: dot-segments (also percent-encoded, double-encoded, or hidden
// behind `;` path parameters), encoded `/`, `\` (treated as `/` by Windows-minded
// servers), overlong UTF-8 and control characters. Each of those is refused, and every
// accepted segment is re-encoded canonically (RFC 3986 §6.2.2) so that the upstream
// sees exactly one spelling of it.

export type SafePathResult = { readonly ok: true; readonly path: string } | { readonly ok: false; readonly reason: string };

/** One byte of a segment and whether it was written as `%XX` on the wire. */
interface Octet {
  readonly byte: number;
  readonly encoded: boolean;
}

/** unreserved (RFC 3986 §2.3): the same resource whether written literally or as `%XX`. */
const UNRESERVED = /^[A-Za-z0-9\-._~]$/;
/** pchar minus unreserved and pct-encoded (RFC 3986 §3.3): sub-delims, `:` and `@`. */
const PATH_DELIMS = new Set("!$&'()*+,;=:@");
/** Characters a query may hold literally (RFC 3986 §3.4: pchar, `/`, `?`). */
const QUERY_LITERAL = /^[A-Za-z0-9\-._~!$&'()*+,;=:@/?]$/;
/** C0 controls, DEL and C1 controls (Unicode category Cc). */
const CONTROL = /\p{Cc}/u;
const HEX = /^[0-9A-Fa-f]{2}$/;

export function safeUpstreamPath(rawRemainder: string): SafePathResult {
  // The fragment is the client's own business and is never sent (RFC 9110 §4.2.4); it
  // begins at the first `#`, and the query at the first `?` before it (RFC 3986 §3).
  const hash = rawRemainder.indexOf('#');
  const target = hash === -1 ? rawRemainder : rawRemainder.slice(0, hash);
  const question = target.indexOf('?');
  const rawPath = question === -1 ? target : target.slice(0, question);
  const rawQuery = question === -1 ? undefined : target.slice(question + 1);

  if (rawPath !== '' && !rawPath.startsWith('/')) return refuse('the path must start with "/"');
  // `//host` is a network-path reference (RFC 3986 §4.2): harmless when appended, but
  // any component that resolves it instead would switch host.
  if (rawPath.startsWith('//')) return refuse('the path must not start with "//"');

  const segments: string[] = [];
  for (const rawSegment of rawPath === '' ? [''] : rawPath.slice(1).split('/')) {
    const segment = canonicalSegment(rawSegment);
    if (!segment.ok) return segment;
    segments.push(segment.path);
  }
  const path = '/' + segments.join('/');
  if (rawQuery === undefined) return { ok: true, path };

  const query = safeQuery(rawQuery);
  return query.ok ? { ok: true, path: `${path}?${query.path}` } : query;
}

function refuse(reason: string): SafePathResult {
  return { ok: false, reason };
}

/**
 * Text of a path segment (or part of one) in the RFC 3986 §6.2.2 normal form, without
 * judging what it decodes to: declared path templates are written in this same form so
 * that a request segment and a template literal compare byte for byte.
 */
export function canonicalPathText(raw: string): SafePathResult {
  const octets = parseOctets(raw);
  if (!octets.ok) return octets;
  return normalForm(octets.octets);
}

function normalForm(octets: readonly Octet[]): SafePathResult {
  let out = '';
  for (const { byte, encoded } of octets) {
    if (!encoded && (byte < 0x20 || byte === 0x7f)) return refuse('the path contains a control character');
    if (!encoded && byte === 0x5c) return refuse('the path contains a backslash');
    const char = String.fromCharCode(byte);
    // Decode what is unreserved (§6.2.2.2); keep reserved characters as written, since
    // `%3B` and `;` mean different things (§2.2); encode everything else, upper-case (§2.1).
    if (UNRESERVED.test(char) || (!encoded && PATH_DELIMS.has(char))) out += char;
    else out += pct(byte);
  }
  return { ok: true, path: out };
}

/** Validates one path segment and writes it in the RFC 3986 §6.2.2 normal form. */
function canonicalSegment(raw: string): SafePathResult {
  const octets = parseOctets(raw);
  if (!octets.ok) return octets;
  const normal = normalForm(octets.octets);
  if (!normal.ok) return normal;

  const once = strictUtf8(Uint8Array.from(octets.octets, (o) => o.byte));
  if (once === undefined) return refuse('the path is not valid UTF-8 once percent-decoded');
  // A server that decodes twice turns `%252e` into `.`: judge that reading as well. A
  // second decode that fails (a literal `100%`, say) has no second reading to judge.
  const twice = once.includes('%') ? decodeStrict(once) : undefined;
  for (const reading of [once, twice]) {
    if (reading === undefined) continue;
    // NFKC folds look-alikes (`．．`, `／`, `＼`) into the ASCII a normalising server sees.
    for (const text of new Set([reading, reading.normalize('NFKC')])) {
      const verdict = judgeDecoded(text);
      if (verdict !== undefined) return refuse(verdict);
    }
  }
  return normal;
}

/** Why a decoded segment may not be sent, or undefined when it may. */
function judgeDecoded(text: string): string | undefined {
  if (CONTROL.test(text)) return 'the path contains an encoded control character';
  if (text.includes('/')) return 'a path segment contains an encoded "/"';
  if (text.includes('\\')) return 'the path contains a backslash';
  // Dot-segments (RFC 3986 §3.3, §5.2.4). Servlet containers read `..;x` as `..` with a
  // path parameter, and some servers trim whitespace, so judge the name before `;`, trimmed.
  const name = text.split(';', 1)[0]!.trim();
  if (name === '.' || name === '..') return 'the path contains a "." or ".." segment';
  return undefined;
}

/** `%XX` decoding of a whole string into strict UTF-8; undefined when it is not valid. */
function decodeStrict(text: string): string | undefined {
  const octets = parseOctets(text);
  return octets.ok ? strictUtf8(Uint8Array.from(octets.octets, (o) => o.byte)) : undefined;
}

/**
 * Splits raw text into bytes, remembering which were percent-encoded. node's HTTP parser
 * refuses raw non-ASCII in a request-target, so code points above 0x7F only arrive from
 * a direct caller passing decoded text; they are taken as Unicode and UTF-8 encoded.
 */
function parseOctets(raw: string): { ok: true; octets: Octet[] } | { ok: false; reason: string } {
  const octets: Octet[] = [];
  for (let i = 0; i < raw.length; i += 1) {
    const char = raw[i]!;
    if (char === '%') {
      const hex = raw.slice(i + 1, i + 3);
      if (!HEX.test(hex)) return { ok: false, reason: 'the path contains invalid percent-encoding' };
      octets.push({ byte: Number.parseInt(hex, 16), encoded: true });
      i += 2;
      continue;
    }
    const code = raw.codePointAt(i)!;
    if (code < 0x80) {
      octets.push({ byte: code, encoded: false });
      continue;
    }
    if (code >= 0xd800 && code <= 0xdfff) return { ok: false, reason: 'the path contains a lone surrogate' };
    if (code > 0xffff) i += 1;
    // Non-ASCII cannot appear literally in a URI (RFC 3986 §2), so these are written encoded.
    for (const byte of new TextEncoder().encode(String.fromCodePoint(code))) octets.push({ byte, encoded: true });
  }
  return { ok: true, octets };
}

/**
 * The query is data for the upstream, not routing, so it is kept as written — same
 * escapes, same case, same `+` and `&` — except that control characters, raw or
 * encoded, are refused (CR/LF would be header injection on any server that copies a
 * parameter into a header or a log line), malformed `%` escapes are refused (two
 * servers would read them two ways), and characters a query cannot hold literally
 * (space, `"`, `\`, non-ASCII…) are percent-encoded so the request line stays valid.
 */
function safeQuery(raw: string): SafePathResult {
  let out = '';
  for (let i = 0; i < raw.length; i += 1) {
    const char = raw[i]!;
    if (char === '%') {
      const hex = raw.slice(i + 1, i + 3);
      if (!HEX.test(hex)) return refuse('the query contains invalid percent-encoding');
      const byte = Number.parseInt(hex, 16);
      if (byte < 0x20 || byte === 0x7f) return refuse('the query contains an encoded control character');
      out += `%${hex}`;
      i += 2;
      continue;
    }
    const code = raw.codePointAt(i)!;
    if (code < 0x20 || code === 0x7f) return refuse('the query contains a control character');
    if (code >= 0xd800 && code <= 0xdfff) return refuse('the query contains a lone surrogate');
    if (code > 0xffff) i += 1;
    if (QUERY_LITERAL.test(char)) out += char;
    else for (const byte of new TextEncoder().encode(String.fromCodePoint(code))) out += pct(byte);
  }
  return { ok: true, path: out };
}

function strictUtf8(bytes: Uint8Array): string | undefined {
  // `fatal` refuses overlong forms such as `%C0%AE` (an old disguise for `.`, RFC 3629
  // §10) and encoded surrogates, so no byte sequence has a second, lenient reading.
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

function pct(byte: number): string {
  return `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
}
