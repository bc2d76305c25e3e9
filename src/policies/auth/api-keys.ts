// API keys: a header holding a key the operator issued. Keys are kept only as SHA-256
// digests and looked up by digest, so neither the config (with `sha256:`) nor memory needs
// the key itself, and the lookup takes the same time however much of a guess is right.
import { createHash } from 'node:crypto';
import { TributaryError } from '../../errors.ts';
import type { z } from 'zod';
import type { ApiKeysSettings } from '../../config/policies.ts';
import { resolveEnv } from '../env-template.ts';

export type ApiKeyVerifier = (presented: string) => string | undefined;

function digest(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** Returns the key's `id` for a known key, undefined for any other value. */
export function createApiKeyVerifier(settings: z.infer<typeof ApiKeysSettings>, where: string): ApiKeyVerifier {
  const ids = new Map<string, string>();
  settings.keys.forEach((k, i) => {
    const hash = k.sha256 !== undefined ? k.sha256.toLowerCase() : digest(resolveEnv(k.key!, `${where}.keys[${i}].key`));
    if (ids.has(hash)) throw new TributaryError('CONFIG_INVALID', `${where}.keys[${i}]: the same key is already given to "${ids.get(hash)}".`);
    ids.set(hash, k.id);
  });
  return function verifyApiKey(presented) {
    return ids.get(digest(presented));
  };
}
