// The command line's promises to whoever deploys it (README "The tributary command"),
// one table row each: the real CLI as a child process (dist/, built by `npm run build`),
// real loopback backends, configs in temp folders. What is asserted is what a deployment
// script sees: the exit code, the exact first line of stderr (progress lines aside), and
// what was written or served.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { AGENTS_SPEC, SOURCES, startWorld, writeConfig, type World } from '../core/fixtures.ts';
import { freePort } from '../helpers/free-port.ts';

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = path.join(ROOT, 'bin', 'tributary.js');
const VERSION = (JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** A source whose document does not exist: it fails to load, the others load. */
const BROKEN = `  - name: Broken
    handler:
      openapi:
        source: ../specs/missing.yaml
        endpoint: http://127.0.0.1:9
`;

// Nothing from the test runner's environment that the CLI reads: each row sets its own.
const BASE_ENV: NodeJS.ProcessEnv = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !['PORT', 'HOST', 'NODE_ENV'].includes(k) && !k.startsWith('TRIBUTARY_')),
);
const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({ ...BASE_ENV, NODE_ENV: 'development', TRIBUTARY_CACHE_DIR: 'off', ...extra });

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The first stderr line that is not a progress line ("[tributary] read …") nor bin/'s notice that dist/ is stale. */
  firstError: string | undefined;
  /** Some schema build started (a progress line was printed). */
  built: boolean;
}

function summarise(code: number | null, stdout: string, stderr: string): Run {
  const lines = stderr.split('\n').filter((l) => l && !l.startsWith('tributary: src/ changed since the last build'));
  return { code, stdout, stderr, firstError: lines.find((l) => !l.startsWith('[tributary] ')), built: lines.some((l) => l.startsWith('[tributary] ')) };
}

/** Runs a command that ends by itself. */
function cli(args: string[], options: { env?: Record<string, string>; cwd?: string } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd ?? tmpdir(), env: env(options.env) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve(summarise(code, stdout, stderr)));
  });
}

/**
 * Starts `tributary start`, waits for its banner (or its exit), then stops it with
 * SIGTERM; resolves with the banner line and the run.
 */
function serve(args: string[], options: { env?: Record<string, string>; cwd?: string } = {}): Promise<Run & { banner?: string; warning?: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'start', ...args], { cwd: options.cwd ?? tmpdir(), env: env(options.env) });
    let stdout = '';
    let stderr = '';
    let banner: string | undefined;
    child.stdout.on('data', (d) => {
      stdout += d;
      // Plain text, or in production a JSON log line whose message is the banner.
      const line = stdout
        .split('\n')
        .map((l) => (l.startsWith('{') ? ((JSON.parse(l) as { msg?: string }).msg ?? '') : l))
        .find((l) => l.startsWith('Tributary is serving'));
      if (line && !banner) {
        banner = line;
        child.kill('SIGTERM');
      }
    });
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const run = summarise(code, stdout, stderr);
      resolve({ ...run, banner, warning: stderr.split('\n').find((l) => l.startsWith('Tributary: ')) });
    });
  });
}

