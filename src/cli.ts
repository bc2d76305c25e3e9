// `tributary` command line: arguments only. Each command's work lives in src/commands.
import { Command, InvalidArgumentError } from 'commander';
import { DEFAULT_CONFIG_FILE } from './config/file-name.ts';
import { isTributaryError } from './errors.ts';

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`expected a port from 0 to 65535, found "${value}"`);
  return n;
}

function count(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`expected a whole number >= 0, found "${value}"`);
  return n;
}

const program = new Command('tributary')
  .description('A GraphQL gateway over REST services described by OpenAPI documents.')
  .showHelpAfterError();

program
  .command('start')
  .description('Serve the gateway for a config file.')
  .option('-c, --config <file>', 'config file (GraphQL Mesh .meshrc.yaml with an optional tributary: key)', DEFAULT_CONFIG_FILE)
  .option('-p, --port <n>', 'port to listen on (default: tributary.server.port, 4000)', port)
  .option('-H, --host <host>', 'interface to listen on (default: tributary.server.host, 0.0.0.0)')
  .option('-w, --watch', 'rebuild and swap the schema when the config or a source document changes')
  .option('--workers <n>', 'node:cluster worker processes; 0 = one per core (default: tributary.server.workers)', count)
  .action(async (opts) => (await import('./commands/start.ts')).start(opts));

program
  .command('dev')
  .description('Like start --watch: serve and live-reload on every change.')
  .option('-c, --config <file>', 'config file', DEFAULT_CONFIG_FILE)
  .option('-p, --port <n>', 'port to listen on', port)
  .option('-H, --host <host>', 'interface to listen on')
  .action(async (opts) => (await import('./commands/start.ts')).start({ ...opts, watch: true, workers: 1 }));

program
  .command('demo')
  .description('Start the three demo REST services and the gateway in front of them.')
  .option('-p, --port <n>', 'gateway port', port, 4000)
  .option('-H, --host <host>', 'gateway interface', '127.0.0.1')
  .action(async (opts) => (await import('./commands/demo.ts')).demo(opts));

program
  .command('check')
  .description('Validate the config and every source; print sources and root-field counts. Exits 1 on any error.')
  .option('-c, --config <file>', 'config file', DEFAULT_CONFIG_FILE)
  .action(async (opts) => (await import('./commands/check.ts')).check(opts));

program
  .command('schema')
  .description('Print the unified GraphQL schema (SDL).')
  .option('-c, --config <file>', 'config file', DEFAULT_CONFIG_FILE)
  .action(async (opts) => (await import('./commands/schema.ts')).printUnifiedSchema(opts));

function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`expected a number of seconds > 0, found "${value}"`);
  return n;
}

const sources = program.command('sources').description('Add an OpenAPI source to the config, or check a spec on its own.');

sources
  .command('add')
  .description('Load and check a spec, then add it as a source to the config (comments and key order are kept); prints its root fields.')
  .argument('<name>', 'source name (letters, digits, _)')
  .argument('<spec>', 'OpenAPI/Swagger file, folder of files with relative $refs, or URL')
  .option('-c, --config <file>', 'config file', DEFAULT_CONFIG_FILE)
  .option('-e, --endpoint <url>', "base URL of the service (default: the spec's first server)")
  .option('--prefix <prefix>', 'prefix for its type and root field names (a Mesh prefix transform), to avoid clashes')
  .action(async (name, spec, opts) => (await import('./commands/sources.ts')).sourcesAdd(name, spec, opts));

sources
  .command('check')
  .description('Load one spec on its own: schema produced?, field and type counts, warnings with JSON pointers, time, peak memory. Exits 0 when a schema was produced.')
  .argument('<spec>', 'OpenAPI/Swagger file, folder of files with relative $refs, or URL')
  .option('--json', 'print exactly one JSON object on stdout (logs go to stderr)')
  .option('-e, --endpoint <url>', "base URL of the service (default: the spec's first server)")
  .option('--timeout <seconds>', 'time limit of one loader run (default: 60 s + 10 s per MB)', seconds)
  .option('--plain', "GraphQL Mesh's loader alone: no repairs, no skipping of failing operations (to compare)")
  .action(async (spec, opts) => (await import('./commands/sources.ts')).sourcesCheck(spec, opts));

try {
  await program.parseAsync(process.argv);
} catch (error) {
  // Coded errors were written for the operator: print them plainly, without a stack.
  console.error(isTributaryError(error) ? `error ${error.code}: ${error.message}` : error);
  process.exit(1);
}
