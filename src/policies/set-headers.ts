// A source's `setHeaders`: upstream request fields the gateway writes itself, from the
// verified principal or the environment, and never takes from the client (a client
// sending `x-user: admin` must not become admin upstream). Templates are compiled once;
// `{env.X}` is read at start. A field whose value cannot be known (anonymous caller,
// missing claim) or is not a valid field value (RFC 9110 §5.5: no CR, LF or NUL — a
// claim must not inject headers) is removed rather than sent empty.
import { TributaryError } from '../errors.ts';
import type { Principal } from '../context.ts';
import type { Policy } from './policy.ts';
import type { SetHeadersSettings } from '../config/policies.ts';
import { resolveEnv } from './env-template.ts';

/** Field name → value, or undefined for "remove this field". */
export type GatewayHeaders = Readonly<Record<string, string | undefined>>;
export type HeaderRules = (principal: Principal | undefined) => GatewayHeaders;

type Part = string | ((principal: Principal | undefined) => unknown);

const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

function claimAt(claims: Record<string, unknown> | undefined, path: readonly string[]): unknown {
  let value: unknown = claims;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function text(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (Array.isArray(value)) return value.map(String).join(',');
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

function compileTemplate(template: string, where: string): (principal: Principal | undefined) => string | undefined {
  const parts: Part[] = [];
  const re = /\{([^{}]*)\}/g;
  let last = 0;
  for (let m = re.exec(template); m; m = re.exec(template)) {
    if (m.index > last) parts.push(template.slice(last, m.index));
    const expr = m[1]!.trim();
    if (expr.startsWith('env.')) parts.push(resolveEnv(`{${expr}}`, where));
    else if (expr.startsWith('claims.') && expr.length > 7) {
      const path = expr.slice(7).split('.');
      parts.push((p) => claimAt(p?.claims, path));
    } else if (expr === 'principal.subject') parts.push((p) => p?.subject);
    else if (expr === 'principal.kind') parts.push((p) => p?.kind);
    else {
      throw new TributaryError(
        'CONFIG_INVALID',
        `${where}: unknown placeholder "{${expr}}"; expected {claims.<name>}, {principal.subject}, {principal.kind} or {env.<NAME>}.`,
      );
    }
    last = m.index + m[0].length;
  }
  if (last < template.length) parts.push(template.slice(last));
  return (principal) => {
    let out = '';
    for (const part of parts) {
      if (typeof part === 'string') out += part;
      else {
        const value = text(part(principal));
        if (value === undefined) return undefined;
        out += value;
      }
    }
    return out !== '' && FIELD_VALUE.test(out) ? out : undefined;
  };
}

export function compileSetHeaders(settings: SetHeadersSettings, where: string): HeaderRules {
  const rules = Object.entries(settings).map(([name, template]) => [name.toLowerCase(), compileTemplate(template, `${where}.${name}`)] as const);
  return (principal) => {
    const out: Record<string, string | undefined> = {};
    for (const [name, value] of rules) out[name] = value(principal);
    return out;
  };
}

/**
 * The gateway-set fields as a policy: an outbound rule, so that GraphQL fields, link
 * batches and the passthrough send the same fields, and a client's own value of one of
 * them never gets through (it is replaced, or removed when no value can be made).
 */
export function useSetHeaders(bySource: ReadonlyMap<string, HeaderRules>): Policy {
  return {
    name: 'gateway-set headers',
    outbound:
      bySource.size > 0
        ? {
            name: 'gateway-set headers',
            sources: new Set(bySource.keys()),
            apply(source, { headers, scope }) {
              const set = bySource.get(source)!(scope.principal);
              for (const name in set) {
                const value = set[name];
                if (value === undefined) delete headers[name];
                else headers[name] = value;
              }
            },
          }
        : undefined,
  };
}
