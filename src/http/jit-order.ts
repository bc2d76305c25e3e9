// Response field order under graphql-jit. GraphQL's CollectFields (spec §6.3.2) puts
// fields in the order the document names them, fragments expanded where they stand:
// `{ ...F age }` with `F` = `{ id name }` answers `id, name, age`. graphql-jit 0.8 walks a
// selection set with a stack: the fields first, then each fragment, last one first —
// `age, id, name`. A client that renders keys in order, or compares answers as text,
// sees the difference.
//
// So before compiling, once per document, fragments are expanded in place wherever
// that is the same document for every object the selection can meet: a fragment with
// no directives whose type condition always holds (none, the parent type itself, or an
// abstract type the parent object type belongs to), dropped where it can never hold.
// What is left — a fragment on a narrower type of an interface or union, or one under
// @include/@skip — graphql-jit orders correctly only when it is the selection set's
// last member; otherwise the document runs on graphql-js (undefined below).
import {
  getNamedType,
  isAbstractType,
  isObjectType,
  Kind,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  type InlineFragmentNode,
  type OperationDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
} from 'graphql';

/** The document with its fragments expanded where they can be, or undefined when graphql-jit would still answer out of order. */
export function inSpecOrder(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode): DocumentNode | undefined {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  if (fragments.size === 0 && !hasInlineFragment(operation.selectionSet)) return document;
  const root = schema.getRootType(operation.operation);
  if (!root) return document;
  let ordered = true;

  const expand = (parent: GraphQLCompositeType, set: SelectionSetNode): SelectionSetNode => {
    const out: SelectionNode[] = [];
    const visited = new Set<string>();
    const add = (selections: readonly SelectionNode[]) => {
      for (const selection of selections) {
        if (selection.kind === Kind.FIELD) {
          out.push(withChildren(selection));
          continue;
        }
        const condition =
          selection.kind === Kind.INLINE_FRAGMENT ? selection.typeCondition?.name.value : fragments.get(selection.name.value)?.typeCondition.name.value;
        if (selection.kind === Kind.FRAGMENT_SPREAD) {
          // graphql-js collects a named fragment once per selection set.
          if (visited.has(selection.name.value)) continue;
          visited.add(selection.name.value);
          if (!fragments.has(selection.name.value)) continue;
        }
        const body = selection.kind === Kind.INLINE_FRAGMENT ? selection.selectionSet : fragments.get(selection.name.value)!.selectionSet;
        const holds = conditionHolds(schema, parent, condition);
        if (holds === false && !selection.directives?.length) continue;
        if (holds === true && !selection.directives?.length) {
          add(body.selections);
          continue;
        }
        // Kept as a fragment (its children expanded for the type it names).
        const narrowed = (condition ? schema.getType(condition) : parent) as GraphQLCompositeType | undefined;
        const inline: InlineFragmentNode = {
          kind: Kind.INLINE_FRAGMENT,
          typeCondition: selection.kind === Kind.INLINE_FRAGMENT ? selection.typeCondition : fragments.get(selection.name.value)!.typeCondition,
          directives: selection.directives,
          selectionSet: narrowed ? expand(narrowed, body) : body,
          loc: selection.loc,
        };
        out.push(inline);
      }
    };
    const withChildren = (field: FieldNode): FieldNode => {
      if (!field.selectionSet) return field;
      const type = fieldType(parent, field.name.value);
      return type ? { ...field, selectionSet: expand(type, field.selectionSet) } : field;
    };
    add(set.selections);
    // Fields after a fragment that is still there come out before it under graphql-jit.
    const lastFragment = out.findLastIndex((s) => s.kind !== Kind.FIELD);
    const firstFragment = out.findIndex((s) => s.kind !== Kind.FIELD);
    if (firstFragment !== -1 && lastFragment !== out.length - 1) ordered = false;
    if (firstFragment !== -1 && firstFragment !== lastFragment) ordered = false;
    return { ...set, selections: out };
  };

  const selectionSet = expand(root, operation.selectionSet);
  if (!ordered) return undefined;
  const rewritten: OperationDefinitionNode = { ...operation, selectionSet };
  return { ...document, definitions: document.definitions.map((d) => (d === operation ? rewritten : d)) };
}

/** true: every object the parent can be matches; false: none does; undefined: it depends on the object. */
function conditionHolds(schema: GraphQLSchema, parent: GraphQLCompositeType, condition: string | undefined): boolean | undefined {
  if (condition === undefined || condition === parent.name) return true;
  const type = schema.getType(condition);
  if (!type) return false;
  if (isObjectType(parent)) return isAbstractType(type) ? schema.isSubType(type, parent) : false;
  // An abstract parent: holds for all when every possible type of it is covered.
  if (isAbstractType(type) && schema.getPossibleTypes(parent).every((t) => schema.isSubType(type, t))) return true;
  return undefined;
}

function fieldType(parent: GraphQLCompositeType, name: string): GraphQLCompositeType | undefined {
  if (!('getFields' in parent)) return undefined;
  const field = parent.getFields()[name];
  return field ? (getNamedType(field.type) as GraphQLCompositeType) : undefined;
}

function hasInlineFragment(set: SelectionSetNode): boolean {
  return set.selections.some(
    (s) => s.kind === Kind.INLINE_FRAGMENT || (s.kind === Kind.FIELD && s.selectionSet !== undefined && hasInlineFragment(s.selectionSet)),
  );
}
