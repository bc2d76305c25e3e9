// The scaling scenarios of `npm run bench -- --scaling`: four query shapes over the
// tickets services (tickets.ts), each measured at list sizes 10 to 5,000, so that the
// cost per item shows and a cost that grows faster than the list does stands out.
//   tickets-link1  tickets → assignee (bulk): one link level;
//   tickets-link2  tickets → assignee (bulk) → team (one call per team): two levels;
//   tickets-wide   a list of 34-field records, 32 of them selected;
//   tickets-vars   a query with variables: `$limit` and an enum `$status` argument.
// Each scenario carries its hand-written BFF (what someone would write for that one
// query) and its hand-written GraphQL server (SDL + resolvers with DataLoaders, run by
// bench/lib/yoga-jit.ts), besides the Tributary and stock Mesh configs.
import DataLoader from 'dataloader';
import type { GetJson, HandWrittenGraphQL, ScalingScenario, Scenario } from './types.ts';
import { idsQuery, peopleService, TICKETS_SDL, TICKETS_SOURCES, tickets, ticketsService, userCount, users, wideTickets } from './tickets.ts';

export const SCALING_SIZES: readonly number[] = [10, 100, 1000, 5000];

interface Ticket {
  id: number;
  title: string;
  status: string;
  priority: number;
  assigneeId: number;
  createdAt: string;
}
interface User {
  id: number;
  name: string;
  email: string;
  teamId: number;
}
interface Team {
  id: number;
  name: string;
}

/** `size` tickets over size/10 users (and, for the wide scenario, `size` wide tickets): the services at a list size. */
function servicesAt(size: number, wide = false) {
  return { tickets: ticketsService(tickets(size, userCount(size)), wide ? wideTickets(size) : []), people: peopleService(users(userCount(size))) };
}

/** The users behind a page of tickets, by id: one bulk call for the distinct ids. */
async function assigneesOf(get: GetJson, list: readonly Ticket[]): Promise<Map<number, User>> {
  const ids = [...new Set(list.map((t) => t.assigneeId))];
  const found = (await get('people', `/users?${idsQuery(ids)}`)) as User[];
  return new Map(found.map((u) => [u.id, u]));
}

