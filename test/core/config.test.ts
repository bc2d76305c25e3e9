// Config errors are part of the API: each names the file, the line, the key path, what
// was expected and what was found. One table of bad configs, one loop.
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { writeTempDir } from '../helpers/backend.ts';
import { loadConfig, parseConfig } from '../../src/config/load.ts';
import { TributaryError } from '../../src/errors.ts';

const SOURCE = `sources:
  - name: Pets
    handler:
      openapi:
        source: ./pets.yaml
`;

const CASES: Array<{ name: string; text: string; code: string; message: RegExp[] }> = [
  {
    name: 'unknown Tributary key',
    text: `${SOURCE}tributary:\n  server:\n    prot: 4000\n`,
    code: 'CONFIG_INVALID',
    message: [/\.meshrc\.yaml:8: /, /tributary\.server: unknown key "prot"/],
  },
  {
    name: 'wrong type',
    text: `${SOURCE}tributary:\n  server:\n    port: "eighty"\n`,
    code: 'CONFIG_INVALID',
    message: [/:8: tributary\.server\.port: expected number, found string "eighty"/],
  },
  {
    name: 'out of range',
    text: `${SOURCE}tributary:\n  server:\n    port: 70000\n`,
    code: 'CONFIG_INVALID',
    message: [/tributary\.server\.port: expected a value <= 65535, found number 70000/],
  },
  {
    name: 'link with both modes',
    text: `${SOURCE}tributary:\n  links:\n    - { field: A.b, target: c, key: d, keysArg: e, arg: f }\n`,
    code: 'CONFIG_INVALID',
    message: [/tributary\.links\[0\]: expected exactly one of "keysArg"/],
  },
  {
    name: 'link field not Type.field',
    text: `${SOURCE}tributary:\n  links:\n    - { field: nodot, target: c, key: d, arg: f }\n`,
    code: 'CONFIG_INVALID',
    message: [/tributary\.links\[0\]\.field: expected "Type.field"/],
  },
  {
    name: 'settings for an unknown source',
    text: `${SOURCE}tributary:\n  sources:\n    Petz: { passthrough: false }\n`,
    code: 'CONFIG_INVALID',
    message: [/tributary\.sources\.Petz: no Mesh source is named "Petz"; known: Pets/],
  },
  {
    name: 'unknown Mesh key',
    text: `${SOURCE}sorces: []\n`,
    code: 'CONFIG_INVALID',
    message: [/\(top level\): unknown key "sorces" \(not a GraphQL Mesh config key\)/],
  },
  {
    name: 'source without handler',
    text: `sources:\n  - name: Pets\n`,
    code: 'CONFIG_INVALID',
    message: [/:2: sources\[0\]: missing required key "handler"/],
  },
  {
    name: 'duplicate source names',
    text: `${SOURCE}  - name: Pets\n    handler:\n      openapi:\n        source: ./other.yaml\n`,
    code: 'CONFIG_INVALID',
    message: [/:6: sources\[1\]\.name: source name "Pets" is already used by sources\[0\]/],
  },
  {
    name: 'YAML syntax',
    text: `sources:\n  - name: Pets\n   handler: [\n`,
    code: 'CONFIG_PARSE_ERROR',
    message: [/\.meshrc\.yaml:\d+: not valid YAML/],
  },
  {
    name: 'several problems at once',
    text: `${SOURCE}tributary:\n  server: { port: -1 }\n  batchin: {}\n`,
    code: 'CONFIG_INVALID',
    message: [/2 problems in config/, /unknown key "batchin"/, /tributary\.server\.port/],
  },
];

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
    await expect(loadConfig('/nonexistent/dir/.meshrc.yaml')).rejects.toMatchObject({ code: 'CONFIG_NOT_FOUND', message: expect.stringContaining('/nonexistent/dir/.meshrc.yaml') });
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
