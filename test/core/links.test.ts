// Links are the reason Tributary exists: a list of N parents with a field from another
// source must cost one batched call (bulk endpoint) or one call per distinct key, never
// N calls, and results must be matched to keys by value. Each row below is one way to
// declare a link; every row is held to the same guarantees.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AGENTS, SOURCES, TICKETS, TEAMS, gatewayFor, query, startWorld, type World } from './fixtures.ts';
import type { Gateway } from '../../src/gateway.ts';
import { BatchingSettings } from '../../src/config/schema.ts';
import { splitBatch } from '../../src/links/loader.ts';

let world: World;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(async () => world.close());
beforeEach(() => {
  world.tickets.calls.length = 0;
  world.agents.calls.length = 0;
  world.hiddenAgents.clear();
});

const TRIBUTARY_BULK = `${SOURCES}
tributary:
  links:
    - { field: Ticket.assignee, target: agentsByIds, key: assigneeId, keysArg: ids, valueKey: id }
    - { field: Agent.team, target: teamById, key: teamId, arg: id }
`;
const TRIBUTARY_PER_KEY = `${SOURCES}
tributary:
  links:
    - { field: Ticket.assignee, target: Query.agentById, key: assigneeId, arg: id }
    - { field: Agent.team, target: teamById, key: teamId, arg: id }
`;
const MESH_BULK = `${SOURCES}
additionalTypeDefs: |
  extend type Ticket {
    assignee: Agent @resolveTo(sourceName: "Agents", sourceTypeName: "Query", sourceFieldName: "agentsByIds", keyField: "assigneeId", keysArg: "ids", valueKeyField: "id")
  }
  extend type Agent {
    team: Team @resolveTo(sourceName: "Agents", sourceTypeName: "Query", sourceFieldName: "teamById", sourceArgs: { id: "{root.teamId}" })
  }
`;
const MESH_PER_KEY = `${SOURCES}
additionalTypeDefs: |
  extend type Ticket {
    assignee: Agent @resolveTo(sourceName: "Agents", sourceTypeName: "Query", sourceFieldName: "agentById", requiredSelectionSet: "{ assigneeId }", sourceArgs: { id: "{root.assigneeId}" })
  }
  extend type Agent {
    team: Team @resolveTo(sourceName: "Agents", sourceTypeName: "Query", sourceFieldName: "teamById", sourceArgs: { id: "{root.teamId}" })
  }
`;
const MESH_OBJECT_RESOLVERS = `${SOURCES}
additionalTypeDefs: |
  extend type Ticket { assignee: Agent }
  extend type Agent { team: Team }
additionalResolvers:
  - targetTypeName: Ticket
    targetFieldName: assignee
    sourceName: Agents
    sourceTypeName: Query
    sourceFieldName: agentsByIds
    keyField: assigneeId
    keysArg: ids
    valueKeyField: id
  - targetTypeName: Agent
    targetFieldName: team
    sourceName: Agents
    sourceTypeName: Query
    sourceFieldName: teamById
    sourceArgs: { id: '{root.teamId}' }
`;

const CASES = [
  { name: 'Tributary link, bulk endpoint', config: TRIBUTARY_BULK, bulk: true },
  { name: 'Tributary link, one call per key', config: TRIBUTARY_PER_KEY, bulk: false },
  { name: 'Mesh @resolveTo with keysArg', config: MESH_BULK, bulk: true },
  { name: 'Mesh @resolveTo per key', config: MESH_PER_KEY, bulk: false },
  { name: 'Mesh additionalResolvers objects', config: MESH_OBJECT_RESOLVERS, bulk: true },
];

const distinctAgents = new Set(TICKETS.map((t) => t.assigneeId));
const distinctTeams = new Set(AGENTS.filter((a) => distinctAgents.has(a.id)).map((a) => a.teamId));

