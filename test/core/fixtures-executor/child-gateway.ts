// Starts serve.ts in a child process with a small old-space heap. A compile step that
// runs away fills that heap within seconds and the child dies ("heap out of memory"), so
// the test sees a refused connection and an exit instead of a machine that swaps; a hang
// is caught by vitest's timeout. No timing is measured.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

const SERVE = fileURLToPath(new URL('./serve.ts', import.meta.url));

export interface ChildGateway {
  readonly url: string;
  /** JSON log lines the gateway has written so far. */
  readonly log: Array<Record<string, unknown>>;
  /** Set once the child has exited: its exit code or signal, and the end of its stderr. */
  exited(): { code: number | null; signal: string | null; stderr: string } | undefined;
  graphql(body: unknown): Promise<{ status: number; json: { data?: unknown; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> } }>;
  close(): Promise<void>;
}

export async function startChildGateway(configFile: string, heapMb: number): Promise<ChildGateway> {
  const child: ChildProcess = spawn(process.execPath, [`--max-old-space-size=${heapMb}`, '--import', 'tsx', SERVE, configFile], {
    env: { ...process.env, NODE_ENV: 'test' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log: Array<Record<string, unknown>> = [];
  let stderr = '';
  let exit: { code: number | null; signal: string | null; stderr: string } | undefined;
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-4000)));
  const ended = new Promise<void>((resolve) => child.once('exit', (code, signal) => ((exit = { code, signal, stderr }), resolve())));
  const port = await new Promise<number>((resolve, reject) => {
    void ended.then(() => reject(new Error(`gateway exited before listening: ${stderr}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      if (typeof parsed.port === 'number' && parsed.level === undefined) resolve(parsed.port);
      else log.push(parsed);
    });
  });
  const url = `http://127.0.0.1:${port}/graphql`;
  return {
    url,
    log,
    exited: () => exit,
    async graphql(body) {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      return { status: response.status, json: (await response.json()) as never };
    },
    async close() {
      if (exit) return;
      child.kill('SIGTERM');
      await ended;
    },
  };
}
