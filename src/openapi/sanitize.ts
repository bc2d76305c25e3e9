// Repairs, before Mesh's loader sees a document, the patterns in real specs that make
// that loader throw instead of degrading: each one found in public specs, each repair
// reported as a SpecWarning naming the element, what was wrong and what was done.
//
//   pattern (seen as)                                    repair
//   ───────────────────────────────────────────────────  ───────────────────────────────
//   boolean schema `true`/`false` (JSON Schema 2020-12   `true` → `{}` (the JSON scalar);
//     §4.3.2, allowed in OAS 3.1) ("reading 'anyOf'")     a `false` property is dropped
//   local `$ref` to nothing, or to a non-object          `{}` (the JSON scalar)
//     ("Invalid value used in weak set")
//   `$ref` chain that loops without a schema in between  `{}` (the JSON scalar)
//     ("Maximum call stack size exceeded")
//   relative `$ref` to a file that does not exist        `{}` (the JSON scalar)
//   parameter that is null, or has no `name`/`in`        parameter skipped
//     (OAS 3.0 §4.7.12.1 requires both) ("reading 'trim'")
//   path item, operation, response or requestBody null   element skipped
//   object/enum schema named like a GraphQL built-in   type renamed `<Name>_`
//     scalar (String, Int, Float, Boolean, ID)
//     ("multiple types named")
//   duplicate operationId (OAS: "MUST be unique") —     later ones renamed `<id>_<n>`
//     Mesh silently keeps only one of them
//   `type` listing several types (`[array, string]`)     the JSON scalar
//   `items` as a list of schemas (the tuple form of     `items: {anyOf: [...]}`
//     JSON Schema draft 4) — Mesh types every element
//     as the first
//
// The document is the caller's own parsed copy and is changed in place.
import { honourAcceptParameter } from './accept-parameter.ts';
import { markAnyBody, markAnyBodyParameter } from './any-body.ts';
import { markEmptySuccesses } from './empty-success.ts';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { keyPathOfPointer, pointerOf, type SpecWarning } from './spec-warning.ts';

type Json = Record<string, unknown>;
type KeyPath = Array<string | number>;

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** Names Mesh's generated types can never take: graphql-js owns them (GraphQL spec §3.5). */
const BUILT_IN_NAMES = new Set(['String', 'Int', 'Float', 'Boolean', 'ID']);

/** Keys whose values are data, not spec structure: nothing under them is repaired. */
const DATA_KEYS = new Set(['example', 'default', 'enum', 'const']);

/** Inside a schema: keys whose value is one schema, a map of schemas, a list of schemas. */
const SCHEMA_KEYS = new Set(['items', 'additionalItems', 'not', 'contains', 'if', 'then', 'else', 'propertyNames', 'unevaluatedItems']);
const SCHEMA_MAP_KEYS = new Set(['properties', 'patternProperties', 'definitions', '$defs', 'dependentSchemas']);
const SCHEMA_LIST_KEYS = new Set(['allOf', 'anyOf', 'oneOf', 'prefixItems', 'items']);

export interface SanitizeOptions {
  /** Folder relative `$ref`s resolve against; undefined for documents read from a URL. */
  dir?: string;
}

export interface SanitizeResult {
  warnings: SpecWarning[];
  /** Local files the document refers to (relative `$ref`s), for watching. */
  referencedFiles: string[];
}

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function get(doc: unknown, keyPath: readonly string[]): unknown {
  let current = doc;
  for (const key of keyPath) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Json)[key];
  }
  return current;
}

