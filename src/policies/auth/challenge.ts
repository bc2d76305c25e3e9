// Parameter values of a `WWW-Authenticate` challenge (RFC 9110 §11.6.1). A value is
// written as a quoted-string (§5.6.4): `"` and `\` are escaped with a backslash, and
// anything that is neither visible ASCII nor a space — CR, LF and other control
// characters, DEL, non-ASCII — is replaced, so that no text (a reason naming a claim,
// which may come from config or from a token) can end the string early, add a
// parameter or split the header. Non-ASCII would be obs-text, which recipients may
// read in any charset; it is replaced rather than guessed at.

/** `text` as an RFC 9110 quoted-string, with its quotes. */
export function quotedString(text: string): string {
  return `"${text.replace(/[^\x20-\x7e]/gu, '?').replace(/["\\]/g, '\\$&')}"`;
}

/** `scheme k1="v1", k2="v2"` from parameters written as quoted-strings. */
export function challenge(scheme: string, params: Record<string, string>): string {
  return `${scheme} ${Object.entries(params)
    .map(([name, value]) => `${name}=${quotedString(value)}`)
    .join(', ')}`;
}
