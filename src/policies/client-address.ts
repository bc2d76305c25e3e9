// Who is calling: the one answer used by rate limiting, the passthrough's X-Forwarded-For
// and the logs, on /graphql and the passthrough alike. The socket's peer is the truth;
// an X-Forwarded-For entry is believed only when it was added by a proxy the operator
// trusts (`policies.trustedProxies`). The header is read right to left, the way proxies
// append to it, and the first address not in the trusted set is the client — anything
// left of it was written by the client itself and may be spoofed.
import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';
import type { Plugin } from 'graphql-yoga';
import { scopeOf } from '../context.ts';
import { TributaryError } from '../errors.ts';
import { joinedHeader, type Policy } from './policy.ts';

export interface ClientAddress {
  /** The client as far as trusted hops can tell; undefined when the socket is gone. */
  readonly address: string | undefined;
  /** X-Forwarded-For to send upstream: the believed entries, then the peer. */
  readonly forwardedFor: string | undefined;
  /** Whether the socket peer is a trusted proxy, whose view of the request (Host, X-Forwarded-Host/-Proto) may be believed. */
  readonly peerTrusted?: boolean;
}

export type ClientAddressResolver = (peer: string | undefined, forwardedFor: string | null | undefined) => ClientAddress;

/** `::ffff:10.0.0.1` is how a dual-stack socket reports an IPv4 peer; compare it as IPv4. */
function normalise(address: string): string {
  const trimmed = address.trim();
  return trimmed.startsWith('::ffff:') && isIP(trimmed.slice(7)) === 4 ? trimmed.slice(7) : trimmed;
}

export function createClientAddressResolver(trustedProxies: readonly string[], where = 'tributary.policies.trustedProxies'): ClientAddressResolver {
  const trusted = new BlockList();
  trustedProxies.forEach((entry, i) => {
    const [ip, bits, extra] = entry.split('/');
    const family = isIP(ip ?? '');
    const prefix = bits === undefined ? (family === 4 ? 32 : 128) : Number(bits);
    if (family === 0 || extra !== undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128)) {
      throw new TributaryError('CONFIG_INVALID', `${where}[${i}]: expected an IP address or CIDR range such as "10.0.0.0/8", found "${entry}".`);
    }
    trusted.addSubnet(ip!, prefix, family === 4 ? 'ipv4' : 'ipv6');
  });
  const isTrusted = (address: string): boolean => {
    const family = isIP(address);
    return family !== 0 && trusted.check(address, family === 4 ? 'ipv4' : 'ipv6');
  };

  if (trustedProxies.length === 0) {
    // Nobody is trusted: the client's header is ignored entirely, at no cost.
    return (peer) => {
      const address = peer === undefined ? undefined : normalise(peer);
      return { address, forwardedFor: address };
    };
  }
  return (peer, header) => {
    if (peer === undefined) return { address: undefined, forwardedFor: undefined };
    const peerTrusted = isTrusted(normalise(peer));
    let address = normalise(peer);
    const entries = header
      ? header
          .split(',')
          .map(normalise)
          .filter((e) => e !== '')
      : [];
    let believed = entries.length;
    while (isTrusted(address) && believed > 0) {
      const next = entries[believed - 1]!;
      if (isIP(next) === 0) break;
      believed -= 1;
      address = next;
    }
    const chain = [...entries.slice(believed), normalise(peer)];
    return { address, forwardedFor: chain.join(', '), peerTrusted };
  };
}

/**
 * Puts the client's address on the request scope, for the rate limits and the logs, and
 * tells the passthrough which X-Forwarded-For to send. First of the policies: the others
 * read what it decides.
 */
export function useClientAddress(resolve: ClientAddressResolver): Policy {
  const graphql: Plugin = {
    onRequest({ request, serverContext }) {
      const req = (serverContext as { req?: IncomingMessage }).req;
      scopeOf(request).address = resolve(req?.socket?.remoteAddress, request.headers.get('x-forwarded-for')).address;
    },
  };
  return {
    name: 'client address',
    graphql: [graphql],
    passthrough({ req }, scope) {
      const client = resolve(req.socket.remoteAddress, joinedHeader(req.headers['x-forwarded-for']));
      scope.address = client.address;
      return { forwarded: { forwardedFor: client.forwardedFor, peerTrusted: client.peerTrusted === true } };
    },
  };
}
