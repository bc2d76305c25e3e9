// The services of the scaling scenarios (scaling.ts), generated for a list size: a
// Tickets service (a list of `size` tickets, filterable by status and cut by `limit`,
// and a list of `size` wide tickets with 34 fields of every kind) and a People service
// (size/10 users with a bulk route and a by-id route, and 20 teams by id). The number
// of distinct users grows with the list, as it does behind a real frontend's list, and
// tickets name them in a scattered order, not in runs. Deterministic: the same bytes on
// every run and in every process that generates them.
import type { MockService, RecordValue, SourceSpec } from './types.ts';

export const STATUSES = ['OPEN', 'IN_PROGRESS', 'BLOCKED', 'CLOSED'] as const;
export const TEAM_COUNT = 20;

const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet', 'kilo', 'lima', 'mike', 'november', 'oscar'];

function words(seed: number, count: number): string {
  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push(WORDS[(seed * 7 + i * 11) % WORDS.length]);
  return out.join(' ');
}

/** How many users a list of `size` tickets names: one per ten tickets. */
export const userCount = (size: number) => Math.max(1, Math.floor(size / 10));

/** Ticket `i`'s assignee: 37 is prime to every user count used, so every user is named. */
const assigneeOf = (i: number, users: number) => ((i * 37) % users) + 1;

function isoDay(seed: number): string {
  const day = new Date(Date.UTC(2026, 0, 1) + (seed % 300) * 86_400_000);
  return day.toISOString().slice(0, 10);
}

/** `count` tickets over `users` users; `status(i)` picks each one's status. */
export function tickets(count: number, users: number, status: (i: number) => string = (i) => STATUSES[i % STATUSES.length]): RecordValue[] {
  return Array.from({ length: count }, (_, i) => ({
    id: i + 1,
    title: words(i, 3 + (i % 4)),
    status: status(i),
    priority: (i % 5) + 1,
    assigneeId: assigneeOf(i, users),
    createdAt: isoDay(i),
    // Not selected by the queries: real records carry more than a page shows.
    body: words(i + 1, 24),
  }));
}

export function users(count: number): RecordValue[] {
  return Array.from({ length: count }, (_, i) => {
    const id = i + 1;
    const name = `${words(id, 1)} ${words(id + 3, 1)} ${id}`;
    return { id, name, email: `user${id}@example.org`, teamId: ((id * 7) % TEAM_COUNT) + 1, title: words(id + 9, 2) };
  });
}

export const TEAMS: readonly RecordValue[] = Array.from({ length: TEAM_COUNT }, (_, i) => ({ id: i + 1, name: `Team ${words(i, 1)}`, city: words(i + 4, 1) }));

/** A wide record: strings, ints, floats, booleans, an enum, a nested object, a list of scalars. */
export function wideTickets(count: number): RecordValue[] {
  return Array.from({ length: count }, (_, i) => ({
    id: i + 1,
    code: `TCK-${String(i + 1).padStart(5, '0')}`,
    title: words(i, 4),
    summary: words(i + 2, 8),
    status: STATUSES[i % STATUSES.length],
    priority: (i % 5) + 1,
    severity: ['low', 'medium', 'high', 'critical'][i % 4],
    storyPoints: (i % 8) * 0.5,
    estimateHours: Math.round(((i * 13) % 97) * 0.75 * 100) / 100,
    spentHours: Math.round(((i * 7) % 53) * 1.25 * 100) / 100,
    progress: (i % 101) / 100,
    rank: i * 1.001,
    score: Math.round(((i * 31) % 1000) * 0.137 * 1000) / 1000,
    isBlocked: i % 7 === 0,
    isArchived: i % 11 === 0,
    isPublic: i % 2 === 0,
    watchers: i % 13,
    comments: (i * 3) % 29,
    attachments: i % 4,
    votes: (i * 5) % 17,
    sprint: 1 + Math.floor(i / 50),
    reporter: `user${(i % 97) + 1}@example.org`,
    component: ['api', 'web', 'mobile', 'billing', 'search'][i % 5],
    version: `1.${i % 10}.${i % 3}`,
    url: `https://tickets.example.org/t/${i + 1}`,
    color: ['#d73a4a', '#0075ca', '#cfd3d7', '#a2eeef', '#7057ff'][i % 5],
    createdAt: isoDay(i),
    updatedAt: isoDay(i + 17),
    dueDate: i % 3 === 0 ? null : isoDay(i + 40),
    resolution: i % 4 === 3 ? words(i + 5, 2) : null,
    labels: [WORDS[i % WORDS.length], WORDS[(i * 3) % WORDS.length], WORDS[(i * 5) % WORDS.length]].slice(0, 1 + (i % 3)),
    meta: { source: ['email', 'web', 'api'][i % 3], revision: i % 9, reviewed: i % 5 === 0 },
    // Not selected: a gateway that does per-item work on fields nobody asked for pays here.
    internalNote: words(i + 8, 6),
    etag: `W/"${(i * 2654435761) % 4294967296}"`,
  }));
}

export function ticketsService(ticketList: readonly RecordValue[], wide: readonly RecordValue[]): MockService {
  return {
    collections: { tickets: ticketList, wideTickets: wide },
    routes: [
      { path: '/tickets', list: 'tickets', filters: ['status'], limit: 'limit' },
      { path: '/wide-tickets', list: 'wideTickets' },
    ],
  };
}

export function peopleService(userList: readonly RecordValue[]): MockService {
  return {
    collections: { users: userList, teams: TEAMS },
    routes: [
      { path: '/users', bulk: 'users', param: 'id' },
      { path: '/users/{id}', item: 'users' },
      { path: '/teams/{id}', item: 'teams' },
    ],
  };
}

