// No GraphQL document can hang or crash the executor (issue 9). graphql-jit's compile
// step expands recursive input types forever and other shapes exponentially; such
// operations must run on graphql-js (or be refused with a code), decided once per
// document and schema. Three tables: the budget decision, the same answers from both
// executors for normal documents, and hostile documents against a real gateway running
// in a child process with a small heap, so that a blow-up kills it and fails the test.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { getIntrospectionQuery, parse } from 'graphql';
import { createYoga } from 'graphql-yoga';
import { chooseExecutor, JIT_COMPILE_BUDGET } from '../../src/http/executor-budget.ts';
import { MAX_VARIABLE_DEPTH, tooDeepVariable } from '../../src/http/executor-variable-depth.ts';
import { useJit } from '../../src/http/jit.ts';
import { createLogger } from '../../src/observability/log.ts';
import { Writable } from 'node:stream';
import { startExecutorWorld, type ExecutorWorld } from './fixtures-executor/world.ts';
import { startChildGateway, type ChildGateway } from './fixtures-executor/child-gateway.ts';

// ---- helpers that build pathological documents ----

const listType = (levels: number, inner = 'Int') => `${'['.repeat(levels)}${inner}${']'.repeat(levels)}`;
/** `{and: [{and: [ … {name: "leaf"} … ]}]}`, `levels` filters deep (two value levels each). */
const filterTree = (levels: number): unknown => {
  let value: unknown = { name: 'leaf' };
  for (let i = 0; i < levels; i++) value = { and: [value] };
  return value;
};
const groupTree = (levels: number): unknown => {
  let value: unknown = { label: 'leaf' };
  for (let i = 0; i < levels; i++) value = { rules: [{ field: 'f', group: value }] };
  return value;
};
const nestedJson = (levels: number): unknown => {
  let value: unknown = 1;
  for (let i = 0; i < levels; i++) value = { x: value };
  return value;
};
/** Fragments F0…Fn where each spreads the next twice: 2^n fields once inlined. */
const doublingFragments = (n: number) =>
  `{ tree { ...F0 } }\n${Array.from({ length: n }, (_, i) => `fragment F${i} on Tree { a: child { ...F${i + 1} } b: child { ...F${i + 1} } }`).join('\n')}\nfragment F${n} on Tree { id }`;

// ---- 1. the budget decision ----

const SDL = `
  scalar JSON
  enum Color { RED GREEN }
  input Filter { name: String and: [Filter!] not: Filter }
  input Group { label: String rules: [Rule] }
  input Rule { field: String group: Group }
  input Deep { inner: [[Filter]] }
  input Plain { name: String color: Color tags: [String!] }
  ${Array.from({ length: 14 }, (_, i) => `input W${i} { a: W${i + 1} b: W${i + 1} }`).join('\n')}
  input W14 { s: String }
  type Tree { id: ID child: Tree }
  interface Node { id: ID child: Node }
  ${Array.from({ length: 20 }, (_, i) => `type N${i} implements Node { id: ID child: Node }`).join('\n')}
  type Query {
    search(filter: Filter, group: Group, deep: Deep, plain: Plain, wide: W0, w10: W10, json: JSON, ints: JSON, n: Int, s: String, color: Color): String
    node: Node
    tree: Tree
    items(first: Int): [String]
  }
  type Mutation { touch(filter: Filter): String }
`;
const budgetSchema = makeExecutableSchema({ typeDefs: SDL, resolvers: { Node: { __resolveType: () => 'N0' } } });

interface BudgetCase {
  readonly name: string;
  readonly document: string;
  readonly operationName?: string;
  readonly executor: 'jit' | 'graphql-js';
  /** Part of the reason given for graphql-js. */
  readonly reason?: string;
  readonly unboundedVariables?: boolean;
}

