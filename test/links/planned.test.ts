// Planned execution (src/links/planned/) against graphql-js itself: one table of documents,
// each run through a gateway that plans and through one that interprets everything with
// graphql-js (`executor: graphql-js`), on the same real backends. The answers must be the
// same bytes — data, field order, aliases, `__typename`, nulls and errors with their
// paths, messages, locations and codes — and the upstream calls the same. Each case also
// says whether the planner takes it, so a silent fallback cannot pass for planned.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'graphql';
import { createGateway, type Gateway } from '../../src/gateway.ts';
import { silentLogger } from '../../src/observability/log.ts';
import { planOperation } from '../../src/links/planned/planner.ts';
import { removeTempDir, startBackend, writeTempDir, type Backend } from '../helpers/backend.ts';
import { rest } from '../helpers/gateway.ts';

const TEAMS = [
  { id: 't0', name: 'Red' },
  { id: 't1', name: 'Green' },
];
const USERS = Array.from({ length: 6 }, (_, i) => ({ id: `u${i}`, name: `User ${i}`, teamId: i === 5 ? 'broken' : `t${i % 2}` }));
const TICKETS = Array.from({ length: 8 }, (_, i) => ({
  id: i,
  title: `Ticket ${i}`,
  status: i % 3 === 0 ? 'closed' : 'open',
  assigneeId: `u${i % 5}`,
  watcherIds: [`u${(i + 1) % 5}`, `u${(i + 2) % 5}`],
  tags: ['a', 'b'],
  meta: { priority: i % 4, labels: [{ name: `l${i}` }] },
}));
/** Rows that break the document's promises, one way each. */
const BROKEN = [
  { id: 100, title: 'no such assignee', status: 'open', assigneeId: 'nobody', watcherIds: ['u1', 'nobody'] },
  { id: 101, title: null, status: 'open', assigneeId: 'u1', watcherIds: [] },
  { id: 102, title: 'odd status', status: 'weird', assigneeId: 'u5', watcherIds: ['u5'] },
  { id: 103, title: 'no key', status: 'open', assigneeId: null, watcherIds: null },
  { id: 104, title: 'bad number', status: 'open', assigneeId: 'u2', watcherIds: [], meta: { priority: 1.5, labels: 'x' } },
];

const TICKETS_SPEC = `
openapi: 3.0.3
info: { title: Tickets, version: '1' }
paths:
  /tickets:
    get:
      operationId: tickets
      parameters: [{ name: status, in: query, schema: { $ref: '#/components/schemas/Status' } }]
      responses: { '200': { description: ok, content: { application/json: { schema: { type: array, items: { $ref: '#/components/schemas/Ticket' } } } } } }
  /tickets/new:
    post:
      operationId: createTicket
      requestBody: { required: true, content: { application/json: { schema: { type: object, required: [title], properties: { title: { type: string } } } } } }
      responses: { '200': { description: ok, content: { application/json: { schema: { $ref: '#/components/schemas/Ticket' } } } } }
  /tickets/refused:
    post:
      operationId: refuseTicket
      responses: { '200': { description: ok, content: { application/json: { schema: { $ref: '#/components/schemas/Ticket' } } } } }
  /broken:
    get:
      operationId: broken
      responses: { '200': { description: ok, content: { application/json: { schema: { type: array, items: { $ref: '#/components/schemas/Ticket' } } } } } }
  /tickets/{id}:
    get:
      operationId: ticket
      parameters: [{ name: id, in: path, required: true, schema: { type: integer } }]
      responses: { '200': { description: ok, content: { application/json: { schema: { $ref: '#/components/schemas/Ticket' } } } } }
  /failing:
    get:
      operationId: failing
      responses: { '200': { description: ok, content: { application/json: { schema: { type: array, items: { $ref: '#/components/schemas/Ticket' } } } } } }
components:
  schemas:
    Status: { type: string, enum: [open, closed] }
    Ticket:
      type: object
      required: [id, title]
      properties:
        id: { type: integer }
        title: { type: string }
        status: { $ref: '#/components/schemas/Status' }
        assigneeId: { type: string }
        watcherIds: { type: array, items: { type: string } }
        tags: { type: array, items: { type: string } }
        meta:
          type: object
          properties:
            priority: { type: integer }
            labels: { type: array, items: { type: object, required: [name], properties: { name: { type: string } } } }
`;

