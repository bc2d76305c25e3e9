// A source's base URL from its document's `servers` entry. Server URLs may hold
// variables (OAS 3.0 §4.7.6: `http://{host}:{port}/v1`, each with a REQUIRED default),
// which Mesh's loader writes as `{args.port:8080}` — request-time interpolation with the
// default after the colon. A gateway has no request to take them from: each variable is
// its default, or the value `tributary.sources.<name>.serverVariables` gives it. The
// result must be a usable http(s) base URL, or the source fails alone (SOURCE_LOAD_FAILED)
// while the others are served.
import { TributaryError } from '../errors.ts';
import { parseEndpoint } from '../upstream/path.ts';

const VARIABLE = /\{\s*(?:args\.)?([A-Za-z0-9_.-]+)\s*(?::([^}]*))?\}/g;

export function resolveServerUrl(source: string, url: string, overrides: Readonly<Record<string, string>> = {}): string {
  const missing: string[] = [];
  const resolved = url.replace(VARIABLE, (_match, name: string, fallback: string | undefined) => {
    const value = overrides[name] ?? fallback;
    if (value === undefined) missing.push(name);
    return value ?? '';
  });
  if (missing.length) {
    throw new TributaryError(
      'SOURCE_LOAD_FAILED',
      `Source "${source}": its server URL "${url}" has variable${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')} with no default; set tributary.sources.${source}.serverVariables, or handler.openapi.endpoint.`,
    );
  }
  try {
    parseEndpoint(source, resolved);
  } catch (error) {
    throw new TributaryError('SOURCE_LOAD_FAILED', `${(error as Error).message}; set handler.openapi.endpoint to the service's base URL.`);
  }
  return resolved;
}
