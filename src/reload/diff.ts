// What changed between two schema generations, as a person reviewing a reload wants it:
// added, removed, breaking (a client query that worked may now fail), and the rest.
// The comparison itself is @graphql-inspector/core's, which classifies every kind of
// change by criticality; here it is only grouped and printed.
import { CriticalityLevel, diff, type Change } from '@graphql-inspector/core';
import type { GraphQLSchema } from 'graphql';

export interface SchemaDiff {
  added: string[];
  removed: string[];
  /** Changes that can break an existing client operation (inspector's BREAKING). */
  breaking: string[];
  /** Everything else: descriptions, deprecations, dangerous-but-compatible changes. */
  other: string[];
}

export async function diffSchemas(previous: GraphQLSchema, next: GraphQLSchema): Promise<SchemaDiff> {
  const changes: Change[] = await diff(previous, next);
  const out: SchemaDiff = { added: [], removed: [], breaking: [], other: [] };
  for (const change of changes) {
    const type = String(change.type);
    // Directive usages are build annotations (Mesh's @httpOperation and friends, kept
    // on AST nodes); introspection does not show them, so no client can see them change.
    if (type.startsWith('DIRECTIVE_USAGE')) continue;
    if (change.criticality.level === CriticalityLevel.Breaking) out.breaking.push(change.message);
    else if (type.endsWith('_ADDED')) out.added.push(change.message);
    else if (type.endsWith('_REMOVED')) out.removed.push(change.message);
    else out.other.push(change.message);
  }
  return out;
}

export function isEmptyDiff(d: SchemaDiff): boolean {
  return d.added.length + d.removed.length + d.breaking.length + d.other.length === 0;
}

/** A few lines for the terminal: counts, then each change marked +, -, ! or ~. */
export function formatDiff(d: SchemaDiff, limit = 50): string {
  if (isEmptyDiff(d)) return 'schema unchanged';
  const lines = [`${d.added.length} added, ${d.removed.length} removed, ${d.breaking.length} breaking, ${d.other.length} other`];
  const items = [
    ...d.breaking.map((m) => `  ! ${m} (breaking)`),
    ...d.removed.map((m) => `  - ${m}`),
    ...d.added.map((m) => `  + ${m}`),
    ...d.other.map((m) => `  ~ ${m}`),
  ];
  lines.push(...items.slice(0, limit));
  if (items.length > limit) lines.push(`  … and ${items.length - limit} more`);
  return lines.join('\n');
}