const USERS_SPEC = `
openapi: 3.0.3
info: { title: Users, version: '1' }
paths:
  /users:
    get:
      operationId: users
      parameters: [{ name: id, in: query, required: true, explode: true, schema: { type: array, items: { type: string } } }]
      responses: { '200': { description: ok, content: { application/json: { schema: { type: array, items: { $ref: '#/components/schemas/User' } } } } } }
  /users/{id}:
    get:
      operationId: user
      parameters: [{ name: id, in: path, required: true, schema: { type: string } }]
      responses: { '200': { description: ok, content: { application/json: { schema: { $ref: '#/components/schemas/User' } } } } }
  /teams/{id}:
    get:
      operationId: team
      parameters: [{ name: id, in: path, required: true, schema: { type: string } }]
      responses: { '200': { description: ok, content: { application/json: { schema: { $ref: '#/components/schemas/Team' } } } } }
components:
  schemas:
    User: { type: object, required: [id, name], properties: { id: { type: string }, name: { type: string }, teamId: { type: string } } }
    Team: { type: object, required: [id], properties: { id: { type: string }, name: { type: string } } }
`;

function meshrc(executor: string): string {
  return `
sources:
  - name: Tickets
    handler: { openapi: { source: ./tickets.yaml } }
  - name: Users
    handler: { openapi: { source: ./users.yaml } }
additionalTypeDefs: |
  extend type Ticket {
    owner: User! @resolveTo(sourceName: "Users", sourceTypeName: "Query", sourceFieldName: "users", keyField: "assigneeId", keysArg: "id", valueKeyField: "id", requiredSelectionSet: "{ assigneeId }")
  }
tributary:
  server: { executor: ${executor} }
  links:
    - { field: Ticket.assignee, target: Query.users, key: assigneeId, keysArg: id, valueKey: id }
    - { field: Ticket.watchers, target: Query.users, key: watcherIds, keysArg: id, valueKey: id }
    - { field: Ticket.reporter, target: Query.user, key: assigneeId, arg: id }
    - { field: User.team, target: Query.team, key: teamId, arg: id }
`;
}

interface Case {
  name: string;
  query: string;
  variables?: Record<string, unknown>;
  /** Whether the planner takes it (else it must say why and the executor runs it). */
  planned: boolean;
}

