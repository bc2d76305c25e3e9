// Field collection as the GraphQL spec defines it (§6.3.2 CollectFields): the fields of a
// selection set grouped by response key in the order they first appear, fragments spread
// once each, inline fragments and spreads kept only when their type condition applies to
// the object type, and `@skip` / `@include` honoured. graphql-js's own collectFields is not
// exported, and planned execution must group exactly as it does, since the plan's answers
// are compared with graphql-js's byte for byte (test/links/planned.test.ts).
import {
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  getDirectiveValues,
  isAbstractType,
  typeFromAST,
  Kind,
  type FieldNode,
  type FragmentDefinitionNode,
  type FragmentSpreadNode,
  type GraphQLObjectType,
  type GraphQLSchema,
  type InlineFragmentNode,
  type SelectionSetNode,
} from 'graphql';

export type Fragments = Readonly<Record<string, FragmentDefinitionNode>>;

/** Response key → the field nodes answered under it, in first-appearance order. */
export type CollectedFields = Map<string, FieldNode[]>;

export type ConditionalNode = FieldNode | FragmentSpreadNode | InlineFragmentNode;

/** Decides whether a node is kept: by its `@skip` / `@include`, or all kept (to see every field the operation may ask for). */
export type Inclusion = (node: ConditionalNode) => boolean;

/** Whether `@skip` / `@include` keep a node, for these (coerced) variable values (§3.13.2, §3.13.3). */
export function isIncluded(node: ConditionalNode, variables: Record<string, unknown>): boolean {
  if (!node.directives?.length) return true;
  const skip = getDirectiveValues(GraphQLSkipDirective, node, variables);
  if (skip?.if === true) return false;
  const include = getDirectiveValues(GraphQLIncludeDirective, node, variables);
  return include?.if !== false;
}

function conditionApplies(schema: GraphQLSchema, fragment: FragmentDefinitionNode | InlineFragmentNode, type: GraphQLObjectType): boolean {
  const condition = fragment.typeCondition;
  if (!condition) return true;
  const conditionType = typeFromAST(schema, condition);
  if (conditionType === type) return true;
  return isAbstractType(conditionType) && schema.isSubType(conditionType, type);
}

/** Collects the fields of `selectionSets` (one per merged field node) on `type`. */
export function collectFields(
  schema: GraphQLSchema,
  fragments: Fragments,
  included: Inclusion,
  type: GraphQLObjectType,
  selectionSets: readonly SelectionSetNode[],
): CollectedFields {
  const fields: CollectedFields = new Map();
  const visited = new Set<string>();
  const walk = (selectionSet: SelectionSetNode) => {
    for (const selection of selectionSet.selections) {
      switch (selection.kind) {
        case Kind.FIELD: {
          if (!included(selection)) continue;
          const key = selection.alias?.value ?? selection.name.value;
          const nodes = fields.get(key);
          if (nodes) nodes.push(selection);
          else fields.set(key, [selection]);
          break;
        }
        case Kind.INLINE_FRAGMENT:
          if (!included(selection) || !conditionApplies(schema, selection, type)) continue;
          walk(selection.selectionSet);
          break;
        case Kind.FRAGMENT_SPREAD: {
          const name = selection.name.value;
          if (visited.has(name) || !included(selection)) continue;
          visited.add(name);
          const fragment = fragments[name];
          if (!fragment || !conditionApplies(schema, fragment, type)) continue;
          walk(fragment.selectionSet);
          break;
        }
      }
    }
  };
  for (const selectionSet of selectionSets) walk(selectionSet);
  return fields;
}