export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`;
}

export function sanitizeDocument(doc: Json, options: SanitizeOptions = {}): SanitizeResult {
  const warnings: SpecWarning[] = [];
  const referencedFiles = new Set<string>();
  const warn = (keyPath: KeyPath | string, problem: string, action: string) =>
    warnings.push({ pointer: typeof keyPath === 'string' ? keyPath : pointerOf(keyPath), problem, action });

  const renames = renameBuiltInSchemas(doc, warn);
  // Parameters first: a parameter whose $ref leads nowhere is skipped as a whole.
  repairOperations(doc, warn);
  const refStatus = new Map<string, string | undefined>();

  /** Why a `$ref` cannot be followed, or undefined when it can. Cached per ref text. */
  function refProblem(ref: string): string | undefined {
    if (refStatus.has(ref)) return refStatus.get(ref);
    let problem: string | undefined;
    if (ref.startsWith('#')) {
      const seen = new Set<string>();
      let current = ref;
      for (;;) {
        const keyPath = keyPathOfPointer(current);
        const target = keyPath && get(doc, keyPath);
        if (keyPath === undefined) problem = `$ref "${current}" is not a JSON pointer`;
        else if (target === undefined) problem = `$ref "${current}" points to nothing`;
        else if (!isObject(target)) problem = `$ref "${current}" points to ${describeValue(target)}, not an object`;
        if (problem || !isObject(target) || typeof target.$ref !== 'string' || !target.$ref.startsWith('#')) break;
        seen.add(current);
        current = renamed(target.$ref, renames);
        if (seen.has(current)) {
          problem = `$ref "${ref}" loops back to itself (${[...seen, current].join(' → ')}) without a schema in between`;
          break;
        }
      }
    } else if (!/^[a-z][a-z0-9+.-]*:/i.test(ref) && options.dir) {
      // A relative reference (RFC 3986 §4.2) to another local file.
      const file = path.resolve(options.dir, decodeURI(ref.split('#')[0]));
      if (existsSync(file)) referencedFiles.add(file);
      else problem = `$ref "${ref}" names a file that does not exist (${file})`;
    }
    refStatus.set(ref, problem);
    return problem;
  }

  const visited = new WeakSet<object>();
  /**
   * Walks everything but data values; returns the value to store (a replacement or the
   * same). `kind` says what the value is, so that only real schemas are repaired — a
   * property that happens to be called "properties" is not a map of schemas. `at` is
   * the value's place, written out as a key path only for a warning: copying the path
   * for every value was most of the walk on a 20 MB document.
   */
  function visit(value: unknown, at: Place | undefined, kind: NodeKind): unknown {
    if (typeof value === 'boolean' && kind === 'schema') {
      warn(keyPathOf(at), `boolean schema \`${value}\` (JSON Schema 2020-12 §4.3.2) has no GraphQL type`, 'mapped to the JSON scalar');
      return {};
    }
    if (kind === 'schema' && value !== null && (typeof value !== 'object' || Array.isArray(value))) {
      warn(keyPathOf(at), `schema is ${describeValue(value)}, not a Schema Object`, 'mapped to the JSON scalar');
      return {};
    }
    if (value === null || typeof value !== 'object' || visited.has(value)) return value;
    visited.add(value);
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) value[i] = visit(value[i], place(at, i), kind === 'schemaList' ? 'schema' : 'other');
      return value;
    }
    const node = value as Json;
    if (typeof node.$ref === 'string') {
      const ref = renamed(node.$ref, renames);
      node.$ref = ref;
      const problem = refProblem(ref);
      if (problem) {
        warn(keyPathOf(at), problem, 'mapped to the JSON scalar');
        return {};
      }
    }
    if (kind === 'schema' && Array.isArray(node.type) && node.type.filter((t) => t !== 'null').length > 1) {
      // Several types (JSON Schema's `type` as a list; OAS 3.1 §4.8.24 allows it, 3.0
      // does not): `["array", "string"]` is a list or a string. Mesh's loader typed it as
      // the list alone, and a string answer failed. One GraphQL type cannot be both, so
      // it is the JSON scalar, which carries any of them.
      const types = node.type as unknown[];
      warn([...keyPathOf(at), 'type'], `type lists several types (${types.join(', ')})`, 'mapped to the JSON scalar');
      for (const key of ['type', 'items', 'enum', 'format', 'properties', 'additionalProperties', 'required']) delete node[key];
      if (types.includes('null')) node.nullable = true;
    }
    if (kind === 'schema' && Array.isArray(node.items)) {
      // The tuple form of `items` (JSON Schema draft 4 §5.3.1, 2020-12's `prefixItems`):
      // the schemas of the first elements, in order. Swagger 2.0 and OAS 3.0 allow only
      // one schema (OAS 3.0 §4.7.24.1 "items MUST be an object and not an array"), and
      // Mesh's loader types the whole list as its first entry, so the second element
      // fails that type. A list type can only hold one item type: any of them.
      const entries = node.items as unknown[];
      node.items = entries.length === 1 ? entries[0] : { anyOf: entries };
      warn(
        [...keyPathOf(at), 'items'],
        'items is a list of schemas (the tuple form), which a GraphQL list type cannot follow',
        'items typed as anyOf its entries',
      );
    }
    for (const key of Object.keys(node)) {
      if (kind !== 'schemaMap' && (key.startsWith('x-') || DATA_KEYS.has(key))) continue;
      const child = node[key];
      if (kind === 'schemaMap') {
        if (child === false && at?.key === 'properties') {
          warn([...keyPathOf(at), key], 'boolean schema `false`: this property can never be present', 'property skipped');
          delete node[key];
        } else {
          node[key] = visit(child, place(at, key), 'schema');
        }
        continue;
      }
      if (key === 'mapping' && kind === 'other' && isObject(child)) {
        // Discriminator mapping values are refs too (OAS 3.0 §4.7.25).
        for (const [k, v] of Object.entries(child)) if (typeof v === 'string') child[k] = renamed(v, renames);
        continue;
      }
      node[key] = visit(child, place(at, key), childKind(kind, at, key, child));
    }
    return node;
  }
  visit(doc, undefined, 'other');
  return { warnings, referencedFiles: [...referencedFiles] };
}

