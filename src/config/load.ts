// Config is read once, here. `.meshrc.yaml` holds two things: a GraphQL Mesh v0 config,
// checked against Mesh's own JSON schema so that an existing Mesh config keeps working
// unchanged, and Tributary's own settings under the `tributary:` key, checked against
// the strict schema in schema.ts. Every error names the file, the line, the key path,
// what was expected and what was found. Relative paths resolve against the config
// file's folder, never the working directory. The result is frozen.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { isMap, isSeq, LineCounter, parse as parseYaml, parseDocument, type Document } from 'yaml';
import type { ErrorObject } from 'ajv';
import type { z } from 'zod';
import { TributaryError } from '../errors.ts';
import { TributarySettings } from './schema.ts';
import { meshConfigValidator } from './mesh-validator.ts';
import { contextReadsOf, type ContextRead } from './context-templates.ts';
import { templateProblems } from './session-inputs.ts';
import { meshCompatibility } from './mesh-compat.ts';
import { substituteVariables, unsetEnvTemplates, type EnvProblem } from './env-references.ts';

/** The parts of a Mesh source Tributary reads; the rest is passed to Mesh as is. */
export interface MeshSourceConfig {
  name: string;
  handler: Record<string, Record<string, unknown>>;
  transforms?: Array<Record<string, unknown>>;
}

export interface MeshConfig {
  sources: MeshSourceConfig[];
  transforms?: Array<Record<string, unknown>>;
  additionalTypeDefs?: unknown;
  additionalResolvers?: unknown[];
  [key: string]: unknown;
}

export interface LoadedConfig {
  /** Absolute path of the config file. */
  readonly file: string;
  /** Folder relative paths resolve against. */
  readonly dir: string;
  readonly mesh: Readonly<MeshConfig>;
  readonly tributary: Readonly<TributarySettings>;
  /** Every `{context.…}` expression in the config's templates, parsed once (the response cache key is built from them). */
  readonly contextReads: readonly ContextRead[];
  /**
   * Mesh keys that have no effect in Tributary, or that lost to a Tributary setting
   * (mesh-keys.ts), each with its file, line and key path; the build logs them and
   * `tributary check` prints them.
   */
  readonly warnings: readonly string[];
}

export { DEFAULT_CONFIG_FILE } from './file-name.ts';

type KeyPath = ReadonlyArray<string | number>;

export function formatKeyPath(keyPath: KeyPath): string {
  let out = '';
  for (const key of keyPath) out += typeof key === 'number' ? `[${key}]` : out ? `.${key}` : key;
  return out || '(top level)';
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  return `${typeof value} ${JSON.stringify(value)}`;
}

/** Line of a key path in the YAML document, when the node can be found. */
function lineOf(doc: Document, counter: LineCounter, keyPath: KeyPath): number | undefined {
  for (let n = keyPath.length; n >= 0; n--) {
    const node = doc.getIn(keyPath.slice(0, n), true) as { range?: [number, number, number] } | undefined;
    if (node && typeof node === 'object' && 'range' in node && node.range) return counter.linePos(node.range[0]).line;
  }
  return undefined;
}

