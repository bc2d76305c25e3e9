// The passthrough's HTTP cache for GETs, for sources with a `source` cache rule and for
// declared operations whose field has a `Type.field` rule (the same upstream operation
// as the field, so the same rule), as the upstream's Cache-Control allows
// (http-freshness.ts) and never longer than the smallest applicable rule's TTL. Entries are keyed by source, path and session — the principal plus every request
// field the upstream would see — so one user's answer is never served to another.
// Any unsafe request to a source that succeeds (a passthrough POST, a GraphQL mutation)
// invalidates that source's entries (RFC 9111 §4.4, widened from the URI to the source)
// by bumping a per-source generation that every entry records.
import { createHash } from 'node:crypto';
import type { Logger } from '../../observability/log.ts';
import { cacheLookups, storeErrors } from '../../observability/metrics.ts';
import { clientRefusesStored, sharedFreshnessMs } from './http-freshness.ts';
import type { KvStore } from './kv.ts';

export interface StoredAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[]>;
  readonly body: Buffer;
}

export interface PassthroughCache {
  /** Whether entries of this source may exist (its unsafe requests must then invalidate). */
  covers(source: string): boolean;
  /**
   * The rule TTL for a GET of this source reaching the operation behind `fields`
   * (schema coordinates): the smallest of its source rule and its fields' rules;
   * undefined when no rule applies and the GET is not cached.
   */
  ruleTtlMs(source: string, fields: readonly string[]): number | undefined;
  /** The key for a request, or undefined when this request must bypass the cache. */
  keyFor(source: string, path: string, session: string, headers: Readonly<Record<string, string | string[] | undefined>>): string | undefined;
  lookup(source: string, key: string): Promise<{ hit: StoredAnswer; generation: number } | { generation: number } | undefined>;
  /** `ruleTtlMs`: from ruleTtlMs(); the upstream's Cache-Control may only shorten it. */
  store(source: string, key: string, generation: number, answer: StoredAnswer, requestHadAuthorization: boolean, ruleTtlMs: number): void;
  /** Resolves once later lookups will miss; never rejects. */
  invalidate(source: string): Promise<void>;
}

interface Entry {
  g: number;
  s: number;
  h: Record<string, string | string[]>;
  b: string;
  at: number;
}

export function createPassthroughCache(options: {
  kv: KvStore;
  prefix: string;
  ttlBySource: ReadonlyMap<string, number>;
  /** `Type.field` cache rules, by coordinate. */
  ttlByField?: ReadonlyMap<string, number>;
  maxEntryBytes: number;
  logger: Logger;
  now?: () => number;
}): PassthroughCache {
  const { kv, prefix, ttlBySource, maxEntryBytes, logger } = options;
  const ttlByField = options.ttlByField ?? new Map<string, number>();
  // Which source a field belongs to is the schema's business and changes on reload, so
  // with field rules any source may hold entries.
  const covers = (source: string) => ttlBySource.has(source) || ttlByField.size > 0;
  const now = options.now ?? Date.now;
  const generationKey = (source: string) => `${prefix}pt:${source}:gen`;
  const failed = (operation: string) => (error: unknown) => {
    storeErrors.inc({ policy: 'cache', outcome: 'bypassed' });
    logger.debug({ err: error, operation }, 'passthrough cache store failed; serving uncached');
    return undefined;
  };

  return {
    covers,
    ruleTtlMs(source, fields) {
      let ttl = ttlBySource.get(source);
      for (const field of fields) {
        const own = ttlByField.get(field);
        if (own !== undefined) ttl = ttl === undefined ? own : Math.min(ttl, own);
      }
      return ttl;
    },
    keyFor(source, path, session, headers) {
      // Conditional and range requests are the client's own cache talking to the service.
      if (clientRefusesStored(headers) || headers.range !== undefined || headers['if-none-match'] !== undefined || headers['if-modified-since'] !== undefined)
        return undefined;
      const digest = createHash('sha256').update(path).update('\n').update(session).digest('base64url');
      return `${prefix}pt:${source}:${digest}`;
    },
    async lookup(source, key) {
      const found = await kv.mget([generationKey(source), key]).catch(failed('get'));
      if (found === undefined) return undefined;
      const generation = Number(found[0] ?? 0);
      const entry = found[1] === undefined ? undefined : (JSON.parse(found[1]) as Entry);
      if (entry === undefined || entry.g !== generation) {
        cacheLookups.inc({ kind: 'passthrough', result: 'miss' });
        return { generation };
      }
      cacheLookups.inc({ kind: 'passthrough', result: 'hit' });
      const age = Math.max(0, Math.floor((now() - entry.at) / 1000));
      return { generation, hit: { status: entry.s, headers: { ...entry.h, age: String(age) }, body: Buffer.from(entry.b, 'base64') } };
    },
    store(_source, key, generation, answer, requestHadAuthorization, ruleTtlMs) {
      const ttl = Math.min(sharedFreshnessMs(answer.status, answer.headers, requestHadAuthorization), ruleTtlMs);
      if (ttl <= 0 || answer.body.length > maxEntryBytes) return;
      const { age: _age, date: _date, ...headers } = answer.headers;
      const entry: Entry = { g: generation, s: answer.status, h: headers, b: answer.body.toString('base64'), at: now() };
      void kv.set(key, JSON.stringify(entry), ttl).catch(failed('set'));
    },
    async invalidate(source) {
      if (covers(source)) await kv.incr(generationKey(source)).catch(failed('invalidate'));
    },
  };
}
