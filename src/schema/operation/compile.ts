// A RestOperation is one `@httpOperation` field of a source compiled once per schema:
// URL template, query mapping, headers and body encoding are decided here so that a
// request does only the work its own argument values require. Every call goes through
// the one UpstreamClient; upstream failures become coded errors that name the source
// and status but never carry the upstream URL, headers or body (those are logged).
import {
  getNamedType,
  isAbstractType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
  isSpecifiedScalarType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLSchema,
} from 'graphql';
import { getDirective } from '@graphql-tools/utils';
import { stringInterpolator } from '@graphql-mesh/string-interpolation';
import qs from 'qs';
import { TributaryError } from '../../errors.ts';
import type { Logger } from '../../observability/log.ts';
import type { UpstreamClient, UpstreamResponse } from '../../upstream/types.ts';
import { exceedsJsonDepth, MAX_JSON_DEPTH } from '../../upstream/json-depth.ts';
import { compilePathTemplate, splitPathKey, type PathKeyConstant } from './path.ts';
import { reachesOpaqueScalar } from './opaque-values.ts';
import { compileParamEncoder, compileQueryValueCheck } from './query-string.ts';
import { compileBodyEncoder } from './body.ts';
import { compileInputScalarWriter } from './input-scalars.ts';
import { decodeXmlAnswer, isXmlMediaType } from './xml-answer.ts';
import { BASE64_SCALAR } from '../binary-answers.ts';
import { directive } from '../directives.ts';
import { requestHeadersOf, type TributaryContext } from '../../context.ts';

/** The arguments Mesh's OpenAPI loader writes into `@httpOperation`. */
export interface HttpOperationDirective {
  path: string;
  httpMethod: string;
  operationSpecificHeaders?: Record<string, string>;
  isBinary?: boolean;
  requestBaseBody?: Record<string, unknown>;
  queryParamArgMap?: Record<string, string>;
  queryStringOptionsByParam?: Record<string, qs.IStringifyOptions>;
  queryStringOptions?: qs.IStringifyOptions;
  jsonApiFields?: boolean;
}

/** Source-wide settings from the schema's `@transport` directive and Tributary config. */
export interface SourceTransport {
  name: string;
  operationHeaders?: Record<string, string>;
  queryParams?: Record<string, unknown>;
  queryStringOptions?: qs.IStringifyOptions;
}

export interface RestOperation {
  readonly source: string;
  /** `Query.users`, for messages and logs. */
  readonly coordinate: string;
  readonly method: string;
  readonly returnsList: boolean;
  /** Calls the service and returns the decoded answer shaped for the field's type. */
  execute(args: Record<string, unknown>, context: TributaryContext | undefined): Promise<unknown>;
}

