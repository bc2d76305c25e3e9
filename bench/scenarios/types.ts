// What a benchmark scenario is: data, not code paths in the runner. A scenario names
// its REST services (collections of records and the routes that serve them), one
// OpenAPI document per source, the gateway config, the GraphQL query, and a
// hand-written BFF for that query — the yardstick. The runner (bench/run.ts) does the
// rest the same way for every scenario, so a new query shape is one new file here, or
// one file anywhere passed with `npm run bench -- --scenario-file ./mine.ts`.

/** A record as the REST service stores it. */
export type RecordValue = Record<string, unknown>;

/**
 * One route of a mock REST service. Bodies are serialised once at start-up, so the
 * backend does no JSON work per request: it only looks up and concatenates bytes.
 */
export type Route =
  /**
   * `GET path` answers the whole collection, as a JSON array. With `filters`, a query
   * parameter of that name keeps the records whose field of the same name equals it;
   * with `limit`, that query parameter caps how many are answered (after filtering).
   */
  | { readonly path: string; readonly list: string; readonly filters?: readonly string[]; readonly limit?: string }
  /** `GET /things/{id}` answers one record (404 when absent), found by `key` (default `id`). */
  | { readonly path: string; readonly item: string; readonly key?: string }
  /**
   * `GET path?<param>=1&<param>=2` (or `<param>=1,2`) answers the records with those keys,
   * in the order asked, each once, leaving out unknown keys — like most real bulk endpoints.
   */
  | { readonly path: string; readonly bulk: string; readonly param: string; readonly key?: string }
  /** `GET path` answers this fixed JSON value. */
  | { readonly path: string; readonly body: unknown };

export interface MockService {
  readonly collections: Readonly<Record<string, readonly RecordValue[]>>;
  readonly routes: readonly Route[];
}

/** The REST services behind a scenario: declared mock services, or the repository's demo services. */
export type BackendSpec =
  | { readonly kind: 'mock'; readonly services: Readonly<Record<string, MockService>> }
  | { readonly kind: 'demo' }
  /**
   * The same services at several list sizes, on the same ports: the backend serves one
   * size at a time (`select`), so the systems under test start once for all sizes.
   */
  | { readonly kind: 'sized'; readonly sizes: Readonly<Record<string, Readonly<Record<string, MockService>>>> };

/** Fetches JSON from one of the scenario's services (through a keep-alive undici pool). */
export type GetJson = (service: string, pathAndQuery: string) => Promise<unknown>;

export interface SourceSpec {
  /** Mesh source name. */
  readonly name: string;
  /** Which backend service answers it. */
  readonly service: string;
  /** The OpenAPI document, as an object (written out as JSON), or a path to an existing file. */
  readonly openapi: Record<string, unknown> | { readonly file: string };
}

/**
 * A GraphQL server written by hand for the scenario's query, the way a careful team
 * would (bench/lib/yoga-jit.ts hosts it: graphql-yoga, graphql-jit, undici pools):
 * its own SDL, resolvers that call the backend, and per-request state (DataLoaders).
 */
export interface HandWrittenGraphQL {
  readonly typeDefs: string;
  /** Resolver map; each resolver's context is `{ get, ...context(get) }`. */
  readonly resolvers: Readonly<Record<string, Readonly<Record<string, (parent: any, args: any, context: any) => unknown>>>>;
  /** Made once per request: the DataLoaders of the links, so batching and caching are per request. */
  readonly context?: (get: GetJson) => Record<string, unknown>;
}

export interface Scenario {
  readonly kind?: 'load';
  /** Short id, used with `--scenario`. */
  readonly name: string;
  readonly title: string;
  /** One or two sentences for BENCHMARKS.md: what shape of query, which links. */
  readonly description: string;
  readonly query: string;
  readonly backend: BackendSpec;
  readonly sources: readonly SourceSpec[];
  /** Everything of the Tributary config except `sources` (links, additionalTypeDefs, …). */
  readonly tributary: { readonly meshrc?: Record<string, unknown>; readonly settings?: Record<string, unknown> };
  /**
   * Stock GraphQL Mesh's config except `sources` and `serve` (usually `additionalTypeDefs`
   * with `@resolveTo`), or why the peer is not run for this scenario.
   */
  readonly stockMesh: { readonly meshrc: Record<string, unknown> } | { readonly skip: string };
  /**
   * The hand-written BFF: the same upstream calls a careful person would make for this
   * query, returning the GraphQL `data` object with keys in query order.
   */
  readonly bff: (get: GetJson, variables?: Readonly<Record<string, unknown>>) => Promise<unknown>;
  /** The query's variables, when it has any (the BFF host then reads them from the request). */
  readonly variables?: Readonly<Record<string, unknown>>;
  /** The hand-written graphql-yoga + graphql-jit server for this query, when the scenario has one. */
  readonly yogaJit?: HandWrittenGraphQL;
}

/**
 * A load scenario measured at several list sizes (`npm run bench -- --scaling`): the
 * query, configs, BFF and hand-written GraphQL server are the same at every size; only
 * the backend's records (and the variables, which may name the size) change.
 */
export interface ScalingScenario {
  readonly kind: 'scaling';
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly query: string;
  /** The backend's services at a list size. */
  readonly servicesAt: (size: number) => Readonly<Record<string, MockService>>;
  /** The query's variables at a list size. */
  readonly variables?: (size: number) => Readonly<Record<string, unknown>>;
  readonly sources: readonly SourceSpec[];
  readonly tributary: Scenario['tributary'];
  readonly stockMesh: Scenario['stockMesh'];
  /** Reads the variables of the request (when the query has any) and answers its `data`. */
  readonly bff: Scenario['bff'];
  readonly yogaJit: HandWrittenGraphQL;
}

/**
 * Cold start: from process start to the first correct answer to `query`, and the
 * resident memory right after it, with a large real document loaded. No BFF: the
 * comparison is with stock Mesh and with the targets.
 */
export interface ColdStartScenario {
  readonly kind: 'cold-start';
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly query: string;
  /** The `data` a correct answer carries. */
  readonly expected: unknown;
  readonly backend: BackendSpec;
  readonly sources: readonly SourceSpec[];
  readonly tributary: Scenario['tributary'];
  readonly stockMesh: Scenario['stockMesh'];
}

export type AnyScenario = Scenario | ColdStartScenario;
