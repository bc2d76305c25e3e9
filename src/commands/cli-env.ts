// The options `start` and `dev` share with the environment, so that a deployment sets
// them the way its platform sets everything else (PaaS and container platforms hand a
// process PORT; manifests set env more readily than they rewrite a command). Precedence
// is flag > environment > config file > default: commander applies the first two, and
// the options have no commander default, so that an unset one leaves the decision to
// `tributary.server` in the config (commands/start.ts).
//
// Only commander is imported here: this runs in the main thread, which does nothing but
// parse arguments (commands/start.ts says why).
import { InvalidArgumentError, Option, type Command } from 'commander';
import { findConfigFile } from '../config/file-name.ts';

// The variable names. `PORT` and `HOST` are the generic names platforms set; the port is
// not `TRIBUTARY_PORT` also because Kubernetes injects `<SERVICE>_PORT=tcp://…` into
// every pod of the namespace, and a Service named "tributary" would set it.
export const ENV = {
  config: 'TRIBUTARY_CONFIG',
  port: 'PORT',
  host: 'HOST',
  workers: 'TRIBUTARY_WORKERS',
  watch: 'TRIBUTARY_WATCH',
  strict: 'TRIBUTARY_STRICT',
} as const;

// Parsers. Commander quotes the value and names the flag or the variable before the
// message ("option '-p, --port <n>' value 'abc' from env 'PORT' is invalid."), so the
// message says only what was expected.

export function parsePort(value: string): number {
  // Number('') and Number(' ') are 0, which would mean "any free port": a `PORT=` left
  // empty in a manifest is refused rather than read as that.
  if (!/^\d+$/.test(value) || Number(value) > 65_535) throw new InvalidArgumentError('expected a port from 0 to 65535.');
  return Number(value);
}

function count(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a whole number >= 0.');
  return Number(value);
}

function host(value: string): string {
  if (value.trim() === '') throw new InvalidArgumentError('expected an interface name or address, e.g. 0.0.0.0 or 127.0.0.1.');
  return value;
}

function configFile(value: string): string {
  if (value.trim() === '') throw new InvalidArgumentError('expected a config file path.');
  return value;
}

export const configOption = (): Option =>
  new Option(
    '-c, --config <file>',
    'config file: a GraphQL Mesh config with an optional tributary: key (default: the first of .meshrc, .meshrc.json, .meshrc.yaml, .meshrc.yml in the working directory, as Mesh searches; else .meshrc.yaml)',
  )
    .env(ENV.config)
    .argParser(configFile);

/**
 * A preAction hook: a command with --config that was given none gets the file Mesh's
 * CLI would have found (src/config/file-name.ts). Decided when the command runs, not
 * when the options are declared, so `--help` reads nothing from the disk.
 */
export function discoverConfigFile(_hooked: Command, command: Command): void {
  if (!command.options.some((o) => o.attributeName() === 'config')) return;
  if (command.getOptionValue('config') !== undefined) return;
  command.setOptionValueWithSource('config', findConfigFile(), 'default');
}
export const portOption = (): Option =>
  new Option('-p, --port <n>', 'port to listen on (default: tributary.server.port, 4000)').env(ENV.port).argParser(parsePort);
export const hostOption = (): Option =>
  new Option('-H, --host <host>', 'interface to listen on (default: tributary.server.host, 0.0.0.0)').env(ENV.host).argParser(host);
export const workersOption = (): Option =>
  new Option('--workers <n>', 'node:cluster worker processes; 0 = one per core (default: tributary.server.workers, 1)').env(ENV.workers).argParser(count);
export const watchOption = (): Option => new Option('-w, --watch', 'rebuild and swap the schema when the config or a source document changes').env(ENV.watch);
export const strictOption = (): Option =>
  new Option('--strict', 'refuse to start when any source fails to load (default: serve the others and name the failed ones)').env(ENV.strict);

const TRUE = ['1', 'true', 'yes', 'on'];
const FALSE = ['0', 'false', 'no', 'off', ''];

/**
 * Commander turns a boolean option on when its variable is set at all, so that
 * TRIBUTARY_STRICT=0 would mean strict. Installed as a preAction hook: the variable's
 * value decides, and one that is neither yes nor no is a usage error like a bad PORT.
 */
export function readBooleanEnv(command: Command): void {
  for (const option of command.options) {
    if (!option.envVar || !option.isBoolean()) continue;
    const name = option.attributeName();
    if (command.getOptionValueSource(name) !== 'env') continue;
    const value = (process.env[option.envVar] ?? '').trim().toLowerCase();
    if (TRUE.includes(value)) command.setOptionValueWithSource(name, true, 'env');
    else if (FALSE.includes(value)) command.setOptionValueWithSource(name, undefined, 'env');
    else
      command.error(
        `error: option '${option.flags}' value '${process.env[option.envVar]}' from env '${option.envVar}' is invalid. expected 1, true, yes or on, or 0, false, no or off.`,
        { code: 'commander.invalidArgument', exitCode: 2 },
      );
  }
}
