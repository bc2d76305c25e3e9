// The CLI end to end, as an operator uses it: real child processes, real sockets, a
// plain GraphQL Mesh config in another folder (no tributary: key at all), run from a
// different working directory so relative paths must resolve against the config file.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import net from 'node:net';
import { AGENTS, SOURCES, TICKETS, TEAMS, startWorld, writeConfig, type World } from './fixtures.ts';
import { freePort } from '../helpers/free-port.ts';

const run = promisify(execFile);
const BIN = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'tributary.js');

const MESH_CONFIG = `${SOURCES}
additionalTypeDefs: |
  extend type Ticket {
    assignee: Agent @resolveTo(sourceName: "Agents", sourceTypeName: "Query", sourceFieldName: "agentsByIds", keyField: "assigneeId", keysArg: "ids", valueKeyField: "id")
  }
  extend type Agent {
    team: Team @resolveTo(sourceName: "Agents", sourceTypeName: "Query", sourceFieldName: "teamById", sourceArgs: { id: "{root.teamId}" })
  }
`;

let world: World;
let configFile: string;
beforeAll(async () => {
  world = await startWorld();
  configFile = await writeConfig(world, MESH_CONFIG);
});
afterAll(async () => world.close());

async function waitForReady(url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`gateway exited with ${child.exitCode}`);
    try {
      const res = await fetch(url);
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('gateway did not become ready');
}

describe('tributary start', () => {
  let child: ChildProcess;
  let port: number;
  let stderr = '';
  beforeAll(async () => {
    port = await freePort();
    child = spawn(process.execPath, [BIN, 'start', '--config', configFile, '--port', String(port), '--host', '127.0.0.1'], {
      cwd: tmpdir(),
      env: { ...process.env, NODE_ENV: 'development' },
    });
    child.stderr!.on('data', (d) => (stderr += d));
    await waitForReady(`http://127.0.0.1:${port}/readyz`, child).catch((e) => {
      throw new Error(`${e.message}\n${stderr}`);
    });
  });
  afterAll(() => {
    child.kill('SIGTERM');
  });

  it('serves a plain Mesh config with @resolveTo links at the ideal call count', async () => {
    world.tickets.calls.length = 0;
    world.agents.calls.length = 0;
    const res = await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ tickets { id assignee { id name team { name } } } }' }),
    });
    const body = await res.json();
    expect(body.errors).toBeUndefined();
    expect(body.data.tickets).toHaveLength(TICKETS.length);
    for (const t of body.data.tickets) {
      const agent = AGENTS.find((a) => a.id === TICKETS.find((x) => x.id === t.id)!.assigneeId)!;
      expect(t.assignee).toEqual({ id: agent.id, name: agent.name, team: { name: TEAMS.find((team) => team.id === agent.teamId)!.name } });
    }
    const distinctTeams = new Set(body.data.tickets.map((t: { assignee: { team: { name: string } } }) => t.assignee.team.name));
    expect(world.tickets.calls).toHaveLength(1);
    expect(world.agents.calls.filter((c) => c.url.startsWith('/agents?'))).toHaveLength(1);
    expect(world.agents.calls.filter((c) => c.url.startsWith('/teams/'))).toHaveLength(distinctTeams.size);
    expect(world.agents.calls).toHaveLength(1 + distinctTeams.size);
  });

  it('passes REST through to the source, and only to it', async () => {
    const ok = await fetch(`http://127.0.0.1:${port}/rest/Tickets/tickets/5`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ id: '5' });
    const before = world.agents.calls.length + world.tickets.calls.length;
    // fetch would normalise "..", so send a raw request line.
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () =>
        socket.end('GET /rest/Tickets/%2e%2e/Agents/agents/1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'),
      );
      let data = '';
      socket
        .on('data', (d) => (data += d))
        .on('end', () => resolve(data))
        .on('error', reject);
    });
    expect(raw).toMatch(/^HTTP\/1\.1 400/);
    expect(world.agents.calls.length + world.tickets.calls.length).toBe(before);
  });
});

describe('tributary check / schema / --help', () => {
  it('check prints sources with root-field counts and exits 0', async () => {
    const { stdout } = await run(process.execPath, [BIN, 'check', '--config', configFile], { cwd: tmpdir() });
    expect(stdout).toMatch(/ok\s+Tickets\s+2 query,\s+0 mutation fields/);
    expect(stdout).toMatch(/ok\s+Agents\s+3 query,\s+0 mutation fields/);
  });

  it('check exits non-zero on a config error, naming file and key', async () => {
    const bad = await writeConfig(world, `${SOURCES}tributary:\n  server: { port: "x" }\n`);
    const result = await run(process.execPath, [BIN, 'check', '--config', bad]).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('CONFIG_INVALID');
    expect(result.stderr).toContain(`${bad}:`);
    expect(result.stderr).toContain('tributary.server.port: expected number, found string "x"');
  });

  it('schema prints the unified SDL with the links and without build annotations', async () => {
    const { stdout } = await run(process.execPath, [BIN, 'schema', '--config', configFile], { cwd: tmpdir() });
    expect(stdout).toContain('type Ticket {');
    expect(stdout).toMatch(/assignee: Agent/);
    expect(stdout).not.toContain('@httpOperation');
  });

  it('--help describes every command', async () => {
    const { stdout } = await run(process.execPath, [BIN, '--help']);
    for (const c of ['start', 'demo', 'check', 'schema', 'sources']) expect(stdout).toContain(c);
    const { stdout: startHelp } = await run(process.execPath, [BIN, 'start', '--help']);
    expect(startHelp).toContain('--config');
    expect(startHelp).toContain('--port');
    expect(startHelp).toContain('--host');
  });
});
