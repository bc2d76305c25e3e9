// The Mesh part of a config, judged key by key against mesh-keys.ts: refused keys become
// problems, keys without effect become warnings, and mapped keys are written into the
// `tributary:` settings before those are validated, so that one strict schema checks
// them and the rest of the gateway sees only Tributary settings. A value the operator
// also set under `tributary:` wins (it is the more specific of the two); the Mesh one is
// then a warning naming both. `origins` lets a validation error of a mapped value point
// at the Mesh key the operator wrote.
import { isDeepStrictEqual } from 'node:util';
import { hasNestedRules, meshKeyRule } from './mesh-keys.ts';

type KeyPath = ReadonlyArray<string | number>;
type Json = Record<string, unknown>;

export interface MeshCompatibility {
  /** `tributary:` as written, with the mapped Mesh settings added. */
  readonly tributary: unknown;
  /** Which Tributary key path each mapped value came from. */
  readonly origins: ReadonlyArray<{ readonly tributary: KeyPath; readonly mesh: KeyPath }>;
  readonly problems: ReadonlyArray<{ readonly keyPath: KeyPath; readonly problem: string }>;
  readonly warnings: ReadonlyArray<{ readonly keyPath: KeyPath; readonly message: string }>;
}

const isMap = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value);

function show(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

function dotted(keyPath: KeyPath): string {
  let out = '';
  for (const key of keyPath) out += typeof key === 'number' ? `[${key}]` : out ? `.${key}` : key;
  return out;
}

function getIn(value: unknown, keyPath: KeyPath): unknown {
  let current = value;
  for (const key of keyPath) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

class Judgement {
  readonly origins: Array<{ tributary: KeyPath; mesh: KeyPath }> = [];
  readonly problems: Array<{ keyPath: KeyPath; problem: string }> = [];
  readonly warnings: Array<{ keyPath: KeyPath; message: string }> = [];
  /** Whether a `plugins[].responseCache` entry is present (cache.redis is its backend). */
  readonly hasResponseCache: boolean;

  constructor(
    readonly mesh: Json,
    /** `tributary:` as written: what the operator set explicitly. */
    readonly written: unknown,
    /** `tributary:` with the mapped values; undefined when `tributary:` is not a map (the schema reports that). */
    readonly merged: Json | undefined,
  ) {
    this.hasResponseCache = Array.isArray(mesh.plugins) && mesh.plugins.some((p) => isMap(p) && 'responseCache' in p);
  }

  refuse(keyPath: KeyPath, problem: string): void {
    this.problems.push({ keyPath, problem });
  }

  warn(keyPath: KeyPath, message: string): void {
    this.warnings.push({ keyPath, message });
  }

  /** Sets `tributary.<to>` from the Mesh key at `from`, unless the operator set it under `tributary:`. */
  map(from: KeyPath, to: KeyPath, value: unknown): void {
    if (!this.merged) return;
    const written = getIn(this.written, to);
    if (written !== undefined) {
      if (!isDeepStrictEqual(written, value))
        this.warn(from, `not applied: tributary.${dotted(to)} is set too (${show(written)}) and wins over ${show(value)}`);
      return;
    }
    let node: Json = this.merged;
    for (const key of to.slice(0, -1)) {
      const next = node[key];
      if (next === undefined) node = node[key] = {};
      else if (isMap(next)) node = next;
      else return; // not a map: the schema reports it at its own path
    }
    node[to.at(-1)!] = value;
    this.origins.push({ tributary: to, mesh: from });
  }

  sourceNames(): string[] {
    return Array.isArray(this.mesh.sources) ? this.mesh.sources.flatMap((s) => (isMap(s) && typeof s.name === 'string' ? [s.name] : [])) : [];
  }
}

type Mapper = (value: unknown, at: KeyPath, judgement: Judgement) => void;

const server = (key: string) => ['server', key];

const MAPPERS: Record<string, Mapper> = {
  'serve.port'(value, at, j) {
    if (typeof value === 'string' && !/^\d+$/.test(value)) return j.refuse(at, `expected a port number, found ${show(value)}`);
    j.map(at, server('port'), Number(value));
  },
  'serve.hostname': (value, at, j) => j.map(at, server('host'), value),
  'serve.endpoint': (value, at, j) => j.map(at, server('graphqlPath'), value),
  'serve.fork': (value, at, j) => j.map(at, server('workers'), value === true ? 0 : value === false ? 1 : value),
  'serve.batchingLimit': (value, at, j) => j.map(at, ['policies', 'limits', 'maxBatch'], value),
  'serve.playground': (value, at, j) => j.map(at, ['policies', 'graphiql'], value !== false),
  'serve.cors.origin'(value, at, j) {
    const origins = typeof value === 'string' ? [value] : value;
    if (!Array.isArray(origins) || !origins.every((o) => typeof o === 'string'))
      return j.refuse(at, `expected an origin or a list of origins, found ${show(value)}`);
    if (origins.includes('*')) return j.refuse(at, 'Tributary does not allow every origin ("*"): list the origins that may call the gateway from a browser');
    j.map(at, ['policies', 'cors', 'origins'], origins);
  },
  'serve.cors.credentials': (value, at, j) => j.map(at, ['policies', 'cors', 'credentials'], value),
  'serve.cors.maxAge': (value, at, j) => j.map(at, ['policies', 'cors', 'maxAgeSec'], value),
  'sources[].handler.openapi.timeout'(value, at, j) {
    const name = getIn(j.mesh, [at[0]!, at[1]!, 'name']);
    if (typeof name === 'string') j.map(at, ['sources', name, 'upstream', 'timeoutMs'], value);
  },
  'plugins[].responseCache': mapResponseCache,
  'plugins[].prometheus': (_value, at, j) => j.map(at, ['observability', 'metrics', 'enabled'], true),
  'plugins[].prometheus.endpoint'(value, at, j) {
    if (typeof value === 'string') j.map(at, ['observability', 'metrics', 'path'], value);
    else if (value === false)
      j.warn(
        at,
        'not applied: metrics are served at tributary.observability.metrics.path; set tributary.observability.metrics.enabled: false to turn them off',
      );
  },
  'cache.redis'(_value, at, j) {
    if (!j.hasResponseCache) j.warn(at, 'not applied: only a responseCache plugin would use it (tributary.policies.cache.store)');
  },
};

/** Mesh's response cache (@envelop/response-cache options) as tributary.policies.cache rules. */
function mapResponseCache(value: unknown, at: KeyPath, j: Judgement): void {
  if (!isMap(value)) return;
  if (getIn(j.written, ['policies', 'cache']) !== undefined) {
    j.warn(at, 'not applied: tributary.policies.cache is set too and wins');
    return;
  }
  const rules: Json[] = [];
  const ttl = value.ttl;
  if (ttl === undefined || ttl === Infinity) {
    j.refuse(
      [...at, 'ttl'],
      `Tributary caches nothing forever: set ttl (ms), or 0 to cache only what ttlPerCoordinate lists${ttl === undefined ? '' : ', found Infinity'}`,
    );
  } else if (typeof ttl === 'number' && ttl > 0) {
    for (const source of j.sourceNames()) rules.push({ source, ttlMs: ttl });
  }
  if (Array.isArray(value.ttlPerCoordinate)) {
    value.ttlPerCoordinate.forEach((entry, i) => {
      if (!isMap(entry)) return;
      if (entry.ttl === 0)
        j.refuse(
          [...at, 'ttlPerCoordinate', i, 'ttl'],
          'a ttl of 0 (never cache) has no Tributary equivalent: leave the coordinate out (only what a rule covers is cached)',
        );
      else rules.push({ coordinate: entry.coordinate, ttlMs: entry.ttl });
    });
  }
  const cache: Json = { rules };
  const redis = j.mesh.cache === undefined ? undefined : getIn(j.mesh, ['cache', 'redis']);
  if (isMap(redis)) {
    cache.store = 'redis';
    const url = redisUrl(redis);
    if (url) cache.redisUrl = url;
  }
  j.map(at, ['policies', 'cache'], cache);
}

/** Mesh's Redis options (url, or host/port/username/password/db) as one URL. */
function redisUrl(redis: Json): string | undefined {
  if (typeof redis.url === 'string') return redis.url;
  if (redis.host === undefined) return undefined;
  const user = redis.username === undefined ? '' : encodeURIComponent(String(redis.username));
  const auth = redis.password === undefined ? (user ? `${user}@` : '') : `${user}:${encodeURIComponent(String(redis.password))}@`;
  return `redis://${auth}${String(redis.host)}${redis.port === undefined ? '' : `:${String(redis.port)}`}${redis.db === undefined ? '' : `/${String(redis.db)}`}`;
}

function visit(node: Json, keyPath: KeyPath, generic: string, j: Judgement): void {
  for (const [key, value] of Object.entries(node)) {
    const at = [...keyPath, key];
    const rule = meshKeyRule(generic ? `${generic}.${key}` : key);
    // A key with no row is not a Mesh key at all: Mesh's JSON schema has refused it already.
    if (!rule) continue;
    if (rule.verdict === 'refused') {
      j.refuse(at, rule.note);
      continue;
    }
    if (rule.verdict === 'warning') {
      j.warn(at, rule.note);
      continue;
    }
    if (rule.verdict === 'mapped') MAPPERS[rule.key]?.(value, at, j);
    if (!hasNestedRules(rule.key)) continue;
    if (Array.isArray(value)) value.forEach((item, i) => isMap(item) && visit(item, [...at, i], `${rule.key}[]`, j));
    else if (isMap(value)) visit(value, at, rule.key, j);
  }
}

/** Judges every key of a Mesh config (`mesh` without the `tributary:` key). */
export function meshCompatibility(mesh: Json, tributary: unknown): MeshCompatibility {
  const merged = tributary === undefined ? {} : isMap(tributary) ? structuredClone(tributary) : undefined;
  const j = new Judgement(mesh, tributary, merged);
  visit(mesh, [], '', j);
  return { tributary: merged ?? tributary, origins: j.origins, problems: j.problems, warnings: j.warnings };
}
