// Runs the demo services on their own, without the gateway, for poking at them with
// curl: `npx tsx src/demo/main.ts`. Ports are DEMO_PORTS; stop with Ctrl-C.
import { DEMO_PORTS, startDemoServices } from './index.ts';

const services = await startDemoServices({ ports: DEMO_PORTS });
for (const [service, url] of Object.entries(services.urls)) console.log(`${service.padEnd(9)} ${url}`);

const stop = (): void => {
  services.close().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
