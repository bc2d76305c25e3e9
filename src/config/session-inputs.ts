// What the GraphQL response cache must hash so that two callers share an entry only when
// every service would have answered them alike: the inputs the config's `{context.…}`
// templates read (context-templates.ts), the headers sources forward, and (hashed in
// use-graphql-cache.ts) the principal and the gateway-set headers. Each context path is
// mapped onto request data the key holds; a path it cannot account for (the client's
// address, the request URL, anything the gateway does not know the meaning of) is
// refused at config load when a cache rule may cover the source reading it. And
// `{context.params.…}` — the GraphQL request's own parameters and `extensions`, which
// the client sets freely — may reach an upstream only where the operator allowed it
// (`tributary.sources.<name>.allowClientTemplates`); its values then join the key.
import type { ContextRead } from './context-templates.ts';

/** How one context path enters the cache key. */
export type ContextInput =
  | { readonly kind: 'header'; readonly name: string }
  | { readonly kind: 'allHeaders' }
  | { readonly kind: 'principal'; readonly path: readonly string[] }
  | { readonly kind: 'params'; readonly path: readonly string[] }
  | { readonly kind: 'unaccountable' };

/** The request data a cache key hashes, besides the principal and the gateway-set headers. */
export interface SessionInputs {
  /** Request header names, lower-case, sorted. */
  readonly headers: readonly string[];
  /** Some template reads the whole header set. */
  readonly allHeaders: boolean;
  /** Paths into the principal (`claims.tenant`) whose values are hashed. */
  readonly principal: ReadonlyArray<readonly string[]>;
  /** Paths into the GraphQL request parameters (`extensions.tenant`) whose values are hashed. */
  readonly params: ReadonlyArray<readonly string[]>;
}

/**
 * Maps a path below `context` onto request data. The context of a /graphql request is
 * Yoga's: `request` (the Fetch request), `req` (Node's IncomingMessage), `params` (the
 * GraphQL parameters), and Tributary's own `headers` (lower-case copy), `principal` and
 * `requestId` (the `x-request-id` header, else random).
 */
export function contextInput(path: readonly string[]): ContextInput {
  const [first, second, third] = path;
  const headerOrAll = (name: string | undefined): ContextInput => (name === undefined ? { kind: 'allHeaders' } : { kind: 'header', name: name.toLowerCase() });
  switch (first) {
    case 'headers':
      return headerOrAll(second);
    case 'req':
    case 'request':
      if (second === 'headers') return headerOrAll(third);
      if (second === 'rawHeaders') return { kind: 'allHeaders' };
      if (second === 'cookies') return { kind: 'header', name: 'cookie' };
      return { kind: 'unaccountable' };
    case 'cookies':
      return { kind: 'header', name: 'cookie' };
    case 'requestId':
      return { kind: 'header', name: 'x-request-id' };
    case 'principal':
      return { kind: 'principal', path: path.slice(1) };
    case 'params':
      return { kind: 'params', path: path.slice(1) };
    default:
      return { kind: 'unaccountable' };
  }
}

/** `context.req.headers.x-user`, for messages. */
export function describeContextPath(path: readonly string[]): string {
  return ['context', ...path].map((p, i) => (i === 0 || /^[A-Za-z0-9_$-]+$/.test(p) ? p : JSON.stringify(p))).join('.');
}

export interface TemplateSettings {
  readonly sourceNames: readonly string[];
  /** `tributary.sources.<name>.allowClientTemplates`. */
  readonly allowsClientTemplates: (source: string) => boolean;
  /** `tributary.policies.cache.rules`. */
  readonly cacheRules: ReadonlyArray<{ readonly source?: string; readonly coordinate?: string }>;
}

export interface TemplateProblem {
  readonly keyPath: ReadonlyArray<string | number>;
  readonly problem: string;
}

/** What a config must not do with its templates; the messages name the template and the context path it reads. */
export function templateProblems(reads: readonly ContextRead[], settings: TemplateSettings): TemplateProblem[] {
  const problems: TemplateProblem[] = [];
  for (const read of reads) {
    const input = contextInput(read.path);
    const what = `template ${JSON.stringify(read.template)} reads ${describeContextPath(read.path)}`;
    if (input.kind === 'params') {
      const refused =
        read.source !== undefined
          ? settings.allowsClientTemplates(read.source)
            ? []
            : [read.source]
          : settings.sourceNames.filter((s) => !settings.allowsClientTemplates(s));
      if (refused.length === 0) continue;
      const how =
        read.source !== undefined
          ? `set tributary.sources.${read.source}.allowClientTemplates: true to send it anyway`
          : `it is outside any source, so it may reach every source: set allowClientTemplates: true on tributary.sources.${refused.join(', ')} to send it anyway`;
      problems.push({
        keyPath: read.keyPath,
        problem: `${what}, which the client sets freely in its GraphQL request (query, variables, operationName, extensions); ${how} (the values it reads then become part of the response cache key)`,
      });
    } else if (input.kind === 'unaccountable') {
      const index = settings.cacheRules.findIndex((r) => r.coordinate !== undefined || read.source === undefined || r.source === read.source);
      if (index < 0) continue;
      const rule = settings.cacheRules[index]!;
      const covers = rule.source !== undefined ? `caches answers of source "${rule.source}"` : `may cache answers of any source`;
      const reader = read.source !== undefined ? `source "${read.source}"` : 'a template outside any source';
      problems.push({
        keyPath: read.keyPath,
        problem: `${what}, which the response cache key cannot account for, and tributary.policies.cache.rules[${index}] ${covers} (${reader}); pass the caller's identity as {context.headers.<name>}, a forwarded header or setHeaders instead, or remove the rule`,
      });
    }
  }
  return problems;
}

/** The request data the cache key must hash, from the reads and every source's forwarded headers. */
export function sessionInputsOf(reads: readonly ContextRead[], forwardedHeaders: Iterable<string>): SessionInputs {
  const headers = new Set<string>();
  for (const name of forwardedHeaders) headers.add(name.toLowerCase());
  let allHeaders = false;
  const principal = new Map<string, readonly string[]>();
  const params = new Map<string, readonly string[]>();
  for (const read of reads) {
    const input = contextInput(read.path);
    if (input.kind === 'header') headers.add(input.name);
    else if (input.kind === 'allHeaders') allHeaders = true;
    else if (input.kind === 'principal') principal.set(JSON.stringify(input.path), input.path);
    else if (input.kind === 'params') params.set(JSON.stringify(input.path), input.path);
  }
  const sorted = <T>(m: Map<string, T>) => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
  return { headers: [...headers].sort(), allHeaders, principal: sorted(principal), params: sorted(params) };
}