// The hand-written GraphQL server's per-request loaders: a bulk call per batch of users
// (answers in the order asked, null for an unknown id), one call per distinct team.
function loaders(get: GetJson) {
  return {
    users: new DataLoader<number, User | null>(async (ids) => {
      const found = (await get('people', `/users?${idsQuery(ids)}`)) as User[];
      const byId = new Map(found.map((u) => [u.id, u]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
    teams: new DataLoader<number, Team>((ids) => Promise.all(ids.map((id) => get('people', `/teams/${id}`) as Promise<Team>))),
  };
}
type Loaders = ReturnType<typeof loaders>;
type Context = Loaders & { get: GetJson };

const listTickets = (_: unknown, args: { limit?: number | null; status?: string | null }, { get }: Context) => {
  const query = new URLSearchParams();
  if (args.limit != null) query.set('limit', String(args.limit));
  if (args.status != null) query.set('status', args.status);
  const search = query.toString();
  return get('tickets', search ? `/tickets?${search}` : '/tickets');
};

function handWritten(resolvers: HandWrittenGraphQL['resolvers']): HandWrittenGraphQL {
  return { typeDefs: TICKETS_SDL, resolvers, context: loaders };
}

const assigneeBulkLink = { field: 'Ticket.assignee', target: 'Query.users', key: 'assigneeId', keysArg: 'id', valueKey: 'id' };
const assigneeResolveTo = `
  extend type Ticket {
    assignee: User @resolveTo(sourceName: "People", sourceTypeName: "Query", sourceFieldName: "users", keyField: "assigneeId", keysArg: "id", valueKeyField: "id", requiredSelectionSet: "{ assigneeId }")
  }
`;

export const ticketsLink1: ScalingScenario = {
  kind: 'scaling',
  name: 'tickets-link1',
  title: 'tickets → assignee (bulk)',
  description: 'One link level: N tickets, their N/10 distinct assignees in one bulk call (`/users?id=…`).',
  query: '{ tickets { id title status assignee { id name email } } }',
  servicesAt,
  sources: TICKETS_SOURCES,
  tributary: { settings: { links: [assigneeBulkLink] } },
  stockMesh: { meshrc: { additionalTypeDefs: assigneeResolveTo } },
  async bff(get) {
    const list = (await get('tickets', '/tickets')) as Ticket[];
    const assignees = await assigneesOf(get, list);
    return {
      tickets: list.map((t) => {
        const u = assignees.get(t.assigneeId);
        return { id: t.id, title: t.title, status: t.status, assignee: u ? { id: u.id, name: u.name, email: u.email } : null };
      }),
    };
  },
  yogaJit: handWritten({
    Query: { tickets: listTickets },
    Ticket: { assignee: (t: Ticket, _: unknown, ctx: Context) => ctx.users.load(t.assigneeId) },
  }),
};

export const ticketsLink2: ScalingScenario = {
  kind: 'scaling',
  name: 'tickets-link2',
  title: 'tickets → assignee (bulk) → team (per key)',
  description:
    "Two link levels: N tickets, their N/10 assignees in one bulk call, then each assignee's team by `/teams/{id}` (one call per distinct team, at most 20).",
  query: '{ tickets { id title assignee { id name team { id name } } } }',
  servicesAt,
  sources: TICKETS_SOURCES,
  tributary: { settings: { links: [assigneeBulkLink, { field: 'User.team', target: 'Query.team', key: 'teamId', arg: 'id' }] } },
  stockMesh: {
    meshrc: {
      additionalTypeDefs: `${assigneeResolveTo}
        extend type User {
          team: Team @resolveTo(sourceName: "People", sourceTypeName: "Query", sourceFieldName: "team", requiredSelectionSet: "{ teamId }", sourceArgs: { id: "{root.teamId}" })
        }
      `,
    },
  },
  async bff(get) {
    const list = (await get('tickets', '/tickets')) as Ticket[];
    const assignees = await assigneesOf(get, list);
    const teamIds = [...new Set([...assignees.values()].map((u) => u.teamId))];
    const teams = new Map(await Promise.all(teamIds.map(async (id) => [id, (await get('people', `/teams/${id}`)) as Team] as const)));
    return {
      tickets: list.map((t) => {
        const u = assignees.get(t.assigneeId);
        const team = u ? teams.get(u.teamId) : undefined;
        return { id: t.id, title: t.title, assignee: u ? { id: u.id, name: u.name, team: team ? { id: team.id, name: team.name } : null } : null };
      }),
    };
  },
  yogaJit: handWritten({
    Query: { tickets: listTickets },
    Ticket: { assignee: (t: Ticket, _: unknown, ctx: Context) => ctx.users.load(t.assigneeId) },
    User: { team: (u: User, _: unknown, ctx: Context) => ctx.teams.load(u.teamId) },
  }),
};

const WIDE_QUERY = `{ wideTickets { id code title summary status priority severity storyPoints estimateHours spentHours progress rank score isBlocked isArchived isPublic watchers comments attachments votes sprint reporter component version url color createdAt updatedAt dueDate resolution labels meta { source revision reviewed } } }`;

export const ticketsWide: ScalingScenario = {
  kind: 'scaling',
  name: 'tickets-wide',
  title: 'wide objects, one source',
  description:
    'N records of 34 fields, 32 selected: strings, ints, floats, booleans, an enum, nullable strings, a list of strings and a nested object. No link: the per-field cost.',
  query: WIDE_QUERY,
  servicesAt: (size) => servicesAt(size, true),
  sources: TICKETS_SOURCES,
  tributary: {},
  stockMesh: { meshrc: {} },
  async bff(get) {
    const list = (await get('tickets', '/wide-tickets')) as any[];
    return {
      wideTickets: list.map((w) => ({
        id: w.id,
        code: w.code,
        title: w.title,
        summary: w.summary,
        status: w.status,
        priority: w.priority,
        severity: w.severity,
        storyPoints: w.storyPoints,
        estimateHours: w.estimateHours,
        spentHours: w.spentHours,
        progress: w.progress,
        rank: w.rank,
        score: w.score,
        isBlocked: w.isBlocked,
        isArchived: w.isArchived,
        isPublic: w.isPublic,
        watchers: w.watchers,
        comments: w.comments,
        attachments: w.attachments,
        votes: w.votes,
        sprint: w.sprint,
        reporter: w.reporter,
        component: w.component,
        version: w.version,
        url: w.url,
        color: w.color,
        createdAt: w.createdAt,
        updatedAt: w.updatedAt,
        dueDate: w.dueDate,
        resolution: w.resolution,
        labels: w.labels,
        meta: w.meta ? { source: w.meta.source, revision: w.meta.revision, reviewed: w.meta.reviewed } : null,
      })),
    };
  },
  yogaJit: handWritten({ Query: { wideTickets: (_: unknown, __: unknown, { get }: Context) => get('tickets', '/wide-tickets') } }),
};

export const ticketsVars: ScalingScenario = {
  kind: 'scaling',
  name: 'tickets-vars',
  title: 'query with variables (`$limit`, enum `$status`)',
  description:
    'Arguments from variables: `tickets(limit: $limit, status: $status)` with `$limit` = N and `$status: OPEN` over 2N tickets, half of them open, so N come back (`/tickets?limit=N&status=OPEN`).',
  query: 'query Tickets($limit: Int!, $status: TicketStatus!) { tickets(limit: $limit, status: $status) { id title status priority createdAt } }',
  variables: (size) => ({ limit: size, status: 'OPEN' }),
  // 2N tickets, every other one open (the others in the remaining statuses).
  servicesAt: (size) => ({
    ...servicesAt(size),
    tickets: ticketsService(
      tickets(2 * size, userCount(size), (i) => (i % 2 === 0 ? 'OPEN' : ['IN_PROGRESS', 'BLOCKED', 'CLOSED'][((i - 1) / 2) % 3])),
      [],
    ),
  }),
  sources: TICKETS_SOURCES,
  tributary: {},
  stockMesh: { meshrc: {} },
  async bff(get, variables) {
    const limit = Number(variables?.limit);
    const status = String(variables?.status);
    const list = (await get('tickets', `/tickets?limit=${limit}&status=${encodeURIComponent(status)}`)) as Ticket[];
    return { tickets: list.map((t) => ({ id: t.id, title: t.title, status: t.status, priority: t.priority, createdAt: t.createdAt })) };
  },
  yogaJit: handWritten({ Query: { tickets: listTickets } }),
};

export const SCALING_SCENARIOS: readonly ScalingScenario[] = [ticketsLink1, ticketsLink2, ticketsWide, ticketsVars];

/** A scaling scenario at one list size (`tickets-link2@200`), as a load scenario of its own (bench/tools). */
export function scalingScenarioAt(spec: string): Scenario | undefined {
  const [name, size] = spec.split('@');
  const scaling = SCALING_SCENARIOS.find((x) => x.name === name);
  const n = Number(size);
  if (!scaling || !n) return undefined;
  return { ...scaling, kind: 'load', backend: { kind: 'mock', services: scaling.servicesAt(n) }, variables: scaling.variables?.(n) };
}
