// Process entry of the hand-written BFF, spawned by the runner pinned to the system
// under test's core: `node --import tsx bench/lib/bff-main.ts MODULE EXPORT PORT SERVICES_JSON`.
import { pathToFileURL } from 'node:url';
import { startBff } from './bff.ts';
import type { Scenario } from '../scenarios/types.ts';

const [modulePath, exportName, port, servicesJson] = process.argv.slice(2);
const mod = (await import(pathToFileURL(modulePath).href)) as Record<string, Scenario>;
const scenario = mod[exportName];
if (!scenario?.bff) throw new Error(`${modulePath} has no scenario export "${exportName}" with a bff`);
await startBff(scenario, JSON.parse(servicesJson) as Record<string, string>, Number(port));
console.log(`bff listening on ${port}`);
// An exit of its own on SIGINT, so that `--cpu-prof` (bench/tools/profile.ts --bff) writes its profile.
process.once('SIGINT', () => process.exit(0));
