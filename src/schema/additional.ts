// Mesh's `additionalTypeDefs` and `additionalResolvers`, read the way Mesh reads them:
// SDL strings or files (globs allowed, relative to the config file), resolver modules
// (`./resolvers.js` or `./resolvers.js#name`) and `@resolveTo` declarations, which become
// Tributary link plans (links/declare.ts). Resolver modules get Mesh's in-context SDK,
// `context.<Source>.Query.<field>({ root, args, context, info, key, argsFromKeys })`,
// backed by the same per-request DataLoaders.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Kind, parse, valueFromASTUntyped, type DocumentNode, type GraphQLResolveInfo, type GraphQLSchema } from 'graphql';
import { loadTypedefs } from '@graphql-tools/load';
import { GraphQLFileLoader } from '@graphql-tools/graphql-file-loader';
import DataLoader from 'dataloader';
import { TributaryError } from '../errors.ts';
import { loaderFor, type TributaryContext } from '../context.ts';
import type { ResolveToConfig, RootFieldNames } from '../links/declare.ts';

export const RESOLVE_TO_DIRECTIVE = /* GraphQL */ `
  scalar ResolveToSourceArgs
  directive @resolveTo(
    requiredSelectionSet: String
    sourceName: String
    sourceTypeName: String
    sourceFieldName: String
    sourceSelectionSet: String
    sourceArgs: ResolveToSourceArgs
    keyField: String
    keysArg: String
    valueKeyField: String
    pubsubTopic: String
    filterBy: String
    additionalArgs: ResolveToSourceArgs
    result: String
    resultType: String
  ) on FIELD_DEFINITION
`;

