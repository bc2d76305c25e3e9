// The query GraphiQL opens with: a real query against the served schema rather than a
// comment, so that a first visitor can press run and see data flowing from several
// sources. It prefers a root field that needs no arguments and reaches other object
// types (links), and selects a few leaf fields at each level.
import { getNamedType, isLeafType, isObjectType, isNonNullType, type GraphQLField, type GraphQLObjectType, type GraphQLSchema } from 'graphql';

function noRequiredArgs(field: GraphQLField<unknown, unknown>): boolean {
  return field.args.every((a) => !isNonNullType(a.type) || a.defaultValue !== undefined);
}

function selection(type: GraphQLObjectType, depth: number, indent: string): string {
  const fields = Object.values(type.getFields()).filter(noRequiredArgs);
  const leaves = fields.filter((f) => isLeafType(getNamedType(f.type))).slice(0, 5);
  const nested = depth > 0 ? fields.filter((f) => isObjectType(getNamedType(f.type))).slice(0, 2) : [];
  const lines = leaves.map((f) => `${indent}${f.name}`);
  for (const f of nested) {
    const inner = selection(getNamedType(f.type) as GraphQLObjectType, depth - 1, indent + '  ');
    if (inner) lines.push(`${indent}${f.name} {\n${inner}\n${indent}}`);
  }
  return lines.join('\n');
}

function reach(field: GraphQLField<unknown, unknown>): number {
  const t = getNamedType(field.type);
  return isObjectType(t) ? Object.values(t.getFields()).filter((f) => isObjectType(getNamedType(f.type))).length : -1;
}

export function defaultQuery(schema: GraphQLSchema): string {
  const query = schema.getQueryType();
  const candidates = Object.values(query?.getFields() ?? {}).filter((f) => noRequiredArgs(f) && isObjectType(getNamedType(f.type)));
  if (candidates.length === 0) return '# Write your query here. Press Ctrl-Space for completion.\n{\n  __typename\n}\n';
  const best = candidates.reduce((a, b) => (reach(b) > reach(a) ? b : a));
  const body = selection(getNamedType(best.type) as GraphQLObjectType, 2, '    ');
  return `# Tributary: one GraphQL endpoint over your REST services.\n# Press the run button; fields from other sources are batched per request.\n{\n  ${best.name} {\n${body}\n  }\n}\n`;
}
