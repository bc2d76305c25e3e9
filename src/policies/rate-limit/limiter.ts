// Rate-limit rules compiled once from config: which counters a request is charged to
// (global rules, its source's rules, the rules of the fields it selects), whose counter
// (the identity or the IP), and the answer — the RateLimit-* fields for every response
// and, when a window is used up, 429 RATE_LIMITED with Retry-After. What happens when the
// shared store is down is the operator's explicit choice (`onStoreDown`).
import { createHash } from 'node:crypto';
import { httpExtension, TributaryError } from '../../errors.ts';
import type { Logger } from '../../observability/log.ts';
import type { RateLimitRule, RateLimitSettings } from '../../config/policies.ts';
import { rateLimited, storeErrors } from '../../observability/metrics.ts';
import type { Counter, CounterFactory, WindowCount } from './counters.ts';

export interface CompiledRule {
  readonly id: string;
  readonly rule: RateLimitRule;
  readonly counter: Counter;
}

/** Whose requests are counted together. */
export interface Caller {
  /** `jwt:<sub>` or `apiKey:<id>` when authenticated. */
  readonly principal: string | undefined;
  readonly address: string | undefined;
}

/** `count`: the window the RateLimit-* fields describe (the refusing rule's, else the tightest). */
export type RateVerdict =
  | { readonly ok: true; readonly headers: Record<string, string> | undefined; readonly count?: WindowCount }
  | { readonly ok: false; readonly error: TributaryError; readonly count?: WindowCount };

export interface RateLimiter {
  readonly global: readonly CompiledRule[];
  readonly bySource: ReadonlyMap<string, readonly CompiledRule[]>;
  readonly byField: ReadonlyMap<string, readonly CompiledRule[]>;
  /** Charges one point to each rule (for `times` of them, one per selection) and judges the request. */
  charge(rules: ReadonlyArray<CompiledRule>, caller: Caller): Promise<RateVerdict>;
}

function scopeOf(rule: RateLimitRule): string {
  if (rule.source !== undefined) return `source.${rule.source}`;
  if (rule.field !== undefined) return `field.${rule.field}`;
  return 'global';
}

/** Keys hold client-chosen text (a token's `sub`); long ones are hashed to bound key size. */
function keyPart(text: string): string {
  return text.length <= 64 ? text : createHash('sha256').update(text).digest('base64url');
}

export function createRateLimiter(
  settings: RateLimitSettings,
  options: { counters: CounterFactory; knownSources: readonly string[]; logger: Logger; where?: string },
): RateLimiter {
  const where = options.where ?? 'tributary.policies.rateLimit';
  const global: CompiledRule[] = [];
  const bySource = new Map<string, CompiledRule[]>();
  const byField = new Map<string, CompiledRule[]>();
  settings.rules.forEach((rule, i) => {
    if (rule.source !== undefined && !options.knownSources.includes(rule.source)) {
      throw new TributaryError(
        'CONFIG_INVALID',
        `${where}.rules[${i}].source: no Mesh source is named "${rule.source}"; known: ${options.knownSources.join(', ')}.`,
      );
    }
    const id = rule.name ?? `${scopeOf(rule)}.${rule.limit}per${rule.windowSec}s`;
    const compiled = { id, rule, counter: options.counters({ id, limit: rule.limit, windowSec: rule.windowSec }) };
    if (rule.source !== undefined) bySource.set(rule.source, [...(bySource.get(rule.source) ?? []), compiled]);
    else if (rule.field !== undefined) byField.set(rule.field, [...(byField.get(rule.field) ?? []), compiled]);
    else global.push(compiled);
  });

  async function consume(compiled: CompiledRule, caller: Caller): Promise<WindowCount | 'store-down'> {
    const who = compiled.rule.by === 'identity' && caller.principal !== undefined ? caller.principal : `ip:${caller.address ?? 'unknown'}`;
    try {
      return await compiled.counter.consume(`:${keyPart(who)}`);
    } catch (error) {
      storeErrors.inc({ policy: 'rate_limit', outcome: settings.onStoreDown === 'open' ? 'allowed' : 'refused' });
      options.logger.debug({ err: error, rule: compiled.id }, 'rate-limit store failed');
      return 'store-down';
    }
  }

  async function charge(rules: ReadonlyArray<CompiledRule>, caller: Caller): Promise<RateVerdict> {
    const counts = await Promise.all(rules.map((r) => consume(r, caller)));
    let tightest: WindowCount | undefined;
    let retryMs = 0;
    let refusedBy: CompiledRule | undefined;
    let refusedCount: WindowCount | undefined;
    let storeDown = false;
    counts.forEach((count, i) => {
      if (count === 'store-down') {
        storeDown = true;
        return;
      }
      if (!count.allowed && count.resetMs >= retryMs) {
        retryMs = count.resetMs;
        refusedBy = rules[i];
        refusedCount = count;
      }
      if (tightest === undefined || count.remaining < tightest.remaining) tightest = count;
    });
    if (storeDown && settings.onStoreDown === 'closed') {
      return {
        ok: false,
        error: new TributaryError('RATE_LIMIT_UNAVAILABLE', 'Rate limiting is unavailable; retry later.', {
          extensions: { http: httpExtension('RATE_LIMIT_UNAVAILABLE', { headers: { 'retry-after': '1' } }) },
        }),
      };
    }
    if (refusedBy === undefined) return { ok: true, headers: tightest && rateLimitHeaders(tightest), count: tightest };
    // A 429 describes the window that refused it (its limit and reset), not another rule's.
    const headers = rateLimitHeaders(refusedCount!);
    rateLimited.inc({ rule: refusedBy.id });
    const retryAfter = String(Math.max(1, Math.ceil(retryMs / 1000)));
    return {
      ok: false,
      error: new TributaryError(
        'RATE_LIMITED',
        `Too many requests: at most ${refusedBy.rule.limit} per ${refusedBy.rule.windowSec} s; retry after ${retryAfter} s.`,
        {
          extensions: { rule: refusedBy.id, http: httpExtension('RATE_LIMITED', { headers: { ...headers, 'retry-after': retryAfter } }) },
        },
      ),
      count: refusedCount,
    };
  }

  return { global, bySource, byField, charge };
}

/** The RateLimit-* fields (draft-ietf-httpapi-ratelimit-headers) for the tightest window; Reset in seconds. */
export function rateLimitHeaders(count: WindowCount): Record<string, string> {
  return {
    'ratelimit-limit': String(count.limit),
    'ratelimit-remaining': String(Math.max(0, count.remaining)),
    'ratelimit-reset': String(Math.max(0, Math.ceil(count.resetMs / 1000))),
  };
}
