// Schema build: config → one executable GraphQL schema. Runs once per config version
// (at start and on every reload), never per request. Order:
//   1. every source: Mesh OpenAPI loader → annotated schema (a failing source is
//      reported and left out; the others are still served),
//   2. one upstream client for the sources that loaded,
//   3. every source: executable (compiled REST operations) → its own transforms,
//   4. merge (merge.ts has the clash rule) → root transforms,
//   5. additionalTypeDefs / additionalResolvers, Tributary links,
//   6. every link plan wired to the per-request DataLoader layer.
import path from 'node:path';
import type { GraphQLSchema } from 'graphql';
import { GraphQLDeferDirective, GraphQLStreamDirective } from '@graphql-tools/utils';
import { mergeSchemas } from '@graphql-tools/schema';
import { TributaryError } from '../errors.ts';
import { resolveServerUrl } from './server-url.ts';
import type { LoadedConfig, MeshSourceConfig } from '../config/load.ts';
import type { Logger } from '../observability/log.ts';
import type { UpstreamClient, UpstreamSource } from '../upstream/types.ts';
import { UpstreamSettings } from '../config/schema.ts';
import { loadAnnotatedSource, makeExecutableSource, type AnnotatedSource, type OpenApiHandlerConfig } from './source.ts';
import { applyTransforms } from './transforms.ts';
import { markAnnotationOnlyTypes, publicSchema } from './public-schema.ts';
import { formatWarning } from '../openapi/spec-warning.ts';
import { mergeSourceSchemas } from './merge.ts';
import { resolveAbstractTypesSafely } from './abstract-types.ts';
import { descriptionsAsMarkdown } from './descriptions.ts';
import { RESOLVE_TO_DIRECTIVE, buildInContextSdk, loadAdditionalResolvers, loadAdditionalTypeDefs, resolveToFromTypeDefs } from './additional.ts';
import { linkTypeDefs, missingForLink, wireOpenApiLinks, wireResolveTo, wireTributaryLinks } from '../links/declare.ts';

export interface SourceStatus {
  name: string;
  endpoint?: string;
  /** False when the source could not be loaded; `error` says why. */
  loaded: boolean;
  error?: string;
  queryFields: number;
  mutationFields: number;
  ms: number;
}

export interface BuiltSchema {
  schema: GraphQLSchema;
  sources: SourceStatus[];
  warnings: string[];
  upstream: UpstreamClient;
  /** Mesh's in-context SDK, for resolver modules; undefined when none are configured. */
  sdk?: Record<string, unknown>;
}

export interface BuildOptions {
  logger: Logger;
  /** Creates the one upstream client for the sources that loaded. */
  createUpstream: (sources: UpstreamSource[]) => UpstreamClient;
  /** Reuse annotated schemas of unchanged sources (live reload); keyed by source name. */
  loadSource?: (source: MeshSourceConfig, handler: OpenApiHandlerConfig) => Promise<AnnotatedSource>;
  /** Called for each phase and source, for progress display. */
  onProgress?: (phase: 'read' | 'dereference' | 'generate' | 'merge', source?: string) => void;
}

function openapiHandler(source: MeshSourceConfig): OpenApiHandlerConfig {
  const handler = source.handler.openapi;
  if (!handler) {
    throw new TributaryError(
      'CONFIG_INVALID',
      `sources[${source.name}].handler: Tributary serves OpenAPI sources; found handler "${Object.keys(source.handler).join(', ')}". Use "openapi".`,
    );
  }
  return structuredClone(handler) as OpenApiHandlerConfig;
}

/**
 * Where loads are cached between starts: `.tributary/cache` beside the config file
 * (like Mesh's `.mesh/`), or TRIBUTARY_CACHE_DIR; TRIBUTARY_CACHE_DIR=off disables it.
 */
function loadCacheDir(configDir: string): string | undefined {
  const fromEnv = process.env.TRIBUTARY_CACHE_DIR;
  if (fromEnv === 'off') return undefined;
  return fromEnv ? path.resolve(fromEnv) : path.join(configDir, '.tributary', 'cache');
}