const BUDGET_CASES: BudgetCase[] = [
  { name: 'a plain query', document: '{ items(first: 2) }', executor: 'jit', unboundedVariables: false },
  {
    name: 'a query with plain variables',
    document: 'query($p: Plain, $n: Int, $c: Color) { search(plain: $p, n: $n, color: $c) }',
    executor: 'jit',
    unboundedVariables: false,
  },
  { name: "GraphiQL's introspection query", document: getIntrospectionQuery(), executor: 'jit' },
  {
    name: 'a recursive input type (the 87-byte killer)',
    document: 'query($f: Filter) { search(filter: $f) }',
    executor: 'graphql-js',
    reason: 'recursive input type',
    unboundedVariables: true,
  },
  {
    name: 'a recursive input type behind non-null and list',
    document: 'query($f: [Filter!]!) { items(first: 1) search(filter: { and: $f }) }',
    executor: 'graphql-js',
    reason: '$f: Filter',
  },
  {
    name: 'mutually recursive input types',
    document: 'query($g: Group) { search(group: $g) }',
    executor: 'graphql-js',
    reason: 'recursive',
    unboundedVariables: true,
  },
  { name: 'a type that only contains a recursive one', document: 'query($d: Deep) { search(deep: $d) }', executor: 'graphql-js', reason: 'recursive' },
  { name: 'a recursive type in a mutation', document: 'mutation($f: Filter) { touch(filter: $f) }', executor: 'graphql-js', reason: 'recursive' },
  { name: 'a recursive type as an inline literal only', document: '{ search(filter: { and: [{ and: [{ name: "x" }] }] }) }', executor: 'jit' },
  { name: '5 levels of list nesting', document: `query($v: ${listType(5)}) { search(ints: $v) }`, executor: 'jit', unboundedVariables: false },
  { name: '12 levels of list nesting', document: `query($v: ${listType(12)}) { search(ints: $v) }`, executor: 'graphql-js', reason: 'budget' },
  { name: '40 levels of list nesting', document: `query($v: ${listType(40)}) { search(ints: $v) }`, executor: 'graphql-js', reason: 'budget' },
  { name: 'types sharing types, 4 levels', document: 'query($w: W10) { search(w10: $w) }', executor: 'jit' },
  {
    name: 'types sharing types, 14 levels (2^14 paths, no recursion)',
    document: 'query($w: W0) { search(wide: $w) }',
    executor: 'graphql-js',
    reason: 'budget',
  },
  { name: 'a JSON scalar variable', document: 'query($j: JSON) { search(json: $j) }', executor: 'jit', unboundedVariables: true },
  { name: '20 variables', document: `query(${Array.from({ length: 20 }, (_, i) => `$v${i}: String`).join(' ')}) { search(s: $v0) }`, executor: 'jit' },
  {
    name: '3,000 variables',
    document: `query(${Array.from({ length: 3000 }, (_, i) => `$v${i}: String`).join(' ')}) { search(s: $v0) }`,
    executor: 'graphql-js',
    reason: 'budget',
  },
  { name: 'fragments doubling 3 times', document: doublingFragments(3), executor: 'jit' },
  { name: 'an interface with 20 implementations, one level', document: '{ node { id ... on N3 { child { id } } } }', executor: 'jit' },
  { name: 'fragments doubling 16 times', document: doublingFragments(16), executor: 'graphql-js', reason: 'budget' },
  // An interface's selection is compiled once per implementation: 20 × 2 × 20 × … .
  {
    name: 'nested selections on an interface with 20 implementations',
    document: '{ node { child { child { id } } } }',
    executor: 'graphql-js',
    reason: 'budget',
  },
  {
    name: 'the named operation of two: the plain one',
    document: 'query A { items } query B($f: Filter) { search(filter: $f) }',
    operationName: 'A',
    executor: 'jit',
  },
  {
    name: 'the named operation of two: the recursive one',
    document: 'query A { items } query B($f: Filter) { search(filter: $f) }',
    operationName: 'B',
    executor: 'graphql-js',
    reason: 'recursive',
  },
  {
    name: 'two operations and no name (graphql-js reports it)',
    document: 'query A { items } query B { items }',
    executor: 'graphql-js',
    reason: 'no single operation',
  },
];

