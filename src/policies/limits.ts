// Operation limits from graphql-armor — tokens (checked while parsing, so a token flood
// is never parsed whole), depth, aliases, directives and cost (checked in validation,
// cached per document by Yoga) — and field suggestions hidden in production. Each
// refusal gets the code OPERATION_LIMIT_EXCEEDED with `extensions.limit` naming the
// limit, and HTTP 400 whatever the Accept header: the GraphQL-over-HTTP "200 for
// application/json" rule is about documents that are wrong, while these are documents a
// server declines to run, like a 413 for bodies (see usePolicyErrors).
import { EnvelopArmor } from '@escape.tech/graphql-armor';
import type { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { LimitsSettings } from './config.ts';
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
    blockFieldSuggestion: { enabled: options.hideFieldSuggestions },
  });
  return armor.protect().plugins as Plugin[];
}
