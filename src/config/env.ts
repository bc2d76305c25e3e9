// `{env.NAME}` in a source's document location and endpoint, the way Mesh writes it.
// Resolved where a value is used, against the process environment at that moment, so a
// reload after an operator changes a variable picks the new value up.
import { stringInterpolator } from '@graphql-mesh/string-interpolation';

export function interpolateEnv(value: string): string {
  return value.includes('{') ? stringInterpolator.parse(value, { env: process.env }) : value;
}
