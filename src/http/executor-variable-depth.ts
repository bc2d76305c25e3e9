// How deep a variable's value may nest. graphql-js coerces a value by recursion, one set
// of stack frames per level of objects and lists (GraphQL spec §3.10 "Input Objects",
// "Input Coercion"), and the upstream client serialises it by recursion again; a value
// nested a few thousand levels deep — a 20 kB request body — overflows the stack. A
// schema bounds that depth unless an input type contains itself or a custom scalar (JSON)
// takes any value, so only operations with such variables are checked (executor-budget.ts
// says which), before execution, without recursion of its own.
import { GraphQLError, type ExecutionResult } from 'graphql';
import { httpExtension, type ErrorCode } from '../errors.ts';

/** Levels of objects and lists a variable value may have: a filter tree `{and: [{…}]}` spends two per level. */
export const MAX_VARIABLE_DEPTH = 128;

/** The name of the first variable whose value nests deeper than `max`, if any. */
export function tooDeepVariable(values: Readonly<Record<string, unknown>> | null | undefined, max = MAX_VARIABLE_DEPTH): string | undefined {
  if (!values) return undefined;
  for (const [name, value] of Object.entries(values)) {
    const pending: Array<[unknown, number]> = [[value, 0]];
    while (pending.length > 0) {
      const [current, depth] = pending.pop()!;
      if (current === null || typeof current !== 'object') continue;
      if (depth >= max) return name;
      for (const child of Array.isArray(current) ? current : Object.values(current)) {
        if (child !== null && typeof child === 'object') pending.push([child, depth + 1]);
      }
    }
  }
  return undefined;
}

/** The request error for a too-deep variable: refused like an operation over a limit, 400 whatever the client accepts. */
export function variableTooDeepResult(name: string, max = MAX_VARIABLE_DEPTH): ExecutionResult {
  const code: ErrorCode = 'VARIABLE_TOO_DEEP';
  return {
    errors: [
      new GraphQLError(`Variable "$${name}" nests objects and lists more than ${max} levels deep; the gateway accepts at most ${max}.`, {
        extensions: { code, limit: max, http: httpExtension(code) },
      }),
    ],
  };
}
