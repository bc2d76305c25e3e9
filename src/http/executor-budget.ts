// Which executor may run an operation, decided from the document and the schema alone.
//
// graphql-jit compiles an operation by expanding it into one JavaScript function, and
// the expansion is a tree walk with no memo and no cycle check (graphql-jit 0.8,
// variables.ts `generateInput`, execution.ts `collectFields`):
//   - a variable's input type is inlined field by field; a recursive input type
//     (`input Filter { and: [Filter] }`) expands forever. Each level's generated path
//     (`input["f"]["and"][idx0]["and"]…`) is longer than the last, so memory grows with
//     the square of the depth and the heap runs out long before the call stack does;
//   - a list type is inlined twice (the array branch, and the single value coerced to a
//     one-item list, GraphQL spec §3.11 "Input Coercion"), so `[[[[Int]]]]` doubles per level;
//   - an input type used by two fields is inlined twice, so types that share types
//     grow exponentially without any recursion;
//   - fragments are inlined at every spread, and an abstract type's selection once per
//     possible type, so nested spreads grow exponentially too.
// graphql-js's `execute` walks the same things lazily, by the values it gets, and never
// expands a type. So: an operation whose expansion is infinite or larger than a budget
// runs on graphql-js. The measure below counts what graphql-jit would generate without
// generating it: every type and fragment is measured once (memoised), and a cycle is
// found with an in-progress mark instead of being followed.
import {
  getNamedType,
  isAbstractType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  specifiedScalarTypes,
  typeFromAST,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

/**
 * Units of generated code (one per coerced input position, one per compiled field) that
 * graphql-jit may spend on one operation. Measured on graphql-jit 0.8.9 (0.8.7, the pinned one, expands the same way): 2,000 units
 * compile in 200–350 ms and ~20 MB, once per operation, while the event loop waits;
 * real operations, GraphiQL's introspection query included, stay in the low hundreds.
 * Above the budget graphql-js is the cheaper executor (no compile at all).
 */
export const JIT_COMPILE_BUDGET = 1_500;

export type ExecutorChoice =
  | { readonly executor: 'jit'; readonly cost: number; readonly unboundedVariables: boolean }
  | { readonly executor: 'graphql-js'; readonly reason: string; readonly unboundedVariables: boolean };

/**
 * The executor for `operationName` of `document` against `schema`. `unboundedVariables`
 * is true when a variable's value can nest without a bound the schema sets — a recursive
 * input type, or a custom scalar such as JSON — so that its depth must be checked per
 * request (see executor-variable-depth.ts). Validation has run: unknown names count as
 * leaves rather than failing.
 */
export function chooseExecutor(schema: GraphQLSchema, document: DocumentNode, operationName?: string | null, budget = JIT_COMPILE_BUDGET): ExecutorChoice {
  const operation = findOperation(document, operationName);
  if (!operation) return { executor: 'graphql-js', reason: 'no single operation to compile', unboundedVariables: false };
  const inputs = inputCosts(schema);
  let cost = 0;
  let unboundedVariables = false;
  let recursive: string | undefined;
  for (const definition of operation.variableDefinitions ?? []) {
    const type = typeFromAST(schema, definition.type as never) as GraphQLInputType | undefined;
    if (!type) continue;
    const measured = inputs.measure(type);
    if (measured.unbounded) unboundedVariables = true;
    if (measured.cost === Infinity) recursive ??= `$${definition.variable.name.value}: ${getNamedType(type).name}`;
    cost += measured.cost;
  }
  if (recursive) return { executor: 'graphql-js', reason: `variable ${recursive} has a recursive input type`, unboundedVariables };
  if (cost <= budget) cost += selectionCost(schema, document, operation);
  if (cost > budget) return { executor: 'graphql-js', reason: `compiling it would cost ${cost} units, over the budget of ${budget}`, unboundedVariables };
  return { executor: 'jit', cost, unboundedVariables };
}

function findOperation(document: DocumentNode, operationName?: string | null): OperationDefinitionNode | undefined {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition');
  if (operationName) return operations.find((o) => o.name?.value === operationName);
  return operations.length === 1 ? operations[0] : undefined;
}

// ---- variables: the size of graphql-jit's coercion code for one input type ----

interface InputMeasure {
  /** Code units; Infinity for a recursive input type. */
  readonly cost: number;
  /** The value may nest deeper than any bound the type sets. */
  readonly unbounded: boolean;
}

const SPECIFIED_SCALARS = new Set(specifiedScalarTypes.map((t) => t.name));
const inputCostsBySchema = new WeakMap<GraphQLSchema, ReturnType<typeof createInputCosts>>();

function inputCosts(schema: GraphQLSchema) {
  let costs = inputCostsBySchema.get(schema);
  if (!costs) inputCostsBySchema.set(schema, (costs = createInputCosts()));
  return costs;
}

/** Memoised per schema: each named input type is measured once for all operations. */
function createInputCosts() {
  const named = new Map<string, InputMeasure>();
  const inProgress = new Set<string>();
  const measure = (type: GraphQLInputType): InputMeasure => {
    if (isNonNullType(type)) return measure(type.ofType);
    if (isListType(type)) {
      // Inlined twice: for an array, and for one value coerced to a list of one.
      const item = measure(type.ofType);
      return { cost: 1 + 2 * item.cost, unbounded: item.unbounded };
    }
    if (isScalarType(type)) return { cost: 1, unbounded: !SPECIFIED_SCALARS.has(type.name) };
    if (!isInputObjectType(type)) return { cost: 1, unbounded: false }; // enums
    const known = named.get(type.name);
    if (known) return known;
    // Met again while being measured: the type contains itself. Every type on the way
    // back up the cycle contains it too, so Infinity is right for them all.
    if (inProgress.has(type.name)) return { cost: Infinity, unbounded: true };
    inProgress.add(type.name);
    let cost = 1;
    let unbounded = false;
    for (const field of Object.values(type.getFields())) {
      const m = measure(field.type);
      cost += m.cost;
      unbounded ||= m.unbounded;
    }
    inProgress.delete(type.name);
    const result = { cost, unbounded };
    named.set(type.name, result);
    return result;
  };
  return { measure };
}

// ---- selection: the number of fields graphql-jit compiles ----

function selectionCost(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === 'FragmentDefinition') fragments.set(d.name.value, d);
  const memo = new Map<string, number>();
  const inProgress = new Set<string>();

  // graphql-jit compiles a selection once per concrete type it may meet.
  const onType = (set: SelectionSetNode, type: GraphQLNamedType): number => {
    if (isAbstractType(type)) {
      let total = 0;
      for (const possible of schema.getPossibleTypes(type)) total += onObject(set, possible);
      return total;
    }
    return isObjectType(type) ? onObject(set, type) : 0;
  };

  const applies = (condition: string | undefined, type: GraphQLObjectType): boolean => {
    if (!condition || condition === type.name) return true;
    const target = schema.getType(condition);
    return !!target && isAbstractType(target) && schema.isSubType(target, type);
  };

  const onObject = (set: SelectionSetNode, type: GraphQLObjectType): number => {
    let total = 0;
    for (const selection of set.selections) {
      if (selection.kind === 'Field') {
        total += 1;
        const field = type.getFields()[selection.name.value];
        if (selection.selectionSet && field) total += onType(selection.selectionSet, getNamedType(field.type));
      } else if (selection.kind === 'InlineFragment') {
        if (applies(selection.typeCondition?.name.value, type)) total += onObject(selection.selectionSet, type);
      } else {
        const fragment = fragments.get(selection.name.value);
        if (!fragment || !applies(fragment.typeCondition.name.value, type)) continue;
        const key = `${fragment.name.value}@${type.name}`;
        let cost = memo.get(key);
        if (cost === undefined) {
          // Validation refuses fragment cycles (spec §5.5.2.2); should one slip through, it is infinite.
          if (inProgress.has(key)) return Infinity;
          inProgress.add(key);
          cost = onObject(fragment.selectionSet, type);
          inProgress.delete(key);
          memo.set(key, cost);
        }
        total += cost;
      }
    }
    return total;
  };

  const root = schema.getRootType(operation.operation);
  return root ? onObject(operation.selectionSet, root) : 0;
}
