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
  /** `GET path` answers the whole collection, as a JSON array. */
  | { readonly path: string; readonly list: string }
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
export type BackendSpec = { readonly kind: 'mock'; readonly services: Readonly<Record<string, MockService>> } | { readonly kind: 'demo' };

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
  readonly bff: (get: GetJson) => Promise<unknown>;
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
