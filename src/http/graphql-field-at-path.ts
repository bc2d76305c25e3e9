// Which schema field an execution error's `path` points at. A path holds response keys
// (aliases) and list indexes, not field names, so it is read against the operation:
// each key is looked up in the selection set of the field before it, through inline
// fragments and fragment spreads, whose type conditions say the parent type. Both
// executors (graphql-js and graphql-jit) report the same paths (GraphQL spec §7.1.2,
// "Path"), so this is the executor-independent way to name the failing field.
import {
  getNamedType,
  getOperationAST,
  isInterfaceType,
  isObjectType,
  Kind,
  TypeNameMetaFieldDef,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';

export interface FieldAtPath {
  /** The type the field was selected on (the type condition's type inside a fragment). */
  readonly parent: GraphQLNamedType;
  readonly field: GraphQLField<unknown, unknown>;
  /** The field's nodes in the document, for error locations. */
  readonly nodes: readonly FieldNode[];
}

interface Match {
  readonly parent: GraphQLNamedType;
  readonly node: FieldNode;
}

export function fieldAtPath(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  path: readonly (string | number)[],
): FieldAtPath | undefined {
  const operation = getOperationAST(document, operationName ?? undefined);
  const root = operation && schema.getRootType(operation.operation);
  if (!root) return undefined;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);

  let type: GraphQLNamedType = root;
  let sets: readonly SelectionSetNode[] = [operation.selectionSet];
  let found: FieldAtPath | undefined;
  for (const key of path) {
    if (typeof key === 'number') continue;
    const matches: Match[] = [];
    for (const set of sets) collect(schema, fragments, set, type, key, matches, new Set());
    const first = matches[0];
    if (!first) return undefined;
    const field = fieldOf(first.parent, first.node.name.value);
    if (!field) return undefined;
    const same = matches.filter((m) => m.parent === first.parent && m.node.name.value === first.node.name.value);
    found = { parent: first.parent, field, nodes: same.map((m) => m.node) };
    type = getNamedType(field.type);
    sets = same.flatMap((m) => (m.node.selectionSet ? [m.node.selectionSet] : []));
  }
  return found;
}

function fieldOf(parent: GraphQLNamedType, name: string): GraphQLField<unknown, unknown> | undefined {
  if (name === TypeNameMetaFieldDef.name) return TypeNameMetaFieldDef;
  return isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[name] : undefined;
}

function collect(
  schema: GraphQLSchema,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  set: SelectionSetNode,
  parent: GraphQLNamedType,
  key: string,
  out: Match[],
  seen: Set<string>,
): void {
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD) {
      if ((selection.alias ?? selection.name).value === key) out.push({ parent, node: selection });
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      const on = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
      collect(schema, fragments, selection.selectionSet, on ?? parent, key, out, seen);
    } else {
      const name = selection.name.value;
      const fragment = fragments.get(name);
      // Validation rejects fragment cycles; `seen` only keeps an unvalidated document finite.
      if (!fragment || seen.has(name)) continue;
      seen.add(name);
      collect(schema, fragments, fragment.selectionSet, schema.getType(fragment.typeCondition.name.value) ?? parent, key, out, seen);
    }
  }
}
