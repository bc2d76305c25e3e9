// Operation limits from graphql-armor — tokens (checked while parsing, so a token flood
// is never parsed whole), depth, aliases, directives and cost (checked in validation,
// cached per document by Yoga) — and "Did you mean …?" suggestions hidden in
// production. Each refusal gets the code OPERATION_LIMIT_EXCEEDED with `extensions.limit`
// naming the limit, and HTTP 400 whatever the Accept header: the GraphQL-over-HTTP "200
// for application/json" rule is about documents that are wrong, while these are
// documents a server declines to run, like a 413 for bodies (see usePolicyErrors).
//
// Suggestions name fields, arguments, types and enum values close to what was sent: a
// schema map for whoever probes a gateway with introspection off. graphql-armor's
// blockFieldSuggestion covers validation errors only and leaves a "[Suggestion hidden]"
// marker (itself a hint that a near name exists); graphql-js also suggests enum values
// in variable coercion errors, which come from execution. So the sentence is removed
// from every error of every result, whichever step produced it.
import { EnvelopArmor } from '@escape.tech/graphql-armor';
import { GraphQLError, type ExecutionResult } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import type { LimitsSettings } from '../config/policies.ts';
import { markRefusal } from './policy-errors.ts';

export function useOperationLimits(limits: LimitsSettings, options: { hideFieldSuggestions: boolean }): Plugin[] {
  const rejectAs = (limit: string) => ({
    onReject: [(_context: unknown, error: GraphQLError) => markRefusal(error, 'OPERATION_LIMIT_EXCEEDED', { limit })],
    propagateOnRejection: true,
    exposeLimits: true,
  });
  const armor = new EnvelopArmor({
    maxTokens: { n: limits.maxTokens, ...rejectAs('tokens') },
    maxDepth: { n: limits.maxDepth, ignoreIntrospection: true, ...rejectAs('depth') },
    maxAliases: { n: limits.maxAliases, ...rejectAs('aliases') },
    maxDirectives: { n: limits.maxDirectives, ...rejectAs('directives') },
    costLimit: { maxCost: limits.maxCost, ignoreIntrospection: true, ...rejectAs('cost') },
    blockFieldSuggestion: { enabled: false },
  });
  const plugins = armor.protect().plugins as Plugin[];
  return options.hideFieldSuggestions ? [...plugins, useHiddenSuggestions()] : plugins;
}

/**
 * graphql-js's didYouMean(): ` Did you mean "a", "b", or "c"?`, or with a subject
 * (` Did you mean the enum value "a"?`). Names cannot hold `?` (GraphQL spec §2.1.9).
 */
const SUGGESTION = /\s*Did you mean [^?]*\?/g;

function hideSuggestions(message: string): string {
  return message.replace(SUGGESTION, '');
}

function useHiddenSuggestions(): Plugin {
  const tidy = (one: ExecutionResult): ExecutionResult => {
    const errors = one.errors?.map(withoutSuggestion);
    return errors && errors.some((e, i) => e !== one.errors![i]) ? { ...one, errors } : one;
  };
  return {
    onResultProcess({ result, setResult }) {
      if (isAsyncIterable(result)) return;
      if (Array.isArray(result)) setResult(result.map(tidy));
      else setResult(tidy(result));
    },
  };
}

/** A copy: cached validation errors are shared, and graphql-jit's messages are read-only. */
function withoutSuggestion(error: GraphQLError): GraphQLError {
  const message = hideSuggestions(error.message);
  if (message === error.message) return error;
  return new GraphQLError(message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions: error.extensions,
  });
}
