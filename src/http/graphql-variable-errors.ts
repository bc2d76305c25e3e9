// Variable coercion failures — a value of the wrong type, a required variable missing,
// a string that is no value of the variable's enum — are request errors: execution
// never starts, and the result has `errors` but no `data` (GraphQL spec §6.1.2,
// "Coercing Variable Values"; §7.1.2, "Request errors"). Both executors report them
// that way and uncoded. They get BAD_USER_INPUT and the status GraphQL-over-HTTP asks
// for: 400 to an application/graphql-response+json client (§"application/graphql-
// response+json": a response without `data` is a 4xx), and, marked `spec`, 200 to a
// client that accepts only application/json (§"application/json": 200 for every
// well-formed request), which Yoga's result processor applies.
import { GraphQLError, type ExecutionResult } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import { httpExtension } from '../errors.ts';

export function useVariableErrors(): Plugin {
  return {
    onExecute() {
      return {
        onExecuteDone({ result, setResult }) {
          if (isAsyncIterable(result) || result.data !== undefined || !result.errors?.length) return;
          setResult({ ...result, errors: result.errors.map(coded) } as ExecutionResult);
        },
      };
    },
  };
}

function coded(error: GraphQLError): GraphQLError {
  // Coded errors (a field rate limit stops execution the same way) and errors with a
  // path (field errors) are not request errors of the executor's own.
  if (error.path || error.extensions?.code !== undefined) return error;
  if (error.originalError && !(error.originalError instanceof GraphQLError)) return error;
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    extensions: { ...error.extensions, code: 'BAD_USER_INPUT', http: httpExtension('BAD_USER_INPUT', { spec: true }) },
  });
}