describe('the executor budget', () => {
  it.each(BUDGET_CASES)('$name → $executor', ({ document, operationName, executor, reason, unboundedVariables }) => {
    const choice = chooseExecutor(budgetSchema, parse(document), operationName);
    expect(choice.executor).toBe(executor);
    if (choice.executor === 'jit') expect(choice.cost).toBeLessThanOrEqual(JIT_COMPILE_BUDGET);
    if (reason) expect(choice.executor === 'graphql-js' && choice.reason).toContain(reason);
    if (unboundedVariables !== undefined) expect(choice.unboundedVariables).toBe(unboundedVariables);
  });

  it('measures a recursive schema without expanding it (a result, not a hang)', () => {
    const wide = Array.from({ length: 200 }, (_, i) => `f${i}: [R]`).join(' ');
    const schema = makeExecutableSchema({ typeDefs: `input R { ${wide} } input S { r: R, s: [S] } type Query { q(s: S): String }` });
    expect(chooseExecutor(schema, parse('query($s: S) { q(s: $s) }'))).toMatchObject({ executor: 'graphql-js', unboundedVariables: true });
  });
});

const DEPTH_CASES: Array<{ name: string; values: Record<string, unknown> | undefined; refused?: string }> = [
  { name: 'no variables', values: undefined },
  { name: 'scalars only', values: { a: 1, b: 'x', c: null } },
  { name: `a value exactly ${MAX_VARIABLE_DEPTH} levels deep`, values: { j: nestedJson(MAX_VARIABLE_DEPTH) } },
  { name: `a value ${MAX_VARIABLE_DEPTH + 1} levels deep`, values: { ok: 1, j: nestedJson(MAX_VARIABLE_DEPTH + 1) }, refused: 'j' },
  { name: 'a filter tree of 100,000 levels', values: { f: filterTree(100_000) }, refused: 'f' },
  { name: 'a wide but shallow value', values: { f: { or: Array.from({ length: 50_000 }, (_, i) => ({ name: `n${i}` })) } } },
];

describe('the variable depth check', () => {
  it.each(DEPTH_CASES)('$name', ({ values, refused }) => {
    expect(tooDeepVariable(values)).toBe(refused);
  });
});

// ---- 2. the same answers from graphql-jit and graphql-js ----

const PARITY_SDL = `
  enum Color { RED GREEN }
  input Plain { name: String! color: Color = RED tags: [String!] }
  type Item { id: ID! name: String color: Color tags: [String] broken: String mandatory: String! }
  type Query { items(first: Int = 2, filter: Plain): [Item!]! item(id: ID!): Item }
`;
const parityResolvers = {
  Query: {
    items: (_: unknown, args: { first: number; filter?: { name: string; color: string; tags?: string[] } }) =>
      Array.from({ length: args.first }, (_, i) => ({
        id: String(i),
        name: args.filter?.name ?? `item ${i}`,
        color: args.filter?.color ?? 'GREEN',
        tags: args.filter?.tags ?? ['a'],
      })),
    item: (_: unknown, { id }: { id: string }) => (id === 'none' ? null : { id, name: 'one', color: 'RED', tags: [] }),
  },
  Item: {
    broken: () => {
      throw new Error('resolver failed');
    },
    mandatory: (item: { id: string }) => (item.id === '1' ? null : 'here'),
  },
};

