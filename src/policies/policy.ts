// The shape of a policy: one capability (auth, rate limits, caching, …) written once for
// every way a request reaches a service. Each part is optional and each runs where its
// layer runs: Yoga plugins for /graphql, a judge for the REST passthrough, an outbound
// rule inside the upstream client for every call either of them makes. gateway.ts lists
// the policies in the order their parts run, with the reason for each position.
import type { Plugin } from 'graphql-yoga';
import type { OutboundRule, PassthroughJudge } from '../context.ts';

export interface Policy {
  readonly name: string;
  /** Yoga plugins for /graphql, in the order they run within this policy. */
  readonly graphql?: readonly Plugin[];
  /** Judges a passthrough call before anything goes upstream. */
  readonly passthrough?: PassthroughJudge;
  /** Applied by the upstream client to every call the request makes. */
  readonly outbound?: OutboundRule;
  /** Releases what the policy holds (store connections). */
  close?(): Promise<void>;
}

/** The request's single header value: node:http gives repeated fields as an array. */
export function joinedHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}