type NodeKind = 'schema' | 'schemaMap' | 'schemaList' | 'other';

/** Where a value is: its key, in its parent's place (the document itself has none). */
interface Place {
  readonly parent: Place | undefined;
  readonly key: string | number;
  readonly depth: number;
}

function place(parent: Place | undefined, key: string | number): Place {
  return { parent, key, depth: (parent?.depth ?? 0) + 1 };
}

function keyPathOf(at: Place | undefined): KeyPath {
  const out: KeyPath = [];
  for (let p = at; p; p = p.parent) out.push(p.key);
  return out.reverse();
}

function childKind(kind: NodeKind, at: Place | undefined, key: string, child: unknown): NodeKind {
  if (kind === 'schema') {
    if (SCHEMA_MAP_KEYS.has(key)) return 'schemaMap';
    if (SCHEMA_LIST_KEYS.has(key) && Array.isArray(child)) return 'schemaList';
    if (SCHEMA_KEYS.has(key) || (key === 'additionalProperties' && typeof child === 'object')) return 'schema';
    return 'other';
  }
  // Outside schemas: OAS 3 `components.schemas`, Swagger 2 `definitions`, and the
  // `schema` of parameters, media types, responses and headers.
  if (key === 'schema') return 'schema';
  if ((key === 'schemas' && at?.depth === 1 && at.key === 'components') || (key === 'definitions' && at === undefined)) return 'schemaMap';
  return 'other';
}

function renamed(ref: string, renames: Map<string, string>): string {
  if (renames.size === 0 || !ref.startsWith('#')) return ref;
  for (const [from, to] of renames) {
    if (ref === from || ref.startsWith(`${from}/`)) return to + ref.slice(from.length);
  }
  return ref;
}

/** `{type: string}` and the like: Mesh maps these to GraphQL's own scalar, so the name never clashes. */
function isPlainScalar(schema: unknown): boolean {
  if (!isObject(schema)) return false;
  const structural = ['properties', 'items', 'allOf', 'anyOf', 'oneOf', 'enum', 'additionalProperties', '$ref', 'discriminator', 'const'];
  return typeof schema.type === 'string' && schema.type !== 'object' && schema.type !== 'array' && !structural.some((k) => k in schema);
}

