// Builds a config's schema once, without serving it (check, schema, sources commands).
import { loadConfig } from '../config/load.ts';
import { buildSchema, type BuiltSchema } from '../schema/build.ts';
import { createUpstreamClient } from '../upstream/client.ts';
import { createLogger } from '../observability/log.ts';

export async function buildOnce(configFile: string): Promise<BuiltSchema> {
  const logger = createLogger({ level: process.env.TRIBUTARY_LOG_LEVEL ?? 'error', destination: process.stderr });
  const config = await loadConfig(configFile);
  const built = await buildSchema(config, { logger, createUpstream: (sources) => createUpstreamClient({ sources, logger }) });
  await built.upstream.close();
  return built;
}
