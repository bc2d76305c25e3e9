// Views of a spec with fewer operations, for isolating the operations Mesh's loader
// cannot map (robust-load.ts bisects over these). Operations are named by their JSON
// pointer, `#/paths/~1pets/get`, which is also what their warnings show.
import { HTTP_METHODS } from './sanitize.ts';
import { escapeToken, pointerOf } from './spec-warning.ts';

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Every operation's pointer, in document order. */
export function operationPointers(doc: Json): string[] {
  const out: string[] = [];
  if (!isObject(doc.paths)) return out;
  for (const [route, item] of Object.entries(doc.paths)) {
    if (!isObject(item)) continue;
    for (const method of HTTP_METHODS) if (isObject(item[method])) out.push(pointerOf(['paths', route, method]));
  }
  return out;
}

export interface SubsetOptions {
  /** Operations to keep; undefined keeps all. */
  include?: ReadonlySet<string>;
  /** Operations whose request and response schemas are replaced by `{}` (the JSON scalar). */
  asJson?: ReadonlySet<string>;
}

/**
 * A copy of `doc` with only the chosen operations. Everything outside `paths` (components,
 * definitions, servers) is kept, so that refs still resolve; the copy is deep, because
 * Mesh's dereferencing writes into the document it is given.
 */
export function subsetDocument(doc: Json, { include, asJson }: SubsetOptions): Json {
  const paths: Json = {};
  if (isObject(doc.paths)) {
    for (const [route, item] of Object.entries(doc.paths)) {
      if (!isObject(item)) continue;
      const kept: Json = {};
      let operations = 0;
      for (const [key, value] of Object.entries(item)) {
        const isMethod = (HTTP_METHODS as readonly string[]).includes(key);
        if (!isMethod) {
          kept[key] = value;
          continue;
        }
        const pointer = `#/paths/${escapeToken(route)}/${key}`;
        if (include && !include.has(pointer)) continue;
        kept[key] = asJson?.has(pointer) ? operationAsJson(doc, value as Json) : value;
        operations++;
      }
      if (operations > 0) paths[route] = kept;
    }
  }
  return structuredClone({ ...doc, paths });
}

function resolveLocal(doc: Json, value: unknown): unknown {
  for (let hops = 0; hops < 8 && isObject(value) && typeof value.$ref === 'string' && value.$ref.startsWith('#/'); hops++) {
    let current: unknown = doc;
    for (const token of value.$ref.slice(2).split('/')) current = isObject(current) ? current[token.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
    value = current;
  }
  return value;
}

/**
 * The last resort before skipping an operation: keep its path, method and parameter
 * names, but type its body and results as JSON and its parameters as strings, which any
 * REST call can carry (OAS 3.0 §4.7.12: `style: simple`/`form` serialise a string as is).
 */
function operationAsJson(doc: Json, op: Json): Json {
  const copy: Json = { ...op };
  delete copy.callbacks;
  if (Array.isArray(op.parameters)) {
    copy.parameters = op.parameters.map((p) => {
      const resolved = resolveLocal(doc, p);
      if (!isObject(resolved)) return p;
      if (resolved.in === 'body') return { ...resolved, schema: { type: 'object', additionalProperties: true } };
      const { schema: _schema, items: _items, format: _format, content: _content, ...rest } = resolved;
      return 'swagger' in doc ? { ...rest, type: 'string' } : { ...rest, schema: { type: 'string' } };
    });
  }
  const requestBody = resolveLocal(doc, op.requestBody);
  if (isObject(requestBody)) {
    const content = isObject(requestBody.content) ? requestBody.content : { 'application/json': {} };
    // `{}` would make Mesh drop the `input` argument; an open object becomes `input: JSON`.
    copy.requestBody = {
      ...requestBody,
      content: Object.fromEntries(Object.keys(content).map((type) => [type, { schema: { type: 'object', additionalProperties: true } }])),
    };
  }
  if (isObject(op.responses)) {
    copy.responses = Object.fromEntries(
      Object.entries(op.responses).map(([status, r]) => {
        const response = resolveLocal(doc, r);
        const description = isObject(response) && typeof response.description === 'string' ? response.description : '';
        if ('swagger' in doc) return [status, { description, schema: {} }];
        const content = isObject(response) && isObject(response.content) ? Object.keys(response.content) : ['application/json'];
        return [status, { description, content: Object.fromEntries(content.map((type) => [type, { schema: {} }])) }];
      }),
    );
  }
  return copy;
}
