// Introspection off (production default): graphql-js's own NoSchemaIntrospectionCustomRule,
// with its refusal coded INTROSPECTION_DISABLED. The rule sees a context whose
// reportError marks each error first; everything else is the real ValidationContext.
import { NoSchemaIntrospectionCustomRule, type GraphQLError, type ValidationRule } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { markRefusal } from './policy-errors.ts';

const rule: ValidationRule = (context) =>
  NoSchemaIntrospectionCustomRule(
    Object.create(context, {
      reportError: {
        value: (error: GraphQLError) => {
          markRefusal(error, 'INTROSPECTION_DISABLED');
          context.reportError(error);
        },
      },
    }),
  );

export function useIntrospectionDisabled(): Plugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(rule);
    },
  };
}