const CASES: Case[] = [
  { name: 'scalars, lists of scalars, nested objects', query: '{ tickets { id title status tags meta { priority labels { name } } } }', planned: true },
  {
    name: 'aliases and __typename at every level',
    query: '{ __typename all: tickets { __typename key: id t: title meta { __typename p: priority } } }',
    planned: true,
  },
  {
    name: 'fragments, inline fragments, merged fields, selection order',
    query:
      'query { tickets { ...A status ... on Ticket { id meta { labels { name } } } meta { priority } } } fragment A on Ticket { title id ...B } fragment B on Ticket { tags title }',
    planned: true,
  },
  {
    name: '@skip/@include by variables (one outcome)',
    query: 'query($a: Boolean!, $b: Boolean!) { tickets { id title @include(if: $a) status @skip(if: $b) ... on Ticket @include(if: $b) { tags } } }',
    variables: { a: true, b: false },
    planned: true,
  },
  {
    name: '@skip/@include by variables (the other outcome)',
    query: 'query($a: Boolean!, $b: Boolean!) { tickets { id title @include(if: $a) status @skip(if: $b) ... on Ticket @include(if: $b) { tags } } }',
    variables: { a: false, b: true },
    planned: true,
  },
  {
    name: 'root arguments from variables, enum argument',
    query: 'query($s: Tickets_Status) { tickets(status: $s) { id status } }',
    variables: { s: 'closed' },
    planned: true,
  },
  { name: 'two root fields, one by id', query: 'query($id: Int!) { one: ticket(id: $id) { id title } tickets { id } }', variables: { id: 3 }, planned: true },
  { name: 'bulk link, then per-key link below it', query: '{ tickets { id assignee { id name team { id name } } } }', planned: true },
  {
    name: 'the same link under two aliases, and a per-key link beside a bulk one',
    query: '{ tickets { id a: assignee { name } b: assignee { id } reporter { id name } } }',
    planned: true,
  },
  { name: 'a list-valued key (one call for all keys)', query: '{ tickets { id watchers { id name } } }', planned: true },
  { name: 'non-null link (@resolveTo)', query: '{ tickets { id owner { id name } } }', planned: true },
  {
    name: 'fragments on links',
    query: '{ tickets { id assignee { ...U } } } fragment U on User { name team { ...T } } fragment T on Team { name id }',
    planned: true,
  },
  {
    name: 'broken rows: null in a non-null field, a value outside the enum, a float in an Int, a list that is not one',
    query: '{ broken { id title status meta { priority labels { name } } } }',
    planned: true,
  },
  {
    name: 'broken rows: a key with no match, a null key, a failing per-key call',
    query: '{ broken { id assignee { id name team { id name } } watchers { id } } }',
    planned: true,
  },
  { name: 'broken rows: a non-null link with no match nulls the row', query: '{ broken { id owner { id } } }', planned: true },
  { name: 'a failing root field beside a working one (partial data)', query: '{ failing { id } tickets { id } }', planned: true },
  { name: 'a failing root field below links', query: '{ failing { id assignee { id } } }', planned: true },
  { name: 'introspection is left to the executor', query: '{ __schema { queryType { name } } tickets { id } }', planned: false },
  {
    name: 'a mutation: root fields one after another, each with its links',
    query:
      'mutation { a: createTicket(input: { title: "one" }) { id title assignee { id name team { name } } } b: createTicket(input: { title: "two" }) { id assignee { name } } }',
    planned: true,
  },
  {
    name: 'a mutation whose middle field fails: the ones after it still run',
    query: 'mutation { a: createTicket(input: { title: "one" }) { id } r: refuseTicket { id } b: createTicket(input: { title: "two" }) { id title } }',
    planned: true,
  },
  {
    name: 'variables that do not coerce are reported by the executor, as before',
    query: 'query($id: Int!) { ticket(id: $id) { id } }',
    variables: { id: 'seven' },
    planned: true,
  },
];

let backend: Backend;
/** Tickets created so far: each gateway's mutations see the same sequence when `created` is reset (answer()). */
let created = 0;
let dir: string;
let planned: Gateway;
let reference: Gateway;

beforeAll(async () => {
  backend = await startBackend((_req, url, body) => {
    if (url.pathname === '/tickets') {
      const status = url.searchParams.get('status');
      return { status: 200, body: status ? TICKETS.filter((t) => t.status === status) : TICKETS };
    }
    if (url.pathname === '/broken') return { status: 200, body: BROKEN };
    if (url.pathname === '/tickets/new') {
      created += 1;
      return { status: 200, body: { id: 1000 + created, title: (JSON.parse(body) as { title: string }).title, status: 'open', assigneeId: `u${created % 5}` } };
    }
    if (url.pathname === '/tickets/refused') return { status: 422, body: { message: 'refused' } };
    if (url.pathname === '/failing') return { status: 503, body: { message: 'down' } };
    const one = /^\/tickets\/(\d+)$/.exec(url.pathname);
    if (one) return { status: 200, body: TICKETS.find((t) => t.id === Number(one[1])) };
    if (url.pathname === '/users') {
      const ids = url.searchParams.getAll('id');
      return { status: 200, body: USERS.filter((u) => ids.includes(u.id)) };
    }
    const user = /^\/users\/(\w+)$/.exec(url.pathname);
    if (user) {
      const found = USERS.find((u) => u.id === user[1]);
      return found ? { status: 200, body: found } : { status: 404, body: { message: 'no user' } };
    }
    const team = /^\/teams\/(\w+)$/.exec(url.pathname);
    if (team) {
      const found = TEAMS.find((t) => t.id === team[1]);
      return found ? { status: 200, body: found } : { status: 500, body: { message: 'team store down' } };
    }
    return undefined;
  });
  const servers = `servers: [{ url: '${backend.url}' }]\n`;
  dir = await writeTempDir({
    'tickets.yaml': TICKETS_SPEC + servers,
    'users.yaml': USERS_SPEC + servers,
    'planned/.meshrc.yaml': meshrc('auto').replaceAll('./', '../'),
    'reference/.meshrc.yaml': meshrc('graphql-js').replaceAll('./', '../'),
  });
  planned = await createGateway({ configFile: `${dir}/planned/.meshrc.yaml`, logger: silentLogger });
  reference = await createGateway({ configFile: `${dir}/reference/.meshrc.yaml`, logger: silentLogger });
});