const integer = { type: 'integer' } as const;
const number = { type: 'number' } as const;
const string = { type: 'string' } as const;
const boolean = { type: 'boolean' } as const;
const nullableString = { type: 'string', nullable: true } as const;
const json = (schema: unknown) => ({ description: 'OK', content: { 'application/json': { schema } } });
const listOf = (name: string) => json({ type: 'array', items: { $ref: `#/components/schemas/${name}` } });

const TICKETS_OPENAPI = {
  openapi: '3.0.3',
  info: { title: 'Tickets', version: '1.0.0' },
  paths: {
    '/tickets': {
      get: {
        operationId: 'tickets',
        parameters: [
          { name: 'limit', in: 'query', schema: integer },
          // A named enum (components), so the GraphQL argument's type is `TicketStatus` in every gateway.
          { name: 'status', in: 'query', schema: { $ref: '#/components/schemas/TicketStatus' } },
        ],
        responses: { '200': listOf('Ticket') },
      },
    },
    '/wide-tickets': { get: { operationId: 'wideTickets', responses: { '200': listOf('WideTicket') } } },
  },
  components: {
    schemas: {
      TicketStatus: { type: 'string', enum: [...STATUSES] },
      Ticket: {
        type: 'object',
        required: ['id', 'title', 'status', 'assigneeId'],
        properties: {
          id: integer,
          title: string,
          status: { $ref: '#/components/schemas/TicketStatus' },
          priority: integer,
          assigneeId: integer,
          createdAt: string,
          body: string,
        },
      },
      WideTicket: {
        type: 'object',
        required: ['id', 'code', 'title', 'status'],
        properties: {
          id: integer,
          code: string,
          title: string,
          summary: string,
          status: { $ref: '#/components/schemas/TicketStatus' },
          priority: integer,
          severity: string,
          storyPoints: number,
          estimateHours: number,
          spentHours: number,
          progress: number,
          rank: number,
          score: number,
          isBlocked: boolean,
          isArchived: boolean,
          isPublic: boolean,
          watchers: integer,
          comments: integer,
          attachments: integer,
          votes: integer,
          sprint: integer,
          reporter: string,
          component: string,
          version: string,
          url: string,
          color: string,
          createdAt: string,
          updatedAt: string,
          dueDate: nullableString,
          resolution: nullableString,
          labels: { type: 'array', items: string },
          meta: { $ref: '#/components/schemas/TicketMeta' },
          internalNote: string,
          etag: string,
        },
      },
      TicketMeta: { type: 'object', properties: { source: string, revision: integer, reviewed: boolean } },
    },
  },
};

const PEOPLE_OPENAPI = {
  openapi: '3.0.3',
  info: { title: 'People', version: '1.0.0' },
  paths: {
    '/users': {
      get: {
        operationId: 'users',
        parameters: [{ name: 'id', in: 'query', required: true, style: 'form', explode: true, schema: { type: 'array', items: integer } }],
        responses: { '200': listOf('User') },
      },
    },
    '/users/{id}': {
      get: {
        operationId: 'user',
        parameters: [{ name: 'id', in: 'path', required: true, schema: integer }],
        responses: { '200': json({ $ref: '#/components/schemas/User' }), '404': { description: 'No such user.' } },
      },
    },
    '/teams/{id}': {
      get: {
        operationId: 'team',
        parameters: [{ name: 'id', in: 'path', required: true, schema: integer }],
        responses: { '200': json({ $ref: '#/components/schemas/Team' }), '404': { description: 'No such team.' } },
      },
    },
  },
  components: {
    schemas: {
      User: {
        type: 'object',
        required: ['id', 'name'],
        properties: { id: integer, name: string, email: string, teamId: integer, title: string },
      },
      Team: { type: 'object', required: ['id', 'name'], properties: { id: integer, name: string, city: string } },
    },
  },
};

export const TICKETS_SOURCES: readonly SourceSpec[] = [
  { name: 'Tickets', service: 'tickets', openapi: TICKETS_OPENAPI },
  { name: 'People', service: 'people', openapi: PEOPLE_OPENAPI },
];

/**
 * The hand-written server's SDL for the same services: what a team writing resolvers
 * by hand would declare (names as the gateways generate them, so one query fits all).
 */
export const TICKETS_SDL = /* GraphQL */ `
  enum TicketStatus {
    OPEN
    IN_PROGRESS
    BLOCKED
    CLOSED
  }
  type Query {
    tickets(limit: Int, status: TicketStatus): [Ticket]
    wideTickets: [WideTicket]
  }
  type Ticket {
    id: Int!
    title: String!
    status: TicketStatus!
    priority: Int
    assigneeId: Int!
    createdAt: String
    assignee: User
  }
  type User {
    id: Int!
    name: String!
    email: String
    teamId: Int
    team: Team
  }
  type Team {
    id: Int!
    name: String!
    city: String
  }
  type TicketMeta {
    source: String
    revision: Int
    reviewed: Boolean
  }
  type WideTicket {
    id: Int!
    code: String!
    title: String!
    summary: String
    status: TicketStatus!
    priority: Int
    severity: String
    storyPoints: Float
    estimateHours: Float
    spentHours: Float
    progress: Float
    rank: Float
    score: Float
    isBlocked: Boolean
    isArchived: Boolean
    isPublic: Boolean
    watchers: Int
    comments: Int
    attachments: Int
    votes: Int
    sprint: Int
    reporter: String
    component: String
    version: String
    url: String
    color: String
    createdAt: String
    updatedAt: String
    dueDate: String
    resolution: String
    labels: [String]
    meta: TicketMeta
  }
`;

/** `?id=1&id=2`: the form/explode serialisation the People spec declares. */
export function idsQuery(ids: readonly unknown[]): string {
  return ids.map((id) => `id=${encodeURIComponent(String(id))}`).join('&');
}