function holdPort(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

let world: World;
let good: string;
let withBroken: string;
let onlyBroken: string;
let taken: number;
let holder: Server;
beforeAll(async () => {
  world = await startWorld();
  good = await writeConfig(world, SOURCES);
  withBroken = await writeConfig(world, `${SOURCES}${BROKEN}`);
  onlyBroken = await writeConfig(world, `sources:\n${BROKEN}`);
  taken = await freePort();
  holder = await holdPort(taken);
});
afterAll(async () => {
  holder.close();
  await world.close();
});

describe('start refuses before any build', () => {
  const portMessage = (n: number | string, where = 'PORT') =>
    `error: option '-p, --port <n>' value '${n}' from env '${where}' is invalid. expected a port from 0 to 65535.`;
  const rows: Array<{ promise: string; args?: (config: string) => string[]; env?: () => Record<string, string>; code: number; first: () => string }> = [
    { promise: 'PORT that is not a number is a usage error naming the variable', env: () => ({ PORT: 'abc' }), code: 2, first: () => portMessage('abc') },
    { promise: 'PORT above 65535 likewise', env: () => ({ PORT: '70000' }), code: 2, first: () => portMessage('70000') },
    { promise: 'an empty PORT is not "any port"', env: () => ({ PORT: '' }), code: 2, first: () => portMessage('') },
    {
      promise: '--port is checked the same way',
      args: (c) => ['--config', c, '--port', '-1'],
      code: 2,
      first: () => "error: option '-p, --port <n>' argument '-1' is invalid. expected a port from 0 to 65535.",
    },
    {
      promise: 'TRIBUTARY_WORKERS must be a whole number',
      env: () => ({ TRIBUTARY_WORKERS: 'two' }),
      code: 2,
      first: () => "error: option '--workers <n>' value 'two' from env 'TRIBUTARY_WORKERS' is invalid. expected a whole number >= 0.",
    },
    {
      promise: 'a boolean variable is yes or no, not just set',
      env: () => ({ TRIBUTARY_STRICT: 'maybe' }),
      code: 2,
      first: () => "error: option '--strict' value 'maybe' from env 'TRIBUTARY_STRICT' is invalid. expected 1, true, yes or on, or 0, false, no or off.",
    },
    {
      promise: 'a port in use is one line, exit 1',
      env: () => ({ PORT: String(taken), HOST: '127.0.0.1' }),
      code: 1,
      first: () => `error LISTEN_FAILED: port ${taken} on 127.0.0.1 is already in use; set PORT or --port`,
    },
    {
      promise: '--port beats PORT',
      args: (c) => ['--config', c, '--port', String(taken), '--host', '127.0.0.1'],
      env: () => ({ PORT: '0' }),
      code: 1,
      first: () => `error LISTEN_FAILED: port ${taken} on 127.0.0.1 is already in use; set PORT or --port`,
    },
    {
      promise: 'an address this machine does not have',
      env: () => ({ PORT: '0', HOST: '192.0.2.1' }),
      code: 1,
      first: () => 'error LISTEN_FAILED: 192.0.2.1 is not an address of this machine; set HOST or --host',
    },
    {
      promise: 'TRIBUTARY_CONFIG names the config',
      args: () => [],
      env: () => ({ TRIBUTARY_CONFIG: '/nonexistent/gateway.yaml' }),
      code: 1,
      first: () => 'error CONFIG_NOT_FOUND: /nonexistent/gateway.yaml: cannot read config file (ENOENT).',
    },
  ];
  it.each(rows)('$promise', async (row) => {
    const run = await cli(['start', ...(row.args?.(good) ?? ['--config', good])], { env: row.env?.() });
    expect({ code: run.code, first: run.firstError }).toEqual({ code: row.code, first: row.first() });
    expect(run.stderr).not.toMatch(/^\s+at /m);
    expect(run.built).toBe(false);
  });
});

describe('start --strict', () => {
  const first = 'error SOURCE_LOAD_FAILED: 1 of 3 sources failed to load (Broken), and --strict refuses to start without them:';
  const rows: Array<{ promise: string; args: string[]; env: Record<string, string> }> = [
    { promise: '--strict fails, naming the source and why', args: ['--strict'], env: {} },
    { promise: 'TRIBUTARY_STRICT=1 does the same', args: [], env: { TRIBUTARY_STRICT: '1' } },
  ];
  it.each(rows)('$promise', async (row) => {
    const run = await cli(['start', '--config', withBroken, '--host', '127.0.0.1', '--port', '0', ...row.args], { env: row.env });
    const lines = run.stderr.split('\n');
    expect({ code: run.code, first: run.firstError }).toEqual({ code: 1, first });
    expect(lines[lines.indexOf(first) + 1]).toMatch(
      /^ {2}- Broken: could not load OpenAPI document \.\.\/specs\/missing\.yaml: cannot read OpenAPI document .*missing\.yaml \(ENOENT\)/,
    );
    expect(run.stdout).not.toContain('Tributary is serving');
  });
});

describe('start serves where flag > env > config > default say, and its banner tells the truth', () => {
  let ports: { flag: number; env: number; config: number };
  let withPort: string;
  beforeAll(async () => {
    ports = { flag: await freePort(), env: await freePort(), config: await freePort() };
    withPort = await writeConfig(world, `${SOURCES}tributary:\n  server: { host: 127.0.0.1, port: ${ports.config} }\n`);
  });
  const graphiql = (policy: string) => writeConfig(world, `${SOURCES}tributary:\n  server: { host: 127.0.0.1 }\n  policies: { graphiql: ${policy} }\n`);
  const rows: Array<{
    promise: string;
    config: () => string | Promise<string>;
    args?: () => string[];
    env?: () => Record<string, string>;
    banner: () => string;
    warning?: string;
  }> = [
    {
      promise: 'the config decides when nothing else does',
      config: () => withPort,
      banner: () => `Tributary is serving http://localhost:${ports.config}/graphql (GraphiQL in a browser)`,
    },
    {
      promise: 'PORT beats the config',
      config: () => withPort,
      env: () => ({ PORT: String(ports.env) }),
      banner: () => `Tributary is serving http://localhost:${ports.env}/graphql (GraphiQL in a browser)`,
    },
    {
      promise: '--port beats PORT',
      config: () => withPort,
      args: () => ['--port', String(ports.flag)],
      env: () => ({ PORT: String(ports.env) }),
      banner: () => `Tributary is serving http://localhost:${ports.flag}/graphql (GraphiQL in a browser)`,
    },
    {
      promise: 'TRIBUTARY_CONFIG and HOST are read',
      config: () => '',
      env: () => ({ TRIBUTARY_CONFIG: withPort, HOST: '127.0.0.1', PORT: '0' }),
      banner: () => expect.stringMatching(/^Tributary is serving http:\/\/localhost:\d+\/graphql \(GraphiQL in a browser\)$/) as never,
    },
    {
      promise: 'no GraphiQL claim in production',
      config: () => withPort,
      env: () => ({ NODE_ENV: 'production' }),
      banner: () => `Tributary is serving http://localhost:${ports.config}/graphql`,
    },
    {
      promise: 'policies.graphiql: true in production turns it on',
      config: () => graphiql('true'),
      env: () => ({ NODE_ENV: 'production', PORT: String(ports.env) }),
      banner: () => `Tributary is serving http://localhost:${ports.env}/graphql (GraphiQL in a browser)`,
    },
    {
      promise: 'policies.graphiql: false turns it off',
      config: () => graphiql('false'),
      env: () => ({ PORT: String(ports.env) }),
      banner: () => `Tributary is serving http://localhost:${ports.env}/graphql`,
    },
    {
      promise: 'TRIBUTARY_STRICT=0 serves the others and names the failed one',
      config: () => withBroken,
      env: () => ({ TRIBUTARY_STRICT: '0', PORT: String(ports.env), HOST: '127.0.0.1' }),
      banner: () => `Tributary is serving http://localhost:${ports.env}/graphql (GraphiQL in a browser)`,
      warning: 'Tributary: 1 of 3 sources failed to load and are not served: Broken (the log says why; --strict refuses to start instead)',
    },
  ];
  it.each(rows)('$promise', async (row) => {
    const config = await row.config();
    const run = await serve([...(config ? ['--config', config] : []), ...(row.args?.() ?? [])], { env: row.env?.() });
    expect(run.banner, run.stderr).toEqual(row.banner());
    expect(run.warning).toBe(row.warning);
    expect(run.code).toBe(0);
    // In production stdout carries only JSON lines (issue 12: human text goes to stderr or into the log).
    if (row.env?.().NODE_ENV === 'production') for (const line of run.stdout.split('\n').filter(Boolean)) expect(() => JSON.parse(line), line).not.toThrow();
  });
});

describe('check', () => {
  const rows: Array<{
    promise: string;
    config: () => Promise<string> | string;
    code: number;
    first?: (file: string) => string;
    stdout?: RegExp;
    notStdout?: RegExp;
  }> = [
    {
      promise: 'a good config: rows on stdout, nothing but progress on stderr',
      config: () => good,
      code: 0,
      stdout: /^ {2}ok {4}Tickets\s+2 query,\s+0 mutation fields/m,
    },
    {
      promise: 'a bad config: one coded line naming file, line and key',
      config: () => writeConfig(world, `${SOURCES}tributary:\n  server: { port: "x" }\n`),
      code: 1,
      first: (file) => `error CONFIG_INVALID: ${file}:14: tributary.server.port: expected number, found string "x"`,
    },
    {
      promise: 'a source that fails: its row says why, stderr names it',
      config: () => withBroken,
      code: 1,
      first: () => 'error SOURCE_LOAD_FAILED: 1 of 3 sources failed to load: Broken',
      stdout: /^ {2}FAIL {2}Broken\s+could not load OpenAPI document \.\.\/specs\/missing\.yaml/m,
    },
    {
      promise: 'no source loads: each row, one line',
      config: () => onlyBroken,
      code: 1,
      first: () => 'error SCHEMA_BUILD_FAILED: no source could be loaded: Broken',
      stdout: /^ {2}FAIL {2}Broken\s+could not load/m,
    },
    {
      promise: 'a spec that is not YAML: the first line of the reason only',
      config: () =>
        writeConfig(world, 'sources:\n  - name: Garbled\n    handler: { openapi: { source: ../specs/garbled.yaml, endpoint: "http://127.0.0.1:9" } }\n', {
          'specs/garbled.yaml': 'openapi: [3.0\n',
        }),
      code: 1,
      first: () => 'error SCHEMA_BUILD_FAILED: no source could be loaded: Garbled',
      stdout: /^ {2}FAIL {2}Garbled\s+could not load OpenAPI document \.\.\/specs\/garbled\.yaml: cannot read OpenAPI document \S+garbled\.yaml: /m,
      // The YAML code frame is for --verbose.
      notStdout: /^\s*\d+ \|/m,
    },
  ];
  it.each(rows)('$promise', async (row) => {
    const file = await row.config();
    const run = await cli(['check', '--config', file]);
    expect({ code: run.code, first: run.firstError }).toEqual({ code: row.code, first: row.first?.(file) });
    if (row.stdout) expect(run.stdout).toMatch(row.stdout);
    if (row.notStdout) expect(run.stdout).not.toMatch(row.notStdout);
    // No log line (JSON) and no stack, on either stream.
    expect(run.stderr + run.stdout).not.toMatch(/^\{|^\s+at /m);

    const json = await cli(['check', '--config', file, '--json']);
    expect(json.code).toBe(row.code);
    expect(json.stdout.endsWith('\n') && json.stdout.trim().split('\n')).toHaveLength(1);
    const result = JSON.parse(json.stdout) as { ok: boolean; sources: Array<{ name: string; loaded: boolean }>; error?: { code: string } };
    expect(result.ok).toBe(row.code === 0);
    if (row.first) expect(row.first(file)).toContain(result.error?.code ?? 'SOURCE_LOAD_FAILED');
  });

  it('--verbose shows the build log and the whole reason', async () => {
    const run = await cli(['check', '--config', withBroken, '--verbose']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^\{"level":50,.*"source":"Broken"/m);
  });
});

describe('sources list and remove', () => {
  const COMMENTED = `# the gateway's sources
sources:
  # tickets first: the merge keeps the first source's names
  - name: Tickets
    handler:
      openapi:
        source: ../specs/tickets.yaml
        endpoint: '{TICKETS}'   # the helpdesk
  # agents and teams
  - name: "Agents"
    handler:
      openapi: { source: ../specs/agents.yaml, endpoint: "{AGENTS}" }
tributary:
  sources:
    Agents: { passthrough: false }   # no REST for agents
  server: { port: 4000 }
`;

  it('list: one line per source, name, document, endpoint; --json for scripts', async () => {
    const file = await writeConfig(world, `${SOURCES}  - name: Teams\n    handler: { openapi: { source: ../specs/agents.yaml } }\n`);
    const run = await cli(['sources', 'list', '--config', file]);
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n').map((l) => l.trimEnd())).toEqual([
      `Tickets  ../specs/tickets.yaml  ${world.tickets.url}`,
      `Agents   ../specs/agents.yaml   ${world.agents.url}`,
      'Teams    ../specs/agents.yaml   -',
      '',
    ]);
    const json = await cli(['sources', 'list', '--config', file, '--json']);
    expect(JSON.parse(json.stdout)).toEqual({
      config: file,
      sources: [
        { name: 'Tickets', document: '../specs/tickets.yaml', endpoint: world.tickets.url },
        { name: 'Agents', document: '../specs/agents.yaml', endpoint: world.agents.url },
        { name: 'Teams', document: '../specs/agents.yaml', endpoint: null },
      ],
    });
  });

  const rows: Array<{
    promise: string;
    config: string;
    name: string;
    args?: string[];
    code: number;
    first?: (file: string) => string;
    after?: (world: World) => string;
    stdout?: string;
  }> = [
    {
      promise: 'removes the entry and its settings; comments, order and quoting of the rest stay',
      config: COMMENTED,
      name: 'Agents',
      code: 0,
      stdout: 'Removed source "Agents" (../specs/agents.yaml) and its tributary.sources.Agents settings from ',
      after: (w) => `# the gateway's sources
sources:
  # tickets first: the merge keeps the first source's names
  - name: Tickets
    handler:
      openapi:
        source: ../specs/tickets.yaml
        endpoint: '${w.tickets.url}' # the helpdesk
tributary:
  server: { port: 4000 }
`,
    },
    {
      promise: 'an unknown name is refused, listing the known ones',
      config: COMMENTED,
      name: 'Agent',
      code: 1,
      first: (f) => `error CONFIG_INVALID: no source named "Agent" in ${f}; known: Tickets, Agents.`,
    },
    {
      promise: 'a policy that names the source is not edited: the command refuses and says where',
      config: `${SOURCES}tributary:\n  policies:\n    rateLimit: { rules: [{ limit: 10, source: Agents }] }\n`,
      name: 'Agents',
      code: 1,
      first: (f) =>
        `error CONFIG_INVALID: source "Agents" is still named by tributary.policies.rateLimit.rules[0].source in ${f}; remove or change that first.`,
    },
    {
      promise: 'a link that needs the source is found before anything is written',
      config: `${SOURCES}additionalTypeDefs: |\n  extend type Ticket {\n    assignee: Agent @resolveTo(sourceName: "Agents", sourceTypeName: "Query", sourceFieldName: "agentById", sourceArgs: { id: "{root.assigneeId}" })\n  }\n`,
      name: 'Agents',
      code: 1,
      // The rest of the line is graphql-js's ("Did you mean …?").
      first: () =>
        expect.stringMatching(
          /^error SCHEMA_BUILD_FAILED: without source "Agents" the config would not build: additionalTypeDefs\/additionalResolvers\/links: Unknown type "Agent"\..*\(nothing was written; --no-check writes anyway\)$/,
        ) as never,
    },
    {
      promise: 'the last source may go (to replace it with a new version); start will refuse until one is added',
      config: `sources:\n  - name: Tickets\n    handler: { openapi: { source: ../specs/tickets.yaml, endpoint: "{TICKETS}" } }\n`,
      name: 'Tickets',
      code: 0,
      first: () => 'The config has no sources now: `tributary start` refuses to start until one is added (`tributary sources add <name> <spec>`).',
      after: () => 'sources: []\n',
    },
  ];
  it.each(rows)('remove: $promise', async (row) => {
    const file = await writeConfig(world, row.config);
    const before = await readFile(file, 'utf8');
    const run = await cli(['sources', 'remove', row.name, '--config', file]);
    expect({ code: run.code, first: run.firstError }).toEqual({ code: row.code, first: row.first?.(file) });
    expect(run.stderr).not.toMatch(/^\{|^\s+at /m);
    if (row.stdout) expect(run.stdout).toContain(row.stdout);
    expect(await readFile(file, 'utf8')).toBe(row.after ? row.after(world) : before);
  });
});

describe('sources add prints a summary', () => {
  it('counts and where it wrote; --verbose lists every root field', async () => {
    const file = await writeConfig(world, 'sources: []\n');
    const dir = path.dirname(file);
    await writeFile(path.join(dir, 'agents.yaml'), AGENTS_SPEC);
    const run = await cli(['sources', 'add', 'Agents', 'agents.yaml', '--endpoint', world.agents.url], { cwd: dir });
    expect({ code: run.code, first: run.firstError }).toEqual({ code: 0, first: undefined });
    expect(run.stdout.split('\n')).toEqual([
      'Added source "Agents" (./agents.yaml) to .meshrc.yaml: 3 query fields, 0 mutation fields, 5 types, 0 warnings.',
      '(--verbose lists the 3 root fields)',
      '',
    ]);
    await writeFile(file, 'sources: []\n');
    const verbose = await cli(['sources', 'add', 'Agents', 'agents.yaml', '--endpoint', world.agents.url, '--verbose'], { cwd: dir });
    expect(verbose.stdout.split('\n').slice(1)).toEqual(['  Query.agentsByIds', '  Query.agentById', '  Query.teamById', '']);
  });
});

describe('--version and --help', () => {
  it.each([['--version'], ['-V']])('%s prints the version from package.json, from dist/ and from the sources', async (flag) => {
    for (const extra of [{}, { TRIBUTARY_FROM_SOURCE: '1' }] as Array<Record<string, string>>) {
      const run = await cli([flag], { env: extra });
      expect({ code: run.code, stdout: run.stdout }).toEqual({ code: 0, stdout: `${VERSION}\n` });
    }
  });

  it('start --help names each variable', async () => {
    const run = await cli(['start', '--help']);
    const help = run.stdout.replace(/\s+/g, ' ');
    for (const name of ['PORT', 'HOST', 'TRIBUTARY_CONFIG', 'TRIBUTARY_WORKERS', 'TRIBUTARY_WATCH', 'TRIBUTARY_STRICT'])
      expect(help).toContain(`env: ${name})`);
  });
});
