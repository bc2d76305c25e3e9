// The layer order of DESIGN.md is enforced by eslint.config.js. This proves the rule fires
// where an import crosses a layer the wrong way and stays silent where the order allows
// it: one table of (importer, imported) pairs, each linted in memory with the project's
// own config. The imported files are real (the rule checks only imports that resolve);
// each is the first file of its folder, so renames inside a folder do not break the table.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ESLint } from 'eslint';

const root = path.resolve(import.meta.dirname, '../..');
const eslint = new ESLint({ cwd: root });

/** A file of the layer: the file itself, or the first .ts file (by name) in the folder. */
function fileOf(layer: string): string {
  if (layer.endsWith('.ts')) return `src/${layer}`;
  const first = readdirSync(path.join(root, 'src', layer))
    .filter((name) => name.endsWith('.ts'))
    .sort()[0];
  if (!first) throw new Error(`src/${layer} has no .ts file to import in the table`);
  return `src/${layer}/${first}`;
}

/** The specifier that `from` (a file under src/) would write to import `to`. */
function specifier(from: string, to: string): string {
  const relative = path.posix.relative(path.posix.dirname(from), to);
  return relative.startsWith('.') ? relative : `./${relative}`;
}

async function ruleHits(filePath: string, code: string, ruleId: string): Promise<number[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, filePath) });
  const fatal = result.messages.filter((m) => m.fatal);
  expect(fatal, 'the snippet parses').toEqual([]);
  return result.messages.filter((m) => m.ruleId === ruleId).map((m) => m.line);
}

// [importer layer, imported layer, allowed?]. The importer is a file that does not exist
// (lint needs only its path); the imported one is real.
const CASES: [string, string, boolean][] = [
  // leaves
  ['schema', 'gateway.ts', false],
  ['links', 'gateway.ts', false],
  ['schema', 'openapi', true],
  ['schema', 'links', true],
  ['schema', 'upstream', true],
  ['links', 'upstream', true],
  ['passthrough', 'upstream', true],
  ['upstream', 'policies', false],
  ['policies', 'passthrough', false],
  ['http', 'schema', false],
  ['openapi', 'schema', false],
  ['upstream', 'errors.ts', true],
  ['policies', 'config', true],
  ['http', 'observability', true],
  ['runtime', 'context.ts', true],
  ['openapi', 'commands', false],
  ['subscriptions', 'config', true],
  ['subscriptions', 'context.ts', true],
  ['subscriptions', 'schema', false],
  ['subscriptions', 'policies', false],
  ['schema', 'subscriptions', false],
  ['gateway.ts', 'subscriptions', true],
  // base
  ['config', 'schema', false],
  ['config', 'policies', false],
  ['config', 'errors.ts', true],
  ['errors.ts', 'config', false],
  ['context.ts', 'errors.ts', true],
  ['observability', 'config', true],
  ['observability', 'upstream', false],
  // the composition root and the top
  ['gateway.ts', 'policies', true],
  ['gateway.ts', 'commands', false],
  ['gateway.ts', 'reload', false],
  ['commands', 'gateway.ts', true],
  ['commands', 'openapi', true],
  ['commands', 'runtime', true],
  ['commands', 'upstream', false],
  ['reload', 'gateway.ts', true],
  ['reload', 'schema', false],
  ['demo', 'policies', false],
  ['cli.ts', 'commands', true],
  ['cli.ts', 'reload', true],
];

const BOUNDARY = 'import-x/no-restricted-paths';

describe('lint: the layer order (DESIGN.md, eslint.config.js LAYERS)', () => {
  it.each(CASES)('%s -> %s allowed: %s', async (from, to, allowed) => {
    const importer = from.endsWith('.ts') ? `src/${from}` : `src/${from}/__layer-probe.ts`;
    const target = specifier(importer, fileOf(to));
    const code = [`import * as target from '${target}';`, 'export { target };', ''].join('\n');
    expect(await ruleHits(importer, code, BOUNDARY)).toEqual(allowed ? [] : [1]);
  });

  it('every kind of import counts: type-only, re-export, dynamic import()', async () => {
    const target = specifier('src/upstream/__layer-probe.ts', fileOf('policies'));
    const code = [
      `import type * as types from '${target}';`,
      `export * from '${target}';`,
      `export const later = () => import('${target}');`,
      'export type { types };',
      '',
    ].join('\n');
    expect(await ruleHits('src/upstream/__layer-probe.ts', code, BOUNDARY)).toEqual([1, 2, 3]);
  });

  it('src/ does not import the tests', async () => {
    const code = `export * from '../../test/helpers/backend.ts';\n`;
    expect(await ruleHits('src/links/__layer-probe.ts', code, BOUNDARY)).toEqual([1]);
  });
});

describe('lint: no import cycles in src/', () => {
  // A cycle needs a file on disk that imports the linted one: find a file that imports
  // errors.ts at run time (not `import type`), then lint errors.ts as if it imported it back.
  const errorsUser = readdirSync(path.join(root, 'src'), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts'))
    .map((name) => `src/${name.split(path.sep).join('/')}`)
    .find((file) =>
      [...readFileSync(path.join(root, file), 'utf8').matchAll(/^import (?!type )[^;]*?from '(\.[^']+)';/gm)].some(
        ([, spec]) => path.posix.join(path.posix.dirname(file), spec) === 'src/errors.ts',
      ),
    );

  it('a run-time import that closes a loop is refused; a type-only one is not', async () => {
    expect(errorsUser, 'some file imports errors.ts at run time').toBeDefined();
    const back = specifier('src/errors.ts', errorsUser!);
    expect(await ruleHits('src/errors.ts', `import '${back}';\n`, 'import-x/no-cycle')).toEqual([1]);
    expect(await ruleHits('src/errors.ts', `import type {} from '${back}';\n`, 'import-x/no-cycle')).toEqual([]);
  });
});
