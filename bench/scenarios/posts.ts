// The query and its variations over the blog services (blog.ts): posts with
// their author through a bulk endpoint, the same through one call per author, a plain
// single-source list, and a link one level below a link (posts → user (bulk) → team
// (one call per team)). Each BFF below is what someone would write by hand for that
// query: the same upstream calls, the selected fields in query order.
import { BLOG_SOURCES, POSTS_SERVICE, USERS_SERVICE, idsQuery } from './blog.ts';
import type { Scenario } from './types.ts';

interface Post {
  id: number;
  userId: number;
  title: string;
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

const backend = { kind: 'mock', services: { posts: POSTS_SERVICE, users: USERS_SERVICE } } as const;

/** The users behind a page of posts, by id: one bulk call for the distinct ids. */
async function usersOf(get: (s: string, p: string) => Promise<unknown>, posts: readonly Post[]): Promise<Map<number, User>> {
  const ids = [...new Set(posts.map((p) => p.userId))];
  const users = (await get('users', `/users?${idsQuery(ids)}`)) as User[];
  return new Map(users.map((u) => [u.id, u]));
}

const userBulkLink = { field: 'Post.user', target: 'Query.users', key: 'userId', keysArg: 'id', valueKey: 'id' };
const userBulkResolveTo = `
  extend type Post {
    user: User @resolveTo(sourceName: "Users", sourceTypeName: "Query", sourceFieldName: "users", keyField: "userId", keysArg: "id", valueKeyField: "id", requiredSelectionSet: "{ userId }")
  }
`;

export const postsBulk: Scenario = {
  name: 'posts-bulk',
  title: 'posts → user, bulk endpoint',
  description:
    "The issue's query: 100 posts from the Posts service, each with its author from the Users service through one bulk call (`/users?id=1&id=2…`) for the 10 distinct authors.",
  query: '{ posts { id userId title user { id name email } } }',
  backend,
  sources: BLOG_SOURCES,
  tributary: { settings: { links: [userBulkLink] } },
  stockMesh: { meshrc: { additionalTypeDefs: userBulkResolveTo } },
  async bff(get) {
    const posts = (await get('posts', '/posts')) as Post[];
    const users = await usersOf(get, posts);
    return {
      posts: posts.map((p) => {
        const u = users.get(p.userId);
        return { id: p.id, userId: p.userId, title: p.title, user: u ? { id: u.id, name: u.name, email: u.email } : null };
      }),
    };
  },
};

export const postsPerKey: Scenario = {
  name: 'posts-perkey',
  title: 'posts → user, one call per author',
  description: 'The same query when the Users service has no bulk endpoint: one `/users/{id}` call per distinct author (10), de-duplicated per request.',
  query: '{ posts { id userId title user { id name email } } }',
  backend,
  sources: BLOG_SOURCES,
  tributary: { settings: { links: [{ field: 'Post.user', target: 'Query.user', key: 'userId', arg: 'id' }] } },
  stockMesh: {
    meshrc: {
      additionalTypeDefs: `
        extend type Post {
          user: User @resolveTo(sourceName: "Users", sourceTypeName: "Query", sourceFieldName: "user", requiredSelectionSet: "{ userId }", sourceArgs: { id: "{root.userId}" })
        }
      `,
    },
  },
  async bff(get) {
    const posts = (await get('posts', '/posts')) as Post[];
    const ids = [...new Set(posts.map((p) => p.userId))];
    const users = new Map(await Promise.all(ids.map(async (id) => [id, (await get('users', `/users/${id}`)) as User] as const)));
    return {
      posts: posts.map((p) => {
        const u = users.get(p.userId);
        return { id: p.id, userId: p.userId, title: p.title, user: u ? { id: u.id, name: u.name, email: u.email } : null };
      }),
    };
  },
};

export const postsList: Scenario = {
  name: 'posts-list',
  title: 'single-source list',
  description: '`{ posts { title } }`: one call, no link; the floor of what the gateway adds to a REST call.',
  query: '{ posts { title } }',
  backend,
  sources: BLOG_SOURCES,
  tributary: {},
  stockMesh: { meshrc: {} },
  async bff(get) {
    const posts = (await get('posts', '/posts')) as Post[];
    return { posts: posts.map((p) => ({ title: p.title })) };
  },
};

export const postsTeam: Scenario = {
  name: 'posts-team',
  title: 'posts → user (bulk) → team (per key)',
  description:
    "Two sources, a bulk link and a per-key link one level below it: 100 posts, their 10 authors in one bulk call, then each author's team (3 distinct) by `/teams/{id}`.",
  query: '{ posts { id title user { id name team { id name } } } }',
  backend,
  sources: BLOG_SOURCES,
  tributary: { settings: { links: [userBulkLink, { field: 'User.team', target: 'Query.team', key: 'teamId', arg: 'id' }] } },
  stockMesh: {
    meshrc: {
      additionalTypeDefs: `${userBulkResolveTo}
        extend type User {
          team: Team @resolveTo(sourceName: "Users", sourceTypeName: "Query", sourceFieldName: "team", requiredSelectionSet: "{ teamId }", sourceArgs: { id: "{root.teamId}" })
        }
      `,
    },
  },
  async bff(get) {
    const posts = (await get('posts', '/posts')) as Post[];
    const users = await usersOf(get, posts);
    const teamIds = [...new Set([...users.values()].map((u) => u.teamId))];
    const teams = new Map(await Promise.all(teamIds.map(async (id) => [id, (await get('users', `/teams/${id}`)) as Team] as const)));
    return {
      posts: posts.map((p) => {
        const u = users.get(p.userId);
        const t = u ? teams.get(u.teamId) : undefined;
        return { id: p.id, title: p.title, user: u ? { id: u.id, name: u.name, team: t ? { id: t.id, name: t.name } : null } : null };
      }),
    };
  },
};
