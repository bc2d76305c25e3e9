// Response field order is the document's (GraphQL spec §6.3.2 CollectFields: fragments
// expanded where they stand), whichever executor runs the operation: a table of
// documents with fragments, inline fragments, aliases, @include/@skip and abstract
// types, each answered through the gateway's executor plugin (http/jit.ts) and by
// graphql-js's own execute, compared as text so that key order counts.
import { createSchema, createYoga } from 'graphql-yoga';
import { execute, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { useJit } from '../../src/http/jit.ts';

const schema = createSchema({
  typeDefs: /* GraphQL */ `
    interface Node {
      id: ID!
    }
    interface Named {
      name: String
    }
    type User implements Node & Named {
      id: ID!
      name: String
      age: Int
      team: Team
      pets: [Pet]
    }
    type Team implements Node & Named {
      id: ID!
      name: String
      size: Int
    }
    type Cat implements Named {
      name: String
      meows: Boolean
    }
    type Dog implements Named {
      name: String
      barks: Boolean
    }
    union Pet = Cat | Dog
    type Query {
      user: User
      node: Node
      named: [Named]
    }
  `,
  resolvers: {
    Query: {
      user: () => USER,
      node: () => USER,
      named: () => [USER, USER.team, ...USER.pets],
    },
    Node: { __resolveType: (v: { kind: string }) => v.kind },
    Named: { __resolveType: (v: { kind: string }) => v.kind },
    Pet: { __resolveType: (v: { kind: string }) => v.kind },
  },
});

const USER = {
  kind: 'User',
  id: 'u1',
  name: 'Ann',
  age: 40,
  team: { kind: 'Team', id: 't1', name: 'Core', size: 5 },
  pets: [
    { kind: 'Cat', name: 'Tom', meows: true },
    { kind: 'Dog', name: 'Rex', barks: true },
  ],
};

const DOCUMENTS: Array<{ name: string; query: string; variables?: Record<string, unknown> }> = [
  { name: 'a named fragment before a field', query: '{ user { ...F age } } fragment F on User { id name }' },
  { name: 'an inline fragment before a field', query: '{ user { ... on User { id name } age } }' },
  { name: 'a field, a fragment, a field', query: '{ user { age ...F id } } fragment F on User { name id }' },
  { name: 'two fragments and fields between', query: '{ user { ...A age ...B } } fragment A on User { name } fragment B on User { id team { name } }' },
  { name: 'nested fragments', query: '{ user { ...Outer age } } fragment Outer on User { team { ...T id } name } fragment T on Team { name size }' },
  { name: 'aliases and a repeated field merged', query: '{ user { first: name ...F last: name } } fragment F on User { age first: name }' },
  { name: 'a fragment on an interface the object implements', query: '{ user { ... on Node { id } name ... on Named { name } age } }' },
  { name: 'a fragment on an interface that can never hold for this member', query: '{ named { ... on Node { id } name } }' },
  {
    name: '@include on a fragment before a field (true)',
    query: 'query($on: Boolean!) { user { ... @include(if: $on) { id } name } }',
    variables: { on: true },
  },
  {
    name: '@skip on a fragment before a field (false)',
    query: 'query($off: Boolean!) { user { ...F @skip(if: $off) name } } fragment F on User { id age }',
    variables: { off: false },
  },
  {
    name: 'union members with inline fragments and __typename after',
    query: '{ user { pets { ... on Cat { meows } ... on Dog { barks } __typename ... on Named { name } } } }',
  },
  { name: 'an interface list with narrowed fragments first', query: '{ named { ... on User { age } ... on Team { size } name __typename } }' },
  { name: 'an interface field, shared fields in a fragment on the interface', query: '{ node { ... on Node { id } ... on User { name } __typename } }' },
  { name: 'the same named fragment twice', query: '{ user { ...F age ...F } } fragment F on User { id }' },
];

describe('field order under the gateway executor equals graphql-js', () => {
  const yoga = createYoga({ schema, plugins: [useJit()], logging: false, maskedErrors: false });
  it.each(DOCUMENTS)('$name', async ({ query, variables }) => {
    const response = await yoga.fetch('http://t/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }),
    });
    const expected = await execute({ schema, document: parse(query), variableValues: variables });
    expect(await response.text()).toBe(JSON.stringify(expected));
  });
});