describe.each(CASES)('$name', ({ config, bulk }) => {
  let gateway: Gateway;
  beforeAll(async () => {
    gateway = await gatewayFor(world, config);
  });
  afterAll(async () => gateway.close());

  it('answers 100 tickets with the ideal number of upstream calls', async () => {
    const { body } = await query(gateway, '{ tickets { id assigneeId assignee { id name } } }');
    expect(body.errors).toBeUndefined();
    expect(body.data.tickets).toHaveLength(100);
    for (const t of body.data.tickets) expect(t.assignee).toEqual({ id: t.assigneeId, name: `Agent ${t.assigneeId}` });
    expect(world.tickets.calls).toHaveLength(1);
    // 100 parents, 10 distinct keys: 1 bulk call, or 1 call per distinct key.
    expect(world.agents.calls).toHaveLength(bulk ? 1 : distinctAgents.size);
  });

  it('matches out-of-order bulk answers by key, and nests a second link one level below', async () => {
    const { body } = await query(gateway, '{ tickets { id assignee { id teamId team { id name } } } }');
    expect(body.errors).toBeUndefined();
    for (const t of body.data.tickets) {
      const agent = AGENTS.find((a) => a.id === TICKETS.find((x) => x.id === t.id)!.assigneeId)!;
      expect(t.assignee.id).toBe(agent.id);
      expect(t.assignee.team).toEqual(TEAMS.find((team) => team.id === agent.teamId));
    }
    const teamCalls = world.agents.calls.filter((c) => c.url.startsWith('/teams/'));
    expect(teamCalls).toHaveLength(distinctTeams.size);
    expect(world.agents.calls).toHaveLength((bulk ? 1 : distinctAgents.size) + distinctTeams.size);
  });

  it('gives null and an error on that field only when a key has no answer', async () => {
    world.hiddenAgents.add('3');
    const { body } = await query(gateway, '{ tickets(limit: 10) { id assignee { id } } }');
    const missing = body.data.tickets.filter((t: { assignee: unknown }) => t.assignee === null);
    expect(missing.map((t: { id: string }) => t.id)).toEqual(['3']);
    expect(body.errors).toHaveLength(1);
    expect(body.errors![0].path).toEqual(['tickets', 2, 'assignee']);
    expect(body.data.tickets.filter((t: { assignee: unknown }) => t.assignee !== null)).toHaveLength(9);
  });

  it('does not share loaders between requests', async () => {
    await query(gateway, '{ tickets(limit: 5) { assignee { id } } }');
    const first = world.agents.calls.length;
    await query(gateway, '{ tickets(limit: 5) { assignee { id } } }');
    expect(world.agents.calls.length).toBe(first * 2);
  });
});

describe('bulk batches are split', () => {
  it('by default only by URL length: 500 distinct keys are one call, as a hand-written client sends them', () => {
    const defaults = BatchingSettings.parse({});
    expect(defaults.maxBatchSize).toBeUndefined();
    const keys = Array.from({ length: 500 }, (_, i) => String(1000 + i));
    expect(splitBatch(keys, { keysArg: 'id', ...defaults })).toEqual([keys]);
    // 2,000 four-digit keys (`&id=1234`, 8 bytes each) exceed 8,000 bytes: split, none over it.
    const many = Array.from({ length: 2000 }, (_, i) => String(1000 + i));
    const chunks = splitBatch(many, { keysArg: 'id', ...defaults });
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.flat()).toEqual(many);
    for (const chunk of chunks) expect(chunk.map((k) => `&id=${k}`).join('').length).toBeLessThanOrEqual(defaults.maxUrlLength - 256);
  });

  it('by maxBatchSize', async () => {
    const gateway = await gatewayFor(world, TRIBUTARY_BULK.replace('tributary:', 'tributary:\n  batching: { maxBatchSize: 3 }'));
    try {
      const { body } = await query(gateway, '{ tickets { assignee { id } } }');
      expect(body.errors).toBeUndefined();
      const bulkCalls = world.agents.calls.filter((c) => c.url.startsWith('/agents?'));
      expect(bulkCalls).toHaveLength(Math.ceil(distinctAgents.size / 3));
      const sent = bulkCalls.flatMap((c) => new URL(c.url, 'http://x').searchParams.getAll('ids').flatMap((v) => v.split(',')));
      expect(new Set(sent)).toEqual(distinctAgents);
    } finally {
      await gateway.close();
    }
  });

  it('by maxUrlLength', async () => {
    const gateway = await gatewayFor(world, TRIBUTARY_BULK.replace('tributary:', 'tributary:\n  batching: { maxUrlLength: 300 }'));
    try {
      const { body } = await query(gateway, '{ tickets { assignee { id } } }');
      expect(body.errors).toBeUndefined();
      const bulkCalls = world.agents.calls.filter((c) => c.url.startsWith('/agents?'));
      expect(bulkCalls.length).toBeGreaterThan(1);
      for (const c of bulkCalls) expect(c.url.length).toBeLessThanOrEqual(300);
    } finally {
      await gateway.close();
    }
  });
});

describe('a list of keys on the parent', () => {
  it('loads every key of the list in one batch', async () => {
    const gateway = await gatewayFor(
      world,
      `${SOURCES}
tributary:
  links:
    - { field: Ticket.watchers, target: agentsByIds, key: watcherIds, keysArg: ids }
`,
    );
    try {
      const { body } = await query(gateway, '{ tickets(limit: 20) { id watcherIds watchers { id } } }');
      expect(body.errors).toBeUndefined();
      for (const t of body.data.tickets) expect(t.watchers.map((w: { id: string }) => w.id)).toEqual(t.watcherIds);
      expect(world.agents.calls).toHaveLength(1);
    } finally {
      await gateway.close();
    }
  });
});