afterAll(async () => {
  await planned?.close();
  await reference?.close();
  await backend?.close();
  if (dir) await removeTempDir(dir);
});

async function answer(gateway: Gateway, c: Case): Promise<{ body: string; calls: string[] }> {
  created = 0;
  const before = backend.calls.length;
  const r = await rest(gateway, 'POST', '/graphql', { body: { query: c.query, variables: c.variables } });
  const calls = backend.calls.slice(before).map((call) => `${call.method} ${call.url}`);
  // A mutation's calls in the order they were made (its root fields run one after another).
  return { body: `${r.status} ${r.body}`, calls: c.query.startsWith('mutation') ? calls : calls.sort() };
}

describe('planned execution answers exactly what graphql-js answers', () => {
  it.each(CASES)('$name', async (c) => {
    const decision = planOperation(planned.current().built.schema, parse(c.query), undefined);
    expect('run' in decision, 'reason' in decision ? decision.reason : 'planned').toBe(c.planned);
    const expected = await answer(reference, c);
    const got = await answer(planned, c);
    expect(got.body).toBe(expected.body);
    expect(got.calls).toEqual(expected.calls);
  });

  it('the table reaches what it claims: errors, partial data and links are really in the answers', async () => {
    const broken = await answer(
      planned,
      CASES.find((c) => c.name.startsWith('broken rows: a key'))!,
    );
    expect(broken.body).toContain('LINK_KEY_NOT_FOUND');
    expect(broken.body).toContain('UPSTREAM_HTTP_ERROR');
    const partial = await answer(
      planned,
      CASES.find((c) => c.name.startsWith('a failing root field beside'))!,
    );
    expect(partial.body).toMatch(/"failing":null/);
    expect(partial.body).toMatch(/"tickets":\[\{"id":0\}/);
    const links = await answer(
      planned,
      CASES.find((c) => c.name.startsWith('bulk link'))!,
    );
    expect(links.calls.filter((c) => c.startsWith('GET /users?'))).toHaveLength(1);
    expect(links.body).toContain('"team":{"id":"t0","name":"Red"}');
    // Serial (§6.2.2): the second mutation is sent only after the first one's links answered.
    const mutation = await answer(
      planned,
      CASES.find((c) => c.name.startsWith('a mutation: root fields'))!,
    );
    expect(mutation.body).toContain('"a":{"id":1001,"title":"one","assignee":{"id":"u1","name":"User 1","team":{"name":"Green"}}},"b":{"id":1002');
    expect(mutation.calls.map((c) => c.replace(/\?.*/, ''))).toEqual(['POST /tickets/new', 'GET /users', 'GET /teams/t1', 'POST /tickets/new', 'GET /users']);
    const failing = await answer(
      planned,
      CASES.find((c) => c.name.startsWith('a mutation whose middle'))!,
    );
    expect(failing.body).toMatch(/"r":null,"b":\{"id":1002,"title":"two"\}/);
  });
});
