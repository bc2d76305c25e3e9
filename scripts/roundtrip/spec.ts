// Reading the OpenAPI document the way the round trip needs it: the inputs of the
// operation a root field stands for (to fill arguments from), and credentials that
// satisfy its security schemes (Prism checks that they are present, not what they are).
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import type { JsonSchema, SpecOperation } from './operation.ts';

export type Document = Record<string, unknown>;

export async function readDocument(file: string): Promise<Document> {
  const text = await readFile(file, 'utf8');
  return (/\.json$/i.test(file) ? JSON.parse(text) : parseYaml(text, { maxAliasCount: -1 })) as Document;
}

function record(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function resolve(document: Document, value: unknown): Record<string, unknown> {
  let node = record(value);
  for (let hops = 0; typeof node.$ref === 'string' && node.$ref.startsWith('#') && hops < 20; hops++) {
    let target: unknown = document;
    for (const raw of node.$ref.slice(2).split('/')) target = record(target)[decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~')];
    node = record(target);
  }
  return node;
}

/** A path template with its variable names blanked, so that Mesh's `{args.x}` meets the document's `{x}`. */
export function pathShape(template: string): string {
  return template.replace(/\{[^}]*\}/g, '{}').replace(/(.)\/$/, '$1');
}

function firstExample(node: Record<string, unknown>): unknown {
  if (node.example !== undefined) return node.example;
  const examples = Object.values(record(node.examples));
  const first = record(examples[0]);
  return first.value ?? undefined;
}

/** The inputs of the operation at `method` + `path` (a path as in Mesh's @httpOperation), or undefined. */
export function operationFor(document: Document, method: string, path: string): SpecOperation | undefined {
  const paths = record(document.paths);
  const wanted = pathShape(path);
  const key = Object.keys(paths).find((p) => p === path) ?? Object.keys(paths).find((p) => pathShape(p) === wanted);
  if (key === undefined) return undefined;
  const item = resolve(document, paths[key]);
  const op = resolve(document, item[method.toLowerCase()]);
  if (!Object.keys(op).length) return undefined;
  const byKey = new Map<string, Record<string, unknown>>();
  for (const raw of [...(Array.isArray(item.parameters) ? item.parameters : []), ...(Array.isArray(op.parameters) ? op.parameters : [])]) {
    const p = resolve(document, raw);
    byKey.set(`${String(p.in)}:${String(p.name)}`, p);
  }
  const parameters: SpecOperation['parameters'][number][] = [];
  let body: SpecOperation['body'];
  const formFields: Record<string, JsonSchema> = {};
  const formRequired: string[] = [];
  for (const p of byKey.values()) {
    // Swagger 2 keeps a parameter's schema on the parameter itself.
    const { name: _n, in: _i, required: _r, description: _d, ...inline } = p;
    const schema = (p.schema as JsonSchema | undefined) ?? (inline as JsonSchema);
    if (p.in === 'body') body = { required: p.required === true, schema, example: firstExample(p) };
    else if (p.in === 'formData') {
      formFields[String(p.name)] = schema;
      if (p.required === true) formRequired.push(String(p.name));
    } else parameters.push({ name: String(p.name), in: String(p.in), required: p.required === true, schema, example: firstExample(p) });
  }
  if (Object.keys(formFields).length) body = { required: formRequired.length > 0, schema: { type: 'object', properties: formFields, required: formRequired } };
  const requestBody = resolve(document, op.requestBody);
  const content = record(requestBody.content);
  const media = record(content[Object.keys(content).find((m) => m.includes('json')) ?? Object.keys(content)[0]]);
  if (Object.keys(media).length)
    body = { required: requestBody.required === true, schema: media.schema as JsonSchema | undefined, example: firstExample(media) };
  return { parameters, ...(body ? { body } : {}) };
}

/** Mesh handler settings that carry a credential for each security scheme the document defines. */
export function credentials(document: Document): { operationHeaders: Record<string, string>; queryParams: Record<string, string> } {
  const schemes = { ...record(document.securityDefinitions), ...record(record(document.components).securitySchemes) };
  const operationHeaders: Record<string, string> = {};
  const queryParams: Record<string, string> = {};
  for (const raw of Object.values(schemes)) {
    const scheme = resolve(document, raw);
    const type = String(scheme.type ?? '');
    if (type === 'apiKey' && typeof scheme.name === 'string') {
      // An API key carried in Authorization takes any value: a bearer token satisfies it and OAuth too.
      if (scheme.in === 'header') operationHeaders[scheme.name] = scheme.name.toLowerCase() === 'authorization' ? 'Bearer roundtrip-key' : 'roundtrip-key';
      else if (scheme.in === 'query') queryParams[scheme.name] = 'roundtrip-key';
      else if (scheme.in === 'cookie') operationHeaders.Cookie = `${scheme.name}=roundtrip-key`;
    } else if (!operationHeaders.Authorization) {
      if (type === 'basic' || (type === 'http' && String(scheme.scheme).toLowerCase() === 'basic'))
        operationHeaders.Authorization = 'Basic cm91bmR0cmlwOnJvdW5kdHJpcA==';
      else if (type === 'oauth2' || type === 'openIdConnect' || type === 'http') operationHeaders.Authorization = 'Bearer roundtrip-token';
    }
  }
  return { operationHeaders, queryParams };
}