function countFields(schema: GraphQLSchema, op: 'query' | 'mutation'): number {
  return Object.keys(schema.getRootType(op as never)?.getFields() ?? {}).length;
}

export async function buildSchema(config: LoadedConfig, options: BuildOptions): Promise<BuiltSchema> {
  const { logger } = options;
  // Mesh keys without effect (config/mesh-keys.ts) first: they are about the config as a whole.
  const warnings: string[] = [...config.warnings];
  const statuses: SourceStatus[] = [];
  const settings = config.tributary;

  // 1. Load every source independently; a broken one must not take the others down.
  const loaded: Array<{ source: MeshSourceConfig; handler: OpenApiHandlerConfig; annotated: AnnotatedSource }> = [];
  await Promise.all(
    config.mesh.sources.map(async (source) => {
      const started = performance.now();
      try {
        const handler = openapiHandler(source);
        const annotated = options.loadSource
          ? await options.loadSource(source, handler)
          : await loadAnnotatedSource(source.name, handler, {
              cwd: config.dir,
              logger,
              cacheDir: loadCacheDir(config.dir),
              onProgress: (phase) => options.onProgress?.(phase, source.name),
            });
        for (const w of annotated.warnings ?? []) warnings.push(`Source "${source.name}": ${formatWarning(w)}`);
        if (!annotated.endpoint)
          throw new TributaryError(
            'SOURCE_LOAD_FAILED',
            `Source "${source.name}": no endpoint. Set handler.openapi.endpoint, or give the OpenAPI document a "servers" entry.`,
          );
        // Checked here, per source: a bad URL must fail this source, not the upstream client of all of them.
        annotated.endpoint = resolveServerUrl(source.name, annotated.endpoint, settings.sources[source.name]?.serverVariables);
        loaded.push({ source, handler, annotated });
      } catch (error) {
        const message = (error as Error).message;
        logger.error({ source: source.name, err: error }, 'source failed to load; serving the others');
        statuses.push({ name: source.name, loaded: false, error: message, queryFields: 0, mutationFields: 0, ms: performance.now() - started });
      }
    }),
  );
  if (loaded.length === 0) {
    throw new TributaryError('SCHEMA_BUILD_FAILED', `No source could be loaded:\n  - ${statuses.map((s) => s.error).join('\n  - ')}`);
  }
  // Keep config order: the merge rule ("first source keeps the name") depends on it.
  const order = new Map(config.mesh.sources.map((s, i) => [s.name, i]));
  loaded.sort((a, b) => order.get(a.source.name)! - order.get(b.source.name)!);

  // 2. One upstream client for all of them.
  const upstream = options.createUpstream(
    loaded.map(({ source, annotated }) => ({
      name: source.name,
      endpoint: annotated.endpoint!,
      settings: settings.sources[source.name]?.upstream ?? UpstreamSettings.parse({}),
    })),
  );

  // 3. Executable per source, then its own transforms.
  const executable: Array<{ name: string; schema: GraphQLSchema }> = [];
  for (const { source, handler, annotated } of loaded) {
    options.onProgress?.('generate', source.name);
    const started = performance.now();
    try {
      const own = makeExecutableSource(annotated, annotated.annotated, {
        upstream,
        logger,
        handler,
      });
      const schema = applyTransforms(own.schema, source.transforms, { apiName: source.name, baseDir: config.dir, where: `sources[${source.name}].transforms` });
      markAnnotationOnlyTypes(schema);
      for (const w of own.warnings) warnings.push(`Source "${source.name}": ${formatWarning(w)}`);
      executable.push({ name: source.name, schema });
      statuses.push({
        name: source.name,
        endpoint: annotated.endpoint,
        loaded: true,
        queryFields: countFields(schema, 'query'),
        mutationFields: countFields(schema, 'mutation'),
        ms: annotated.ms + performance.now() - started,
      });
    } catch (error) {
      if ((error as TributaryError).code === 'CONFIG_INVALID') throw error;
      statuses.push({
        name: source.name,
        endpoint: annotated.endpoint,
        loaded: false,
        error: (error as Error).message,
        queryFields: 0,
        mutationFields: 0,
        ms: performance.now() - started,
      });
    }
  }

  // 4. Merge, then the root transforms.
  options.onProgress?.('merge');
  const merged = mergeSourceSchemas(executable);
  warnings.push(...merged.warnings);
  let schema = applyTransforms(merged.schema, config.mesh.transforms, { baseDir: config.dir, where: 'transforms' });

  // 5. Additional type definitions and resolvers (Mesh), and Tributary's links.
  const typeDefs = await loadAdditionalTypeDefs(config.mesh.additionalTypeDefs, config.dir);
  const additional = await loadAdditionalResolvers(config.mesh.additionalResolvers, config.dir);
  const resolveTo = [...resolveToFromTypeDefs(typeDefs), ...additional.resolveTo];
  const failed = new Set(statuses.filter((s) => !s.loaded).map((s) => s.name));
  const usable = resolveTo.filter((r) => {
    if (!failed.has(r.sourceName)) return true;
    warnings.push(`@resolveTo on ${r.targetTypeName}.${r.targetFieldName} is not served: its source "${r.sourceName}" failed to load.`);
    return false;
  });
  // A link that needs a type or field no loaded source has, while a source failed to
  // load, is left out with a warning, as a @resolveTo of a failed source is: that source
  // may be what provides it, and the gateway starts (and retries the source in the
  // background) instead of refusing to start over it. With every source loaded, the
  // same link is the config's error (LINK_INVALID).
  const leftOut = new Set<number>();
  if (failed.size > 0)
    settings.links.forEach((link, index) => {
      const missing = missingForLink(schema, link);
      if (missing === undefined) return;
      leftOut.add(index);
      const sources = [...failed].map((name) => `"${name}"`).join(', ');
      warnings.push(`tributary.links[${index}] (${link.field}) is not served: the schema has no ${missing} while ${sources} failed to load.`);
    });
  const linkSdl = linkTypeDefs(schema, settings.links, leftOut);
  if (typeDefs.length || additional.modules.length || linkSdl) {
    try {
      schema = mergeSchemas({
        schemas: [schema],
        typeDefs: [...(resolveTo.length ? [RESOLVE_TO_DIRECTIVE] : []), ...typeDefs, ...(linkSdl ? [linkSdl] : [])],
        resolvers: additional.modules as never,
      });
    } catch (error) {
      throw new TributaryError('SCHEMA_BUILD_FAILED', `additionalTypeDefs/additionalResolvers/links: ${(error as Error).message}`, { cause: error });
    }
  }
  // Fields declared for a failed source's @resolveTo resolve to null instead of failing the build.
  wireResolveTo(schema, usable, merged.rootFields, settings.batching);
  wireTributaryLinks(schema, settings.links, settings.batching, leftOut);
  warnings.push(...wireOpenApiLinks(schema, merged.rootFields, settings.batching));

  // Mesh's annotations (@httpOperation, @transport, …) are build-time data: they were
  // compiled into resolvers above and would only leak upstream paths to clients.
  // @defer and @stream are the client's (incremental delivery, http/defer-stream.ts):
  // declared here, once per build, because Yoga's defer-stream plugin would otherwise
  // copy the schema to add them — per request, as the schema is a per-request factory.
  schema = publicSchema(schema, [GraphQLDeferDirective, GraphQLStreamDirective]);
  resolveAbstractTypesSafely(schema);
  descriptionsAsMarkdown(schema);
  const sdk = additional.modules.length ? buildInContextSdk(schema, merged.rootFields) : undefined;
  statuses.sort((a, b) => order.get(a.name)! - order.get(b.name)!);
  for (const w of warnings) logger.warn(w);
  return { schema, sources: statuses, warnings, upstream, sdk };
}
