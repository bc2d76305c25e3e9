// The check of a config's GraphQL Mesh part against Mesh's own JSON schema. That schema
// is large: ajv took ~0.4 s to compile it, on every start and in every process. So
// `npm run build` writes ajv's standalone code for it next to this module in dist/
// (scripts/build.ts), and a compiled gateway loads that; from sources it is compiled on
// first use and kept. Both come from the same options and the same schema.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type Options, type ValidateFunction } from 'ajv';
import { jsonSchema as meshJsonSchema } from '@graphql-mesh/types';
import { FROM_SOURCE } from '../module-runtime.ts';

/** File name of the standalone validator that the build writes beside this module. */
export const STANDALONE_FILE = 'mesh-config-validate.cjs';

/** Mesh's schema minus its `$schema` draft marker (ajv 8 would look that draft up). */
export function meshConfigSchema(): Record<string, unknown> {
  const { $schema: _draft, ...schema } = meshJsonSchema as Record<string, unknown>;
  return schema;
}

export function meshAjv(extra: Options = {}): Ajv {
  return new Ajv({ allErrors: true, strict: false, allowUnionTypes: true, validateSchema: false, ...extra });
}

let validator: ValidateFunction | undefined;

export function meshConfigValidator(): ValidateFunction {
  if (validator) return validator;
  const standalone = fileURLToPath(new URL(`./${STANDALONE_FILE}`, import.meta.url));
  // Only dist/ has one; the sources never do (a stale copy there could not be noticed).
  if (!FROM_SOURCE && existsSync(standalone)) {
    const mod = createRequire(import.meta.url)(standalone) as ValidateFunction | { default: ValidateFunction };
    validator = typeof mod === 'function' ? mod : mod.default;
  } else {
    validator = meshAjv().compile(meshConfigSchema());
  }
  return validator;
}
