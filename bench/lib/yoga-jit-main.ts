// Process entry of the hand-written graphql-yoga + graphql-jit server (yoga-jit.ts),
// spawned by the runner pinned to the system under test's core:
// `node --import tsx bench/lib/yoga-jit-main.ts MODULE EXPORT PORT SERVICES_JSON`.
// The scenario export supplies the SDL and resolvers (`yogaJit`), as it supplies `bff`.
import { pathToFileURL } from 'node:url';
import { startYogaJit } from './yoga-jit.ts';
import type { HandWrittenGraphQL } from '../scenarios/types.ts';

const [modulePath, exportName, port, servicesJson] = process.argv.slice(2);
const mod = (await import(pathToFileURL(modulePath).href)) as Record<string, { yogaJit?: HandWrittenGraphQL }>;
const spec = mod[exportName]?.yogaJit;
if (!spec) throw new Error(`${modulePath} has no scenario export "${exportName}" with a yogaJit server`);
await startYogaJit(spec, JSON.parse(servicesJson) as Record<string, string>, Number(port));
console.log(`yoga-jit listening on ${port}`);
// Ctrl-C (or a profiler's SIGINT) ends the process normally, so `--cpu-prof` writes its profile.
process.once('SIGINT', () => process.exit(0));