function getIn(value: unknown, keyPath: KeyPath): unknown {
  let current = value;
  for (const key of keyPath) {
    if (current == null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

function where(file: string, line: number | undefined): string {
  return `${file}${line ? `:${line}` : ''}`;
}

function configError(file: string, line: number | undefined, keyPath: KeyPath, problem: string): TributaryError {
  return new TributaryError('CONFIG_INVALID', `${where(file, line)}: ${formatKeyPath(keyPath)}: ${problem}`, {
    extensions: { file, line, keyPath: formatKeyPath(keyPath) },
  });
}

/** Several problems are reported at once so an operator fixes them in one pass. */
function combined(errors: TributaryError[]): TributaryError {
  if (errors.length === 1) return errors[0];
  return new TributaryError('CONFIG_INVALID', `${errors.length} problems in config:\n  - ${errors.map((e) => e.message).join('\n  - ')}`, {
    extensions: { problems: errors.map((e) => e.extensions) },
  });
}

function zodProblem(issue: z.core.$ZodIssue, found: unknown): string {
  switch (issue.code) {
    case 'unrecognized_keys':
      return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')} (check the spelling; see the config reference in README.md)`;
    case 'invalid_type':
      return `expected ${issue.expected}, found ${describe(found)}`;
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, found ${describe(found)}`;
    case 'too_small':
      return `expected a value ${issue.inclusive ? '>=' : '>'} ${String(issue.minimum)}, found ${describe(found)}`;
    case 'too_big':
      return `expected a value ${issue.inclusive ? '<=' : '<'} ${String(issue.maximum)}, found ${describe(found)}`;
    default:
      return `${issue.message}, found ${describe(found)}`;
  }
}

function ajvProblem(error: ErrorObject, found: unknown): string {
  switch (error.keyword) {
    case 'additionalProperties':
      return `unknown key "${(error.params as { additionalProperty: string }).additionalProperty}" (not a GraphQL Mesh config key)`;
    case 'required':
      return `missing required key "${(error.params as { missingProperty: string }).missingProperty}"`;
    case 'type':
      return `expected ${(error.params as { type: string }).type}, found ${describe(found)}`;
    case 'enum':
      return `expected one of ${(error.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}, found ${describe(found)}`;
    default:
      return `${error.message ?? 'invalid'}, found ${describe(found)}`;
  }
}

function validateMesh(value: unknown): ErrorObject[] {
  const validate = meshConfigValidator();
  validate(value);
  return validate.errors ?? [];
}

/** Only the most specific Ajv errors: a failed `anyOf` repeats each branch's complaint. */
function relevantAjvErrors(errors: ErrorObject[]): ErrorObject[] {
  const leaf = errors.filter((e) => e.keyword !== 'anyOf' && e.keyword !== 'oneOf' && e.keyword !== 'if');
  const seen = new Set<string>();
  return leaf.filter((e) => {
    const key = `${e.instancePath}|${e.keyword}|${JSON.stringify(e.params)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Parses and validates a config given as text (used by load and by `sources add`). */
export function parseConfig(text: string, file: string): LoadedConfig {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false });
  if (doc.errors.length) {
    const e = doc.errors[0];
    const line = e.linePos?.[0]?.line ?? (e.pos ? counter.linePos(e.pos[0]).line : undefined);
    throw new TributaryError('CONFIG_PARSE_ERROR', `${file}${line ? `:${line}` : ''}: not valid YAML: ${e.message.split('\n')[0]}`, {
      extensions: { file, line },
    });
  }
  const written = doc.toJS({ maxAliasCount: 100 }) as unknown;
  if (written === null || typeof written !== 'object' || Array.isArray(written) || !isMap(doc.contents)) {
    throw configError(file, 1, [], `expected a map with at least "sources", found ${describe(written)}`);
  }
  const problems: TributaryError[] = [];
  const atLine = (keyPath: KeyPath, problem: string) => configError(file, lineOf(doc, counter, keyPath), keyPath, problem);
  const envProblems: EnvProblem[] = [];
  // Mesh's `${NAME}`, replaced as Mesh's CLI would (env-references.ts).
  const raw = substituteVariables(written, [], envProblems, (text) => parseYaml(text) as unknown) as Record<string, unknown>;
  const { tributary: tributaryWritten, ...meshRaw } = raw;

  const meshProblemAt = new Set<string>();
  for (const error of relevantAjvErrors(validateMesh(meshRaw))) {
    const keyPath = error.instancePath
      .split('/')
      .slice(1)
      .map((k) => (/^\d+$/.test(k) ? Number(k) : k.replace(/~1/g, '/').replace(/~0/g, '~')));
    meshProblemAt.add(formatKeyPath(keyPath));
    problems.push(atLine(keyPath, ajvProblem(error, getIn(meshRaw, keyPath))));
  }
  // Every Mesh key is applied, mapped onto `tributary:`, warned about or refused (mesh-keys.ts).
  const compat = meshCompatibility(meshRaw, tributaryWritten);
  for (const { keyPath, problem } of compat.problems) if (!meshProblemAt.has(formatKeyPath(keyPath))) problems.push(atLine(keyPath, problem));
  const warnings = compat.warnings.map(({ keyPath, message }) => `${where(file, lineOf(doc, counter, keyPath))}: ${formatKeyPath(keyPath)}: ${message}`);
  const tributaryRaw = compat.tributary;
  const sources = (meshRaw as { sources?: unknown }).sources;
  if (Array.isArray(sources)) {
    const names = new Map<string, number>();
    sources.forEach((s, i) => {
      const name = (s as { name?: unknown })?.name;
      if (typeof name !== 'string') return;
      if (names.has(name))
        problems.push(
          configError(
            file,
            lineOf(doc, counter, ['sources', i, 'name']),
            ['sources', i, 'name'],
            `source name "${name}" is already used by sources[${names.get(name)}]; names must be unique`,
          ),
        );
      names.set(name, i);
    });
  } else if (!problems.length && isSeq(doc.get('sources', true)) === false) {
    problems.push(configError(file, undefined, ['sources'], `expected a list of sources, found ${describe(sources)}`));
  }

  const parsed = TributarySettings.safeParse(tributaryRaw ?? {});
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const issuePath = issue.path as Array<string | number>;
      const problem = zodProblem(issue, getIn(tributaryRaw, issuePath));
      // A mapped Mesh value is reported where the operator wrote it.
      const origin = compat.origins.find((o) => o.tributary.every((key, i) => issuePath[i] === key));
      if (origin) problems.push(atLine(origin.mesh, `${problem} (applied as tributary.${formatKeyPath(issuePath)})`));
      else problems.push(atLine(['tributary', ...issuePath], problem));
    }
  }
  if (parsed.success && Array.isArray(sources)) {
    const known = new Set(sources.map((s) => (s as { name?: string }).name));
    for (const name of Object.keys(parsed.data.sources)) {
      if (!known.has(name))
        problems.push(
          configError(
            file,
            lineOf(doc, counter, ['tributary', 'sources', name]),
            ['tributary', 'sources', name],
            `no Mesh source is named "${name}"; known: ${[...known].join(', ')}`,
          ),
        );
    }
  }
  const contextReads = contextReadsOf(meshRaw, parsed.success ? parsed.data : undefined);
  if (parsed.success && Array.isArray(sources)) {
    // Templates that would let the client choose upstream values, or that the response
    // cache key cannot account for (src/policies/cache/session-inputs.ts).
    const settings = parsed.data;
    const checks = templateProblems(contextReads, {
      sourceNames: sources.flatMap((s) => (typeof (s as { name?: unknown })?.name === 'string' ? [(s as { name: string }).name] : [])),
      allowsClientTemplates: (name) => settings.sources[name]?.allowClientTemplates === true,
      cacheRules: settings.policies.cache?.rules ?? [],
    });
    for (const { keyPath, problem } of checks) problems.push(configError(file, lineOf(doc, counter, keyPath), keyPath, problem));
  }
  // `{env.NAME}` anywhere, and Mesh's `${NAME}` found above: an unset variable is an error now, not "" later.
  envProblems.push(...unsetEnvTemplates(meshRaw, []), ...unsetEnvTemplates(tributaryWritten, ['tributary']));
  for (const { keyPath, problem } of envProblems) problems.push(atLine(keyPath, problem));
  if (problems.length) throw combined(problems);
  return deepFreeze({ file, dir: path.dirname(file), mesh: meshRaw as MeshConfig, tributary: parsed.data!, contextReads, warnings });
}

/** A config document as text for its file: JSON for a `.json` config, else YAML with its comments and order kept. */
export function configText(doc: Document, file: string): string {
  return file.endsWith('.json') ? `${JSON.stringify(doc.toJS(), null, 2)}\n` : doc.toString();
}

export async function loadConfig(file: string): Promise<LoadedConfig> {
  const absolute = path.resolve(file);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (error) {
    throw new TributaryError(
      'CONFIG_NOT_FOUND',
      `${absolute}: cannot read config file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).`,
      { cause: error },
    );
  }
  return parseConfig(text, absolute);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
