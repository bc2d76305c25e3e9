// Outbound rules: what the gateway does to every call to a source before it leaves —
// copy the client's headers the source may see, set the gateway's own headers, refuse a
// call the request may not make (per-source auth), charge the per-source rate limits.
// They run inside the upstream client, so GraphQL fields, link batches and the REST
// passthrough meet exactly the same rules in exactly one place; the policies only
// supply them (policies/*.ts, each rule next to the capability it belongs to).
import type { OutboundCall, OutboundRule, RequestScope } from '../context.ts';

export type { OutboundCall, OutboundRule };

/** The rules of each source, in list order, looked up once per call. */
export function rulesBySource(rules: readonly OutboundRule[], sources: readonly string[]): ReadonlyMap<string, readonly OutboundRule[]> {
  return new Map(sources.map((source) => [source, rules.filter((rule) => !rule.sources || rule.sources.has(source))]));
}

/**
 * Runs a source's rules in order; a promise only once a rule returns one. Most rules
 * (headers, the request id) are synchronous, and a call whose rules all are goes on
 * without a promise or a microtask of its own: a query makes dozens of calls.
 */
export function applyOutbound(rules: readonly OutboundRule[], source: string, call: OutboundCall, from = 0): Promise<void> | undefined {
  for (let i = from; i < rules.length; i++) {
    const pending = rules[i]!.apply(source, call);
    if (pending) return pending.then(() => applyOutbound(rules, source, call, i + 1));
  }
  return undefined;
}

/**
 * The client's headers a source may see (`tributary.sources.<name>.forwardHeaders`),
 * copied unless the call sets the field itself (an operation's header parameter).
 */
export function forwardHeadersRule(bySource: ReadonlyMap<string, readonly string[]>): OutboundRule | undefined {
  const lists = new Map([...bySource].filter(([, names]) => names.length > 0).map(([source, names]) => [source, names.map((n) => n.toLowerCase())]));
  if (lists.size === 0) return undefined;
  // What a request sent of each source's list, read once per request and source: a query
  // makes dozens of calls, and each lookup in the Fetch request's headers costs.
  const sent = new WeakMap<RequestScope, Map<string, ReadonlyArray<readonly [string, string]>>>();
  const sentFor = (scope: RequestScope, source: string): ReadonlyArray<readonly [string, string]> => {
    let bySource = sent.get(scope);
    if (!bySource) sent.set(scope, (bySource = new Map()));
    let pairs = bySource.get(source);
    if (!pairs) {
      const found: Array<readonly [string, string]> = [];
      for (const name of lists.get(source)!) {
        const value = scope.header(name);
        if (value !== undefined) found.push([name, value]);
      }
      bySource.set(source, (pairs = found));
    }
    return pairs;
  };
  return {
    name: 'forward client headers',
    sources: new Set(lists.keys()),
    apply(source, { headers, scope }) {
      for (const [name, value] of sentFor(scope, source)) if (headers[name] === undefined) headers[name] = value;
    },
  };
}

/**
 * The request id on every call, so that a service's logs meet the gateway's: the
 * client's own `x-request-id` when it sent a plausible one, else the id made for it.
 */
export function requestIdRule(): OutboundRule {
  return {
    name: 'request id',
    apply(_source, { headers, scope }) {
      headers['x-request-id'] = scope.requestId;
    },
  };
}
