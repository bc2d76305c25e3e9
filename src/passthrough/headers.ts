// Which header fields cross the passthrough, in each direction. Requests are
// allow-listed: a client's cookies, proxy credentials or internal routing headers reach
// a service only if an operator named them. Responses are copied whole, because the
// service is trusted to describe its own answer, minus the fields that describe a
// connection rather than the message (RFC 9110 §7.6.1): the gateway opened its own
// connections on both sides, so those fields would be false on the other one.
import type { IncomingHttpHeaders } from 'node:http';

/**
 * Hop-by-hop fields (RFC 9110 §7.6.1, plus the legacy `keep-alive` and
 * `proxy-connection` that §7.6.1 tells intermediaries to treat the same way).
 */
const HOP_BY_HOP: ReadonlySet<string> = new Set([
  'connection',
  'proxy-connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/**
 * Never sent upstream even when allow-listed: `host` names the gateway, not the service
 * (RFC 9110 §7.2, undici sets the right one); `content-length` describes the bytes the
 * client sent, while the body is re-framed on the way up and may be cut at the size cap
 * (RFC 9110 §8.6); `expect: 100-continue` is negotiated between the client and the
 * gateway (RFC 9110 §10.1.1). The X-Forwarded-* and Via fields are written by the
 * gateway itself below.
 */
const NEVER_FORWARDED: ReadonlySet<string> = new Set([
  ...HOP_BY_HOP,
  'host',
  'content-length',
  'expect',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'via',
]);

/** The name recorded in `Via`: a pseudonym, so internal host names are not revealed (RFC 9110 §7.6.3). */
const VIA_PSEUDONYM = 'tributary';

/** Lower-cased allow-list; field names are case-insensitive (RFC 9110 §5.1). */
export function createHeaderAllowList(names: readonly string[]): ReadonlySet<string> {
  return new Set(names.map((name) => name.trim().toLowerCase()));
}

/** What the gateway knows about the client connection, for the forwarding fields. */
export interface ClientConnection {
  /** Peer address of the client socket; undefined once the socket is gone. */
  readonly address: string | undefined;
  readonly proto: 'http' | 'https';
  /** The `Host` the client asked for. */
  readonly host: string | undefined;
  /** `req.httpVersion`, e.g. `1.1`. */
  readonly httpVersion: string;
}

/**
 * Headers for the upstream request: the client's allow-listed fields, minus hop-by-hop
 * ones and those the client's `Connection` names, plus forwarding fields, then the
 * gateway's own `extra` fields, which win over the client's.
 *
 * Forwarding fields: `X-Forwarded-For` is the client's value (if any) with the peer
 * address appended, the de-facto chaining convention — a service should trust only the
 * entries added by proxies it knows, i.e. the rightmost. `X-Forwarded-Proto` and
 * `X-Forwarded-Host` are what this gateway saw, replacing any client value, since a
 * client could claim anything. `Via` is appended as RFC 9110 §7.6.3 requires of a
 * gateway for every inbound request, under a pseudonym. `Forwarded` (RFC 7239) is not
 * written: the services this fronts read the X-Forwarded-* family.
 */
export function upstreamRequestHeaders(input: {
  readonly incoming: IncomingHttpHeaders;
  readonly allow: ReadonlySet<string>;
  readonly client: ClientConnection;
  readonly extra?: Readonly<Record<string, string>>;
}): Record<string, string> {
  const { incoming, allow, client } = input;
  const dropped = connectionOptions(incoming.connection);
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined || !allow.has(name) || NEVER_FORWARDED.has(name) || dropped.has(name)) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }

  const forwardedFor = [joined(incoming['x-forwarded-for']), client.address].filter((v) => v !== undefined && v !== '');
  if (forwardedFor.length > 0) out['x-forwarded-for'] = forwardedFor.join(', ');
  out['x-forwarded-proto'] = client.proto;
  if (client.host !== undefined && client.host !== '') out['x-forwarded-host'] = client.host;
  const via = joined(incoming.via);
  out.via = `${via === undefined || via === '' ? '' : `${via}, `}${client.httpVersion} ${VIA_PSEUDONYM}`;

  for (const [rawName, value] of Object.entries(input.extra ?? {})) {
    const name = rawName.toLowerCase();
    // The gateway's own fields skip the allow-list but not framing: a policy setting
    // `transfer-encoding` would corrupt the upstream request.
    if (HOP_BY_HOP.has(name) || name === 'host' || name === 'content-length' || name === 'expect') continue;
    out[name] = value;
  }
  return out;
}

/** The upstream's response headers minus hop-by-hop fields and those its `Connection` names. */
export function downstreamResponseHeaders(
  headers: Readonly<Record<string, string | string[] | undefined>>,
): Record<string, string | string[]> {
  const dropped = connectionOptions(headers.connection);
  const out: Record<string, string | string[]> = {};
  for (const [rawName, value] of Object.entries(headers)) {
    const name = rawName.toLowerCase();
    if (value === undefined || HOP_BY_HOP.has(name) || dropped.has(name)) continue;
    out[name] = value;
  }
  return out;
}

/** Field names a sender declared hop-by-hop in its `Connection` header (RFC 9110 §7.6.1). */
function connectionOptions(value: string | string[] | undefined): Set<string> {
  const names = new Set<string>();
  for (const option of (joined(value) ?? '').split(',')) {
    const name = option.trim().toLowerCase();
    if (name !== '') names.add(name);
  }
  return names;
}

function joined(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}