/** Renames schemas whose names GraphQL reserves; returns old pointer → new pointer. */
function renameBuiltInSchemas(doc: Json, warn: (k: KeyPath, p: string, a: string) => void): Map<string, string> {
  const renames = new Map<string, string>();
  const containers: Array<[KeyPath, unknown]> = [
    [['components', 'schemas'], (doc.components as Json | undefined)?.schemas],
    [['definitions'], doc.definitions],
  ];
  for (const [keyPath, container] of containers) {
    if (!isObject(container)) continue;
    for (const name of Object.keys(container)) {
      if (!BUILT_IN_NAMES.has(name) || isPlainScalar(container[name])) continue;
      let next = `${name}_`;
      while (next in container) next += '_';
      // Rebuild the map so key order (and so type order in the schema) is kept.
      const entries = Object.entries(container).map(([k, v]) => [k === name ? next : k, v] as const);
      for (const k of Object.keys(container)) delete container[k];
      Object.assign(container, Object.fromEntries(entries));
      const schema = container[next];
      if (isObject(schema) && schema.title === name) schema.title = next;
      renames.set(pointerOf([...keyPath, name]), pointerOf([...keyPath, next]));
      warn([...keyPath, name], `schema name "${name}" is a GraphQL built-in scalar's name`, `type renamed to "${next}"`);
    }
  }
  return renames;
}

function resolveLocal(doc: Json, value: unknown): unknown {
  for (let hops = 0; hops < 8 && isObject(value) && typeof value.$ref === 'string'; hops++) {
    const keyPath = keyPathOfPointer(value.$ref);
    if (!keyPath) return value;
    value = get(doc, keyPath);
  }
  return value;
}

function repairParameters(doc: Json, owner: Json, keyPath: KeyPath, warn: (k: KeyPath, p: string, a: string) => void): void {
  if (owner.parameters === undefined) return;
  if (!Array.isArray(owner.parameters)) {
    warn([...keyPath, 'parameters'], `parameters is ${describeValue(owner.parameters)}, not a list`, 'parameters skipped');
    delete owner.parameters;
    return;
  }
  owner.parameters = owner.parameters.filter((parameter: unknown, i: number) => {
    const resolved = resolveLocal(doc, parameter);
    // External refs are resolved by Mesh itself; only local ones can be judged here.
    if (isObject(resolved) && typeof resolved.$ref === 'string' && !resolved.$ref.startsWith('#')) return true;
    const ref = isObject(parameter) && typeof parameter.$ref === 'string' ? parameter.$ref : undefined;
    const problem =
      !isObject(resolved) || typeof resolved.$ref === 'string'
        ? ref
          ? `$ref "${ref}" leads to ${resolved === undefined || isObject(resolved) ? 'nothing' : describeValue(resolved)}, not a parameter`
          : `parameter is ${describeValue(resolved)}`
        : typeof resolved.name !== 'string' || resolved.name === ''
          ? 'parameter has no "name" (OAS 3.0 §4.7.12.1 requires one)'
          : typeof resolved.in !== 'string'
            ? `parameter "${resolved.name}" has no "in" (OAS 3.0 §4.7.12.1 requires one)`
            : undefined;
    if (problem) warn([...keyPath, 'parameters', i], problem, 'parameter skipped');
    return problem === undefined;
  });
}

/** OAS 3.0 §4.7.5: `servers` is a list of Server Objects, each with a `url` string. */
function repairServers(owner: Json, keyPath: KeyPath, warn: (k: KeyPath, p: string, a: string) => void): void {
  if (owner.servers === undefined) return;
  if (!Array.isArray(owner.servers)) {
    warn([...keyPath, 'servers'], `servers is ${describeValue(owner.servers)}, not a list`, 'servers ignored (set handler.openapi.endpoint)');
    delete owner.servers;
    return;
  }
  owner.servers = owner.servers.filter((server: unknown, i: number) => {
    if (isObject(server) && typeof server.url === 'string') return true;
    warn(
      [...keyPath, 'servers', i],
      isObject(server) ? `server url is ${describeValue(server.url)}, not a string` : `server is ${describeValue(server)}`,
      'server skipped',
    );
    return false;
  });
  if ((owner.servers as unknown[]).length === 0) delete owner.servers;
}

/** Swagger 2.0: `produces`, `consumes` and `schemes` are lists of strings; a lone string is common. */
function repairMediaTypeLists(owner: Json, keyPath: KeyPath, warn: (k: KeyPath, p: string, a: string) => void): void {
  for (const key of ['produces', 'consumes', 'schemes']) {
    const value = owner[key];
    if (value === undefined || (Array.isArray(value) && value.every((v) => typeof v === 'string'))) continue;
    if (typeof value === 'string') {
      warn([...keyPath, key], `${key} is a string, not a list of strings`, `read as [${JSON.stringify(value)}]`);
      owner[key] = [value];
    } else {
      warn([...keyPath, key], `${key} is ${describeValue(value)}, not a list of strings`, `${key} ignored`);
      delete owner[key];
    }
  }
}

