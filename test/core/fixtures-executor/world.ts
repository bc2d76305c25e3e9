// One OpenAPI source whose request bodies have the input shapes that break graphql-jit's
// compile step (see src/http/executor-budget.ts): a recursive filter tree, two types
// that contain each other, a 12-level nested array, types that share types (2^14 paths
// without recursion), and free-form JSON. The backend answers every POST with the size
// and nesting depth of the body it received, so a test can see the value went through
// whole, and GET /items/{id} is the normal query that must keep working.
import { startBackend, writeTempDir, removeTempDir, type Backend, type BackendRoutes } from '../../helpers/backend.ts';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const LIST_DEPTH = 12;
const WIDE_LEVELS = 14;

const nestedArray = (levels: number): string => (levels === 0 ? '{ type: integer }' : `{ type: array, items: ${nestedArray(levels - 1)} }`);
const wideTypes = Array.from(
  { length: WIDE_LEVELS },
  (_, i) =>
    `    Wide${i}:\n      type: object\n      properties: { a: { $ref: '#/components/schemas/Wide${i + 1}' }, b: { $ref: '#/components/schemas/Wide${i + 1}' } }`,
).join('\n');

const post = (path: string, operationId: string, schema: string) => `  ${path}:
    post:
      operationId: ${operationId}
      requestBody:
        content: { application/json: { schema: ${schema} } }
      responses:
        '200':
          description: ok
          content: { application/json: { schema: { $ref: '#/components/schemas/Received' } } }
`;

export const SPEC = `openapi: 3.0.3
info: { title: Search, version: '1' }
paths:
  /items/{id}:
    get:
      operationId: item
      parameters: [{ name: id, in: path, required: true, schema: { type: string } }]
      responses:
        '200':
          description: ok
          content: { application/json: { schema: { $ref: '#/components/schemas/Item' } } }
${post('/search', 'search', "{ $ref: '#/components/schemas/Filter' }")}${post('/groups', 'groups', "{ $ref: '#/components/schemas/Group' }")}${post('/matrix', 'matrix', `{ type: object, properties: { cells: ${nestedArray(LIST_DEPTH)} } }`)}${post('/wide', 'wide', "{ $ref: '#/components/schemas/Wide0' }")}${post('/free', 'free', '{ type: object, additionalProperties: true }')}components:
  schemas:
    Item:
      type: object
      properties: { id: { type: string }, name: { type: string } }
    Received:
      type: object
      properties: { bytes: { type: integer }, depth: { type: integer } }
    Filter:
      type: object
      properties:
        name: { type: string }
        and: { type: array, items: { $ref: '#/components/schemas/Filter' } }
        or: { type: array, items: { $ref: '#/components/schemas/Filter' } }
        not: { $ref: '#/components/schemas/Filter' }
    Group:
      type: object
      properties: { label: { type: string }, rules: { type: array, items: { $ref: '#/components/schemas/Rule' } } }
    Rule:
      type: object
      properties: { field: { type: string }, group: { $ref: '#/components/schemas/Group' } }
${wideTypes}
    Wide${WIDE_LEVELS}:
      type: object
      properties: { s: { type: string } }
`;

/** Nesting depth of objects and arrays in a JSON text, counted without parsing it recursively. */
function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') max = Math.max(max, ++depth);
    else if (c === '}' || c === ']') depth--;
  }
  return max;
}

const routes: BackendRoutes = (req, url, body) => {
  const item = /^\/items\/([^/]+)$/.exec(url.pathname);
  if (req.method === 'GET' && item) return { status: 200, body: { id: decodeURIComponent(item[1]!), name: 'Kettle' } };
  if (req.method === 'POST') return { status: 200, body: { bytes: Buffer.byteLength(body), depth: jsonDepth(body) } };
  return undefined;
};

export interface ExecutorWorld {
  readonly backend: Backend;
  readonly configFile: string;
  close(): Promise<void>;
}

export async function startExecutorWorld(): Promise<ExecutorWorld> {
  const backend = await startBackend(routes);
  const dir = await writeTempDir({ 'search.yaml': SPEC });
  const configFile = join(dir, '.meshrc.yaml');
  await writeFile(
    configFile,
    [
      'sources:',
      '  - name: Search',
      '    handler:',
      '      openapi:',
      '        source: ./search.yaml',
      `        endpoint: ${backend.url}`,
      // Limits far above the defaults, so that what is tested is the executor, not the
      // token and body limits that would refuse most of these documents first.
      'tributary:',
      '  policies:',
      '    limits: { maxTokens: 1000000, maxBodyBytes: 8388608 }',
      '',
    ].join('\n'),
  );
  return {
    backend,
    configFile,
    async close() {
      await backend.close();
      await removeTempDir(dir);
    },
  };
}
