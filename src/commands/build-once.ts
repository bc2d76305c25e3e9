// Builds a config's schema once, without serving it (check, schema, sources commands):
// the gateway's own build (gateway.ts buildOnce), logging only errors, to stderr.
import { buildOnce as buildGenerationOnce, type Generation } from '../gateway.ts';
import { createLogger } from '../observability/log.ts';

export async function buildOnce(configFile: string): Promise<Generation['built']> {
  const logger = createLogger({ level: process.env.TRIBUTARY_LOG_LEVEL ?? 'error', destination: process.stderr });
  return (await buildGenerationOnce(configFile, { logger })).built;
}