/** Null path items, operations, responses and bodies; bad parameters; duplicate operationIds. */
function repairOperations(doc: Json, warn: (k: KeyPath, p: string, a: string) => void): void {
  if (doc.paths === undefined) return;
  if (!isObject(doc.paths)) {
    warn(['paths'], `paths is ${describeValue(doc.paths)}, not an object`, 'no operations read');
    doc.paths = {};
    return;
  }
  repairServers(doc, [], warn);
  repairMediaTypeLists(doc, [], warn);
  const paths = doc.paths;
  const ids = new Map<string, number>();
  for (const [route, item] of Object.entries(paths)) {
    if (!isObject(item)) {
      warn(['paths', route], `path item is ${describeValue(item)}`, 'path skipped');
      delete paths[route];
      continue;
    }
    repairParameters(doc, item, ['paths', route], warn);
    repairServers(item, ['paths', route], warn);
    for (const method of HTTP_METHODS) {
      if (!(method in item)) continue;
      const op = item[method];
      const at: KeyPath = ['paths', route, method];
      if (!isObject(op)) {
        warn(at, `operation is ${describeValue(op)}`, 'operation skipped');
        delete item[method];
        continue;
      }
      repairParameters(doc, op, at, warn);
      repairServers(op, at, warn);
      repairMediaTypeLists(op, at, warn);
      if ('requestBody' in op && !isObject(op.requestBody)) {
        warn([...at, 'requestBody'], `requestBody is ${describeValue(op.requestBody)}`, 'request body skipped');
        delete op.requestBody;
      }
      if (typeof doc.swagger === 'string') {
        // Operation parameters override the path item's of the same name and place.
        const own = (Array.isArray(op.parameters) ? op.parameters : []).map((p) => resolveLocal(doc, p));
        const shared = (Array.isArray(item.parameters) ? item.parameters : []).map((p) => resolveLocal(doc, p));
        honourAcceptParameter(op, [...own, ...shared]);
      }
      // A body that may be any value still is a body (any-body.ts).
      const body = resolveLocal(doc, op.requestBody);
      if (isObject(body)) markAnyBody(body);
      for (const parameter of Array.isArray(op.parameters) ? op.parameters : []) {
        const resolved = resolveLocal(doc, parameter);
        if (isObject(resolved)) markAnyBodyParameter(resolved);
      }
      if ('responses' in op) {
        if (!isObject(op.responses)) {
          warn([...at, 'responses'], `responses is ${describeValue(op.responses)}`, 'responses skipped (the field returns JSON)');
          delete op.responses;
        } else {
          for (const [status, response] of Object.entries(op.responses)) {
            if (isObject(response)) continue;
            warn([...at, 'responses', status], `response is ${describeValue(response)}`, 'response skipped');
            delete op.responses[status];
          }
          markEmptySuccesses(op.responses, typeof doc.swagger === 'string', (r) => {
            const target = typeof r.$ref === 'string' ? keyPathOfPointer(r.$ref) : undefined;
            const found = target && get(doc, target);
            return isObject(found) ? found : undefined;
          });
        }
      }
      if (typeof op.operationId === 'string') {
        // Mesh turns operationIds into field names; ids that differ only in characters
        // GraphQL names cannot hold end up as the same field.
        const key = op.operationId.replace(/[^A-Za-z0-9_]/g, '_');
        const n = (ids.get(key) ?? 0) + 1;
        ids.set(key, n);
        if (n > 1) {
          let next = `${op.operationId}_${n}`;
          while (ids.has(next.replace(/[^A-Za-z0-9_]/g, '_'))) next += '_';
          ids.set(next.replace(/[^A-Za-z0-9_]/g, '_'), 1);
          warn([...at, 'operationId'], `operationId "${op.operationId}" is used by another operation (OAS: it MUST be unique)`, `renamed to "${next}"`);
          op.operationId = next;
        }
      }
    }
  }
}
