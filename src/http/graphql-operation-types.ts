// "Operation Type Existence" (GraphQL spec, draft, §"Validation"; graphql-js 17's
// KnownOperationTypesRule): an operation whose root type the schema does not have — a
// `subscription` on a gateway without a Subscription type, a `mutation` over read-only
// sources — is a validation error. graphql-js 16 does not check it, so the document
// reached the executor, and graphql-jit threw "No root type for operation …" (a 500).
// As a validation rule it is GRAPHQL_VALIDATION_FAILED like any other: 400, or 200 to
// an application/json-only client (GraphQL-over-HTTP §"application/json").
import { GraphQLError, type ValidationRule } from 'graphql';
import type { Plugin } from 'graphql-yoga';

export const KnownOperationTypesRule: ValidationRule = (context) => ({
  OperationDefinition(node) {
    if (context.getSchema().getRootType(node.operation)) return false;
    context.reportError(new GraphQLError(`The ${node.operation} operation is not supported by the schema.`, { nodes: node }));
    return false;
  },
});

export function useKnownOperationTypes(): Plugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(KnownOperationTypesRule);
    },
  };
}
