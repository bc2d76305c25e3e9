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
  /** The gateway's own view of the host it was reached at: the socket's local address and port. */
  readonly localHost: string | undefined;
  /** `req.httpVersion`, e.g. `1.1`. */
  readonly httpVersion: string;
}

/** The X-Forwarded-* values for one call, decided once (forwardedFields). */
export interface ForwardedFields {
  readonly for: string | undefined;
  readonly host: string | undefined;
  readonly proto: 'http' | 'https';
}

/**
 * What a client says about itself reaches a service only through a proxy the operator
 * trusts. `trust` comes from the policies (client-address.ts): the X-Forwarded-For to
 * send and whether the peer is a trusted proxy. Without it — a passthrough with no
 * policies — `X-Forwarded-For` is the client's value with the peer appended, the
 * de-facto chaining convention (a service then trusts only the rightmost entry).
 *
 * `X-Forwarded-Host` and `X-Forwarded-Proto` tell a service how to build links to
 * itself; a forged one puts an attacker's host into password-reset mails and redirects.
 * So they are the client's view (the `X-Forwarded-Host`/`-Proto` the proxy wrote — the last
 * entry — else the `Host` it sent) only when the peer is a trusted proxy, and otherwise the gateway's own
 * view: its local address and its socket's scheme.
 */
export function forwardedFields(
  incoming: IncomingHttpHeaders,
  client: ClientConnection,
  trust?: { readonly forwardedFor: string | undefined; readonly peerTrusted: boolean },
): ForwardedFields {
  const forwardedFor = trust ? trust.forwardedFor : appendedChain(incoming, client);
  if (!trust?.peerTrusted) return { for: forwardedFor, host: client.localHost, proto: client.proto };
  const relayedHost = lastEntry(incoming['x-forwarded-host']);
  const relayedProto = lastEntry(incoming['x-forwarded-proto'])?.toLowerCase();
  return {
    for: forwardedFor,
    host: relayedHost ?? (client.host === '' ? undefined : client.host),
    proto: relayedProto === 'http' || relayedProto === 'https' ? relayedProto : client.proto,
  };
}

/** The client's X-Forwarded-For with the peer appended: only when no policy said whom to believe. */
function appendedChain(incoming: IncomingHttpHeaders, client: ClientConnection): string | undefined {
  const chain = [joined(incoming['x-forwarded-for']), client.address].filter((v) => v !== undefined && v !== '');
  return chain.length > 0 ? chain.join(', ') : undefined;
}

/**
 * Headers for the upstream request: the client's allow-listed fields, minus hop-by-hop
 * ones and those the client's `Connection` names, plus the forwarding fields. The
 * gateway's own fields are set by the upstream client's outbound rules (setHeaders).
 *
 * Any client value of a forwarding field is replaced by `forwarded` (forwardedFields).
 * `Via` is appended as RFC 9110 §7.6.3 requires of a gateway for every inbound request,
 * under a pseudonym. `Forwarded` (RFC 7239) is not written: the services this fronts read
 * the X-Forwarded-* family.
 */
export function upstreamRequestHeaders(input: {
  readonly incoming: IncomingHttpHeaders;
  readonly allow: ReadonlySet<string>;
  readonly client: ClientConnection;
  readonly forwarded: ForwardedFields;
}): Record<string, string> {
  const { incoming, allow, client, forwarded } = input;
  const dropped = connectionOptions(incoming.connection);
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined || !allow.has(name) || NEVER_FORWARDED.has(name) || dropped.has(name)) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }

  if (forwarded.for !== undefined && forwarded.for !== '') out['x-forwarded-for'] = forwarded.for;
  out['x-forwarded-proto'] = forwarded.proto;
  if (forwarded.host !== undefined && forwarded.host !== '') out['x-forwarded-host'] = forwarded.host;
  const via = joined(incoming.via);
  out.via = `${via === undefined || via === '' ? '' : `${via}, `}${client.httpVersion} ${VIA_PSEUDONYM}`;
  return out;
}

/** The upstream's response headers minus hop-by-hop fields and those its `Connection` names. */
export function downstreamResponseHeaders(headers: Readonly<Record<string, string | string[] | undefined>>): Record<string, string | string[]> {
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

/**
 * The last entry of a list field: the one the trusted peer wrote. A proxy that appends
 * instead of replacing leaves the client's own claim on the left, where it is not believed.
 */
function lastEntry(value: string | string[] | undefined): string | undefined {
  const last = joined(value)?.split(',').pop()?.trim();
  return last === undefined || last === '' ? undefined : last;
}
