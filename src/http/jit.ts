// GraphQL execution: graphql-jit where it is safe, graphql-js's `execute` where it is not.
//
// graphql-jit compiles each distinct operation once into a function specialised to its
// selection set, which then runs on every request with that operation instead of
// graphql-js's generic interpreter (no per-request walk of the AST, no per-field
// lookups). But its compile step expands recursive input types forever and other shapes
// exponentially (executor-budget.ts says which and why): one 87-byte document with a
// `Filter { and: [Filter] }` variable used to fill the heap and kill the process. So each
// operation is planned once — executor chosen by a static budget, compiled if jit, and a
// compile that fails falls back to graphql-js, which reports a real problem as well —
// and the plan is cached; a request with a known document costs two map lookups.
//
// graphql-jit cannot run @defer or @stream either (it compiles one function that
// returns one result), so an operation that carries them runs on graphql-tools'
// executor, which can (defer-stream.ts). That too is part of the plan: the document is
// looked at once, and every other operation keeps graphql-jit, since the incremental
// executor interprets the document per request as graphql-js does.
//
// Plans are cached per schema object: a reload starts with an empty cache and the old one
// goes with its schema (Yoga's parse cache hands out the same document object for the
// same query text across a reload, so a cache by document alone would run operations
// compiled against the old resolvers and upstream pools). Within a schema they are keyed
// by document object — Yoga's parse cache (an LRU) keeps one per query text and bounds
// how many live — and by operation name, since one document may hold several operations.
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import { normalizedExecutor } from '@graphql-tools/executor';
import { execute, getOperationAST, type DocumentNode, type ExecutionArgs, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { inSpecOrder } from './jit-order.ts';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from '../observability/log.ts';
import { chooseExecutor } from './executor-budget.ts';
import { tooDeepVariable, variableTooDeepResult } from './executor-variable-depth.ts';
import { deliversIncrementally, usesIncrementalDelivery } from './defer-stream.ts';

type Result = ExecutionResult | AsyncIterable<ExecutionResult>;
type Run = (args: ExecutionArgs) => Result | Promise<Result>;

interface Plan {
  readonly executor: 'planned' | 'jit' | 'graphql-js' | 'graphql-tools';
  readonly execute: Run;
  /** A subscribe of its own; none for now: graphql-js's runs (see createPlan). */
  readonly subscribe?: Run;
}

const UNKNOWN_OPERATION = '\0unknown';

/**
 * Planned execution (links/planned/), handed in by the gateway: for an operation whose
 * fields are all REST-backed, a function that runs it without resolvers, else why not.
 */
export type OperationPlanner = (
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
) => { readonly run: (args: ExecutionArgs) => Promise<ExecutionResult> } | { readonly reason: string };

/** Which executor runs operations: `auto` plans what it can and compiles the rest; `jit` never plans; `graphql-js` interprets everything (the reference). */
export type ExecutorChoice = 'auto' | 'jit' | 'graphql-js';

export interface JitOptions {
  /** Told once per planned operation which executor runs it, and why when not jit. */
  logger?: Logger;
  planner?: OperationPlanner;
  executor?: ExecutorChoice;
}

export function useJit({ logger, planner, executor = 'auto' }: JitOptions = {}): Plugin {
  const plans = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, Map<string, Plan>>>();
  const planFor = (args: ExecutionArgs): Plan => {
    let byDocument = plans.get(args.schema);
    if (!byDocument) plans.set(args.schema, (byDocument = new WeakMap()));
    let byName = byDocument.get(args.document);
    if (!byName) byDocument.set(args.document, (byName = new Map()));
    const name = args.operationName ?? '';
    let plan = byName.get(name);
    if (plan) return plan;
    // A name the document does not define shares one entry (graphql-js reports it), so
    // that endless made-up operation names cannot grow the map.
    const key = name === '' || definesOperation(args.document, name) ? name : UNKNOWN_OPERATION;
    plan = byName.get(key);
    if (!plan) byName.set(key, (plan = createPlan(args, logger, executor === 'auto' ? planner : undefined, executor)));
    return plan;
  };
  return {
    onExecute({ setExecuteFn }) {
      setExecuteFn(((args: ExecutionArgs) => planFor(args).execute(args)) as never);
    },
    onSubscribe({ args, setSubscribeFn }) {
      const subscribe = planFor(args as ExecutionArgs).subscribe;
      if (subscribe) setSubscribeFn(subscribe as never);
    },
  };
}

function createPlan(args: ExecutionArgs, logger: Logger | undefined, planner: OperationPlanner | undefined, executor: ExecutorChoice): Plan {
  const choice = chooseExecutor(args.schema, args.document, args.operationName);
  const guard = choice.unboundedVariables;
  const operationName = args.operationName ?? undefined;
  const shown = { operationName: operationName ?? soleOperationName(args.document) };
  const operation = getOperationAST(args.document, operationName);
  if (operation && usesIncrementalDelivery(args.document, operation)) {
    logger?.debug({ ...shown, executor: 'graphql-tools' }, "operation runs on graphql-tools' executor: it uses @defer or @stream");
    // Parts, or one whole answer from graphql-js, is the client's choice per request
    // (defer-stream.ts): a header read, on this plan only.
    const incremental: Run = (a) =>
      deliversIncrementally((a.contextValue as { request?: Request } | undefined)?.request) ? normalizedExecutor(a) : execute(a);
    return { executor: 'graphql-tools', execute: guarded(guard, incremental) };
  }
  if (executor === 'graphql-js') return { executor: 'graphql-js', execute: guarded(guard, execute) };
  if (planner) {
    const decision = planner(args.schema, args.document, args.operationName);
    if ('run' in decision) {
      logger?.debug({ ...shown, executor: 'planned' }, 'operation runs on its plan');
      return { executor: 'planned', execute: guarded(guard, decision.run) };
    }
    // Said on the executor's own line (one line per planned operation).
    return compiledPlan(args, logger, choice, operation, { ...shown, notPlanned: decision.reason }, guard);
  }
  return compiledPlan(args, logger, choice, operation, shown, guard);
}

/** graphql-jit when it can compile the operation safely and in order, else graphql-js. */
function compiledPlan(
  args: ExecutionArgs,
  logger: Logger | undefined,
  choice: ReturnType<typeof chooseExecutor>,
  operation: ReturnType<typeof getOperationAST>,
  shown: { operationName: string | undefined; notPlanned?: string },
  guard: boolean,
): Plan {
  const operationName = args.operationName ?? undefined;
  if (choice.executor === 'graphql-js') {
    logger?.info({ ...shown, executor: 'graphql-js', reason: choice.reason }, 'operation runs on graphql-js: graphql-jit cannot compile it safely');
    return { executor: 'graphql-js', execute: guarded(guard, execute) };
  }
  // graphql-jit answers fragments' fields out of order: compiled from a document with
  // them expanded in place, or run on graphql-js when that cannot be done (jit-order.ts).
  const ordered = operation ? inSpecOrder(args.schema, args.document, operation) : args.document;
  if (!ordered) {
    logger?.debug({ ...shown, executor: 'graphql-js' }, 'operation runs on graphql-js: graphql-jit would not keep its field order');
    return { executor: 'graphql-js', execute: guarded(guard, execute) };
  }
  let compiled: CompiledQuery | ExecutionResult;
  try {
    // Stack traces of resolver errors are never shown to clients (see mask-errors.ts),
    // so graphql-jit need not capture them.
    compiled = compileQuery(args.schema, ordered, operationName, { disablingCapturingStackErrors: true });
  } catch (error) {
    compiled = { errors: [error as never] };
  }
  if (!isCompiledQuery(compiled as never)) {
    // graphql-js runs it and reports whatever is wrong with it the way it always does.
    logger?.warn(
      { ...shown, executor: 'graphql-js', err: (compiled as ExecutionResult).errors?.[0] },
      'graphql-jit failed to compile an operation; it runs on graphql-js',
    );
    return { executor: 'graphql-js', execute: guarded(guard, execute) };
  }
  logger?.debug({ ...shown, executor: 'jit', cost: choice.cost }, 'operation compiled by graphql-jit');
  const query = (compiled as CompiledQuery).query.bind(compiled);
  const jitRun =
    (run: typeof query): Run =>
    (a) =>
      run(a.rootValue, a.contextValue, a.variableValues) as Result | Promise<Result>;
  return {
    executor: 'jit',
    execute: guarded(guard, jitRun(query)),
    // Never graphql-jit's subscribe: 0.8.7 hands the root field's subscribe resolver the
    // operation's variables as its arguments (executeSubscription passes
    // `executionContext.variables`), so `onShipped(callbackUrl: $url)` would see
    // `{ url }`. graphql-js's subscribe reads the arguments (GraphQL spec §6.2.3.1
    // CreateSourceEventStream: CoerceArgumentValues); each event is then executed by it too.
    subscribe: undefined,
  };
}

function definesOperation(document: DocumentNode, name: string): boolean {
  return document.definitions.some((d) => d.kind === 'OperationDefinition' && d.name?.value === name);
}

/** For the log: the name of a document's only operation, when the request named none. */
function soleOperationName(document: DocumentNode): string | undefined {
  const operations = document.definitions.filter((d) => d.kind === 'OperationDefinition');
  return operations.length === 1 ? operations[0]!.name?.value : undefined;
}

/** Checks variable depth first when the operation's variables can nest without bound. */
function guarded(check: boolean, run: Run): Run {
  if (!check) return run;
  return (args) => {
    const name = tooDeepVariable(args.variableValues);
    return name === undefined ? run(args) : variableTooDeepResult(name);
  };
}
