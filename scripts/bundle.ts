// The command line as one file: dist/cli.js and everything it imports (node_modules
// included), bundled by esbuild into dist/cli.bundle.js, which bin/tributary.js runs
// when it is there (bin/entry.js distEntry). Loading ~2,000 module files — resolving each,
// reading it, linking ESM, a dozen copies of @graphql-tools/utils that Mesh's and
// graphql-tools' packages pin — was 0.9 s of a 2.1 s cached start on one core; the
// bundle loads in about a third of that, and leaves out the exports nothing uses.
//
// What stays as it was:
//   - every module is where it was for whatever it computes from its own location:
//     `import.meta.url` in each bundled file is that file's URL, `__dirname` and
//     `__filename` in a CommonJS one are its own, and `require` resolves from the bundle
//     (dist/, as from any file under it);
//   - threads and processes start from their own entries: the loader thread from its
//     own bundle, dist/openapi/loader-worker.bundle.js (Mesh's loader: 0.3 -> 0.15 s to
//     load), cluster workers from bin/tributary.js;
//   - `graphql` is not bundled: user modules (additionalResolvers, custom transforms) and
//     Mesh's CommonJS packages must see the same graphql-js as the gateway, or a schema
//     built by one is "from another module or realm" to the other;
//   - GraphiQL's assets (`@graphql-yoga/render-graphiql`, ~80 MB once loaded) are loaded
//     from node_modules on the first GraphiQL page, as before; ioredis through require(),
//     only when a Redis store is configured.
import { readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Plugin } from 'esbuild';

export const BUNDLE_FILE = 'cli.bundle.js';
/** The loader thread's entry, bundled the same way (src/openapi/loader-thread.ts runs it when it is there). */
export const LOADER_BUNDLE_FILE = 'openapi/loader-worker.bundle.js';

/**
 * How Tributary's own modules require CommonJS packages (the loader thread loads Mesh's
 * CommonJS builds: loader-worker.ts says why). esbuild follows require() calls, but not
 * calls of a function createRequire() returned; in the bundle the line goes, and the
 * calls are to `require` itself, which esbuild bundles, resolved from the same file.
 */
const OWN_REQUIRE = /^const require = createRequire\(import\.meta\.url\);$/m;

const EXTERNAL = ['graphql', '@graphql-yoga/render-graphiql', 'ioredis'];

/** Each bundled file keeps its own location (see the header). */
function ownLocations(dist: string): Plugin {
  return {
    name: 'own-locations',
    setup(build) {
      build.onLoad({ filter: /\.(c|m)?js$/ }, async (args) => {
        let text = await readFile(args.path, 'utf8');
        let changed = false;
        if (args.path.startsWith(dist) && OWN_REQUIRE.test(text)) {
          text = text.replace(OWN_REQUIRE, '');
          changed = true;
        }
        if (text.includes('import.meta.url')) {
          text = text.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href));
          changed = true;
        }
        // CommonJS bodies are wrapped in a function by esbuild: these are its locals.
        if (!args.path.startsWith(dist) && /\b__(dirname|filename)\b/.test(text)) {
          text = `var __dirname = ${JSON.stringify(path.dirname(args.path))}, __filename = ${JSON.stringify(args.path)};\n${text}`;
          changed = true;
        }
        return changed ? { contents: text, loader: 'js' } : undefined;
      });
    },
  };
}

/**
 * Writes dist/cli.bundle.js and dist/openapi/loader-worker.bundle.js; false when esbuild
 * is not installed (dist/cli.js and dist/openapi/loader-worker.js then run).
 */
export async function bundleCli(dist: string): Promise<boolean> {
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch {
    return false;
  }
  await Promise.all([
    bundle(esbuild, dist, path.join(dist, 'cli.js'), path.join(dist, BUNDLE_FILE)),
    bundle(esbuild, dist, path.join(dist, 'openapi', 'loader-worker.js'), path.join(dist, LOADER_BUNDLE_FILE)),
  ]);
  return true;
}

async function bundle(esbuild: typeof import('esbuild'), dist: string, entry: string, outfile: string): Promise<void> {
  await esbuild.build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: `node${process.versions.node.split('.')[0]}`,
    external: EXTERNAL,
    // A bundled CommonJS module's require() of something not bundled (a Node built-in,
    // an optional dependency) needs a require function in an ES module.
    banner: { js: "import { createRequire as __tributaryCreateRequire } from 'node:module'; const require = __tributaryCreateRequire(import.meta.url);" },
    plugins: [ownLocations(dist)],
    // Whitespace and syntax only: a third less text for V8 to parse at every start
    // (9 -> 6 MB, ~0.08 s on one core); names are kept, so stack traces still say which
    // function, and with --enable-source-maps which line of src/ (through tsc's maps).
    minifyWhitespace: true,
    minifySyntax: true,
    sourcemap: 'linked',
    sourcesContent: false,
    legalComments: 'none',
    logLevel: 'warning',
  });
  writeFileSync(outfile, asciiOnly(readFileSync(outfile, 'utf8')));
}

/**
 * The bundle with every non-ASCII character written as its `\u` escape. esbuild escapes
 * them in strings but leaves them in regular expression literals (a degree sign, curly
 * quotes: 2 in the command line's bundle, 9 in the loader thread's), and one such character makes V8 hold the whole 6 MB
 * source as a two-byte string: 11.7 MB of heap for as long as the process runs. The
 * escape means the same in a regular expression and a string; the source map's columns
 * after it on its line move by five.
 */
export function asciiOnly(code: string): string {
  return code.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
