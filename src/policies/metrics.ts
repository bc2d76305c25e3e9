// The policies' Prometheus counters, in prom-client's default registry (whatever serves
// /metrics exports them). Created once per process: prom-client refuses a second metric
// of the same name, and gateways in tests share one process.
import { Counter, register } from 'prom-client';

function counter<L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L> {
  return (register.getSingleMetric(name) as Counter<L> | undefined) ?? new Counter<L>({ name, help, labelNames });
}

/** A shared store (Redis) failed; `outcome` says what the request got instead. */
export const storeErrors = counter('tributary_policy_store_errors_total', 'Policy store (Redis) failures, by policy and what the request got instead.', ['policy', 'outcome'] as const);

/** Requests refused by a rate-limit rule. */
export const rateLimited = counter('tributary_rate_limited_total', 'Requests refused with 429, by rule.', ['rule'] as const);

/** Response cache lookups. */
export const cacheLookups = counter('tributary_cache_lookups_total', 'Response cache lookups, by route kind and result.', ['kind', 'result'] as const);