const PARITY_CASES: Array<{ name: string; query: string; variables?: Record<string, unknown> }> = [
  { name: 'fields, aliases and defaults', query: '{ items { id name color tags } two: items(first: 1) { id } }' },
  {
    name: 'variables with defaults inside input objects',
    query: 'query($f: Plain) { items(filter: $f) { name color tags } }',
    variables: { f: { name: 'x', tags: ['t'] } },
  },
  {
    name: 'a single value coerced to a list',
    query: 'query($f: Plain) { items(first: 1, filter: $f) { tags } }',
    variables: { f: { name: 'x', tags: 'solo' } },
  },
  { name: 'fragments and inline fragments', query: '{ items { ...F ... on Item { color } } } fragment F on Item { id name }' },
  { name: 'skip and include', query: 'query($s: Boolean!) { items { id name @skip(if: $s) color @include(if: $s) } }', variables: { s: true } },
  { name: 'a resolver error', query: '{ item(id: "7") { id broken } }' },
  { name: 'null in a non-null field propagates', query: '{ items { id mandatory } }' },
  { name: 'a null object', query: '{ item(id: "none") { id } }' },
  { name: 'a missing required variable', query: 'query($id: ID!) { item(id: $id) { id } }', variables: {} },
  { name: 'a variable of the wrong type', query: 'query($n: Int) { items(first: $n) { id } }', variables: { n: 'two' } },
  { name: 'an enum value that does not exist', query: 'query($f: Plain) { items(filter: $f) { id } }', variables: { f: { name: 'x', color: 'BLUE' } } },
  { name: '__typename', query: '{ __typename items(first: 1) { __typename } }' },
];

describe('graphql-jit and graphql-js answer normal documents the same', () => {
  const schema = makeExecutableSchema({ typeDefs: PARITY_SDL, resolvers: parityResolvers });
  const withJit = createYoga({ schema, plugins: [useJit()], maskedErrors: false, logging: false });
  const withoutJit = createYoga({ schema, maskedErrors: false, logging: false });
  const ask = async (yoga: typeof withJit, query: string, variables?: Record<string, unknown>) => {
    const response = await yoga.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, body: (await response.json()) as { data?: unknown; errors?: Array<{ message: string; path?: unknown }> } };
  };
  it.each(PARITY_CASES)('$name', async ({ query, variables }) => {
    // The jit plan must actually be jit here, or the comparison compares graphql-js with itself.
    expect(chooseExecutor(schema, parse(query)).executor).toBe('jit');
    const [jit, js] = await Promise.all([ask(withJit, query, variables), ask(withoutJit, query, variables)]);
    // Not the HTTP status: bare Yoga answers the two executors' variable errors with
    // different statuses, which the gateway evens out (http/graphql-variable-errors.ts).
    expect(jit.body.data).toEqual(js.body.data);
    // graphql-jit words a few coercion messages differently; the errors' number and paths are the contract.
    expect(jit.body.errors?.map((e) => e.path)).toEqual(js.body.errors?.map((e) => e.path));
  });
});

describe('one document with several operations', () => {
  // @envelop/graphql-jit cached compiled operations by document alone, so the second
  // operation of a document ran the first one's compiled code.
  it('runs the operation the request names, each compiled on its own', async () => {
    const schema = makeExecutableSchema({ typeDefs: PARITY_SDL, resolvers: parityResolvers });
    const yoga = createYoga({ schema, plugins: [useJit()], maskedErrors: false, logging: false });
    const query = 'query A { items(first: 1) { id } } query B { item(id: "9") { id } }';
    const ask = async (operationName: string) => {
      const response = await yoga.fetch('http://localhost/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query, operationName }),
      });
      return (await response.json()) as { data?: unknown; errors?: Array<{ message: string }> };
    };
    expect(await ask('A')).toEqual({ data: { items: [{ id: '0' }] } });
    expect(await ask('B')).toEqual({ data: { item: { id: '9' } } });
    // Yoga refuses a name the document does not define before execution; the executor's own cache keeps one entry for those anyway.
    for (const unknown of ['C', 'D']) expect(await ask(unknown)).toMatchObject({ errors: [{ message: 'Could not determine what operation to execute.' }] });
  });
});

