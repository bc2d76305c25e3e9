// The SDL of a schema with its directives, character for character what graphql-tools'
// `printSchemaWithDirectives` prints, but one definition at a time. That function builds
// the AST of the whole schema, then graphql's printer builds a buffer for every node of
// it before writing the text: for a Microsoft-Graph-sized schema (30,000 types, an SDL
// of 140 MB) both are alive at once, hundreds of MB on top of the schema, in the loader
// thread at its fullest. graphql's printer writes a document as its definitions joined
// by a blank line, each written on its own from its own nodes (`Document` in
// graphql/language/printer.js), so printing them one by one and joining the same way is
// the same text, with one definition's nodes alive at a time.
import { createRequire } from 'node:module';
import type { DefinitionNode, GraphQLNamedType, GraphQLSchema } from 'graphql';
import { renameTypesIn } from './type-names.ts';

// CommonJS builds, like loader-worker.ts (one graphql instance with Mesh's).
const require = createRequire(import.meta.url);
const {
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isIntrospectionType,
  isObjectType,
  isScalarType,
  isSpecifiedDirective,
  isSpecifiedScalarType,
  isUnionType,
  print,
} = require('graphql') as typeof import('graphql');
const utils = require('@graphql-tools/utils') as typeof import('@graphql-tools/utils');

/** The definition of one named type, as getDocumentNodeFromSchema makes it. */
function typeDefinition(type: GraphQLNamedType, schema: GraphQLSchema): DefinitionNode {
  if (isObjectType(type)) return utils.astFromObjectType(type, schema);
  if (isInterfaceType(type)) return utils.astFromInterfaceType(type, schema);
  if (isUnionType(type)) return utils.astFromUnionType(type, schema);
  if (isInputObjectType(type)) return utils.astFromInputObjectType(type, schema);
  if (isEnumType(type)) return utils.astFromEnumType(type, schema);
  if (isScalarType(type)) return utils.astFromScalarType(type, schema);
  throw new Error(`Unknown type ${String(type)}.`);
}

/**
 * Each definition's text, in the order printSchemaWithDirectives prints them; with
 * `rename`, its type names renamed first (type-names.ts).
 */
function* definitionTexts(schema: GraphQLSchema, rename?: (name: string) => string | undefined): Generator<string> {
  const texts = function* (node: DefinitionNode | null) {
    if (!node) return;
    if (rename) renameTypesIn(node, rename);
    const text = print(node);
    // graphql's `join` leaves out a definition that prints as nothing.
    if (text.length) yield text;
  };
  yield* texts(utils.astFromSchema(schema) as DefinitionNode | null);
  for (const directive of schema.getDirectives()) if (!isSpecifiedDirective(directive)) yield* texts(utils.astFromDirective(directive, schema));
  const types = schema.getTypeMap();
  for (const name in types) {
    const type = types[name];
    if (isSpecifiedScalarType(type) || isIntrospectionType(type)) continue;
    yield* texts(typeDefinition(type, schema));
  }
}

/** `printSchemaWithDirectives(schema)`, definition by definition (same order, same text). */
export function printSchemaWithDirectivesByParts(schema: GraphQLSchema): string {
  return [...definitionTexts(schema)].join('\n\n');
}

const CHUNK_BYTES = 8 * 1024 * 1024;

/**
 * The same text as UTF-8, in chunks that each own their ArrayBuffer, so that they can be
 * handed to another thread without a copy (postMessage's transfer list): a 140 MB SDL
 * sent as a string is copied into the message and again out of it, while both threads
 * still hold their own. Each definition's text is encoded as soon as it is printed. A
 * chunk ends between definitions, never inside one (a UTF-8 sequence is never split), so
 * each decodes on its own; sdlFromChunks() (loader-protocol.ts) joins them.
 */
export function printSchemaWithDirectivesAsChunks(schema: GraphQLSchema, rename?: (name: string) => string | undefined): Uint8Array[] {
  return textAsChunks(definitionTexts(schema, rename));
}

/** Texts joined by a blank line, as UTF-8 chunks (see printSchemaWithDirectivesAsChunks). */
export function textAsChunks(texts: Iterable<string>): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let chunk = Buffer.allocUnsafeSlow(CHUNK_BYTES);
  let used = 0;
  let first = true;
  const close = () => chunks.push(chunk.subarray(0, used));
  for (const text of texts) {
    const piece = first ? text : `\n\n${text}`;
    first = false;
    const bytes = Buffer.byteLength(piece);
    if (used + bytes > chunk.length) {
      if (used > 0) close();
      chunk = Buffer.allocUnsafeSlow(Math.max(CHUNK_BYTES, bytes));
      used = 0;
    }
    used += chunk.write(piece, used);
  }
  if (used > 0 || chunks.length === 0) close();
  return chunks;
}
