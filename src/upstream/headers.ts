// Which caller-supplied request headers may go upstream. Hop-by-hop fields describe the
// connection between two parties, not the message, so a gateway that opens its own
// connection must not forward them (RFC 9110 §7.6.1). Framing headers are undici's to
// set for the body it actually sends (RFC 9110 §8.6, RFC 9112 §6).

/** Fields that are never forwarded, whatever `Connection` says. */
const NEVER_FORWARDED = new Set([
  // Hop-by-hop (RFC 9110 §7.6.1, plus the legacy keep-alive and proxy-connection).
  'connection',
  'keep-alive',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  // Set by undici from the origin and the body it sends (RFC 9110 §7.2, §8.6).
  'host',
  'content-length',
  // `Expect: 100-continue` is negotiated between the client and the gateway
  // (RFC 9110 §10.1.1); undici rejects it on an HTTP/1.1 request anyway.
  'expect',
]);

/** The headers to send upstream: lower-cased, hop-by-hop and framing fields removed. */
export function outgoingHeaders(headers: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers) return out;
  let declaresOptions = false;
  for (const rawName in headers) {
    const name = rawName.toLowerCase();
    if (name === 'connection') declaresOptions = true;
    if (NEVER_FORWARDED.has(name) || name.startsWith('proxy-')) continue;
    out[name] = headers[rawName]!;
  }
  // Rare: only a caller's own Connection field names more hop-by-hop fields.
  if (declaresOptions) for (const name of connectionOptions(headers)) delete out[name];
  return out;
}

/** Field names the sender declared hop-by-hop in its `Connection` header (RFC 9110 §7.6.1). */
function connectionOptions(headers: Readonly<Record<string, string>>): Set<string> {
  const names = new Set<string>();
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase() !== 'connection') continue;
    for (const option of value.split(',')) {
      const trimmed = option.trim().toLowerCase();
      if (trimmed !== '') names.add(trimmed);
    }
  }
  return names;
}
