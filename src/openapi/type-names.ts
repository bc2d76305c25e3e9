// Long type names, written short between the loader thread and the schema built from its
// SDL. Mesh names a schema that has no name of its own after its path through the
// document (`query_users_ListUsers_oneOf_0_allOf_1_value_items_allOf_0_…`), and in a
// Microsoft-Graph-sized document such paths run to 10,000 characters: of its 140 MB of
// SDL, 110 MB were type names, each printed, encoded, decoded, lexed and hashed at every
// use. So the loader thread writes each long name as a short alias (`__t` and a number:
// names that begin with `__` are GraphQL's own, which no document's type may take) and
// sends the names once beside the SDL; the AST parsed from it gets the real names back
// before the schema is built (the schema is the same: only the NamedType and type
// definition names the aliases stand for are touched). The load cache keeps the SDL as
// sent, with its names.
import type { ConstDirectiveNode, DefinitionNode, NameNode, NamedTypeNode, TypeNode } from 'graphql';

/** Names from this length on are aliased; shorter ones cost less than their alias saves. */
const LONG_NAME = 48;
const PREFIX = '__t';

type Rename = (name: string) => string | undefined;

interface Mutable {
  name?: NameNode;
  type?: TypeNode;
  interfaces?: readonly NamedTypeNode[];
  types?: readonly NamedTypeNode[];
  fields?: ReadonlyArray<Mutable>;
  arguments?: ReadonlyArray<Mutable>;
  operationTypes?: ReadonlyArray<Mutable>;
  directives?: readonly ConstDirectiveNode[];
}

function renameName(node: { name: NameNode }, rename: Rename): void {
  const to = rename(node.name.value);
  // A new Name node: the old one may be shared with the schema the AST was made from.
  if (to !== undefined) (node as { name: NameNode }).name = { kind: 'Name' as NameNode['kind'], value: to };
}

function renameTypeReference(type: TypeNode, rename: Rename): void {
  if (type.kind === 'NamedType') renameName(type, rename);
  else renameTypeReference(type.type, rename);
}

/**
 * Renames, in place, the type names of one definition: its own, and every type it refers
 * to (field, argument and operation types, interfaces, union members). Field, argument,
 * enum value and directive names are left alone.
 */
export function renameTypesIn(definition: DefinitionNode, rename: Rename): void {
  const node = definition as unknown as Mutable;
  switch (definition.kind) {
    case 'ObjectTypeDefinition':
    case 'InterfaceTypeDefinition':
    case 'InputObjectTypeDefinition':
      renameName(node as { name: NameNode }, rename);
      for (const i of node.interfaces ?? []) renameName(i, rename);
      for (const field of node.fields ?? []) {
        renameTypeReference(field.type!, rename);
        for (const arg of field.arguments ?? []) renameTypeReference(arg.type!, rename);
      }
      return;
    case 'UnionTypeDefinition':
      renameName(node as { name: NameNode }, rename);
      for (const member of node.types ?? []) renameName(member, rename);
      return;
    case 'EnumTypeDefinition':
    case 'ScalarTypeDefinition':
      renameName(node as { name: NameNode }, rename);
      return;
    case 'SchemaDefinition':
    case 'SchemaExtension':
      for (const operation of node.operationTypes ?? []) renameTypeReference(operation.type!, rename);
      return;
    case 'DirectiveDefinition':
      for (const arg of node.arguments ?? []) renameTypeReference(arg.type!, rename);
      return;
    default:
      return;
  }
}

/** Gives long names their aliases, for a thread that prints a schema; `names` lists them, by alias number. */
export function typeAliases(typeNames: Iterable<string>): { rename: Rename; names: string[] } {
  const names: string[] = [];
  const aliases = new Map<string, string>();
  const all = [...typeNames];
  // Were a type already to begin like an alias (the schema is then invalid anyway), nothing is aliased.
  if (all.some((n) => n.startsWith(PREFIX))) return { rename: () => undefined, names };
  for (const name of all) {
    if (name.length < LONG_NAME) continue;
    aliases.set(name, `${PREFIX}${names.length.toString(36)}`);
    names.push(name);
  }
  return { rename: (name) => aliases.get(name), names };
}

/** The real names back, for a thread that parses the aliased SDL. */
export function realTypeNames(names: readonly string[]): Rename {
  return (name) => {
    if (!name.startsWith(PREFIX)) return undefined;
    const index = Number.parseInt(name.slice(PREFIX.length), 36);
    return `${PREFIX}${index.toString(36)}` === name ? names[index] : undefined;
  };
}
