// `tributary start`: build, listen, and shut down cleanly on SIGINT/SIGTERM.
import { createGateway } from '../gateway.ts';
import { createLogger } from '../observability/log.ts';

export interface StartOptions {
  config: string;
  port?: number;
  host?: string;
  watch?: boolean;
  workers?: number;
}

export async function start(opts: StartOptions): Promise<void> {
  const logger = createLogger();
  const gateway = await createGateway({ configFile: opts.config, logger });
  const { url } = await gateway.listen({ port: opts.port, host: opts.host });
  for (const s of gateway.current().built.sources) {
    if (!s.loaded) logger.error({ source: s.name, error: s.error }, 'source not served');
  }
  console.log(`Tributary is serving ${url} (GraphiQL in a browser)`);
  const stop = () => {
    gateway.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
