// Builders for the small inline OpenAPI 3.0 documents the suites serve. Each suite still
// states the API it relies on (backend.ts's rule), but as data: the `'200': description:
// ok, content: application/json: schema:` boilerplate that every operation repeated
// comes from one place, and a typo in it is a type error instead of a spec that loads
// with a field missing. Documents are plain objects; specYaml() turns one into the text
// Mesh reads, and writeSources() writes specs plus a .meshrc.yaml to a temp dir.
import { stringify } from 'yaml';
import { writeTempDir } from './backend.ts';

/** A JSON Schema as OpenAPI 3.0 writes it; left open on purpose, the loader is the judge. */
export type Schema = Readonly<Record<string, unknown>>;

export interface Parameter {
  readonly name: string;
  readonly in: 'path' | 'query' | 'header';
  readonly required?: boolean;
  readonly style?: string;
  readonly explode?: boolean;
  readonly schema: Schema;
}

export interface Operation {
  readonly operationId: string;
  readonly parameters?: readonly Parameter[];
  readonly requestBody?: { readonly content: Readonly<Record<string, { readonly schema: Schema }>> };
  readonly responses: Readonly<Record<string, unknown>>;
}

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
/** One path item: its operations by method. */
export type PathItem = Partial<Record<Method, Operation>>;

export interface OpenApiDoc {
  readonly openapi: '3.0.3';
  readonly info: { readonly title: string; readonly version: string };
  readonly paths: Readonly<Record<string, PathItem>>;
  readonly components?: { readonly schemas: Readonly<Record<string, Schema>> };
}

/** The document around `paths`; `schemas` become components.schemas, which ref() points into. */
export function openapiDoc(options: { title: string; version?: string; paths: Record<string, PathItem>; schemas?: Record<string, Schema> }): OpenApiDoc {
  const doc: OpenApiDoc = { openapi: '3.0.3', info: { title: options.title, version: options.version ?? '1' }, paths: options.paths };
  return options.schemas ? { ...doc, components: { schemas: options.schemas } } : doc;
}

/** The scalar schemas, named: fixtures use little else. */
export const STRING: Schema = { type: 'string' };
export const INTEGER: Schema = { type: 'integer' };
export const NUMBER: Schema = { type: 'number' };
export const BOOLEAN: Schema = { type: 'boolean' };

/** A `$ref` to components.schemas: the loader names the GraphQL type after it. */
export function ref(name: string): Schema {
  return { $ref: `#/components/schemas/${name}` };
}

/** `type: array` of `items`: list fields, and non-exploded query lists. */
export function arrayOf(items: Schema): Schema {
  return { type: 'array', items };
}

/** An object schema; `required` only when given, since it changes nullability in GraphQL. */
export function objectOf(properties: Record<string, Schema>, required?: readonly string[]): Schema {
  return required ? { type: 'object', required, properties } : { type: 'object', properties };
}

/** The `responses` of an operation answering 200 with JSON of `schema`: what every fixture operation needs. */
export function jsonResponse(schema: Schema): Operation['responses'] {
  return { '200': { description: 'ok', content: { 'application/json': { schema } } } };
}

/** A required path parameter, a string unless said otherwise (path parameters always are required). */
export function pathParam(name: string, schema: Schema = STRING): Parameter {
  return { name, in: 'path', required: true, schema };
}

/** An optional query parameter; `extra` carries style/explode/required for list encodings. */
export function queryParam(name: string, schema: Schema, extra: Pick<Parameter, 'required' | 'style' | 'explode'> = {}): Parameter {
  return { name, in: 'query', ...extra, schema };
}

/** A header parameter; optional unless `required`. */
export function headerParam(name: string, schema: Schema = STRING, required?: boolean): Parameter {
  return required === undefined ? { name, in: 'header', schema } : { name, in: 'header', required, schema };
}

interface OperationOptions {
  readonly params?: readonly Parameter[];
  /** Schema of the JSON 200 answer; omit for an operation with no declared body. */
  readonly response?: Schema;
  /** Schema of the JSON request body. */
  readonly body?: Schema;
}

/** One operation under `method`, spread into a path item: `{ ...getOp(...), ...postOp(...) }`. */
export function op(method: Method, operationId: string, options: OperationOptions = {}): PathItem {
  const operation: Operation = {
    operationId,
    ...(options.params ? { parameters: options.params } : {}),
    ...(options.body ? { requestBody: { content: { 'application/json': { schema: options.body } } } } : {}),
    responses: options.response ? jsonResponse(options.response) : { '200': { description: 'ok' } },
  };
  return { [method]: operation };
}

/** A GET operation: most fixture operations are. */
export function getOp(operationId: string, options: OperationOptions = {}): PathItem {
  return op('get', operationId, options);
}

/** A POST operation with a JSON body: the fixtures' mutations. */
export function postOp(operationId: string, options: OperationOptions = {}): PathItem {
  return op('post', operationId, options);
}

/** The YAML text of a document, as a spec file holds it. */
export function specYaml(doc: OpenApiDoc): string {
  // No anchors/aliases: a schema object shared by two operations must be written out twice,
  // as a hand-written spec would be, not as `*a1`.
  return stringify(doc, { aliasDuplicateObjects: false, lineWidth: 0 });
}

/** One Mesh source in a .meshrc.yaml: an OpenAPI handler over `spec` at `endpoint`. */
export interface SourceEntry {
  readonly name: string;
  /** The spec's file name in the temp dir, e.g. `catalog.yaml`. */
  readonly spec: string;
  readonly endpoint: string;
}

/**
 * A .meshrc.yaml over `sources`; `tributary` is YAML text already indented two spaces
 * (the form the suites pass their policy snippets in), placed under `tributary:`.
 */
export function meshrc(sources: readonly SourceEntry[], tributary = ''): string {
  const lines = ['sources:'];
  for (const s of sources)
    lines.push(`  - name: ${s.name}`, '    handler:', '      openapi:', `        source: ./${s.spec}`, `        endpoint: ${s.endpoint}`);
  if (tributary.trim()) lines.push('tributary:', tributary.replace(/\n+$/, ''));
  return `${lines.join('\n')}\n`;
}

/**
 * Writes each spec (file name → document) and, when `sources` is given, a .meshrc.yaml
 * over them into a new temp dir; `files` adds anything else verbatim. Returns the dir
 * (remove it with removeTempDir).
 */
export function writeSources(options: {
  specs: Record<string, OpenApiDoc>;
  sources?: readonly SourceEntry[];
  tributary?: string;
  files?: Record<string, string>;
}): Promise<string> {
  const files: Record<string, string> = { ...options.files };
  for (const [name, doc] of Object.entries(options.specs)) files[name] = specYaml(doc);
  if (options.sources) files['.meshrc.yaml'] = meshrc(options.sources, options.tributary);
  return writeTempDir(files);
}
