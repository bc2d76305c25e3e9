// GraphQL errors the executors and graphql-js validation leave uncoded or unsafe, made
// into catalogue errors with their GraphQL-over-HTTP status: operations on a root type
// the schema lacks (validation), variable coercion failures (request errors) and
// service values that do not fit their field's type (field errors). Executor-
// independent: they look at results, not at graphql-js or graphql-jit internals. They
// run before Yoga's error masking (mask-errors.ts), which comes after every plugin.
import type { Plugin } from 'graphql-yoga';
import { useKnownOperationTypes } from './graphql-operation-types.ts';
import { useUpstreamValueErrors } from './graphql-upstream-values.ts';
import { useVariableErrors } from './graphql-variable-errors.ts';

export function useGraphqlErrors(): Plugin[] {
  return [useKnownOperationTypes(), useVariableErrors(), useUpstreamValueErrors()];
}
