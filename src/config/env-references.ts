// Environment variables a config names, checked once at load so that a missing one is a
// config error naming the variable and the key path — never an empty value sent
// upstream at the first request. Two syntaxes, both Mesh's:
//   - `${NAME}` / `${NAME:default}`: Mesh's CLI replaces these in the file's text before
//     parsing it (@graphql-mesh/cli config.js). Tributary replaces them in every string
//     value at load; a value that is only `${NAME}` is read as a YAML scalar, as it would
//     be after Mesh's textual replacement (`port: ${PORT}` is a number).
//   - `{env.NAME}`: a string-interpolation template, resolved where the value is used
//     (document location and endpoint at each build; operationHeaders, queryParams and
//     paths at each request, by Mesh's interpolator against process.env) — an unset
//     variable there would silently become "". Left in place (a reload reads the
//     variable again), but it must be set when the config is loaded.
// A default written in the template (`{env.NAME:fallback}`) makes an unset variable fine.
// A variable set to the empty string counts as unset, as for tributary.policies'
// `{env.X}` (src/policies/env-template.ts): an empty token is never what was meant.
import { propertyPath } from './context-templates.ts';

type KeyPath = ReadonlyArray<string | number>;

export interface EnvProblem {
  readonly keyPath: KeyPath;
  readonly problem: string;
}

const MESH_VARIABLE = /\$\{(.*?)\}/g;
const INNERMOST_GROUP = /\{([^{}]+)\}/g;

const isSet = (env: NodeJS.ProcessEnv, name: string) => env[name] !== undefined && env[name] !== '';

/**
 * `value` with every `${NAME}` / `${NAME:default}` in its strings replaced (a deep copy
 * where something changed); unset variables without a default are pushed to `problems`.
 */
export function substituteVariables(
  value: unknown,
  keyPath: KeyPath,
  problems: EnvProblem[],
  readScalar: (text: string) => unknown,
  env: NodeJS.ProcessEnv = process.env,
): unknown {
  if (typeof value === 'string') {
    if (!value.includes('${')) return value;
    let missing = false;
    const replaced = value.replace(MESH_VARIABLE, (whole, inner: string) => {
      const colon = inner.indexOf(':');
      const name = (colon < 0 ? inner : inner.slice(0, colon)).trim();
      if (isSet(env, name)) return env[name]!;
      if (colon >= 0) return inner.slice(colon + 1);
      problems.push({
        keyPath,
        problem: `environment variable ${name} is not set (the value is ${JSON.stringify(value)}); set it, or write a default: \${${name}:default}`,
      });
      missing = true;
      return whole;
    });
    if (missing) return value;
    return /^\$\{[^}]*\}$/.test(value) ? readScalar(replaced) : replaced;
  }
  if (Array.isArray(value)) return value.map((item, i) => substituteVariables(item, [...keyPath, i], problems, readScalar, env));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, substituteVariables(item, [...keyPath, key], problems, readScalar, env)]));
  }
  return value;
}

/** Every `{env.NAME}` template in `value`'s strings whose variable is unset and that has no default. */
export function unsetEnvTemplates(value: unknown, keyPath: KeyPath, env: NodeJS.ProcessEnv = process.env): EnvProblem[] {
  const out: EnvProblem[] = [];
  const walk = (item: unknown, at: KeyPath): void => {
    if (typeof item === 'string') {
      if (!item.includes('{')) return;
      for (const name of new Set([...item.matchAll(INNERMOST_GROUP)].flatMap((m) => unsetName(m[1]!, env)))) {
        out.push({
          keyPath: at,
          problem: `environment variable ${name} is not set (the value is ${JSON.stringify(item)}); set it, or write a default: {env.${name}:default}`,
        });
      }
    } else if (Array.isArray(item)) {
      item.forEach((x, i) => walk(x, [...at, i]));
    } else if (item !== null && typeof item === 'object') {
      for (const [key, x] of Object.entries(item)) walk(x, [...at, key]);
    }
  };
  walk(value, keyPath);
  return out;
}

/** The variable an interpolator expression reads from `env`, when it is unset and has no alternative text. */
function unsetName(expression: string, env: NodeJS.ProcessEnv): string[] {
  // The interpolator's grammar (@graphql-mesh/string-interpolation): the key ends at the
  // first ":" (alternative text follows) or "|" (modifiers) past its start.
  const colon = expression.indexOf(':');
  const bar = expression.indexOf('|');
  const cuts = [colon, bar].filter((at) => at > 0);
  const key = (cuts.length ? expression.slice(0, Math.min(...cuts)) : expression).trim();
  const path = propertyPath(key.split('#')[0]!);
  if (path[0] !== 'env' || path.length !== 2) return [];
  const alternative = colon > 0 ? expression.slice(colon + 1, bar > colon ? bar : undefined) : '';
  if (alternative !== '' || isSet(env, path[1]!)) return [];
  return [path[1]!];
}
