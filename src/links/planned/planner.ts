// The planner as the executor plugin (http/jit.ts) sees it: one call per (schema, document,
// operation) that says whether the operation can run on a plan and, if so, gives the
// function that runs it. The gateway hands it to the plugin (gateway.ts), so that http/
// does not depend on links/.
import { getOperationAST, getVariableValues, type DocumentNode, type ExecutionArgs, type ExecutionResult, type GraphQLSchema } from 'graphql';
import type { TributaryContext } from '../../context.ts';
import { isIncluded } from './collect.ts';
import { compilePlan, NotPlannable, planningSubject, type OperationPlan } from './compile.ts';
import { runPlan } from './run.ts';

/** Runs the operation on its plan (variables that do not coerce get graphql-js's own errors). */
export type PlannedRun = (args: ExecutionArgs) => Promise<ExecutionResult>;

export type PlanDecision = { readonly run: PlannedRun } | { readonly reason: string };

/** Plans kept per operation for the outcomes of its variable @skip/@include (2^n of them at most). */
const MAX_OUTCOMES = 64;

export function planOperation(schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined): PlanDecision {
  const operation = getOperationAST(document, operationName);
  if (!operation) return { reason: 'the document has no such operation' };
  let subject: ReturnType<typeof planningSubject>;
  let widest: OperationPlan;
  try {
    subject = planningSubject(document, operation);
    // With every conditional node kept: if this plan can be made, so can each outcome's,
    // whose fields are a subset of it. The decision is made here, once.
    widest = compilePlan(schema, operation, subject.fragments, () => true);
  } catch (error) {
    if (error instanceof NotPlannable) return { reason: error.message };
    throw error;
  }
  const { fragments, conditional } = subject;
  const definitions = operation.variableDefinitions ?? [];
  const outcomes = new Map<string, OperationPlan>();
  const planFor = (variables: Record<string, unknown>): OperationPlan => {
    if (conditional.length === 0) return widest;
    const outcome = conditional.map((node) => (isIncluded(node, variables) ? '1' : '0')).join('');
    let plan = outcomes.get(outcome);
    if (!plan) {
      plan = compilePlan(schema, operation, fragments, (node) => isIncluded(node, variables));
      if (outcomes.size < MAX_OUTCOMES) outcomes.set(outcome, plan);
    }
    return plan;
  };
  return {
    run(args) {
      let variables: Record<string, unknown> = {};
      if (definitions.length > 0 || args.variableValues) {
        const coerced = getVariableValues(schema, definitions, args.variableValues ?? {});
        // What graphql-js answers for variables that do not coerce (§6.1.2): the errors alone.
        if (coerced.errors) return Promise.resolve({ errors: coerced.errors });
        variables = coerced.coerced;
      }
      return runPlan(planFor(variables), args.contextValue as TributaryContext, variables);
    },
  };
}
