// Reading Mesh's annotations (`@httpOperation`, `@resolveRootField`, …) off schema
// elements at build time. graphql-tools' getDirective evaluates every argument of every
// directive an element carries to answer for one name, and the build asks about every
// field of every type, most of which carry none: on a Microsoft-Graph-sized schema that
// was hundreds of thousands of calls building empty answers. directive() answers
// undefined at once for an element that carries no directive of that name (the case in
// which getDirective answers undefined too), and getDirective's answer otherwise.
import type { GraphQLSchema } from 'graphql';
import { getDirective } from '@graphql-tools/utils';

interface Directable {
  readonly astNode?: { readonly directives?: ReadonlyArray<{ readonly name: { readonly value: string } }> } | null;
  readonly extensionASTNodes?: ReadonlyArray<{ readonly directives?: ReadonlyArray<{ readonly name: { readonly value: string } }> }> | null;
  readonly extensions?: Readonly<Record<string, unknown>> | null;
}

/** Whether `node` carries `name` where getDirective looks: its AST nodes, or `extensions.directives`. */
export function hasDirective(node: Directable, name: string): boolean {
  if (node.astNode?.directives?.some((d) => d.name.value === name)) return true;
  if (node.extensionASTNodes?.some((n) => n.directives?.some((d) => d.name.value === name))) return true;
  const inExtensions = (node.extensions as { directives?: Record<string, unknown> } | null | undefined)?.directives;
  return inExtensions != null && typeof inExtensions === 'object' && name in inExtensions;
}

/** `getDirective(schema, node, name)`, without its work on an element that does not carry `name`. */
export function directive(schema: GraphQLSchema, node: Directable, name: string): ReturnType<typeof getDirective> {
  return hasDirective(node, name) ? getDirective(schema, node as never, name) : undefined;
}
