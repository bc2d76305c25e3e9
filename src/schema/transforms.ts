// Mesh transforms, applied with Mesh's own transform packages. They always run in
// Mesh's "bare" mode, which rewrites the schema in place and keeps the compiled
// resolvers; "wrap" mode would add a delegation hop to every request for the same
// result (renamed and filtered types and fields).
import type { GraphQLSchema } from 'graphql';
import PrefixTransform from '@graphql-mesh/transform-prefix';
import RenameTransform from '@graphql-mesh/transform-rename';
import FilterSchemaTransform from '@graphql-mesh/transform-filter-schema';
import { TributaryError } from '../errors.ts';

type TransformFactory = (options: { apiName?: string; config: Record<string, unknown>; baseDir: string; [k: string]: unknown }) => {
  transformSchema(schema: GraphQLSchema, context: unknown, transformedSchema?: unknown, subschemaConfig?: unknown): GraphQLSchema;
};

const FACTORIES: Record<string, { factory: TransformFactory; normalize: (value: unknown) => Record<string, unknown> }> = {
  prefix: { factory: PrefixTransform as unknown as TransformFactory, normalize: (v) => ({ ...(v as object) }) },
  rename: {
    factory: RenameTransform as unknown as TransformFactory,
    normalize: (v) => (Array.isArray(v) ? { renames: v } : { ...(v as object) }),
  },
  filterSchema: {
    factory: FilterSchemaTransform as unknown as TransformFactory,
    normalize: (v) => (Array.isArray(v) ? { filters: v } : { ...(v as object) }),
  },
};

export const SUPPORTED_TRANSFORMS = Object.keys(FACTORIES);

/** Applies a list of Mesh transform entries (`- prefix: {...}`) in order. `where` names the config key for errors. */
export function applyTransforms(
  schema: GraphQLSchema,
  transforms: ReadonlyArray<Record<string, unknown>> | undefined,
  options: { apiName?: string; baseDir: string; where: string },
): GraphQLSchema {
  let current = schema;
  (transforms ?? []).forEach((entry, index) => {
    for (const [name, value] of Object.entries(entry)) {
      const known = FACTORIES[name];
      if (!known) {
        throw new TributaryError(
          'CONFIG_INVALID',
          `${options.where}[${index}].${name}: transform "${name}" is not supported by Tributary; supported: ${SUPPORTED_TRANSFORMS.join(', ')}.`,
        );
      }
      const config = { ...known.normalize(value), mode: 'bare' };
      try {
        current = known
          .factory({ apiName: options.apiName, config, baseDir: options.baseDir, importFn: (m: string) => import(m) })
          .transformSchema(current, {}, undefined, {});
      } catch (error) {
        throw new TributaryError('CONFIG_INVALID', `${options.where}[${index}].${name}: ${(error as Error).message}`, { cause: error });
      }
    }
  });
  return current;
}
