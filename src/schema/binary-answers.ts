// Binary answers as base64 text. Mesh's loader types a `format: binary` response as its
// `File` upload scalar, whose output is `{}`, and a binary media type without that format
// as `String` or `JSON`, whose UTF-8 decoding mangles the bytes. Decided once per
// schema, from the operation's response media type (the `accept` Mesh writes into
// `@httpOperation`) and its type: such a root field returns `Base64`, and its operation
// (operation/compile.ts) answers the body's bytes encoded as RFC 4648 §4 base64.
import { getNamedType, GraphQLList, GraphQLNonNull, GraphQLScalarType, GraphQLSchema, Kind, type GraphQLOutputType } from 'graphql';
import { MapperKind, mapSchema } from '@graphql-tools/utils';
import { directive as directiveOf } from './directives.ts';

export const BASE64_SCALAR = 'Base64';

const BASE64_TEXT = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function asBase64(value: unknown): string {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (typeof value === 'string' && BASE64_TEXT.test(value)) return value;
  throw new TypeError(`Base64 cannot represent ${typeof value === 'string' ? 'a string that is not base64' : typeof value}`);
}

export function base64Scalar(): GraphQLScalarType {
  return new GraphQLScalarType({
    name: BASE64_SCALAR,
    description:
      'Bytes as base64 text (RFC 4648 §4, with padding): the body of a binary answer (image/png, application/octet-stream, `format: binary`), byte for byte.',
    specifiedByURL: 'https://www.rfc-editor.org/rfc/rfc4648#section-4',
    serialize: asBase64,
    parseValue: asBase64,
    parseLiteral(ast) {
      if (ast.kind !== Kind.STRING) throw new TypeError('Base64 must be a string');
      return asBase64(ast.value);
    },
  });
}

/**
 * Media types whose bodies are bytes rather than text (RFC 6838 §4.2: the image, audio,
 * video and font top-level types; the common application/ ones). SVG is XML text.
 */
const BINARY_MEDIA = /^(?:(?:image|audio|video|font)\/(?!svg\+xml)|application\/(?:octet-stream|pdf|zip|gzip|x-tar|x-7z-compressed|vnd\.ms-excel|msword)\b)/i;

export function isBinaryMediaType(mediaType: string): boolean {
  return BINARY_MEDIA.test(mediaType.trim());
}

function acceptOf(directive: Record<string, unknown> | undefined): string {
  const headers = directive?.operationSpecificHeaders;
  const entries: Array<[string, unknown]> = Array.isArray(headers)
    ? headers
    : typeof headers === 'string'
      ? Object.entries(JSON.parse(headers) as object)
      : Object.entries(headers ?? {});
  return String(entries.find(([name]) => name.toLowerCase() === 'accept')?.[1] ?? '');
}

/** Whether a field answering `typeName` under `accept` is a binary answer. */
function isBinaryAnswer(typeName: string, accept: string): boolean {
  if (typeName === 'File') return true;
  const media = accept
    .split(',')
    .map((m) => m.split(';')[0]!.trim())
    .filter(Boolean);
  return (typeName === 'String' || typeName === 'JSON') && media.length > 0 && media.every(isBinaryMediaType);
}

function rewrap(type: GraphQLOutputType, named: GraphQLScalarType): GraphQLOutputType {
  if (type instanceof GraphQLNonNull) return new GraphQLNonNull(rewrap(type.ofType, named));
  if (type instanceof GraphQLList) return new GraphQLList(rewrap(type.ofType, named));
  return named;
}

/** The schema with every binary answer typed `Base64`; the same schema when it has none. */
export function binaryAnswersAsBase64(schema: GraphQLSchema): GraphQLSchema {
  const binary = (field: { type: GraphQLOutputType }, directive: Record<string, unknown> | undefined) =>
    directive !== undefined && isBinaryAnswer(getNamedType(field.type).name, acceptOf(directive));
  const roots = [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()];
  const any = roots.some((root) => root && Object.values(root.getFields()).some((f) => binary(f, directiveOf(schema, f, 'httpOperation')?.[0])));
  if (!any) return schema;
  const scalar = base64Scalar();
  const config = schema.toConfig();
  const withScalar = new GraphQLSchema({ ...config, types: [...config.types, scalar] });
  return mapSchema(withScalar, {
    [MapperKind.ROOT_FIELD]: (field) => {
      if (!binary(field, directiveOf(withScalar, field, 'httpOperation')?.[0])) return field;
      return { ...field, type: rewrap(field.type, withScalar.getType(BASE64_SCALAR) as GraphQLScalarType) };
    },
  });
}