describe('a compile that fails', () => {
  it('falls back to graphql-js, once, and says so in the log', async () => {
    // 500 nested selections are within the budget, but graphql-jit's compiler recurses
    // per level and overflows the stack; graphql-js walks only the data there is.
    const schema = makeExecutableSchema({
      typeDefs: 'type Tree { id: ID child: Tree } type Query { tree: Tree }',
      resolvers: { Query: { tree: () => ({ id: '1', child: { id: '2' } }) } },
    });
    const query = `{ tree ${'{ id child '.repeat(500)}{ id }${' }'.repeat(500)} }`;
    expect(chooseExecutor(schema, parse(query)).executor).toBe('jit');
    const lines: Array<Record<string, unknown>> = [];
    const logger = createLogger({
      level: 'debug',
      destination: new Writable({ write: (chunk: Buffer, _e, done) => (lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>), done()) }),
    });
    const yoga = createYoga({ schema, plugins: [useJit({ logger })], maskedErrors: false, logging: false });
    for (let i = 0; i < 2; i++) {
      const response = await yoga.fetch('http://localhost/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query }),
      });
      expect(await response.json()).toEqual({ data: { tree: { id: '1', child: { id: '2', child: null } } } });
    }
    expect(lines.map((l) => [l.level, l.msg, (l.err as { message?: string } | undefined)?.message])).toEqual([
      [40, 'graphql-jit failed to compile an operation; it runs on graphql-js', 'Maximum call stack size exceeded'],
    ]);
  });
});

// ---- 3. hostile documents against a real gateway ----

const RECEIVED = '{ bytes depth }';
interface HostileCase {
  readonly name: string;
  readonly body: unknown;
  /** data.<field>.depth the backend saw, when the operation must run. */
  readonly depth?: number;
  /** The error code, when it must be refused. */
  readonly code?: string;
}

/** A request body as text: JSON.stringify itself overflows the stack on values this deep. */
const deepBody = (query: string, variable: string, [open, leaf, close]: [string, string, string], levels: number) =>
  `{"query":${JSON.stringify(query)},"variables":{"${variable}":${open.repeat(levels)}${leaf}${close.repeat(levels)}}}`;
const FILTER_TEXT: [string, string, string] = ['{"and":[', '{"name":"leaf"}', ']}'];
const GROUP_TEXT: [string, string, string] = ['{"rules":[{"field":"f","group":', '{"label":"leaf"}', '}]}'];
const JSON_TEXT: [string, string, string] = ['{"x":', '1', '}'];

const manyVariables = (n: number) => ({
  query: `mutation(${Array.from({ length: n }, (_, i) => `$v${i}: String`).join(' ')}) { search(input: { or: [${Array.from({ length: n }, (_, i) => `{ name: $v${i} }`).join(' ')}] }) ${RECEIVED} }`,
  variables: Object.fromEntries(Array.from({ length: n }, (_, i) => [`v${i}`, `n${i}`])),
});

