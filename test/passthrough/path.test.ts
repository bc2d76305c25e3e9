// The guarantee: whatever `safeUpstreamPath` accepts, appended to a source's base path,
// names a resource under that base path and has one reading on any server — and
// everything it refuses is something some server would read as a way out (or as a
// second request). One table of raw request-target remainders, one loop.
import { describe, expect, it } from 'vitest';
import { safeUpstreamPath } from '../../src/passthrough/path.ts';

/** A string is the path expected upstream; `refused` carries a word the reason must contain. */
type Expected = string | { refused: RegExp };
const refused = (reason: RegExp): Expected => ({ refused: reason });
const DOT = /"\." or "\.\." segment/;
const SLASH = /encoded "\/"/;
const BACKSLASH = /backslash/;
const CONTROL = /control character/;
const PERCENT = /percent-encoding/;

const cases: ReadonlyArray<readonly [raw: string, expected: Expected]> = [
  // ---- ordinary paths ----
  ['', '/'],
  ['/', '/'],
  ['/users/42', '/users/42'],
  ['/users/42/', '/users/42/'],
  ['/a//b', '/a//b'],
  ['/x?y=1', '/x?y=1'],
  ['?y=1', '/?y=1'],
  ['/x?', '/x?'],
  ['/x?a=1&b=2&a=3', '/x?a=1&b=2&a=3'],
  ['/x#frag', '/x'],
  ['/x?y=1#frag', '/x?y=1'],
  ['/x#frag?y=1', '/x'],
  ['/...', '/...'],
  ['/.well-known/x', '/.well-known/x'],
  ['/a..b/c.', '/a..b/c.'],
  ['/v1.2/users', '/v1.2/users'],
  // ---- `@` and `:` are pchars: appended, never parsed as userinfo or a port ----
  ['/@evil.com', '/@evil.com'],
  ['/x:y@evil.com/z', '/x:y@evil.com/z'],
  ['/http://evil.com', '/http://evil.com'],
  ['/a;b=c', '/a;b=c'],
  // ---- canonical encoding (RFC 3986 §6.2.2) ----
  ['/a%20b', '/a%20b'],
  ['/a b', '/a%20b'],
  ['/%7euser', '/~user'],
  ['/%41%42c', '/ABc'],
  ['/a%3bb', '/a%3Bb'],
  ['/a%3Fb', '/a%3Fb'],
  ['/a%23b', '/a%23b'],
  ['/a%40b', '/a%40b'],
  ['/a|b', '/a%7Cb'],
  ['/a"<>`{}^b', '/a%22%3C%3E%60%7B%7D%5Eb'],
  ['/[::1]', '/%5B::1%5D'],
  ['/100%25', '/100%25'],
  ['/%25zz', '/%25zz'],
  ['/%2541', '/%2541'],
  // ---- unicode ----
  ['/café', '/caf%C3%A9'],
  ['/caf%c3%a9', '/caf%C3%A9'],
  ['/日本/🎉', '/%E6%97%A5%E6%9C%AC/%F0%9F%8E%89'],
  ['/%e2%80%8b', '/%E2%80%8B'],
  // ---- queries are data: kept as written, except control characters ----
  ['/x?q=a%20b+c', '/x?q=a%20b+c'],
  ['/x?q=%2e%2e%2f', '/x?q=%2e%2e%2f'],
  ['/x?next=/../../etc', '/x?next=/../../etc'],
  ['/x?q=a b', '/x?q=a%20b'],
  ['/x?q=é', '/x?q=%C3%A9'],
  ['/x?q=a\\b', '/x?q=a%5Cb'],
  ['/x?q=%250d%250a', '/x?q=%250d%250a'],
  ['/x?a=%0d%0a', refused(CONTROL)],
  ['/x?a=%0A', refused(CONTROL)],
  ['/x?a=%00', refused(CONTROL)],
  ['/x?a=%7f', refused(CONTROL)],
  ['/x?a=\r\nSet-Cookie:x', refused(CONTROL)],
  ['/x?a=\t', refused(CONTROL)],
  ['/x?a=%zz', refused(PERCENT)],
  ['/x?a=100%', refused(PERCENT)],
  // ---- dot-segments, however they are spelt ----
  ['/..', refused(DOT)],
  ['/.', refused(DOT)],
  ['/../x', refused(DOT)],
  ['/./x', refused(DOT)],
  ['/a/..', refused(DOT)],
  ['/a/../b', refused(DOT)],
  ['/a/./b', refused(DOT)],
  ['/a/.', refused(DOT)],
  ['/a/../', refused(DOT)],
  ['/%2e%2e/x', refused(DOT)],
  ['/%2E%2e/x', refused(DOT)],
  ['/%2E%2E/x', refused(DOT)],
  ['/.%2e/x', refused(DOT)],
  ['/%2e./x', refused(DOT)],
  ['/%2e/x', refused(DOT)],
  ['/%252e%252e/x', refused(DOT)],
  ['/%252E./x', refused(DOT)],
  ['/..;/x', refused(DOT)],
  ['/..;jsessionid=1/x', refused(DOT)],
  ['/.;/x', refused(DOT)],
  ['/..%3b/x', refused(DOT)],
  ['/%2e%2e;x=1/x', refused(DOT)],
  ['/..%20/x', refused(DOT)],
  ['/%20../x', refused(DOT)],
  ['/．．/x', refused(DOT)],
  ['/%ef%bc%8e%ef%bc%8e/x', refused(DOT)],
  // ---- overlong UTF-8 and other bytes that are not UTF-8 ----
  ['/%c0%ae%c0%ae/x', refused(/UTF-8/)],
  ['/%c0%af', refused(/UTF-8/)],
  ['/%e0%80%ae', refused(/UTF-8/)],
  ['/%ff', refused(/UTF-8/)],
  ['/%ed%a0%80', refused(/UTF-8/)],
  ['/\ud800', refused(/surrogate/)],
  // ---- another host ----
  ['//evil.com/x', refused(/"\/\/"/)],
  ['//evil.com', refused(/"\/\/"/)],
  ['///x', refused(/"\/\/"/)],
  ['evil.com/x', refused(/must start with "\/"/)],
  ['@evil.com', refused(/must start with "\/"/)],
  ['.', refused(/must start with "\/"/)],
  // ---- backslash ----
  ['/\\evil.com', refused(BACKSLASH)],
  ['/a\\..\\b', refused(BACKSLASH)],
  ['/%5c..%5cx', refused(BACKSLASH)],
  ['/%5C', refused(BACKSLASH)],
  ['/%255c', refused(BACKSLASH)],
  ['/＼evil.com', refused(BACKSLASH)],
  // ---- encoded slash ----
  ['/a%2fb', refused(SLASH)],
  ['/a%2F..%2Fb', refused(SLASH)],
  ['/%2F%2Fevil.com', refused(SLASH)],
  ['/a%252fb', refused(SLASH)],
  ['/a／b', refused(SLASH)],
  // ---- control characters, raw or encoded ----
  ['/%0d%0aSet-Cookie:x', refused(CONTROL)],
  ['/x\r\nSet-Cookie:x', refused(CONTROL)],
  ['/%00', refused(CONTROL)],
  ['/a%00.json', refused(CONTROL)],
  ['/\u0000', refused(CONTROL)],
  ['/a\tb', refused(CONTROL)],
  ['/%7f', refused(CONTROL)],
  ['/%c2%85', refused(CONTROL)],
  ['/%250d%250a', refused(CONTROL)],
  // ---- malformed percent-encoding ----
  ['/%', refused(PERCENT)],
  ['/%2', refused(PERCENT)],
  ['/%zz', refused(PERCENT)],
  ['/a%g1', refused(PERCENT)],
  ['/100%', refused(PERCENT)],
];

describe('safeUpstreamPath', () => {
  it.each(cases)('%j', (raw, expected) => {
    const result = safeUpstreamPath(raw);
    if (typeof expected !== 'string') {
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.reason).toMatch(expected.refused);
      return;
    }
    expect(result).toEqual({ ok: true, path: expected });
    // And the property behind the table: what is accepted, decoded once or twice the
    // way a lenient server might, has no dot-segment, backslash, control character or
    // leading `//`.
    const pathPart = expected.split('?', 1)[0]!;
    for (const decode of [(s: string) => s, lenientDecode, (s: string) => lenientDecode(lenientDecode(s))]) {
      expect(decode(pathPart).startsWith('//')).toBe(false);
      expect(decode(pathPart)).not.toMatch(/[\\\p{Cc}]/u);
      for (const segment of pathPart.split('/')) expect(['.', '..']).not.toContain(decode(segment).trim());
    }
  });
});

function lenientDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
