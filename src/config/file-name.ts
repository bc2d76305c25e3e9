// Which config file a command reads when none is named. On its own so that the command
// line can decide it without loading the config machinery (YAML, ajv, zod) into a
// thread that only parses arguments.
//
// GraphQL Mesh's CLI (@graphql-mesh/cli config.js, cosmiconfig) searches the working
// directory only, in this order, and takes the first that exists: package.json (its
// "mesh" key), .meshrc, .meshrc.json, .meshrc.yaml, .meshrc.yml, .meshrc.js, .meshrc.ts,
// .meshrc.cjs, mesh.config.js, mesh.config.cjs. Tributary searches the same places in the
// same order, so a Mesh project starts with the file Mesh would have used; it reads the
// YAML and JSON ones (`.meshrc` without an extension is YAML, as for Mesh) and refuses
// the others by name: running code from a config is what Tributary does not do.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { TributaryError } from '../errors.ts';

/** Used when no config file exists yet (`sources add` creates it). */
export const DEFAULT_CONFIG_FILE = '.meshrc.yaml';

/** Mesh's search places, in Mesh's order; `readable` marks the ones Tributary reads. */
export const MESH_SEARCH_PLACES: ReadonlyArray<{ file: string; readable: boolean }> = [
  { file: 'package.json', readable: false },
  { file: '.meshrc', readable: true },
  { file: '.meshrc.json', readable: true },
  { file: '.meshrc.yaml', readable: true },
  { file: '.meshrc.yml', readable: true },
  { file: '.meshrc.js', readable: false },
  { file: '.meshrc.ts', readable: false },
  { file: '.meshrc.cjs', readable: false },
  { file: 'mesh.config.js', readable: false },
  { file: 'mesh.config.cjs', readable: false },
];

/** A package.json counts only when it has a "mesh" key, as for cosmiconfig. */
function holdsMeshConfig(file: string): boolean {
  try {
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    return pkg !== null && typeof pkg === 'object' && 'mesh' in pkg;
  } catch {
    return false;
  }
}

/**
 * The config file of `dir` as Mesh would find it (relative to `dir` when `dir` is the
 * working directory's form), or DEFAULT_CONFIG_FILE when there is none. A JavaScript or
 * TypeScript config, or a package.json "mesh" key, is refused with CONFIG_NOT_FOUND.
 */
export function findConfigFile(dir = '.'): string {
  for (const { file, readable } of MESH_SEARCH_PLACES) {
    const candidate = path.join(dir, file);
    if (!existsSync(candidate)) continue;
    if (file === 'package.json' && !holdsMeshConfig(candidate)) continue;
    if (readable) return candidate;
    const what = file === 'package.json' ? `${candidate} has a "mesh" key` : `found ${candidate}`;
    throw new TributaryError(
      'CONFIG_NOT_FOUND',
      `${what}: Tributary reads YAML or JSON configs only (.meshrc, .meshrc.json, .meshrc.yaml, .meshrc.yml) and runs no code from its config; write the config as .meshrc.yaml, or name a file with --config.`,
    );
  }
  return path.join(dir, DEFAULT_CONFIG_FILE);
}
