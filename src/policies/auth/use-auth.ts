// Authentication as a policy. /graphql reads credentials in `onRequest`, before the body
// is read, and refuses there when its mode requires them; the passthrough authenticates
// with the mode of the source it reaches; and every upstream call to a source that
// requires credentials is refused, on its own field, when the request has none — so a
// public field and a protected one can share a query.
import type { Plugin } from 'graphql-yoga';
import { scopeOf } from '../../context.ts';
import { passthroughRefusal, refusalResponse } from '../refusal.ts';
import { joinedHeader, type Policy } from '../policy.ts';
import type { Authenticator } from './authenticator.ts';
import type { TributaryError } from '../../errors.ts';

/** Credentials checked for a route of the gateway's own (GET /metrics with requireAuth); the refusal, or none. */
export type CredentialsGate = (header: (name: string) => string | null | undefined) => Promise<TributaryError | undefined>;

/**
 * The same authenticator as /graphql, with credentials always required: an operator who
 * asks for them on a route wants them even where /graphql lets anonymous callers in.
 */
export function credentialsGate(authenticator: Authenticator): CredentialsGate {
  return async function requireCredentials(header) {
    const outcome = await authenticator.authenticate(header, 'required');
    return 'error' in outcome ? outcome.error : undefined;
  };
}

export function useAuth(authenticator: Authenticator, graphqlPath: string): Policy {
  const graphql: Plugin = {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      if (authenticator.graphqlMode === 'none' || url.pathname !== graphqlPath || request.method === 'OPTIONS') return;
      const outcome = await authenticator.authenticate((name) => request.headers.get(name), authenticator.graphqlMode);
      if ('error' in outcome) return endResponse(refusalResponse(outcome.error, fetchAPI));
      scopeOf(request).principal = outcome.principal;
    },
  };
  const required = authenticator.sourcesRequiringAuth;
  return {
    name: 'auth',
    graphql: [graphql],
    async passthrough({ req, source }, scope) {
      const outcome = await authenticator.authenticate((name) => joinedHeader(req.headers[name]), authenticator.modeForSource(source));
      if ('error' in outcome) return passthroughRefusal(outcome.error);
      scope.principal = outcome.principal;
      return undefined;
    },
    outbound:
      required.size > 0
        ? {
            name: 'auth: sources that require credentials',
            sources: required,
            apply(_source, { scope }) {
              if (scope.principal === undefined) throw authenticator.missing();
            },
          }
        : undefined,
  };
}
