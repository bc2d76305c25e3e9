// A small helpdesk world for the gateway core tests: Tickets (a list of 100 tickets,
// assigned to 10 agents), Agents (per-id and bulk lookups; the bulk one answers in
// reverse order and leaves out unknown ids, like real bulk endpoints), Teams (per id).
// Specs and configs are written to a temp dir per suite; backends are real servers.
import { startBackend, writeTempDir, type Backend } from '../helpers/backend.ts';
import { createGateway, type Gateway } from '../../src/gateway.ts';
import { silentLogger } from '../../src/observability/log.ts';

export const TICKETS = Array.from({ length: 100 }, (_, i) => ({
  id: String(i + 1),
  title: `Ticket ${i + 1}`,
  assigneeId: String((i % 10) + 1),
  watcherIds: [String((i % 3) + 1), String((i % 5) + 1)],
}));
export const AGENTS = Array.from({ length: 12 }, (_, i) => ({ id: String(i + 1), name: `Agent ${i + 1}`, teamId: `t${(i % 4) + 1}` }));
export const TEAMS = Array.from({ length: 4 }, (_, i) => ({ id: `t${i + 1}`, name: `Team ${i + 1}` }));

export const TICKETS_SPEC = (extra = '') => `
openapi: 3.0.3
info: { title: Tickets, version: '1' }
paths:
  /tickets:
    get:
      operationId: tickets
      parameters:
        - { name: limit, in: query, schema: { type: integer } }
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: { type: array, items: { $ref: '#/components/schemas/Ticket' } }
  /tickets/{id}:
    get:
      operationId: ticket
      parameters:
        - { name: id, in: path, required: true, schema: { type: string } }
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: { $ref: '#/components/schemas/Ticket' }
${extra}
components:
  schemas:
    Ticket:
      type: object
      properties:
        id: { type: string }
        title: { type: string }
        assigneeId: { type: string }
        watcherIds: { type: array, items: { type: string } }
`;

export const AGENTS_SPEC = `
openapi: 3.0.3
info: { title: Agents, version: '1' }
paths:
  /agents:
    get:
      operationId: agentsByIds
      parameters:
        - { name: ids, in: query, required: true, style: form, explode: false, schema: { type: array, items: { type: string } } }
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: { type: array, items: { $ref: '#/components/schemas/Agent' } }
  /agents/{id}:
    get:
      operationId: agentById
      parameters:
        - { name: id, in: path, required: true, schema: { type: string } }
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: { $ref: '#/components/schemas/Agent' }
  /teams/{id}:
    get:
      operationId: teamById
      parameters:
        - { name: id, in: path, required: true, schema: { type: string } }
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: { $ref: '#/components/schemas/Team' }
components:
  schemas:
    Agent:
      type: object
      properties:
        id: { type: string }
        name: { type: string }
        teamId: { type: string }
    Team:
      type: object
      properties:
        id: { type: string }
        name: { type: string }
`;

export interface World {
  tickets: Backend;
  agents: Backend;
  /** Agent ids the bulk endpoint pretends not to know. */
  hiddenAgents: Set<string>;
  close(): Promise<void>;
}

export async function startWorld(): Promise<World> {
  const hiddenAgents = new Set<string>();
  const tickets = await startBackend((_req, url) => {
    if (url.pathname === '/tickets') {
      const limit = Number(url.searchParams.get('limit') ?? TICKETS.length);
      return { status: 200, body: TICKETS.slice(0, limit) };
    }
    const m = /^\/tickets\/([^/]+)$/.exec(url.pathname);
    const t = m && TICKETS.find((x) => x.id === decodeURIComponent(m[1]));
    return t ? { status: 200, body: t } : { status: 404, body: { message: 'no such ticket', secret: 'db-password=hunter2' } };
  });
  const agents = await startBackend((_req, url) => {
    if (url.pathname === '/agents') {
      const ids = url.searchParams.getAll('ids').flatMap((v) => v.split(','));
      const found = AGENTS.filter((a) => ids.includes(a.id) && !hiddenAgents.has(a.id));
      return { status: 200, body: found.reverse() };
    }
    let m = /^\/agents\/([^/]+)$/.exec(url.pathname);
    if (m) {
      const a = AGENTS.find((x) => x.id === decodeURIComponent(m![1]) && !hiddenAgents.has(x.id));
      return a ? { status: 200, body: a } : { status: 404, body: { message: 'no such agent' } };
    }
    m = /^\/teams\/([^/]+)$/.exec(url.pathname);
    const team = m && TEAMS.find((x) => x.id === decodeURIComponent(m![1]));
    return team ? { status: 200, body: team } : undefined;
  });
  return {
    tickets,
    agents,
    hiddenAgents,
    close: async () => {
      await Promise.all([tickets.close(), agents.close()]);
    },
  };
}

/** Writes specs and a config to a fresh temp dir; returns the config path. */
export async function writeConfig(world: World, config: string, files: Record<string, string> = {}): Promise<string> {
  const dir = await writeTempDir({
    'specs/tickets.yaml': TICKETS_SPEC(),
    'specs/agents.yaml': AGENTS_SPEC,
    ...files,
    'gateway/.meshrc.yaml': config.replaceAll('{TICKETS}', world.tickets.url).replaceAll('{AGENTS}', world.agents.url),
  });
  return `${dir}/gateway/.meshrc.yaml`;
}

export const SOURCES = `
sources:
  - name: Tickets
    handler:
      openapi:
        source: ../specs/tickets.yaml
        endpoint: '{TICKETS}'
  - name: Agents
    handler:
      openapi:
        source: ../specs/agents.yaml
        endpoint: '{AGENTS}'
`;

export async function gatewayFor(world: World, config: string, files?: Record<string, string>): Promise<Gateway> {
  return createGateway({ configFile: await writeConfig(world, config, files), logger: silentLogger });
}

export async function query(
  gateway: Gateway,
  q: string,
  variables?: Record<string, unknown>,
): Promise<{ status: number; body: { data?: any; errors?: any[] } }> {
  const res = await gateway.yoga.fetch('http://gateway.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body: JSON.stringify({ query: q, variables }),
  });
  return { status: res.status, body: (await res.json()) as { data?: any; errors?: any[] } };
}
