// How a reload's schema change is grouped: one table of before/after SDL, one loop.
import { buildSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { diffSchemas, formatDiff } from '../../src/reload/diff.ts';

const BASE = 'type Query { a: String, b(id: ID): Int }';

const CASES: Array<{ name: string; next: string; expect: Partial<Record<'added' | 'removed' | 'breaking' | 'other', number>> }> = [
  { name: 'nothing changed', next: BASE, expect: {} },
  { name: 'a field added', next: 'type Query { a: String, b(id: ID): Int, c: Boolean }', expect: { added: 1 } },
  { name: 'a field removed is breaking', next: 'type Query { a: String }', expect: { breaking: 1 } },
  { name: 'an argument made required is breaking', next: 'type Query { a: String, b(id: ID!): Int }', expect: { breaking: 1 } },
  { name: 'an optional argument added', next: 'type Query { a: String, b(id: ID, x: Int): Int }', expect: { added: 1 } },
  { name: 'a description changed', next: 'type Query { "now described" a: String, b(id: ID): Int }', expect: { added: 1 } },
  { name: 'a field deprecated', next: 'type Query { a: String @deprecated(reason: "old"), b(id: ID): Int }', expect: { added: 1, other: 0 } },
  // The definition is visible to introspection (directive, location, argument); its usage on Query.a is not.
  {
    name: 'build annotations (directive usages) are not changes',
    next: 'directive @httpOperation(path: String) on FIELD_DEFINITION\ntype Query { a: String @httpOperation(path: "/a"), b(id: ID): Int }',
    expect: { added: 3 },
  },
];

describe('diffSchemas', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const d = await diffSchemas(buildSchema(BASE), buildSchema(c.next));
      const counts = { added: d.added.length, removed: d.removed.length, breaking: d.breaking.length, other: d.other.length };
      expect(counts).toEqual({ added: 0, removed: 0, breaking: 0, other: 0, ...c.expect });
    });
  }

  it('prints counts, then each change marked', async () => {
    const d = await diffSchemas(buildSchema(BASE), buildSchema('type Query { a: String, c: Boolean }'));
    expect(formatDiff(d)).toBe(
      "1 added, 0 removed, 1 breaking, 0 other\n  ! Field 'b' was removed from object type 'Query' (breaking)\n  + Field 'c' was added to object type 'Query'",
    );
  });
});
