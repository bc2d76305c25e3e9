// Process entry for allocation profiling (spawned by profile.ts with `--alloc`): runs the
// gateway in process and, between SIGUSR2 and SIGINT, samples every allocation — also
// those the GC already collected, which `node --heap-prof` leaves out and which are the
// ones that cost GC time — then writes the profile next to the config.
//   node --import tsx bench/tools/alloc-profile-main.ts CONFIG PORT OUT.heapprofile
import { Session } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';
import { createGateway } from '../../src/gateway.ts';
import { createLogger } from '../../src/observability/log.ts';

const [config, port, out] = process.argv.slice(2);
const gateway = await createGateway({ configFile: config, logger: createLogger({ level: 'warn' }) });
await gateway.listen({ port: Number(port), host: '127.0.0.1' });
const session = new Session();
session.connect();
process.on('SIGUSR2', () => {
  void session.post('HeapProfiler.startSampling', {
    samplingInterval: 4096,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  } as never);
});
process.once('SIGINT', async () => {
  const { profile } = (await session.post('HeapProfiler.stopSampling')) as { profile: unknown };
  writeFileSync(out, JSON.stringify(profile));
  await gateway.close();
  process.exit(0);
});
console.log('ready');
