// Config errors are part of the API: each names the file, the line, the key path, what
// was expected and what was found. One table of bad configs, one loop.
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { writeTempDir } from '../helpers/backend.ts';
import { loadConfig, parseConfig } from '../../src/config/load.ts';
import { TributaryError } from '../../src/errors.ts';
import { CONFIG_CASES as CASES, MINIMAL_CONFIG as SOURCE } from './config-cases.ts';

describe('config errors', () => {
  it.each(CASES)('$name', ({ text, code, message }) => {
    let error: unknown;
    try {
      parseConfig(text, '/srv/gw/.meshrc.yaml');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TributaryError);
    expect((error as TributaryError).code).toBe(code);
    for (const m of message) expect((error as Error).message).toMatch(m);
    expect((error as Error).message).toContain('/srv/gw/.meshrc.yaml');
  });

  it('a missing file names the path', async () => {
    await expect(loadConfig('/nonexistent/dir/.meshrc.yaml')).rejects.toMatchObject({
      code: 'CONFIG_NOT_FOUND',
      message: expect.stringContaining('/nonexistent/dir/.meshrc.yaml'),
    });
  });

  it('a valid config is frozen, defaulted, and remembers its folder for relative paths', async () => {
    const dir = await writeTempDir({ 'conf/.meshrc.yaml': SOURCE });
    const config = await loadConfig(path.join(dir, 'conf/.meshrc.yaml'));
    expect(config.dir).toBe(path.join(dir, 'conf'));
    expect(config.tributary.server.port).toBe(4000);
    expect(config.tributary.passthrough.prefix).toBe('/rest');
    expect(Object.isFrozen(config.tributary.server)).toBe(true);
    expect(() => {
      (config.tributary.server as { port: number }).port = 1;
    }).toThrow();
  });
});
