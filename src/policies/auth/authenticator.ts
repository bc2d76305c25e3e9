// Who the caller is, from the credentials on a request: a JWT in `Authorization: Bearer`
// or an API key in its header. The same authenticator serves /graphql and the
// passthrough, so a credential means the same thing on both. Missing credentials where
// they are required, and bad credentials anywhere they are looked at, are refused with
// 401 and a `WWW-Authenticate` challenge (RFC 9110 §11.6.1, RFC 6750 §3).
import { httpExtension, TributaryError } from '../../errors.ts';
import type { Principal } from '../../context.ts';
import type { AuthMode, AuthSettings } from '../../config/policies.ts';
import { createApiKeyVerifier, type ApiKeyVerifier } from './api-keys.ts';
import { challenge } from './challenge.ts';
import { createJwtVerifier, InvalidToken, type JwtVerifier } from './jwt.ts';

export type { Principal };

export type AuthOutcome = { readonly principal: Principal | undefined } | { readonly error: TributaryError };

export interface Authenticator {
  /** The mode of /graphql as a whole; `optional` when only some sources need credentials. */
  readonly graphqlMode: AuthMode;
  /** Sources whose GraphQL fields need a principal even when /graphql does not. */
  readonly sourcesRequiringAuth: ReadonlySet<string>;
  modeForSource(source: string): AuthMode;
  /** Reads the credentials; `header` returns a request header by lower-case name. */
  authenticate(header: (name: string) => string | null | undefined, mode: AuthMode): Promise<AuthOutcome>;
  /** The 401 for a GraphQL field of a source that needs credentials the request lacks. */
  missing(): TributaryError;
}

const REALM = 'tributary';

export function createAuthenticator(
  settings: AuthSettings,
  knownSources: readonly string[],
  where = 'tributary.policies.auth',
  now?: () => number,
): Authenticator {
  const jwt: JwtVerifier | undefined = settings.jwt ? createJwtVerifier(settings.jwt, `${where}.jwt`, now) : undefined;
  const apiKey: ApiKeyVerifier | undefined = settings.apiKeys ? createApiKeyVerifier(settings.apiKeys, `${where}.apiKeys`) : undefined;
  const apiKeyHeader = settings.apiKeys?.header.toLowerCase();
  const hasMethod = jwt !== undefined || apiKey !== undefined;
  const fallback: AuthMode = settings.default ?? (hasMethod ? 'required' : 'none');

  const modes: Array<[string, AuthMode]> = [['default', fallback], ...(settings.graphql ? [['graphql', settings.graphql] as [string, AuthMode]] : [])];
  for (const [name, mode] of Object.entries(settings.sources)) {
    if (!knownSources.includes(name)) {
      throw new TributaryError('CONFIG_INVALID', `${where}.sources.${name}: no Mesh source is named "${name}"; known: ${knownSources.join(', ')}.`);
    }
    modes.push([`sources.${name}`, mode]);
  }
  if (!hasMethod) {
    const needs = modes.find(([, mode]) => mode !== 'none');
    if (needs) throw new TributaryError('CONFIG_INVALID', `${where}.${needs[0]}: "${needs[1]}" needs a credential method; configure "jwt" or "apiKeys".`);
  }

  const sourceModes = new Map(knownSources.map((s) => [s, settings.sources[s] ?? fallback]));
  const explicitGraphql = settings.graphql ?? fallback;
  const sourcesRequiringAuth = new Set(explicitGraphql === 'required' ? [] : knownSources.filter((s) => sourceModes.get(s) === 'required'));
  // /graphql must at least read credentials when any of its fields may depend on them.
  const graphqlMode: AuthMode = explicitGraphql === 'none' && knownSources.some((s) => sourceModes.get(s) !== 'none') ? 'optional' : explicitGraphql;

  const challenges = [
    jwt ? challenge('Bearer', { realm: REALM }) : undefined,
    apiKey ? challenge('ApiKey', { realm: REALM, header: apiKeyHeader! }) : undefined,
  ]
    .filter(Boolean)
    .join(', ');
  // RFC 6750 §3: the reason goes in `error_description`, always a well-formed quoted-string.
  const invalidToken = (description: string) => challenge('Bearer', { realm: REALM, error: 'invalid_token', error_description: description });
  const unauthenticated = (message: string, wwwAuthenticate: string): TributaryError =>
    new TributaryError('UNAUTHENTICATED', message, {
      extensions: { http: httpExtension('UNAUTHENTICATED', { headers: { 'www-authenticate': wwwAuthenticate } }) },
    });
  const missing = (): TributaryError => unauthenticated('Credentials are required for this request.', challenges);

  async function authenticate(header: (name: string) => string | null | undefined, mode: AuthMode): Promise<AuthOutcome> {
    if (mode === 'none') return { principal: undefined };
    const authorization = jwt ? header('authorization') : undefined;
    const bearer = authorization ? /^Bearer[ \t]+([A-Za-z0-9\-._~+/]+=*)[ \t]*$/i.exec(authorization) : null;
    if (jwt && authorization && /^Bearer\b/i.test(authorization)) {
      if (!bearer) return { error: unauthenticated('The bearer token is malformed.', invalidToken('malformed token')) };
      try {
        const verified = await jwt(bearer[1]!);
        return { principal: { kind: 'jwt', subject: verified.subject, claims: verified.claims } };
      } catch (error) {
        const reason = error instanceof InvalidToken ? error.message : 'the token cannot be verified';
        return { error: unauthenticated(`The bearer token is not accepted: ${reason}.`, invalidToken(reason)) };
      }
    }
    const key = apiKey ? header(apiKeyHeader!) : undefined;
    if (apiKey && key) {
      const id = apiKey(key);
      if (id === undefined) return { error: unauthenticated('The API key is not accepted.', challenges) };
      return { principal: { kind: 'apiKey', subject: id } };
    }
    return mode === 'required' ? { error: missing() } : { principal: undefined };
  }

  return {
    graphqlMode,
    sourcesRequiringAuth,
    modeForSource: (source) => sourceModes.get(source) ?? fallback,
    authenticate,
    missing,
  };
}
