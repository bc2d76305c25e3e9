// Outbound rules: what the gateway does to every call to a source before it leaves —
// copy the client's headers the source may see, set the gateway's own headers, refuse a
// call the request may not make (per-source auth), charge the per-source rate limits.
// They run inside the upstream client, so GraphQL fields, link batches and the REST
// passthrough meet exactly the same rules in exactly one place; the policies only
// supply them (policies/*.ts, each rule next to the capability it belongs to).
import type { OutboundCall, OutboundRule } from '../context.ts';

export type { OutboundCall, OutboundRule };

/** The rules of each source, in list order, looked up once per call. */
export function rulesBySource(rules: readonly OutboundRule[], sources: readonly string[]): ReadonlyMap<string, readonly OutboundRule[]> {
  return new Map(sources.map((source) => [source, rules.filter((rule) => !rule.sources || rule.sources.has(source))]));
}

/** Runs a source's rules; awaits only the ones that return a promise. */
export async function applyOutbound(rules: readonly OutboundRule[], source: string, call: OutboundCall): Promise<void> {
  for (const rule of rules) {
    const pending = rule.apply(source, call);
    if (pending) await pending;
  }
}

/**
 * The client's headers a source may see (`tributary.sources.<name>.forwardHeaders`),
 * copied unless the call sets the field itself (an operation's header parameter).
 */
export function forwardHeadersRule(bySource: ReadonlyMap<string, readonly string[]>): OutboundRule | undefined {
  const lists = new Map([...bySource].filter(([, names]) => names.length > 0).map(([source, names]) => [source, names.map((n) => n.toLowerCase())]));
  if (lists.size === 0) return undefined;
  return {
    name: 'forward client headers',
    sources: new Set(lists.keys()),
    apply(source, { headers, scope }) {
      for (const name of lists.get(source)!) {
        if (headers[name] !== undefined) continue;
        const value = scope.header(name);
        if (value !== undefined) headers[name] = value;
      }
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
