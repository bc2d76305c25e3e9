// The blog services of the measurement: a Posts service (100 posts) and a Users
// service (10 users, 3 teams; one lookup by id, one bulk lookup, one team lookup). The
// records carry more fields than the queries select, as real APIs do, so a gateway that
// does per-item work on fields nobody asked for pays for it here. Deterministic: the
// same bytes on every run.
import type { MockService, RecordValue, SourceSpec } from './types.ts';

const WORDS = [
  'lorem',
  'ipsum',
  'dolor',
  'sit',
  'amet',
  'consectetur',
  'adipiscing',
  'elit',
  'sed',
  'do',
  'eiusmod',
  'tempor',
  'incididunt',
  'labore',
  'magna',
  'aliqua',
];

function words(seed: number, count: number): string {
  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push(WORDS[(seed * 7 + i * 3) % WORDS.length]);
  return out.join(' ');
}

export const TEAMS: readonly RecordValue[] = [1, 2, 3].map((id) => ({
  id,
  name: ['Platform', 'Payments', 'Search'][id - 1],
  city: ['Lisbon', 'Berlin', 'Osaka'][id - 1],
}));

export const USERS: readonly RecordValue[] = Array.from({ length: 10 }, (_, i) => {
  const id = i + 1;
  const name = [
    'Leanne Graham',
    'Ervin Howell',
    'Clementine Bauch',
    'Patricia Lebsack',
    'Chelsey Dietrich',
    'Dennis Schulist',
    'Kurtis Weissnat',
    'Nicholas Runolfsdottir',
    'Glenna Reichert',
    'Clementina DuBuque',
  ][i];
  return {
    id,
    name,
    username: name.split(' ')[0].toLowerCase() + id,
    email: `${name.toLowerCase().replace(/[^a-z]+/g, '.')}@example.org`,
    phone: `+1-555-01${String(id).padStart(2, '0')}`,
    website: `${name.split(' ')[1].toLowerCase()}.example.org`,
    teamId: (id % 3) + 1,
    address: { street: `${id * 11} ${words(id, 2)} Street`, city: words(id + 5, 1), zipcode: `${10000 + id * 137}` },
  };
});

export const POSTS: readonly RecordValue[] = Array.from({ length: 100 }, (_, i) => ({
  id: i + 1,
  userId: (i % 10) + 1,
  title: words(i, 4 + (i % 5)),
  body: words(i + 3, 30),
  tags: [WORDS[i % WORDS.length], WORDS[(i * 5) % WORDS.length]],
}));

export const POSTS_SERVICE: MockService = { collections: { posts: POSTS }, routes: [{ path: '/posts', list: 'posts' }] };

export const USERS_SERVICE: MockService = {
  collections: { users: USERS, teams: TEAMS },
  routes: [
    { path: '/users', bulk: 'users', param: 'id' },
    { path: '/users/{id}', item: 'users' },
    { path: '/teams/{id}', item: 'teams' },
  ],
};

const integer = { type: 'integer' } as const;
const string = { type: 'string' } as const;
const json = (schema: unknown) => ({ description: 'OK', content: { 'application/json': { schema } } });

const POSTS_OPENAPI = {
  openapi: '3.0.3',
  info: { title: 'Posts', version: '1.0.0' },
  paths: {
    '/posts': { get: { operationId: 'posts', responses: { '200': json({ type: 'array', items: { $ref: '#/components/schemas/Post' } }) } } },
  },
  components: {
    schemas: {
      Post: {
        type: 'object',
        required: ['id', 'userId', 'title'],
        properties: { id: integer, userId: integer, title: string, body: string, tags: { type: 'array', items: string } },
      },
    },
  },
};

const USERS_OPENAPI = {
  openapi: '3.0.3',
  info: { title: 'Users', version: '1.0.0' },
  paths: {
    '/users': {
      get: {
        operationId: 'users',
        parameters: [{ name: 'id', in: 'query', required: true, style: 'form', explode: true, schema: { type: 'array', items: integer } }],
        responses: { '200': json({ type: 'array', items: { $ref: '#/components/schemas/User' } }) },
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
        required: ['id', 'name', 'email'],
        properties: {
          id: integer,
          name: string,
          username: string,
          email: string,
          phone: string,
          website: string,
          teamId: integer,
          address: { type: 'object', properties: { street: string, city: string, zipcode: string } },
        },
      },
      Team: { type: 'object', required: ['id', 'name'], properties: { id: integer, name: string, city: string } },
    },
  },
};

export const BLOG_SOURCES: readonly SourceSpec[] = [
  { name: 'Posts', service: 'posts', openapi: POSTS_OPENAPI },
  { name: 'Users', service: 'users', openapi: USERS_OPENAPI },
];

/** `?id=1&id=2`: the form/explode serialisation the Users spec declares. */
export function idsQuery(ids: readonly unknown[]): string {
  return ids.map((id) => `id=${encodeURIComponent(String(id))}`).join('&');
}
