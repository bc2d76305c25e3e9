// Operator-written config strings may name an environment variable instead of holding a
// secret (`secret: '{env.JWT_SECRET}'`). They are resolved once, when the policies are
// built, so a missing variable fails the start with a clear message rather than the
// first request.
import { TributaryError } from '../errors.ts';

const ENV_REF = /\{env\.([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** `value` with every `{env.NAME}` replaced; throws CONFIG_INVALID naming `where` when a variable is unset. */
export function resolveEnv(value: string, where: string, env: NodeJS.ProcessEnv = process.env): string {
  return value.replace(ENV_REF, (_match, name: string) => {
    const found = env[name];
    if (found === undefined || found === '') {
      throw new TributaryError('CONFIG_INVALID', `${where}: environment variable ${name} is not set (the value is "${value}").`);
    }
    return found;
  });
}