const SDL_START = /^\s*(#|"""|"|type\b|extend\b|scalar\b|directive\b|schema\b|enum\b|input\b|interface\b|union\b)/;

export async function loadAdditionalTypeDefs(value: unknown, dir: string): Promise<DocumentNode[]> {
  const entries = value == null ? [] : Array.isArray(value) ? value : [value];
  const docs: DocumentNode[] = [];
  for (const [index, entry] of entries.entries()) {
    const where = `additionalTypeDefs${Array.isArray(value) ? `[${index}]` : ''}`;
    if (typeof entry !== 'string') throw new TributaryError('CONFIG_INVALID', `${where}: expected SDL text or a file path/glob, found ${typeof entry}.`);
    try {
      if (SDL_START.test(entry) || entry.includes('{')) docs.push(parse(entry));
      else {
        const sources = await loadTypedefs(entry, { cwd: dir, loaders: [new GraphQLFileLoader()] });
        for (const s of sources) if (s.document) docs.push(s.document);
      }
    } catch (error) {
      throw new TributaryError('CONFIG_INVALID', `${where}: ${(error as Error).message}`, { cause: error });
    }
  }
  return docs;
}

/** Every `@resolveTo` in the additional type definitions, as Mesh's config objects. */
export function resolveToFromTypeDefs(docs: readonly DocumentNode[]): ResolveToConfig[] {
  const out: ResolveToConfig[] = [];
  for (const doc of docs) {
    for (const def of doc.definitions) {
      if (
        def.kind !== Kind.OBJECT_TYPE_DEFINITION &&
        def.kind !== Kind.OBJECT_TYPE_EXTENSION &&
        def.kind !== Kind.INTERFACE_TYPE_DEFINITION &&
        def.kind !== Kind.INTERFACE_TYPE_EXTENSION
      )
        continue;
      for (const field of def.fields ?? []) {
        for (const directive of field.directives ?? []) {
          if (directive.name.value !== 'resolveTo') continue;
          const args = Object.fromEntries((directive.arguments ?? []).map((a) => [a.name.value, valueFromASTUntyped(a.value)]));
          out.push({ ...(args as object), targetTypeName: def.name.value, targetFieldName: field.name.value } as ResolveToConfig);
        }
      }
    }
  }
  return out;
}

export interface AdditionalResolvers {
  resolveTo: ResolveToConfig[];
  modules: Array<Record<string, unknown>>;
}

export async function loadAdditionalResolvers(value: readonly unknown[] | undefined, dir: string): Promise<AdditionalResolvers> {
  const out: AdditionalResolvers = { resolveTo: [], modules: [] };
  for (const [index, entry] of (value ?? []).entries()) {
    const where = `additionalResolvers[${index}]`;
    if (typeof entry === 'string') {
      const [file, exportName] = entry.split('#');
      const absolute = path.isAbsolute(file) ? file : path.join(dir, file);
      let mod: Record<string, unknown>;
      try {
        mod = (await import(pathToFileURL(absolute).href)) as Record<string, unknown>;
      } catch (error) {
        throw new TributaryError('CONFIG_INVALID', `${where}: cannot import ${absolute}: ${(error as Error).message}`, { cause: error });
      }
      const resolvers = (exportName ? mod[exportName] : (mod.resolvers ?? mod.default)) as Record<string, unknown> | undefined;
      if (!resolvers || typeof resolvers !== 'object')
        throw new TributaryError(
          'CONFIG_INVALID',
          `${where}: ${absolute} exports no resolvers object${exportName ? ` named "${exportName}"` : ' ("resolvers" or default)'}.`,
        );
      out.modules.push(resolvers);
    } else if (entry && typeof entry === 'object' && 'sourceName' in entry && 'targetTypeName' in entry) {
      out.resolveTo.push(entry as ResolveToConfig);
    } else if (entry && typeof entry === 'object') {
      out.modules.push(entry as Record<string, unknown>);
    } else {
      throw new TributaryError('CONFIG_INVALID', `${where}: expected a module path or an object, found ${typeof entry}.`);
    }
  }
  return out;
}

interface SdkCallOptions {
  root?: unknown;
  args?: Record<string, unknown>;
  context: TributaryContext;
  info: GraphQLResolveInfo;
  key?: unknown;
  argsFromKeys?: (keys: readonly unknown[]) => Record<string, unknown>;
  valuesFromResults?: (results: unknown, keys: readonly unknown[]) => unknown;
}

/**
 * Mesh's in-context SDK, built once per schema: `sdk.<Source>.<RootType>.<field>(options)`.
 * With `key` and `argsFromKeys`, calls for one field in one request are batched with a
 * DataLoader; `valuesFromResults` maps the bulk result back to keys (positional by
 * default in Mesh; Tributary's own links match by value instead).
 */
export function buildInContextSdk(schema: GraphQLSchema, rootNames: RootFieldNames): Record<string, unknown> {
  const sdk: Record<string, Record<string, Record<string, (o: SdkCallOptions) => unknown>>> = {};
  for (const [source, fields] of rootNames) {
    sdk[source] = {};
    for (const [coordinate, finalName] of fields) {
      const [typeName, fieldName] = coordinate.split('.');
      const field = schema.getRootType(typeName.toLowerCase() as never)?.getFields()[finalName];
      const resolve = field?.resolve;
      if (!resolve) continue;
      (sdk[source][typeName] ??= {})[fieldName] = (o) => {
        if (o.key !== undefined && o.argsFromKeys) {
          const loader = loaderFor(
            o.context,
            `sdk:${source}.${coordinate}`,
            () =>
              new DataLoader<unknown, unknown, unknown>(async (keys) => {
                const result = await resolve(o.root, o.argsFromKeys!(keys), o.context, o.info);
                const values = o.valuesFromResults ? o.valuesFromResults(result, keys) : result;
                return Array.isArray(values) ? values : keys.map(() => values);
              }),
          );
          return loader.load(o.key);
        }
        const result = resolve(o.root, o.args ?? {}, o.context, o.info);
        return o.valuesFromResults ? Promise.resolve(result).then((r) => o.valuesFromResults!(r, [])) : result;
      };
    }
  }
  return sdk;
}
