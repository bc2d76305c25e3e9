// One document's round trip, from outside: Prism started for it, the gateway side in a
// child process (document.ts) under a time budget. When the child dies in the middle of a
// field — graphql-jit throws some errors where nothing catches them — that field is a
// gateway crash and a new child goes on after it, so one bad field costs one row.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { trim, type FieldClass } from './classify.ts';
import type { DocumentEvent, PlannedField } from './document.ts';
import { startPrism } from './prism.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const CHILD = path.join(HERE, 'document.ts');
/** After this many crashes in one document the fields left are not tried. */
const MAX_CRASHES = 5;

export interface FieldResult {
  readonly coordinate: string;
  readonly kind: 'query' | 'mutation';
  readonly method: string;
  readonly class: FieldClass;
  readonly cause?: string;
  /** The first upstream call: method, path and Prism's status. */
  readonly call?: string;
}

export interface DocumentResult {
  readonly document: string;
  readonly fields: FieldResult[];
  /** Why the document could not be tried at all, or was cut short. */
  readonly error?: string;
  readonly crashes: number;
  readonly ms: number;
}

/** Processes this run started (children and Prisms), for `killAll` when the run is interrupted. */
const live = new Set<ChildProcess>();
function track(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
}
export function killAll(): void {
  for (const child of live) child.kill('SIGKILL');
}

interface ChildRun {
  events: DocumentEvent[];
  stderr: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
}

/** A child for `document`; it is given the mock's URL (or told to stop) when `mock` settles. */
function runChild(document: string, mock: Promise<string | undefined>, skipFile: string, budgetMs: number): Promise<ChildRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, document, skipFile], {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, NODE_ENV: 'development' },
    });
    track(child);
    child.stdin.on('error', () => undefined);
    void mock.then((url) => child.stdin.end(`${url ?? 'stop'}\n`));
    const events: DocumentEvent[] = [];
    let pending = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        try {
          events.push(JSON.parse(line) as DocumentEvent);
        } catch {
          // a stray line (a library printing to stdout): not an event
        }
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-8_000)));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, budgetMs);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ events, stderr, code, signal, timedOut });
    });
  });
}

/** The most telling line of a dead child's stderr: the thrown error's message. */
function lastWords(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const thrown = lines.find((l) => /^(\w*Error|GraphQLError)\b.*:/.test(l) || /^Error:/.test(l));
  return trim(thrown ?? lines.filter((l) => !l.startsWith('at ')).slice(-1)[0] ?? 'no output', 240);
}

export async function runDocument(document: string, options: { name?: string; budgetMs?: number } = {}): Promise<DocumentResult> {
  const started = performance.now();
  const name = options.name ?? path.basename(document);
  const budgetMs = options.budgetMs ?? 600_000;
  const elapsed = () => Math.round(performance.now() - started);
  // Prism starts while the first child builds its gateway.
  let mockError: string | undefined;
  const prismStart = startPrism(document, { onSpawn: track }).catch((error: unknown) => {
    mockError = trim(`MOCK_START_FAILED: ${error instanceof Error ? error.message : String(error)}`, 300);
    return undefined;
  });
  const mockUrl = prismStart.then((p) => p?.url);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tributary-roundtrip-run-'));
  const results = new Map<string, FieldResult>();
  let plan: PlannedField[] | undefined;
  let crashes = 0;
  let error: string | undefined;
  try {
    for (;;) {
      const skipFile = path.join(dir, 'skip.json');
      await writeFile(skipFile, JSON.stringify([...results.keys()]));
      const left = budgetMs - elapsed();
      if (left <= 0) {
        error = `TIME_BUDGET: ${budgetMs} ms spent`;
        break;
      }
      const run = await runChild(document, mockUrl, skipFile, left);
      let inProgress: string | undefined;
      let done = false;
      for (const event of run.events) {
        if (event.event === 'plan') plan ??= event.fields;
        else if (event.event === 'start') inProgress = event.coordinate;
        else if (event.event === 'result') {
          const { event: _e, ...result } = event;
          results.set(event.coordinate, result as FieldResult);
          inProgress = undefined;
        } else if (event.event === 'failed') error = event.error;
        else if (event.event === 'done') done = true;
      }
      if (mockError) {
        error ??= mockError;
        break;
      }
      if (done || error || !plan) {
        if (!done && !error) error = trim(`GATEWAY_CRASHED_AT_START: ${run.timedOut ? `no plan within ${left} ms` : lastWords(run.stderr)}`, 300);
        break;
      }
      const planned = plan.find((f) => f.coordinate === inProgress);
      if (run.timedOut) {
        if (planned)
          results.set(planned.coordinate, { ...planned, class: 'gateway', cause: `TIME_BUDGET: the document's ${budgetMs} ms ran out during this field` });
        error = `TIME_BUDGET: ${budgetMs} ms spent`;
        break;
      }
      crashes++;
      const words = `${lastWords(run.stderr)}${run.signal ? ` (${run.signal})` : ` (exit ${run.code})`}`;
      if (planned) results.set(planned.coordinate, { ...planned, class: 'gateway', cause: trim(`CRASH: ${words}`) });
      if (!planned || crashes >= MAX_CRASHES) {
        error = trim(`GATEWAY_CRASHED: ${crashes} times, last: ${words}`, 300);
        break;
      }
    }
  } finally {
    await (await prismStart)?.stop();
    await rm(dir, { recursive: true, force: true });
  }
  // Fields never reached are counted: as mock failures when Prism could not serve the
  // document, else (budget spent, too many crashes) as gateway failures.
  for (const f of plan ?? []) {
    if (results.has(f.coordinate)) continue;
    results.set(
      f.coordinate,
      mockError ? { ...f, class: 'mock', cause: mockError } : { ...f, class: 'gateway', cause: trim(`NOT_RUN: ${error ?? 'the document stopped early'}`) },
    );
  }
  const order = new Map((plan ?? []).map((f, i) => [f.coordinate, i]));
  const fields = [...results.values()].sort((a, b) => (order.get(a.coordinate) ?? 0) - (order.get(b.coordinate) ?? 0));
  return { document: name, fields, ...(error ? { error } : {}), crashes, ms: elapsed() };
}

/** The documents INDEX.tsv lists (its `file` column), in its order. */
export async function corpusDocuments(corpus: string): Promise<string[]> {
  const index = await readFile(path.join(corpus, 'INDEX.tsv'), 'utf8');
  const [header, ...lines] = index.split('\n').filter((l) => l.trim());
  const column = header.split('\t').indexOf('file');
  if (column < 0) throw new Error(`${corpus}/INDEX.tsv has no "file" column`);
  return lines.map((l) => l.split('\t')[column]).filter(Boolean);
}