const JSON_OBJECT_START = /^\s*[[{"0-9tfn-]/;

type Interpolated = (args: Record<string, unknown>, context: unknown) => string | undefined;

function compileInterpolation(template: string): Interpolated {
  if (!template.includes('{')) return () => template;
  const readsHeaders = template.includes('context.headers');
  return (args, context) => {
    if (readsHeaders && context) requestHeadersOf(context as TributaryContext);
    return stringInterpolator.parse(template, { args, context, env: process.env });
  };
}

/**
 * What a header field value may hold (RFC 9110 §5.5): visible ASCII, SP, HTAB and
 * obs-text (0x80–0xFF, sent as Latin-1 bytes). Anything else — CR, LF, NUL, other
 * controls, any code point above U+00FF, a lone surrogate — is what undici refuses to
 * send, or worse, what would split the header; it is refused here first.
 */
const INVALID_HEADER_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

/** `{args.a.b}` or `{args.a:default}` in a template: the argument it reads. */
const ARG_REFERENCE = /\{\s*args\.([^}:\s]+)/g;

interface HeaderTemplate {
  readonly name: string;
  readonly value: Interpolated;
  /** Arguments the template reads, to name the one at fault. */
  readonly args: readonly (readonly string[])[];
}

function compileHeaderTemplate(name: string, template: string): HeaderTemplate {
  const args = [...template.matchAll(ARG_REFERENCE)].map((m) => m[1]!.split('.'));
  return { name, value: compileInterpolation(template), args };
}

/** A path whose key's `#` part named query constants, with them as its query string (after any `?` part). */
function withQueryConstants(path: string, constants: readonly PathKeyConstant[]): string {
  const query = constants.filter((c) => c.in === 'query').map((c) => `${encodeURIComponent(c.name)}=${encodeURIComponent(c.value)}`);
  if (query.length === 0) return path;
  return `${path}${path.includes('?') ? '&' : '?'}${query.join('&')}`;
}

function readArg(args: Record<string, unknown>, path: readonly string[]): unknown {
  let value: unknown = args;
  for (const key of path) {
    if (value == null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/**
 * A header value as the service will read it. A template that is one `{args.x}` hands
 * back the argument itself; a list is OpenAPI's `simple` style (OpenAPI 3.1 §4.8.12.4),
 * elements joined by commas — which is also how a service splits a list header
 * (RFC 9110 §5.3) — so an element holding a comma would be read as two.
 */
function headerText(header: HeaderTemplate, raw: unknown, args: Record<string, unknown>): string {
  if (!Array.isArray(raw)) return typeof raw === 'string' ? raw : typeof raw === 'object' ? JSON.stringify(raw) : String(raw);
  const items = raw.map((item: unknown) => (typeof item === 'string' ? item : String(item)));
  const split = items.find((item) => item.includes(','));
  if (split !== undefined)
    throw headerRefused(header, args, `may not hold "${split}": its elements are sent joined with ",", and an element may not contain it.`);
  return items.join(',');
}

/** The argument whose value the header cannot carry, or a plain (internal) error if none is. */
function headerRefused(header: HeaderTemplate, args: Record<string, unknown>, why: string): Error {
  const culprit =
    header.args.find((path) => {
      const value = readArg(args, path);
      if (value == null) return false;
      return Array.isArray(value)
        ? value.some((item: unknown) => INVALID_HEADER_VALUE.test(String(item)) || String(item).includes(','))
        : INVALID_HEADER_VALUE.test(String(value));
    }) ?? (header.args.length === 1 ? header.args[0] : undefined);
  // Context and env values are the operator's (or were checked by Node's HTTP parser):
  // one that cannot be sent is a gateway fault, masked and logged as unexpected.
  if (!culprit) return new Error(`The "${header.name}" header value built from its template cannot be sent: ${why}`);
  const argName = culprit.join('.');
  return new TributaryError('BAD_USER_INPUT', `Argument "${argName}" cannot be sent in the "${header.name}" header: it ${why}`, {
    extensions: { argumentName: argName },
  });
}

function unwrap(type: GraphQLInputType): GraphQLInputType {
  return isNonNullType(type) ? (type.ofType as GraphQLInputType) : type;
}

/**
 * Custom scalars (DateTime, BigInt, …) hold internal values that must be serialized
 * before they are put in a URL; built-in scalars and enums are already in wire form.
 */
function compileArgSerializer(arg: GraphQLArgument): ((value: unknown) => unknown) | undefined {
  const serialize = (type: GraphQLInputType, value: unknown): unknown => {
    if (value == null) return value;
    const t = unwrap(type);
    if (isListType(t)) return (Array.isArray(value) ? value : [value]).map((v) => serialize(t.ofType as GraphQLInputType, v));
    if (isScalarType(t) && !isSpecifiedScalarType(t)) {
      try {
        const out = t.serialize(value);
        return out instanceof Date ? out.toISOString() : out;
      } catch {
        return value instanceof Date ? value.toISOString() : value;
      }
    }
    return value;
  };
  const named = getNamedType(arg.type);
  return isScalarType(named) && !isSpecifiedScalarType(named) ? (v) => serialize(arg.type, v) : undefined;
}

const shapedInputs = new WeakMap<GraphQLSchema, ReadonlySet<string>>();

/**
 * The input object types whose values are rewritten before they are sent: a `@oneOf`
 * one (the client's choice of member), one with a `@resolveRootField` rename, and every
 * input type that holds one of those at any depth. Found once per schema, from the types
 * that are rewritten up through the types that contain them: a walk per operation cost
 * operations × input types (a Microsoft-Graph-sized document: 11,000 operations over
 * 5,000 input types, most of a minute), and a walk that stopped at a type it had seen
 * missed a type reached a second time through another field.
 */
function inputTypesToShape(schema: GraphQLSchema): ReadonlySet<string> {
  const known = shapedInputs.get(schema);
  if (known) return known;
  const shaped = new Set<string>();
  const holders = new Map<string, string[]>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isInputObjectType(type)) continue;
    let own = Boolean(directive(schema, type, 'oneOf')?.length);
    for (const f of Object.values(type.getFields())) {
      if (!own && directive(schema, f, 'resolveRootField')?.length) own = true;
      const inner = getNamedType(f.type);
      if (isInputObjectType(inner)) {
        const list = holders.get(inner.name);
        if (list) list.push(type.name);
        else holders.set(inner.name, [type.name]);
      }
    }
    if (own) shaped.add(type.name);
  }
  const queue = [...shaped];
  while (queue.length) {
    for (const holder of holders.get(queue.pop()!) ?? []) {
      if (shaped.has(holder)) continue;
      shaped.add(holder);
      queue.push(holder);
    }
  }
  shapedInputs.set(schema, shaped);
  return shaped;
}

/** Input objects marked `@oneOf` by the loader stand for a union: send the chosen member. */
function compileInputShaper(schema: GraphQLSchema, type: GraphQLInputType | undefined): ((value: unknown) => unknown) | undefined {
  if (!type) return undefined;
  const needs = inputTypesToShape(schema);
  const named = getNamedType(type);
  if (!isInputObjectType(named) || !needs.has(named.name)) return undefined;
  const shape = (t: GraphQLInputType, value: unknown): unknown => {
    if (value == null) return value;
    const u = unwrap(t);
    if (isListType(u)) return (Array.isArray(value) ? value : [value]).map((v) => shape(u.ofType as GraphQLInputType, v));
    if (!isInputObjectType(u) || !needs.has(u.name) || typeof value !== 'object') return value;
    const fields = u.getFields();
    if (getDirective(schema, u, 'oneOf')?.length) {
      for (const key in value as Record<string, unknown>) {
        const f = fields[key];
        if (f && (value as Record<string, unknown>)[key] !== undefined) return shape(f.type, (value as Record<string, unknown>)[key]);
      }
      return value;
    }
    const out: Record<string, unknown> = {};
    for (const key in value as Record<string, unknown>) {
      const f = fields[key];
      const real = f ? ((getDirective(schema, f, 'resolveRootField')?.[0]?.field as string | undefined) ?? key) : key;
      out[real] = f ? shape(f.type, (value as Record<string, unknown>)[key]) : (value as Record<string, unknown>)[key];
    }
    return out;
  };
  return (value) => shape(type, value);
}

/** Which status codes a union return type maps to member types (`@statusCodeTypeName`). */
function statusMappedCodes(schema: GraphQLSchema, field: GraphQLField<unknown, unknown>): Set<string> | undefined {
  const named = getNamedType(field.type);
  if (!isAbstractType(named)) return undefined;
  const codes = new Set<string>();
  for (const d of directive(schema, named, 'statusCodeTypeName') ?? []) codes.add(String(d.statusCode));
  return codes.size ? codes : undefined;
}

function isListReturn(field: GraphQLField<unknown, unknown>): boolean {
  const t = isNonNullType(field.type) ? field.type.ofType : field.type;
  return isListType(t);
}

export interface CompileOptions {
  schema: GraphQLSchema;
  field: GraphQLField<unknown, unknown>;
  coordinate: string;
  directive: HttpOperationDirective;
  transport: SourceTransport;
  upstream: UpstreamClient;
  logger: Logger;
  /** Whether results need Mesh's `$…` response metadata (for `@oas_link`/`@responseMetadata` fields). */
  needsMetadata: boolean;
}

export function compileRestOperation(options: CompileOptions): RestOperation {
  const { schema, field, coordinate, directive, transport, upstream, logger, needsMetadata } = options;
  const method = String(directive.httpMethod ?? 'GET').toUpperCase();
  const declaredHeaders = new Set(Object.keys({ ...transport.operationHeaders, ...directive.operationSpecificHeaders }).map((h) => h.toLowerCase()));
  const pathKey = splitPathKey(directive.path ?? '/', declaredHeaders);
  const buildPath = compilePathTemplate(withQueryConstants(pathKey.path, pathKey.constants), coordinate);
  const returnsList = isListReturn(field);
  const namedReturn = getNamedType(field.type);
  const returnsScalar = isScalarType(namedReturn);
  // A binary answer (schema/binary-answers.ts): the body's bytes, as base64.
  const returnsBase64 = namedReturn.name === BASE64_SCALAR;
  // Scanned for depth only when something below would recurse into all of it.
  const checkDepth = reachesOpaqueScalar(schema, namedReturn);
  const statusCodes = statusMappedCodes(schema, field);
  const qsBase: qs.IStringifyOptions = { indices: false, ...transport.queryStringOptions, ...directive.queryStringOptions };

  const serializers = new Map<string, (v: unknown) => unknown>();
  for (const arg of field.args) {
    const s = compileArgSerializer(arg);
    if (s) serializers.set(arg.name, s);
  }
  const inputArg = field.args.find((a) => a.name === 'input');
  const shapeByUnion = compileInputShaper(schema, inputArg?.type);
  const writeScalars = compileInputScalarWriter(inputArg?.type);
  // Scalars first: the writer reads GraphQL field names, which the shaper may rename.
  const shapeInput = writeScalars && shapeByUnion ? (v: unknown) => shapeByUnion(writeScalars(v)) : (writeScalars ?? shapeByUnion);

  const queryArgs = Object.entries(directive.queryParamArgMap ?? {}).map(([param, argName]) => {
    const options = { ...qsBase, ...directive.queryStringOptionsByParam?.[param] } as qs.IStringifyOptions & {
      destructObject?: boolean;
      jsonStringify?: boolean;
    };
    return {
      param,
      argName,
      options,
      encode: compileParamEncoder(param, options),
      check: compileQueryValueCheck(argName, options),
      serialize: serializers.get(argName),
    };
  });
  const fixedQuery = Object.entries(transport.queryParams ?? {}).map(([param, value]) => ({
    param,
    overriddenBy: directive.queryParamArgMap?.[param],
    value: compileInterpolation(String(value)),
    check: compileQueryValueCheck(param, qsBase),
  }));

  const headerTemplates = Object.entries({ ...transport.operationHeaders, ...directive.operationSpecificHeaders }).map(([name, value]) =>
    compileHeaderTemplate(name.toLowerCase(), String(value)),
  );
  // A path key's `#Header=value` (splitPathKey): sent as given unless the operation declares the header itself.
  for (const c of pathKey.constants)
    if (c.in === 'header' && !declaredHeaders.has(c.name)) headerTemplates.push(compileHeaderTemplate(c.name, c.value.replace(/[{}]/g, '')));
  const contentType = String(headerTemplates.find((h) => h.name === 'content-type')?.value({}, undefined) ?? '');
  // A GET with content has no generally defined semantics (RFC 9110 §9.3.1), and a client
  // SHOULD NOT send one unless the service said out of band that it has a purpose: an
  // operation that declares a body (a Swagger 2.0 `in: body` parameter, an OAS requestBody,
  // OAS 3.1 §4.8.10 "permitted") has said so, so its `input` is sent. A HEAD answer has
  // no body to describe it, and HEAD stays without one.
  const sendsBody = method !== 'HEAD' && (method !== 'GET' || inputArg !== undefined);
  const encodeBody = compileBodyEncoder({
    contentType,
    inputType: inputArg?.type,
    isBinary: Boolean(directive.isBinary),
    requestBaseBody: directive.requestBaseBody,
    shapeInput,
    qsOptions: qsBase,
  });
  // The circuit key (see src/upstream/breaker.ts): the template, never the filled-in path,
  // so every value of `{id}` shares one circuit and no client can mint new ones.
  const operation = `${method} ${(directive.path ?? '/').split('?')[0]!.replace(/\{\s*args\.([^}]+?)\s*\}/g, '{$1}')}`;

  function queryString(args: Record<string, unknown>, context: unknown): string {
    let out = '';
    const add = (s: string) => {
      if (s) out += (out ? '&' : '') + s;
    };
    for (const q of fixedQuery) {
      if (q.overriddenBy !== undefined && args[q.overriddenBy] != null) continue;
      const value = q.value(args, context);
      q.check(value);
      add(qs.stringify({ [q.param]: value }, qsBase));
    }
    for (const q of queryArgs) {
      let value = args[q.argName];
      if (value == null) continue;
      if (q.serialize) value = q.serialize(value);
      if (value instanceof URL) value = value.toString();
      q.check(value);
      const whole = Array.isArray(value) || typeof value !== 'object' || !q.options.destructObject;
      if (whole && !q.options.jsonStringify) {
        add(q.encode(value));
        continue;
      }
      const obj = whole ? { [q.param]: value } : (value as object);
      if (q.options.jsonStringify) {
        const sp = new URLSearchParams();
        for (const [k, v] of Object.entries(obj)) {
          for (const item of Array.isArray(v) ? v : [v]) sp.append(k, typeof item === 'object' ? JSON.stringify(item) : String(item));
        }
        add(sp.toString());
      } else {
        add(qs.stringify(obj, q.options));
      }
    }
    return out;
  }

  function fail(response: UpstreamResponse, path: string): never {
    logger.warn(
      { source: transport.name, field: coordinate, method, path, status: response.status, body: response.body.subarray(0, 2048).toString('utf8') },
      'upstream answered with an error status',
    );
    throw new TributaryError('UPSTREAM_HTTP_ERROR', `Source "${transport.name}" answered ${response.status} for ${coordinate}.`, {
      extensions: { source: transport.name, status: response.status },
    });
  }

  function decode(response: UpstreamResponse, path: string, args: Record<string, unknown>): unknown {
    const ok = response.status >= 200 && response.status < 300;
    const mapped = !ok && statusCodes !== undefined && (statusCodes.has(String(response.status)) || statusCodes.has('default'));
    if (!ok && !mapped) fail(response, path);
    if (returnsBase64) return response.status === 204 ? null : response.body.toString('base64');
    const text = response.body.toString('utf8');
    let data: unknown;
    if (text === '' || response.status === 204) {
      data = returnsScalar ? (text === '' ? null : text) : returnsList ? [] : {};
    } else if (returnsScalar && !JSON_OBJECT_START.test(text)) {
      return text;
    } else if (isXmlMediaType(response.headers['content-type'])) {
      // The document's schema describes the XML (xml-answer.ts); a JSON-typed field is
      // filled from it rather than failing on a body that is not JSON.
      try {
        data = decodeXmlAnswer(text, field.type);
      } catch (error) {
        logger.warn(
          { source: transport.name, field: coordinate, path, status: response.status, error: error instanceof Error ? error.message : String(error) },
          'upstream answered with malformed XML',
        );
        throw new TributaryError('UPSTREAM_BAD_RESPONSE', `Source "${transport.name}" answered ${coordinate} with a body that is not valid XML.`, {
          extensions: { source: transport.name },
        });
      }
    } else {
      if (checkDepth && exceedsJsonDepth(response.body)) {
        logger.warn(
          { source: transport.name, field: coordinate, path, status: response.status, maxDepth: MAX_JSON_DEPTH },
          'upstream answered with JSON nested too deep',
        );
        throw new TributaryError(
          'UPSTREAM_BAD_RESPONSE',
          `Source "${transport.name}" answered ${coordinate} with JSON nested deeper than ${MAX_JSON_DEPTH} levels.`,
          {
            extensions: { source: transport.name },
          },
        );
      }
      try {
        data = JSON.parse(text);
      } catch {
        if (returnsScalar) return text;
        logger.warn(
          { source: transport.name, field: coordinate, path, status: response.status, body: text.slice(0, 2048) },
          'upstream answered with malformed JSON',
        );
        throw new TributaryError('UPSTREAM_BAD_RESPONSE', `Source "${transport.name}" answered ${coordinate} with a body that is not valid JSON.`, {
          extensions: { source: transport.name },
        });
      }
    }
    // Specs often say "list" where the service returns one object, and vice versa.
    if (returnsList && !Array.isArray(data)) data = data == null ? data : [data];
    else if (!returnsList && Array.isArray(data)) data = data[0];
    if ((statusCodes || needsMetadata) && data != null && typeof data === 'object') {
      const items = Array.isArray(data) ? data : [data];
      for (const item of items) if (item && typeof item === 'object') attachMetadata(item, response, path, args);
    }
    return data;
  }

  function attachMetadata(obj: object, response: UpstreamResponse, path: string, args: Record<string, unknown>): void {
    // Mesh's type resolvers and link fields read these; non-enumerable so they never
    // show up in a JSON rendering. Only done when the schema needs them.
    const props: PropertyDescriptorMap = { $statusCode: { value: response.status } };
    if (needsMetadata) {
      props.$field = { value: field.name };
      props.$args = { value: args };
      props.$url = { value: path.split('?')[0] };
      props.$method = { value: method };
      props.$response = { value: { header: response.headers, body: obj } };
      props.$request = { value: { path: args, query: args, body: args.input } };
    }
    Object.defineProperties(obj, props);
  }

  return {
    source: transport.name,
    coordinate,
    method,
    returnsList,
    async execute(args, context) {
      let path = buildPath(args, context);
      const query = queryString(args, context);
      if (query) path += (path.includes('?') ? '&' : '?') + query;
      if (!path.startsWith('/')) path = '/' + path;
      const headers: Record<string, string> = {};
      for (const header of headerTemplates) {
        const raw: unknown = header.value(args, context);
        if (raw == null || raw === '') continue;
        const v = headerText(header, raw, args);
        if (INVALID_HEADER_VALUE.test(v)) {
          throw headerRefused(
            header,
            args,
            'may hold only visible ASCII, space, tab and Latin-1 text: no CR, LF, NUL or other control character, nothing above U+00FF (RFC 9110 §5.5).',
          );
        }
        if (v !== '') headers[header.name] = v;
      }
      const body = sendsBody ? await encodeBody(args, context, headers) : undefined;
      // The scope carries the request to the upstream client, whose outbound rules
      // (forwarded client headers, gateway-set headers, per-source auth and rate limits)
      // run before any byte goes out.
      const response = await upstream.request(transport.name, {
        method,
        path,
        operation,
        headers,
        body,
        signal: context?.request?.signal,
        scope: context?.scope,
      });
      return decode(response, path, args);
    },
  };
}
