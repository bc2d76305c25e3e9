// `sources remove`: the counterpart of `sources add`, through the same yaml Document API,
// so that the rest of the file — comments, key order, quoting — stays as written. The
// entry goes, and so does its own settings block (`tributary.sources.<name>`), which
// would otherwise make the config invalid ("no Mesh source is named …").
//
// Settings elsewhere that name the source (an auth mode, a rate-limit or cache rule)
// are not deleted: they are policy, and a policy edit should be a person's decision.
// The command refuses instead and names them. By default it also builds the remaining
// sources, as `sources add` builds the current ones, so that a link or @resolveTo that
// needs the source is found now rather than at the next start (`--no-check` skips that).
//
// The last source may be removed: replacing a config's only source with a new version
// of it needs that order (adding first would clash on every root field), and the file
// left behind (`sources: []`) is valid; `start` then refuses with SCHEMA_BUILD_FAILED
// until a source is added, and the command says so.
import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isMap, isSeq, parseDocument, type Document } from 'yaml';
import { TributaryError } from '../errors.ts';
import { configText, parseConfig, type LoadedConfig } from '../config/load.ts';
import { buildOnce } from '../gateway.ts';
import type { Logger } from '../observability/log.ts';
import type { LoaderPhase } from '../openapi/loader-protocol.ts';

export interface RemoveSourceOptions {
  name: string;
  configFile: string;
  logger: Logger;
  /** Build the remaining sources before writing (default true). */
  check?: boolean;
  onProgress?: (phase: LoaderPhase | 'merge', source?: string) => void;
}

export interface RemoveSourceResult {
  configFile: string;
  /** The removed source's document, as the config named it. */
  document: string | undefined;
  /** `tributary.sources.<name>` was there and went with it. */
  settingsRemoved: boolean;
  /** Source names left, in config order. */
  remaining: string[];
}

async function readConfigText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new TributaryError('CONFIG_NOT_FOUND', `${file}: cannot read config file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).`, {
      cause: error,
    });
  }
}

/** Where `tributary` settings other than the source's own block name it: `sources.<name>` keys and `source: <name>` values. */
function referencesTo(name: string, value: unknown, at: string): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => referencesTo(name, v, `${at}[${i}]`));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, v]) => {
    const here = `${at}.${key}`;
    const own =
      (key === 'source' && v === name) || (key === 'sources' && v !== null && typeof v === 'object' && !Array.isArray(v) && Object.hasOwn(v, name))
        ? [key === 'source' ? here : `${here}.${name}`]
        : [];
    return [...own, ...referencesTo(name, v, here)];
  });
}

function deleteSourceEntry(doc: Document, name: string): void {
  const sources = doc.get('sources', true);
  if (!isSeq(sources)) throw new TributaryError('CONFIG_INVALID', 'the config file has no "sources" list; edit it by hand.');
  const index = sources.items.findIndex((item) => isMap(item) && item.get('name') === name);
  // A comment above an entry belongs to the entry and goes with it, except above the
  // first entry, where yaml keeps it on the list: it may describe the whole list.
  sources.delete(index);
  // An empty block list would print as a lone "[]" on the next line.
  if (sources.items.length === 0) sources.flow = true;
}

/** Removes `tributary.sources.<name>`; then `tributary.sources` and `tributary` when nothing is left in them. */
function deleteOwnSettings(doc: Document, name: string): boolean {
  if (!doc.hasIn(['tributary', 'sources', name])) return false;
  doc.deleteIn(['tributary', 'sources', name]);
  for (const keyPath of [['tributary', 'sources'], ['tributary']]) {
    const node = doc.getIn(keyPath, true);
    if (isMap(node) && node.items.length === 0) doc.deleteIn(keyPath);
  }
  return true;
}

export async function removeSource(options: RemoveSourceOptions): Promise<RemoveSourceResult> {
  const configFile = path.resolve(options.configFile);
  const text = await readConfigText(configFile);
  const current: LoadedConfig = parseConfig(text, configFile);
  const names = current.mesh.sources.map((s) => s.name);
  const entry = current.mesh.sources.find((s) => s.name === options.name);
  if (!entry) {
    throw new TributaryError('CONFIG_INVALID', `no source named "${options.name}" in ${configFile}; known: ${names.length ? names.join(', ') : '(none)'}.`);
  }
  const { [options.name]: _own, ...otherSources } = current.tributary.sources;
  const references = referencesTo(options.name, { ...current.tributary, sources: otherSources }, 'tributary');
  if (references.length) {
    throw new TributaryError(
      'CONFIG_INVALID',
      `source "${options.name}" is still named by ${references.join(', ')} in ${configFile}; remove or change ${references.length > 1 ? 'those' : 'that'} first.`,
    );
  }

  const doc = parseDocument(text);
  deleteSourceEntry(doc, options.name);
  const settingsRemoved = deleteOwnSettings(doc, options.name);
  const next = configText(doc, configFile);
  // The would-be config must pass the same validation as at start, and build.
  const nextConfig = parseConfig(next, configFile);
  if (options.check !== false && nextConfig.mesh.sources.length) {
    try {
      await buildOnce(nextConfig, { logger: options.logger, onProgress: options.onProgress });
    } catch (error) {
      const code = error instanceof TributaryError ? error.code : 'SCHEMA_BUILD_FAILED';
      throw new TributaryError(
        code,
        `without source "${options.name}" the config would not build: ${(error as Error).message} (nothing was written; --no-check writes anyway)`,
        { cause: error },
      );
    }
  }
  const temporary = `${configFile}.${process.pid}.tmp`;
  await writeFile(temporary, next);
  await rename(temporary, configFile);
  const document = (entry.handler.openapi as { source?: unknown } | undefined)?.source;
  return { configFile, document: typeof document === 'string' ? document : undefined, settingsRemoved, remaining: names.filter((n) => n !== options.name) };
}
