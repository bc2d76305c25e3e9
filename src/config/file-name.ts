// The default config file name, on its own so that the command line can name it
// without loading the config machinery (YAML, ajv, zod) into a thread that only
// parses arguments.
export const DEFAULT_CONFIG_FILE = '.meshrc.yaml';
