// The scenarios `npm run bench` runs, in order, and how a scenario file is read: every
// export of a module that looks like a scenario is one. A scenario is referred to by
// its module and export name, because the BFF runs in its own process and imports it.
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';
import type { AnyScenario } from './types.ts';

export interface ScenarioRef<S = AnyScenario> {
  scenario: S;
  module: string;
  exportName: string;
}

const BUILT_IN = ['posts.ts', 'demo.ts', 'stripe.ts'].map((f) => fileURLToPath(new URL(`./${f}`, import.meta.url)));

function isScenario(value: unknown): value is AnyScenario {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { kind?: string }).kind !== 'scaling' &&
    typeof (value as AnyScenario).name === 'string' &&
    typeof (value as AnyScenario).query === 'string' &&
    'sources' in value
  );
}

export async function scenariosIn(file: string): Promise<ScenarioRef[]> {
  const module = path.resolve(file);
  const exports = (await import(pathToFileURL(module).href)) as Record<string, unknown>;
  return Object.entries(exports)
    .filter(([, v]) => isScenario(v))
    .map(([exportName, scenario]) => ({ scenario: scenario as AnyScenario, module, exportName }));
}

export async function builtInScenarios(): Promise<ScenarioRef[]> {
  return (await Promise.all(BUILT_IN.map(scenariosIn))).flat();
}
