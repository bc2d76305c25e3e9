// `tributary` command line: arguments only. Each command's work lives in src/commands.
//
// Exit codes: 0 done; 1 the command failed (config, sources, port, --strict); 2 usage:
// an unknown command or option, or a bad value in a flag or its environment variable,
// found before any work starts.
import { readFileSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { isTributaryError } from './errors.ts';
import {
  configOption,
  discoverConfigFile,
  hostOption,
  parsePort,
  portOption,
  readBooleanEnv,
  strictOption,
  watchOption,
  workersOption,
} from './commands/cli-env.ts';

/** package.json is one folder up from both src/cli.ts (tsx) and dist/cli.js. */
function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`expected a number of seconds > 0, found "${value}"`);
  return n;
}

const program = new Command('tributary')
  .description('A GraphQL gateway over REST services described by OpenAPI documents.')
  .version(packageVersion(), '-V, --version', 'print the version')
  // Before any .command(): subcommands copy these settings when they are created.
  .exitOverride()
  .showSuggestionAfterError()
  // Runs before every subcommand's action (commander calls the ancestors' hooks too).
  .hook('preAction', discoverConfigFile);

program
  .command('start')
  .description('Serve the gateway for a config file. Flags override their environment variables, which override tributary.server in the config.')
  .addOption(configOption())
  .addOption(portOption())
  .addOption(hostOption())
  .addOption(watchOption())
  .addOption(workersOption())
  .addOption(strictOption())
  .hook('preAction', readBooleanEnv)
  .action(async (opts) => (await import('./commands/start.ts')).start(opts));

program
  .command('dev')
  .description('Like start --watch: serve and live-reload on every change.')
  .addOption(configOption())
  .addOption(portOption())
  .addOption(hostOption())
  .addOption(strictOption())
  .hook('preAction', readBooleanEnv)
  .action(async (opts) => (await import('./commands/start.ts')).start({ ...opts, watch: true, workers: 1 }));

program
  .command('demo')
  .description('Start the three demo REST services and the gateway in front of them.')
  .option('-p, --port <n>', 'gateway port', parsePort, 4000)
  .option('-H, --host <host>', 'gateway interface', '127.0.0.1')
  .action(async (opts) => (await import('./commands/demo.ts')).demo(opts));

program
  .command('check')
  .description('Validate the config and every source as start would, without serving; print sources and root-field counts. Exits 1 on any error.')
  .addOption(configOption())
  .option('--json', 'print exactly one JSON object on stdout (progress goes to stderr)')
  .option('--verbose', 'show the build log (JSON lines on stderr) and full error messages')
  .action(async (opts) => (await import('./commands/check.ts')).check(opts));

program
  .command('schema')
  .description('Print the unified GraphQL schema (SDL).')
  .addOption(configOption())
  .action(async (opts) => (await import('./commands/schema.ts')).printUnifiedSchema(opts));

const sources = program.command('sources').description("List, add or remove the config's OpenAPI sources, or check a spec on its own.");

sources
  .command('list')
  .description('Print each source of the config: name, document, endpoint (one per line).')
  .addOption(configOption())
  .option('--json', 'print exactly one JSON object on stdout')
  .action(async (opts) => (await import('./commands/sources-list.ts')).sourcesList(opts));

sources
  .command('add')
  .description('Load and check a spec, then add it as a source to the config (comments and key order are kept); prints a summary.')
  .argument('<name>', 'source name (letters, digits, _)')
  .argument('<spec>', 'OpenAPI/Swagger file, folder of files with relative $refs, or URL')
  .addOption(configOption())
  .option('-e, --endpoint <url>', "base URL of the service (default: the spec's first server)")
  .option('--prefix <prefix>', 'prefix for its type and root field names (a Mesh prefix transform), to avoid clashes')
  .option('--verbose', 'list every root field and every warning')
  .action(async (name, spec, opts) => (await import('./commands/sources.ts')).sourcesAdd(name, spec, opts));

sources
  .command('remove')
  .description('Remove a source from the config (and its tributary.sources settings); comments, key order and quoting of the rest are kept.')
  .argument('<name>', 'source name')
  .addOption(configOption())
  .option('--no-check', 'write without building the remaining sources first')
  .action(async (name, opts) => (await import('./commands/sources.ts')).sourcesRemove(name, opts));

sources
  .command('check')
  .description(
    'Load one spec on its own: schema produced?, field and type counts, warnings with JSON pointers, time, peak memory. Exits 0 when a schema was produced.',
  )
  .argument('<spec>', 'OpenAPI/Swagger file, folder of files with relative $refs, or URL')
  .option('--json', 'print exactly one JSON object on stdout (logs go to stderr)')
  .option('-e, --endpoint <url>', "base URL of the service (default: the spec's first server)")
  .option('--timeout <seconds>', 'time limit of one loader run (default: 60 s + 10 s per MB)', seconds)
  .option('--plain', "GraphQL Mesh's loader alone: no repairs, no skipping of failing operations (to compare)")
  .action(async (spec, opts) => (await import('./commands/sources.ts')).sourcesCheck(spec, opts));

try {
  await program.parseAsync(process.argv);
} catch (error) {
  // Commander has printed its message already (help and --version end here with 0).
  if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : 2);
  // Coded errors were written for the operator: print them plainly, without a stack.
  console.error(isTributaryError(error) ? `error ${error.code}: ${error.message}` : error);
  process.exit(1);
}
