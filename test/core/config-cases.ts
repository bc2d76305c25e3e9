// Bad configs and what each must say: shared by the config tests and the check that the
// compiled build (dist/) reports the very same errors as the sources.
export const MINIMAL_CONFIG = `sources:
  - name: Pets
    handler:
      openapi:
        source: ./pets.yaml
`;

export const CONFIG_CASES: Array<{ name: string; text: string; code: string; message: RegExp[] }> = [
  {
    name: 'unknown Tributary key',
    text: `${MINIMAL_CONFIG}tributary:\n  server:\n    prot: 4000\n`,
    code: 'CONFIG_INVALID',
    message: [/\.meshrc\.yaml:8: /, /tributary\.server: unknown key "prot"/],
  },
  {
    name: 'wrong type',
    text: `${MINIMAL_CONFIG}tributary:\n  server:\n    port: "eighty"\n`,
    code: 'CONFIG_INVALID',
    message: [/:8: tributary\.server\.port: expected number, found string "eighty"/],
  },
  {
    name: 'out of range',
    text: `${MINIMAL_CONFIG}tributary:\n  server:\n    port: 70000\n`,
    code: 'CONFIG_INVALID',
    message: [/tributary\.server\.port: expected a value <= 65535, found number 70000/],
  },
  {
    name: 'link with both modes',
    text: `${MINIMAL_CONFIG}tributary:\n  links:\n    - { field: A.b, target: c, key: d, keysArg: e, arg: f }\n`,
    code: 'CONFIG_INVALID',
    message: [/tributary\.links\[0\]: expected exactly one of "keysArg"/],
  },
  {
    name: 'link field not Type.field',
    text: `${MINIMAL_CONFIG}tributary:\n  links:\n    - { field: nodot, target: c, key: d, arg: f }\n`,
    code: 'CONFIG_INVALID',
    message: [/tributary\.links\[0\]\.field: expected "Type.field"/],
  },
  {
    name: 'settings for an unknown source',
    text: `${MINIMAL_CONFIG}tributary:\n  sources:\n    Petz: { passthrough: false }\n`,
    code: 'CONFIG_INVALID',
    message: [/tributary\.sources\.Petz: no Mesh source is named "Petz"; known: Pets/],
  },
  {
    name: 'unknown Mesh key',
    text: `${MINIMAL_CONFIG}sorces: []\n`,
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
    text: `${MINIMAL_CONFIG}  - name: Pets\n    handler:\n      openapi:\n        source: ./other.yaml\n`,
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
    text: `${MINIMAL_CONFIG}tributary:\n  server: { port: -1 }\n  batchin: {}\n`,
    code: 'CONFIG_INVALID',
    message: [/2 problems in config/, /unknown key "batchin"/, /tributary\.server\.port/],
  },
  {
    name: 'Mesh handler option of the wrong type',
    text: `sources:\n  - name: Pets\n    handler:\n      openapi:\n        source: ./pets.yaml\n        operationHeaders: [1, 2]\n`,
    code: 'CONFIG_INVALID',
    message: [/sources\[0\]\.handler\.openapi\.operationHeaders: expected object, found a list/],
  },
  {
    name: 'Mesh enum value',
    text: `sources:\n  - name: Pets\n    handler:\n      openapi:\n        source: ./pets.yaml\n        selectQueryOrMutationField:\n          - { fieldName: x, type: Subscription }\n`,
    code: 'CONFIG_INVALID',
    message: [/selectQueryOrMutationField\[0\]\.type: expected one of/],
  },
];
