// The shared test helpers do what other suites rely on: the backend answers from its
// routes and records every request exactly; temp dirs hold what was written; freePort
// hands out a port that can be listened on.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { removeTempDir, startBackend, writeTempDir, type BackendResponse } from './backend.ts';
import { freePort } from './free-port.ts';

describe('startBackend', () => {
  it('answers from the routes and records method, url, headers and body of every request', async () => {
    const backend = await startBackend((req, url, body): BackendResponse | undefined => {
      if (url.pathname === '/json') return { status: 201, headers: { 'x-seen': req.method ?? '' }, body: { echo: body, q: url.searchParams.getAll('a') } };
      if (url.pathname === '/text') return { status: 200, headers: { 'content-type': 'text/plain' }, body: 'hi' };
      if (url.pathname === '/stream') return { status: 200, body: Readable.from(['a', 'b']) };
      if (url.pathname === '/empty') return { status: 204 };
      if (url.pathname === '/boom') throw new Error('route failed');
      return undefined;
    });
    try {
      expect(backend.url).toBe(`http://127.0.0.1:${backend.port}`);
      const json = await fetch(`${backend.url}/json?a=1&a=2`, { method: 'POST', headers: { 'x-custom': 'v' }, body: 'payload' });
      expect(json.status).toBe(201);
      expect(json.headers.get('content-type')).toBe('application/json');
      expect(json.headers.get('x-seen')).toBe('POST');
      expect(await json.json()).toEqual({ echo: 'payload', q: ['1', '2'] });
      expect(await (await fetch(`${backend.url}/text`)).text()).toBe('hi');
      expect(await (await fetch(`${backend.url}/stream`)).text()).toBe('ab');
      expect((await fetch(`${backend.url}/empty`)).status).toBe(204);
      const missing = await fetch(`${backend.url}/nope`);
      expect([missing.status, await missing.json()]).toEqual([404, { message: 'no route' }]);
      const boom = await fetch(`${backend.url}/boom`);
      expect([boom.status, await boom.json()]).toEqual([500, { message: 'route failed' }]);

      expect(backend.calls.map((c) => `${c.method} ${c.url}`)).toEqual([
        'POST /json?a=1&a=2',
        'GET /text',
        'GET /stream',
        'GET /empty',
        'GET /nope',
        'GET /boom',
      ]);
      expect(backend.calls[0]).toMatchObject({ body: 'payload', headers: { 'x-custom': 'v' } });
      expect(backend.calls[1]!.body).toBe('');
    } finally {
      await backend.close();
    }
  });

  it('lets a route drop the connection, and stops on close (twice is fine)', async () => {
    const backend = await startBackend((req) => {
      req.socket.destroy();
      return undefined;
    });
    await expect(fetch(`${backend.url}/`)).rejects.toThrow();
    expect(backend.calls).toHaveLength(1);
    await backend.close();
    await backend.close();
    await expect(fetch(`${backend.url}/`)).rejects.toThrow();
  });
});

describe('writeTempDir', () => {
  it('writes files, creating subfolders, into a new directory', async () => {
    const dir = await writeTempDir({ 'spec.yaml': 'openapi: 3.0.3\n', 'nested/deeper/config.json': '{}' });
    try {
      expect(await readFile(join(dir, 'spec.yaml'), 'utf8')).toBe('openapi: 3.0.3\n');
      expect(await readFile(join(dir, 'nested/deeper/config.json'), 'utf8')).toBe('{}');
      const other = await writeTempDir({});
      expect(other).not.toBe(dir);
      await removeTempDir(other);
    } finally {
      await removeTempDir(dir);
    }
    await expect(readFile(join(dir, 'spec.yaml'))).rejects.toThrow();
  });

  it('refuses paths that leave the directory', async () => {
    await expect(writeTempDir({ '../escape.txt': 'x' })).rejects.toThrow(/outside/);
  });
});

describe('freePort', () => {
  it('returns a port that can be listened on', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    const server = createServer();
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});
