// GraphQL execution through graphql-jit: each distinct operation is compiled once into
// a function specialised to its selection set, which then runs on every request with
// that operation instead of graphql-js's generic interpreter (no per-request walk of
// the AST, no per-field lookups). Compiled on the first request of each operation.
//
// envelop's plugin caches compiled queries by document only. Yoga's parse cache hands
// out the same document object for the same query text across a schema reload, so one
// plugin instance would keep running queries compiled against the old schema — old
// resolvers, old upstream pools. Hence one plugin instance (and one cache) per schema
// object: a reload starts with an empty cache and the old one goes with its schema.
import { useGraphQlJit } from '@envelop/graphql-jit';
import type { GraphQLSchema } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { LRUCache } from 'lru-cache';

/** Compiled operations kept per schema; a client sending endless distinct queries cannot grow it further. */
const MAX_COMPILED_OPERATIONS = 1_000;

type JitPlugin = ReturnType<typeof useGraphQlJit>;

export function useJit(): Plugin {
  const bySchema = new WeakMap<GraphQLSchema, JitPlugin>();
  const forSchema = (schema: GraphQLSchema): JitPlugin => {
    let plugin = bySchema.get(schema);
    if (!plugin) {
      // Stack traces of resolver errors are never shown to clients (see mask-errors.ts),
      // so graphql-jit need not capture them.
      plugin = useGraphQlJit({ disablingCapturingStackErrors: true }, { cache: new LRUCache({ max: MAX_COMPILED_OPERATIONS }) as never });
      bySchema.set(schema, plugin);
    }
    return plugin;
  };
  return {
    onExecute(payload) {
      return forSchema(payload.args.schema).onExecute?.(payload as never);
    },
    onSubscribe(payload) {
      return forSchema(payload.args.schema).onSubscribe?.(payload as never);
    },
  };
}
