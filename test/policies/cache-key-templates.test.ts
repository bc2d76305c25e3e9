// How the config's `{context.…}` templates are read into context paths and mapped onto
// the request data the response cache key hashes (src/policies/cache/context-templates.ts,
// session-inputs.ts). One table: template → what the key holds for it. The paths must be
// those Mesh's interpolator reads (lodash `get` paths, `:alternative`, `|modifiers`,
// `#/json/pointer`), or a read could escape the key.
import { describe, expect, it } from 'vitest';
import { contextPathsIn, contextReadsOf } from '../../src/config/context-templates.ts';
import { contextInput, sessionInputsOf } from '../../src/config/session-inputs.ts';

const TEMPLATES: Array<[template: string, inputs: unknown[]]> = [
  ['{context.headers.x-user}', [{ kind: 'header', name: 'x-user' }]],
  ['{context.headers.X-User}', [{ kind: 'header', name: 'x-user' }]],
  ["{context.headers['x-user']}", [{ kind: 'header', name: 'x-user' }]],
  ['{context.headers["x.user"]}', [{ kind: 'header', name: 'x.user' }]],
  ['{context.headers[x-user]}', [{ kind: 'header', name: 'x-user' }]],
  ["{context['req'].headers.cookie}", [{ kind: 'header', name: 'cookie' }]],
  ['Bearer {context.req.headers.authorization:none|lower}', [{ kind: 'header', name: 'authorization' }]],
  ['{ context.request.headers.x-tenant }', [{ kind: 'header', name: 'x-tenant' }]],
  ['{context#/headers/x-user}', [{ kind: 'header', name: 'x-user' }]],
  ['{context.headers#/x~1y}', [{ kind: 'header', name: 'x/y' }]],
  ['{context.headers}', [{ kind: 'allHeaders' }]],
  ['{context.req.rawHeaders}', [{ kind: 'allHeaders' }]],
  ['{context.cookies.session}', [{ kind: 'header', name: 'cookie' }]],
  ['{context.requestId}', [{ kind: 'header', name: 'x-request-id' }]],
  ['{context.principal.claims.tenant}', [{ kind: 'principal', path: ['claims', 'tenant'] }]],
  ['{context.params.extensions.tenant}', [{ kind: 'params', path: ['extensions', 'tenant'] }]],
  ['{context.params.variables[0]}', [{ kind: 'params', path: ['variables', '0'] }]],
  ['{context.req.socket.remoteAddress}', [{ kind: 'unaccountable' }]],
  ['{context.request.url}', [{ kind: 'unaccountable' }]],
  ['{context}', [{ kind: 'unaccountable' }]],
  ['{context.jwt.payload.sub}', [{ kind: 'unaccountable' }]],
  ['/users/{args.id}?t={env.TOKEN}', []],
  ['{root.id}', []],
  [
    'a={context.headers.a}&b={context.params.extensions.b}',
    [
      { kind: 'header', name: 'a' },
      { kind: 'params', path: ['extensions', 'b'] },
    ],
  ],
  // Nested in a larger string (an SDL directive argument): the innermost group is still read.
  ['type Query { me: User @resolveTo(sourceArgs: { id: "{context.headers.x-user}" }) }', [{ kind: 'header', name: 'x-user' }]],
];

describe('context templates → cache key inputs', () => {
  it.each(TEMPLATES)('%s', (template, inputs) => {
    expect(contextPathsIn(template).map(contextInput)).toEqual(inputs);
  });

  it('finds templates in every source, at the top level and in tributary.links, with their key paths and owner', () => {
    const reads = contextReadsOf(
      {
        sources: [
          {
            name: 'People',
            handler: { openapi: { operationHeaders: { 'x-user': '{context.headers.x-user}' }, queryParams: { t: ['{context.params.extensions.t}'] } } },
          },
        ],
        additionalTypeDefs: 'extend type Query { me: User @resolveTo(sourceArgs: { id: "{context.principal.subject}" }) }',
      },
      { links: [{ field: 'A.b', target: 'c', key: 'id', arg: 'id', args: { tenant: '{context.req.headers.x-tenant}' } }] },
    );
    expect(reads.map((r) => [r.keyPath.join('/'), r.source, r.path.join('.')])).toEqual([
      ['sources/0/handler/openapi/operationHeaders/x-user', 'People', 'headers.x-user'],
      ['sources/0/handler/openapi/queryParams/t/0', 'People', 'params.extensions.t'],
      ['additionalTypeDefs', undefined, 'principal.subject'],
      ['tributary/links/0/args/tenant', undefined, 'req.headers.x-tenant'],
    ]);
    expect(sessionInputsOf(reads, ['Authorization'])).toEqual({
      headers: ['authorization', 'x-tenant', 'x-user'],
      allHeaders: false,
      principal: [['subject']],
      params: [['extensions', 't']],
    });
  });
});
