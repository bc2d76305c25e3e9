// Lint for Tributary: typescript-eslint's recommended rules, and the layer order of
// DESIGN.md ("Target layout") as an allowlist per folder, plus no import cycles in src/.
// `npm run lint` runs this and `prettier --check`; formatting rules are prettier's alone.
//
// Rule sets, measured on this tree (about 215 files, 2 cores):
// - typescript-eslint `recommended` (syntax only): about 6 s.
// - not `recommendedTypeChecked`: it needs the whole TypeScript program (about 27 s, four
//   times longer) and most of what it adds is no-unsafe-* on JSON and Mesh's untyped
//   objects; `npm run typecheck` already runs the compiler.
// - not `strict`/`stylistic`: they add no-non-null-assertion (the code uses `!` on
//   purpose after lookups it has checked or built) and array-type (T[] and Array<T> are
//   both used, by readability).
import js from '@eslint/js';
import prettierOff from 'eslint-config-prettier';
import { defineConfig } from 'eslint/config';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// --- The layer order ---------------------------------------------------------------
// Paths are relative to src/. A folder (no extension) covers everything under it; a
// file is that file alone. Imports inside one's own folder are always allowed.

// module-runtime.ts says how Tributary's own modules load (src/ through tsx, or dist/):
// a fact about the process every layer that starts a thread needs, so it is base.
const BASE = ['errors.ts', 'context.ts', 'module-runtime.ts', 'config', 'observability'];
// The leaves import only the base, each one, plus the few edges DESIGN.md grants.
const LEAVES = ['openapi', 'schema', 'links', 'upstream', 'passthrough', 'policies', 'http', 'runtime', 'subscriptions'];
const LEAF_EXTRA = { schema: ['openapi', 'links', 'upstream'], links: ['upstream'], passthrough: ['upstream'] };
// The top: what the process entry points (cli.ts and what it runs) may reach below them.
const TOP = ['gateway.ts', ...BASE, 'runtime', 'openapi', 'demo'];

/** [layer, what it may import from src/ besides itself, why] — one row per layer. */
export const LAYERS = [
  ['errors.ts', [], 'errors.ts is the bottom of the base: it imports nothing from src/.'],
  ['context.ts', ['errors.ts'], 'context.ts is base: it imports only errors.ts.'],
  ['module-runtime.ts', [], 'module-runtime.ts is base: it imports nothing from src/.'],
  ['config', ['errors.ts', 'module-runtime.ts'], 'config/ is base: it imports only errors.ts and module-runtime.ts.'],
  ['observability', ['errors.ts', 'config', 'context.ts'], 'observability/ is base: it imports only errors.ts, context.ts and config/.'],
  ...LEAVES.map((leaf) => {
    const extra = LEAF_EXTRA[leaf] ?? [];
    const also = extra.length ? ` and ${extra.map((e) => `${e}/`).join(', ')}` : '';
    return [
      leaf,
      [...BASE, ...extra],
      `${leaf}/ is a leaf: it imports only the base (errors.ts, context.ts, module-runtime.ts, config/, observability/)${also}.`,
    ];
  }),
  ['gateway.ts', [...BASE, ...LEAVES], 'gateway.ts, the composition root, imports the base and the leaves only.'],
  ['reload', TOP, 'reload/ imports only gateway.ts, the base, runtime/, openapi/ and demo/.'],
  // `start --watch` starts the live reload: reload/ sits below the commands that use it.
  ['commands', [...TOP, 'reload'], 'commands/ imports only gateway.ts, reload/, the base, runtime/, openapi/ and demo/ (and other commands).'],
  ['demo', TOP, 'demo/ imports only gateway.ts, the base, runtime/ and openapi/.'],
  ['cli.ts', [...TOP, 'commands', 'reload'], 'cli.ts imports commands/, reload/, demo/, gateway.ts, the base, runtime/ and openapi/.'],
];

const srcDir = `${import.meta.dirname}/src`;
const boundaryZones = [
  // Each layer: any file of src/ is off limits except the layer itself and its allowlist.
  ...LAYERS.map(([layer, allowed, message]) => ({
    target: `${srcDir}/${layer}`,
    from: srcDir,
    except: [...new Set([layer, ...allowed])].map((p) => `./${p}`),
    message: `Layer rule (eslint.config.js LAYERS): ${message}`,
  })),
  // src/ never reaches into the tests, benchmarks or build scripts.
  {
    target: srcDir,
    from: ['test', 'bench', 'scripts'].map((d) => `${import.meta.dirname}/${d}`),
    message: 'Layer rule: src/ does not import test/, bench/ or scripts/.',
  },
];

export default defineConfig(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.tributary/**', 'bin/**', 'deploy/**', 'docs/**', 'sources/**'] },
  {
    files: ['src/**/*.ts', 'test/**/*.ts', 'bench/**/*.{ts,js}', 'scripts/**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    languageOptions: { globals: { ...globals.node } },
    plugins: { 'import-x': importX },
    settings: {
      // Imports name their files with the .ts extension (allowImportingTsExtensions), so
      // the plain Node resolver finds every one of them; no TypeScript resolver needed.
      'import-x/resolver-next': [createNodeResolver()],
      'import-x/extensions': ['.ts', '.js', '.mjs', '.cjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
    },
  },
  {
    files: ['src/**/*.ts', 'test/**/*.ts', 'bench/**/*.{ts,js}', 'scripts/**/*.ts'],
    rules: {
      // `const { dropped: _dropped, ...rest } = x` is how the code removes keys; the
      // leading underscore says "unused on purpose" for arguments and variables alike.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true, argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.{ts,js}'],
    rules: {
      // Tests and benchmarks read JSON answers and spec documents of any shape and assert
      // on them; typing each one would only restate the assertion.
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      'import-x/no-restricted-paths': ['error', { zones: boundaryZones }],
      // Cycles among runtime imports; `import type` is erased and cannot cycle at load time.
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
  prettierOff,
);
