// Template matching on its own: the compiled trie against request paths as path.ts
// writes them. The socket-level suite (declared.e2e.test.ts) shows the same rules
// end to end; this one covers the shapes of template that are awkward to serve.
import { describe, expect, it } from 'vitest';
import type { DeclaredOperation } from '../../src/passthrough/declared.ts';
import { compileDeclaredRoutes, type RouteMatch } from '../../src/passthrough/declared-routes.ts';
import { safeUpstreamPath } from '../../src/passthrough/path.ts';

function op(method: string, template: string, extra: Partial<DeclaredOperation> = {}): DeclaredOperation {
  return { source: 's', method, template, label: `${method} ${template}`, fields: [], query: [], headers: [], ...extra };
}

const routes = compileDeclaredRoutes([
  op('GET', '/v1/{name}:cancel'),
  op('GET', '/v1/{name}'),
  op('GET', '/pair/{a}{b}'),
  op('GET', '/files/{id}.{ext}'),
  op('GET', '/slash/'),
  op('GET', '/a b/{x}'),
  op('GET', '/%7Euser/{x}'),
  op('GET', '/colon:literal'),
  // Never matchable: a dot-segment cannot survive path.ts.
  op('GET', '/x/../admin'),
  op('GET', '/users/{id}'),
  op('GET', '/users/{id}/posts/{post}'),
  op('GET', '/users/me/posts/latest'),
]);

const cases: ReadonlyArray<readonly [method: string, target: string, expected: string | 'undeclared' | `405 ${string}`]> = [
  ['GET', '/v1/job:cancel', 'GET /v1/{name}:cancel'],
  ['GET', '/v1/job', 'GET /v1/{name}'],
  // An encoded `:` is not the literal (RFC 3986 §2.2: reserved characters differ from their escapes).
  ['GET', '/v1/job%3Acancel', 'GET /v1/{name}'],
  ['GET', '/v1/:cancel', 'GET /v1/{name}'],
  ['GET', '/pair/xy', 'GET /pair/{a}{b}'],
  ['GET', '/pair/x', 'undeclared'],
  ['GET', '/files/report.tar.gz', 'GET /files/{id}.{ext}'],
  ['GET', '/files/.gz', 'undeclared'],
  ['GET', '/files/report.', 'undeclared'],
  ['GET', '/slash/', 'GET /slash/'],
  ['GET', '/slash', 'undeclared'],
  ['GET', '/a%20b/1', 'GET /a b/{x}'],
  ['GET', '/~user/1', 'GET /%7Euser/{x}'],
  ['GET', '/%7euser/1', 'GET /%7Euser/{x}'],
  ['GET', '/colon:literal', 'GET /colon:literal'],
  ['GET', '/colon%3Aliteral', 'undeclared'],
  ['GET', '/x/admin', 'undeclared'],
  ['GET', '/admin', 'undeclared'],
  ['GET', '/users/me/posts/latest', 'GET /users/me/posts/latest'],
  // `me` as a literal leads nowhere for `first`: the walk falls back to `{id}`.
  ['GET', '/users/me/posts/first', 'GET /users/{id}/posts/{post}'],
  ['GET', '/users/7', 'GET /users/{id}'],
  ['HEAD', '/users/7', 'GET /users/{id}'],
  ['POST', '/users/7', '405 GET, HEAD, OPTIONS'],
  ['OPTIONS', '/users/7', 'OPTIONS /users/{id}'],
];

describe('declared routes', () => {
  it.each(cases)('%s %s → %s', (method, target, expected) => {
    const safe = safeUpstreamPath(target);
    if (!safe.ok) throw new Error(safe.reason);
    const [path, query] = safe.path.split('?');
    const match: RouteMatch = routes.match({ method, path: path!, query, header: () => undefined });
    if (expected === 'undeclared') expect(match).toEqual({ kind: 'undeclared' });
    else if (expected.startsWith('405 ')) expect(match).toEqual({ kind: 'method', allow: expected.slice(4).split(', ') });
    else expect(match.kind === 'declared' ? match.label : match).toBe(expected);
  });
});