const HOSTILE_CASES: HostileCase[] = [
  // The document from the report: an anonymous operation declaring a recursive input type.
  { name: 'a recursive input variable, no value', body: { query: 'mutation($f:Filter_Input){search(input:$f){bytes depth}}' }, depth: 0 },
  {
    name: 'a recursive input variable, 1 level',
    body: { query: `mutation($f: Filter_Input) { search(input: $f) ${RECEIVED} }`, variables: { f: filterTree(1) } },
    depth: 3,
  },
  {
    name: 'a recursive input variable, 60 levels',
    body: { query: `mutation($f: Filter_Input) { search(input: $f) ${RECEIVED} }`, variables: { f: filterTree(60) } },
    depth: 121,
  },
  {
    name: 'a recursive input variable, 100,000 levels',
    body: deepBody(`mutation($f: Filter_Input) { search(input: $f) ${RECEIVED} }`, 'f', FILTER_TEXT, 100_000),
    code: 'VARIABLE_TOO_DEEP',
  },
  {
    name: 'a recursive input variable, a list at the top',
    body: { query: `mutation($f: [Filter_Input]) { search(input: { or: $f }) ${RECEIVED} }`, variables: { f: [filterTree(2), filterTree(3)] } },
    depth: 9,
  },
  {
    name: 'mutually recursive inputs, 5 levels',
    body: { query: `mutation($g: Group_Input) { groups(input: $g) ${RECEIVED} }`, variables: { g: groupTree(5) } },
    depth: 16,
  },
  {
    name: 'mutually recursive inputs, 50,000 levels',
    body: deepBody(`mutation($g: Group_Input) { groups(input: $g) ${RECEIVED} }`, 'g', GROUP_TEXT, 50_000),
    code: 'VARIABLE_TOO_DEEP',
  },
  {
    name: 'a huge but shallow recursive variable (40,000 filters)',
    body: {
      query: `mutation($f: Filter_Input) { search(input: $f) ${RECEIVED} }`,
      variables: { f: { or: Array.from({ length: 40_000 }, (_, i) => ({ name: `n${i}`, not: { name: 'x' } })) } },
    },
    depth: 4,
  },
  {
    name: '12 levels of list nesting in a variable',
    body: {
      query: `mutation($c: ${listType(12)}) { matrix(input: { cells: $c }) ${RECEIVED} }`,
      variables: { c: JSON.parse(`${'['.repeat(12)}1${']'.repeat(12)}`) },
    },
    depth: 13,
  },
  {
    name: '12 levels of list nesting inside an input type, a single value coerced',
    body: { query: `mutation($m: matrix_request_Input) { matrix(input: $m) ${RECEIVED} }`, variables: { m: { cells: 7 } } },
    depth: 13,
  },
  {
    name: 'input types sharing types, 14 levels (2^14 paths)',
    body: {
      query: `mutation($w: Wide0_Input) { wide(input: $w) ${RECEIVED} }`,
      variables: { w: JSON.parse(`${'{"a":'.repeat(14)}{"s":"x"}${'}'.repeat(14)}`) },
    },
    depth: 15,
  },
  { name: '5,000 variables', body: manyVariables(5_000), depth: 3 },
  {
    name: 'a JSON variable 10,000 levels deep',
    body: deepBody(`mutation($j: JSON) { free(input: $j) ${RECEIVED} }`, 'j', JSON_TEXT, 10_000),
    code: 'VARIABLE_TOO_DEEP',
  },
  { name: 'a JSON variable, shallow', body: { query: `mutation($j: JSON) { free(input: $j) ${RECEIVED} }`, variables: { j: nestedJson(5) } }, depth: 5 },
];

describe('hostile documents against a gateway with a 256 MB heap', () => {
  let world: ExecutorWorld;
  let gateway: ChildGateway;
  beforeAll(async () => {
    world = await startExecutorWorld();
    gateway = await startChildGateway(world.configFile, 256);
  }, 60_000);
  afterAll(async () => {
    await gateway?.close();
    await world?.close();
  });

  const normal = async () => {
    const { status, json } = await gateway.graphql({ query: '{ item(id: "1") { id name } }' });
    expect(gateway.exited()).toBeUndefined();
    expect({ status, json }).toEqual({ status: 200, json: { data: { item: { id: '1', name: 'Kettle' } } } });
  };

  it('answers a normal query', normal);

  it.each(HOSTILE_CASES)('$name: answers, and still answers a normal query after', async ({ body, depth, code }) => {
    const { status, json } = await gateway.graphql(body);
    expect(gateway.exited()).toBeUndefined();
    if (code) {
      expect(status).toBe(400);
      expect(json.data).toBeUndefined();
      expect(json.errors?.map((e) => e.extensions?.code)).toEqual([code]);
    } else {
      expect(json.errors).toBeUndefined();
      expect(status).toBe(200);
      const field = Object.values(json.data as Record<string, { depth: number }>)[0]!;
      expect(field.depth).toBe(depth);
    }
    await normal();
  });

  it('decides the executor once per document, not per request', async () => {
    const body = { query: `mutation Once($f: Filter_Input) { search(input: $f) ${RECEIVED} }`, variables: { f: filterTree(2) } };
    for (let i = 0; i < 3; i++) expect((await gateway.graphql(body)).status).toBe(200);
    const plans = gateway.log.filter((line) => line.operationName === 'Once' && line.component === 'executor');
    expect(plans).toHaveLength(1);
    // A REST mutation runs on its plan, which compiles nothing per variable shape (the
    // table above shows graphql-jit's refusal of the recursive type where no plan runs).
    expect(plans[0]).toMatchObject({ executor: 'planned', msg: 'operation runs on its plan' });
  });
});
