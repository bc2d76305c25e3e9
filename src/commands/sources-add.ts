// `sources add`: one command instead of a hand edit. Loads the new spec on its own,
// checks it against what the gateway serves now, and only then writes the config —
// through the yaml Document API, so the user's comments, key order and quoting stay as
// they were. At serve time schema/merge.ts would rename clashing names with a warning; here a
// clash is refused instead, with the flag that resolves it, because a source just being
// added is the cheapest moment to choose its names.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isMap, isSeq, parseDocument, type Document } from 'yaml';
import { printType, type GraphQLSchema } from 'graphql';
import { TributaryError } from '../errors.ts';
import { configText, parseConfig, type LoadedConfig } from '../config/load.ts';
import type { Logger } from '../observability/log.ts';
import { buildLoneSource, buildOnce } from '../gateway.ts';
import { countTypes } from './sources-check.ts';
import type { SpecWarning } from '../openapi/spec-warning.ts';
import type { LoaderPhase } from '../openapi/loader-protocol.ts';

export interface AddSourceOptions {
  name: string;
  /** Spec file, folder or URL as the user typed it (relative to `cwd`). */
  spec: string;
  endpoint?: string;
  prefix?: string;
  configFile: string;
  /** Folder the spec path was typed relative to (default: the working directory). */
  cwd?: string;
  logger: Logger;
  onProgress?: (phase: LoaderPhase | 'merge', source?: string) => void;
}

export interface AddSourceResult {
  configFile: string;
  /** The spec as written into the config (relative to the config's folder, or the URL). */
  source: string;
  /** New root fields, as `Query.x` / `Mutation.y`, after the prefix. */
  rootFields: string[];
  types: number;
  warnings: SpecWarning[];
  ms: number;
}

const ROOTS = [
  ['query', 'Query'],
  ['mutation', 'Mutation'],
  ['subscription', 'Subscription'],
] as const;

function rootFieldsOf(schema: GraphQLSchema): string[] {
  return ROOTS.flatMap(([op, label]) => Object.keys(schema.getRootType(op as never)?.getFields() ?? {}).map((f) => `${label}.${f}`));
}

function clash(message: string): TributaryError {
  return new TributaryError('SOURCE_NAME_CLASH', message);
}

/** Source names become subgraph names, `/rest/<name>/` paths and `<Name>_` prefixes. */
function checkName(name: string): void {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new TributaryError(
      'CONFIG_INVALID',
      `source name "${name}": expected letters, digits and "_", starting with a letter or "_" (it becomes a URL path segment and a GraphQL name prefix).`,
    );
  }
}

/** The spec as the config should name it: URLs as they are, paths relative to the config's folder. */
function configPath(spec: string, cwd: string, configDir: string): string {
  if (/^https?:\/\//i.test(spec)) return spec;
  const relative = path.relative(configDir, path.resolve(cwd, spec)).split(path.sep).join('/');
  return relative.startsWith('.') ? relative : `./${relative}`;
}

async function readConfigText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'sources: []\n';
    throw new TributaryError('CONFIG_NOT_FOUND', `${file}: cannot read config file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).`, {
      cause: error,
    });
  }
}

function appendSource(doc: Document, entry: Record<string, unknown>): void {
  const sources = doc.get('sources', true);
  if (isSeq(sources)) {
    // A flow list (`sources: []`) would stay on one line; a block list reads better.
    if (sources.flow) sources.flow = false;
    sources.add(doc.createNode(entry));
  } else if (isMap(doc.contents)) {
    doc.set('sources', doc.createNode([entry]));
  } else {
    throw new TributaryError('CONFIG_INVALID', 'the config file is not a map with a "sources" list; add the source by hand.');
  }
}

function describeClashes(name: string, fields: string[], types: string[]): string {
  const parts: string[] = [];
  if (fields.length)
    parts.push(
      `root field${fields.length > 1 ? 's' : ''} ${fields.slice(0, 8).join(', ')}${fields.length > 8 ? ` and ${fields.length - 8} more` : ''} already exist${fields.length > 1 ? '' : 's'} in the gateway`,
    );
  if (types.length)
    parts.push(
      `type${types.length > 1 ? 's' : ''} ${types.slice(0, 8).join(', ')}${types.length > 8 ? ` and ${types.length - 8} more` : ''} already exist${types.length > 1 ? '' : 's'} with a different definition`,
    );
  return `cannot add source "${name}": its ${parts.join(', and its ')}. Add it with a prefix, e.g. \`tributary sources add ${name} <spec> --prefix ${name}_\` (prefixes its types and root fields), or rename the clashing names with a "rename" transform on the source.`;
}

export async function addSource(options: AddSourceOptions): Promise<AddSourceResult> {
  const started = performance.now();
  checkName(options.name);
  const configFile = path.resolve(options.configFile);
  const configDir = path.dirname(configFile);
  const text = await readConfigText(configFile);
  const current: LoadedConfig = parseConfig(text, configFile);
  const existing = current.mesh.sources.findIndex((s) => s.name === options.name);
  if (existing !== -1) {
    throw clash(`a source named "${options.name}" already exists (sources[${existing}] in ${configFile}); choose another name, or remove that source first.`);
  }
  const source = configPath(options.spec, options.cwd ?? process.cwd(), configDir);

  // The new source alone, and the gateway as it is now, side by side.
  const handler: Record<string, unknown> & { source: string } = { source, ...(options.endpoint ? { endpoint: options.endpoint } : {}) };
  const transforms = options.prefix ? [{ prefix: { value: options.prefix, includeRootOperations: true } }] : undefined;
  const [alone, currentSchema] = await Promise.all([
    buildLoneSource({
      name: options.name,
      handler,
      baseDir: configDir,
      logger: options.logger,
      transforms,
      shownAs: options.spec,
      onProgress: (phase) => {
        if (phase !== 'generate') options.onProgress?.(phase, options.name);
      },
    }),
    current.mesh.sources.length ? buildOnce(current, { logger: options.logger }).then((g) => g.built.schema) : Promise.resolve(undefined),
  ]);
  const { schema, loaded } = alone;

  options.onProgress?.('merge', options.name);
  const rootFields = rootFieldsOf(schema);
  if (currentSchema) {
    const taken = new Set(rootFieldsOf(currentSchema));
    const fieldClashes = rootFields.filter((f) => taken.has(f));
    const typeClashes = Object.values(schema.getTypeMap())
      .filter((t) => !t.name.startsWith('__') && !['Query', 'Mutation', 'Subscription'].includes(t.name))
      .filter((t) => {
        const other = currentSchema.getType(t.name);
        return other !== undefined && printType(other) !== printType(t);
      })
      .map((t) => t.name);
    if (fieldClashes.length || typeClashes.length) throw clash(describeClashes(options.name, fieldClashes, typeClashes));
  }

  const doc = parseDocument(text);
  const entry: Record<string, unknown> = { name: options.name, handler: { openapi: { source, ...(options.endpoint ? { endpoint: options.endpoint } : {}) } } };
  if (transforms) entry.transforms = transforms;
  appendSource(doc, entry);
  const next = configText(doc, configFile);
  // The would-be config must pass the same validation as at start.
  parseConfig(next, configFile);
  await mkdir(configDir, { recursive: true });
  const temporary = `${configFile}.${process.pid}.tmp`;
  await writeFile(temporary, next);
  await rename(temporary, configFile);
  return { configFile, source, rootFields, types: countTypes(schema), warnings: loaded.warnings, ms: performance.now() - started };
}
