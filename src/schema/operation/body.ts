// How one operation's request body is encoded, decided once from its media type and
// the GraphQL type of its `input` argument:
//   a `File` input (Mesh maps a `format: binary` body to it)  the file's bytes, as is
//   multipart/form-data                                       one part per property
//   application/x-www-form-urlencoded                         qs
//   text/plain                                                the value as text
//   anything else                                             JSON
// Files come from GraphQL multipart requests (Yoga reads them into WHATWG File objects,
// which may come from another realm than this one's Blob): they are recognised by what
// they can do, not by their class.
import { getNamedType, type GraphQLInputType } from 'graphql';
import { stringInterpolator } from '@graphql-mesh/string-interpolation';
import qs from 'qs';

/** What a GraphQL `File` argument holds: a File or Blob of any realm, or a promise of one. */
interface FileLike {
  readonly type?: string;
  readonly name?: string;
  arrayBuffer(): Promise<ArrayBuffer>;
}

function isFileLike(value: unknown): value is FileLike {
  return typeof value === 'object' && value !== null && typeof (value as FileLike).arrayBuffer === 'function';
}

export interface BodyOptions {
  /** The operation's declared `Content-Type` ('' when none). */
  readonly contentType: string;
  /** The `input` argument's type, when the operation has one. */
  readonly inputType: GraphQLInputType | undefined;
  readonly isBinary: boolean;
  readonly requestBaseBody: Record<string, unknown> | undefined;
  readonly shapeInput: ((value: unknown) => unknown) | undefined;
  readonly qsOptions: qs.IStringifyOptions;
}

/** Fills `headers['content-type']` when the body decides it; answers the bytes or text to send. */
export type BodyEncoder = (args: Record<string, unknown>, context: unknown, headers: Record<string, string>) => Promise<string | Uint8Array | undefined>;

/** A declared media type that does not say what the bytes are (`*\/*`, `image/*`). */
const WILDCARD = /\*/;

export function compileBodyEncoder(options: BodyOptions): BodyEncoder {
  const { contentType } = options;
  const media = contentType.split(';')[0]!.trim().toLowerCase();
  if (options.isBinary || (options.inputType && getNamedType(options.inputType).name === 'File')) return binaryBody(media);
  const baseBody = options.requestBaseBody;
  const shape = options.shapeInput;
  const encode =
    media === 'multipart/form-data'
      ? multipartBody
      : media === 'application/x-www-form-urlencoded'
        ? formBody(options.qsOptions)
        : media === 'text/plain'
          ? textBody
          : jsonBody;
  return async (args, context, headers) => {
    let input = args.input;
    if (baseBody) {
      input = { ...(input as object) };
      for (const [key, value] of Object.entries(baseBody)) {
        (input as Record<string, unknown>)[key] = typeof value === 'string' ? stringInterpolator.parse(value, { args, context, env: process.env }) : value;
      }
    }
    if (input == null) return undefined;
    if (shape) input = shape(input);
    return encode(await input, headers);
  };
}

/**
 * A body whose schema is `format: binary` (OAS 3.0.3 §4.7.13, "Considerations for File
 * Uploads": `application/octet-stream` and other binary media types carry the file's
 * content as the body). Sent under the declared media type; a wildcard or none takes the
 * file's own type.
 */
function binaryBody(media: string): BodyEncoder {
  return async (args, _context, headers) => {
    const upload: unknown = await args.input;
    if (upload == null) return undefined;
    if (!isFileLike(upload)) return typeof upload === 'string' ? upload : JSON.stringify(upload);
    if (!media || WILDCARD.test(media)) headers['content-type'] = upload.type || 'application/octet-stream';
    return new Uint8Array(await upload.arrayBuffer());
  };
}

/**
 * multipart/form-data (RFC 7578), one part per property, encoded as OAS 3.0.3 §4.7.14
 * (Encoding Object) says by default: a file (`format: binary`) as a file part with its
 * filename and content type; an array as one part per item under the same name (the
 * spec's "multiple files" example); an object as its JSON text (`application/json`);
 * any other value as its text.
 */
async function multipartBody(input: unknown, headers: Record<string, string>): Promise<Uint8Array> {
  const form = new FormData();
  const add = async (key: string, value: unknown): Promise<void> => {
    value = await value;
    if (value == null) return;
    if (isFileLike(value)) {
      const type = value.type || 'application/octet-stream';
      form.append(key, new File([await value.arrayBuffer()], value.name || key, { type }));
    } else if (Array.isArray(value)) {
      for (const item of value) await add(key, item);
    } else form.append(key, typeof value === 'object' ? JSON.stringify(value) : String(value));
  };
  for (const [key, value] of Object.entries(input as Record<string, unknown>)) await add(key, value);
  // undici's encoder writes the parts and picks the boundary.
  const encoded = new Response(form);
  headers['content-type'] = encoded.headers.get('content-type') ?? 'multipart/form-data';
  return new Uint8Array(await encoded.arrayBuffer());
}

function formBody(options: qs.IStringifyOptions) {
  return async (input: unknown): Promise<string> => qs.stringify(input, options);
}

async function textBody(input: unknown): Promise<string> {
  return typeof input === 'object' ? JSON.stringify(input) : String(input);
}

async function jsonBody(input: unknown, headers: Record<string, string>): Promise<string> {
  if (!headers['content-type']) headers['content-type'] = 'application/json';
  return JSON.stringify(input);
}
