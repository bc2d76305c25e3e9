// A REST service's value that does not fit its field's GraphQL type — "abc" for an Int,
// an object for a String, "gone" for an enum, null for a non-null field — fails that
// field only (GraphQL spec §6.4.4, "Handling Field Errors"). The executors say so in
// words that quote the value (`Int cannot represent non-integer value: "secret"`), and
// the value is the service's data, which the client may not be entitled to see (a
// neighbouring field it did not select, an internal id). Such an error becomes
// UPSTREAM_BAD_RESPONSE, naming the field and the type it expected; the executor's own
// message, with the value, goes to the log (as the TributaryError's `detail`).
//
// How a completion error is told from a resolver's error, in every executor:
//   graphql-js  wraps what completion threw: a GraphQLError (a scalar's or enum's
//               serialize, isTypeOf, "Expected Iterable") or, for null, a plain Error;
//               graphql-tools' executor (@defer, @stream), a fork of it, does the same,
//               except that a serialize error comes as a plain Error with its words;
//   graphql-jit reports its completion errors itself, with no originalError.
// A resolver's error is the originalError in all. A TributaryError (already coded and
// safe) and any other coded error are left alone; a resolver's plain Error stays
// "unexpected" (masked and logged by mask-errors.ts).
import {
  GraphQLError,
  getNamedType,
  getNullableType,
  isListType,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLNamedType,
  type GraphQLSchema,
  type GraphQLType,
} from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import { isTributaryError, TributaryError } from '../errors.ts';
import { fieldAtPath } from './graphql-field-at-path.ts';

/** graphql-js's and graphql-jit's words for a null in a non-null field (no value is quoted). */
const NULL_IN_NON_NULL = 'Cannot return null for non-nullable field';

interface Operation {
  readonly schema: GraphQLSchema;
  readonly document: DocumentNode;
  readonly operationName?: string | null;
}

/** One payload of an incremental answer (@defer, @stream): its parts carry their own errors. */
interface IncrementalPayload extends ExecutionResult {
  readonly incremental?: ReadonlyArray<{ readonly errors?: readonly GraphQLError[] }>;
}

export function useUpstreamValueErrors(): Plugin {
  return {
    onExecute({ args }) {
      return {
        onExecuteDone({ result, setResult }) {
          // An incremental answer: each payload as it is sent, and each deferred or
          // streamed part's errors within it (its paths are from the root too).
          const coded = (payload: IncrementalPayload): IncrementalPayload | undefined => {
            const errors = payload.errors && codedErrors(payload.errors, args);
            let partsChanged = false;
            const incremental = payload.incremental?.map((part) => {
              const partErrors = part.errors && codedErrors(part.errors, args);
              if (!partErrors) return part;
              partsChanged = true;
              return { ...part, errors: partErrors };
            });
            if (!errors && !partsChanged) return undefined;
            return { ...payload, ...(errors ? { errors } : {}), ...(partsChanged ? { incremental } : {}) };
          };
          if (!isAsyncIterable(result)) {
            const next = coded(result);
            if (next) setResult(next);
            return;
          }
          return {
            onNext({ result: payload, setResult: setPayload }) {
              const next = coded(payload as IncrementalPayload);
              if (next) setPayload(next);
            },
          };
        },
      };
    },
  };
}

/** The errors with each value-completion error coded; undefined when none was one. */
function codedErrors(errors: readonly GraphQLError[], operation: Operation): GraphQLError[] | undefined {
  let changed = false;
  const out = errors.map((error) => {
    const coded = upstreamValueError(error, operation);
    if (coded) changed = true;
    return coded ?? error;
  });
  return changed ? out : undefined;
}

/** The coded replacement for an executor's value-completion error, or undefined for any other error. */
export function upstreamValueError(error: GraphQLError, operation: Operation): GraphQLError | undefined {
  const path = error.path;
  if (!path?.some((key) => typeof key === 'string') || error.extensions?.code !== undefined) return undefined;
  if (wrapsTributaryError(error)) return undefined;
  const isNull = error.message.startsWith(NULL_IN_NON_NULL);
  const origin = error.originalError;
  const plain = origin !== undefined && origin !== null && !(origin instanceof GraphQLError) && !isNull;
  if (plain && origin.constructor !== Error) return undefined;

  const at = fieldAtPath(operation.schema, operation.document, operation.operationName, path);
  if (plain && !(at && isDemotedSerializeError(origin, getNamedType(at.field.type)))) return undefined;
  const coordinate = at ? `${at.parent.name}.${at.field.name}` : path.join('.');
  const expected = at ? String(typeAt(at.field.type, trailingIndexes(path))) : undefined;
  const message = isNull
    ? `The service answered no value for ${coordinate}, which is non-null${expected ? ` (${expected})` : ''}.`
    : `The service answered a value for ${coordinate} that is not ${expected ? `a valid ${expected}` : 'of its type'}.`;
  const coded = new TributaryError('UPSTREAM_BAD_RESPONSE', message, {
    extensions: { field: coordinate, ...(expected ? { expectedType: expected } : {}) },
    // The executor's words hold the service's value: for the log only.
    detail: { path: path.join('.'), executorMessage: error.message },
  });
  return new GraphQLError(message, { nodes: at?.nodes ?? error.nodes, path, originalError: coded });
}

/**
 * graphql-tools' executor rethrows a scalar's or enum's serialize error as a plain Error
 * with the same words, so it is told from a resolver's own Error by them: graphql-js's
 * `String cannot represent …` and `Enum "Color" cannot represent …`, for the field's
 * own type. A custom scalar's words are not known: its error stays unexpected (masked).
 */
function isDemotedSerializeError(origin: Error, type: GraphQLNamedType): boolean {
  return origin.message.startsWith(`${type.name} cannot represent`) || origin.message.startsWith(`Enum "${type.name}" cannot represent`);
}

function wrapsTributaryError(error: GraphQLError): boolean {
  for (let e: unknown = error; e; e = (e as { originalError?: unknown }).originalError) if (isTributaryError(e)) return true;
  return false;
}

/** How many list levels the path goes into below the field (`["items", 2, "tags", 0]` → 1). */
function trailingIndexes(path: readonly (string | number)[]): number {
  let n = 0;
  for (let i = path.length - 1; i >= 0 && typeof path[i] === 'number'; i -= 1) n += 1;
  return n;
}

/** The type of the value at that list depth: `[Int]!` at depth 1 is `Int`. */
function typeAt(type: GraphQLType, depth: number): GraphQLType {
  let t = type;
  for (let i = 0; i < depth; i += 1) {
    const nullable = getNullableType(t);
    if (!isListType(nullable)) break;
    t = nullable.ofType;
  }
  return t;
}
