// `tributary demo` (npm start): the three demo services and the gateway, one command.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEMO_PORTS, startDemoServices } from '../demo/index.ts';
import { createGateway } from '../gateway.ts';
import { createLogger } from '../observability/log.ts';

const DEMO_CONFIG = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '.meshrc.yaml');

export async function demo(opts: { port: number; host: string }): Promise<void> {
  const services = await startDemoServices({ ports: DEMO_PORTS });
  const logger = createLogger();
  const gateway = await createGateway({ configFile: DEMO_CONFIG, logger });
  const { url } = await gateway.listen({ port: opts.port, host: opts.host });
  console.log(
    `Demo services: ${Object.entries(services.urls)
      .map(([n, u]) => `${n} ${u}`)
      .join(', ')}`,
  );
  console.log(`\nTributary is ready. Open GraphiQL at ${url}\nREST passthrough: ${url.replace(/\/graphql$/, '')}/rest/Orders/orders/1\n`);
  const stop = () => {
    Promise.all([gateway.close(), services.close()]).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
