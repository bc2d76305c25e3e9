// `npm run roundtrip`: every document of CORPUS_DIR (default ../shared/corpus, as listed
// in its INDEX.tsv) served by Prism with Tributary in front, one operation per generated
// root field, each classified (scripts/roundtrip/classify.ts). Writes docs/roundtrip.md
// and prints one summary line.
//
//   npm run roundtrip -- [--only name,...] [--concurrency 2] [--json results.json] [--from results.json]
//
// `--only` takes document names as in INDEX.tsv, or any part of one. `--json` keeps the
// results per field, rewritten after each document like the report (a run cut short
// leaves what it measured); `--resume` with `--json` keeps the documents already in that
// file and runs the rest; `--from a.json[,b.json]` writes the report again from such files without running.
// ROUNDTRIP_FIELD_TIMEOUT_MS (15 s) bounds one field, ROUNDTRIP_DOCUMENT_BUDGET_MS
// (15 min) one document.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { render, summaryLine, tally, dataShare } from './roundtrip/report.ts';
import { corpusDocuments, killAll, runDocument, type DocumentResult } from './roundtrip/run.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CORPUS = path.resolve(process.env.CORPUS_DIR ?? path.join(ROOT, '../shared/corpus'));
const OUT = path.join(ROOT, 'docs/roundtrip.md');
const BUDGET_MS = Number(process.env.ROUNDTRIP_DOCUMENT_BUDGET_MS ?? 900_000);

/** A results file of `--json`: `{ date, results }` (or the bare list of results). */
async function readSaved(file: string): Promise<{ date: string; results: DocumentResult[] }> {
  const saved = JSON.parse(await readFile(file, 'utf8')) as { date: string; results: DocumentResult[] } | DocumentResult[];
  return Array.isArray(saved) ? { date: new Date().toISOString().slice(0, 10), results: saved.filter(Boolean) } : saved;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      concurrency: { type: 'string', default: '2' },
      json: { type: 'string' },
      from: { type: 'string' },
      resume: { type: 'boolean' },
    },
  });
  const prism = (JSON.parse(await readFile(path.join(ROOT, 'node_modules/@stoplight/prism-cli/package.json'), 'utf8')) as { version: string }).version;
  if (values.from) {
    // Several files (runs over parts of the corpus) make one report, in INDEX.tsv's order.
    const parts = await Promise.all(values.from.split(',').map((f) => readSaved(f.trim())));
    const order = new Map((await corpusDocuments(CORPUS).catch(() => [] as string[])).map((d, i) => [d, i]));
    const byName = new Map(parts.flatMap((p) => p.results).map((r) => [r.document, r]));
    const results = [...byName.values()].sort((a, b) => (order.get(a.document) ?? 1e9) - (order.get(b.document) ?? 1e9));
    const date = parts[0].date.slice(0, 10);
    const saved = { date: results.length < order.size ? `${date}, ${results.length} of ${order.size} documents` : date, results };
    await writeFile(OUT, render(saved.results, { prism, date: saved.date }));
    console.log(`${summaryLine(saved.results)}; wrote ${path.relative(process.cwd(), OUT)}`);
    return;
  }
  const concurrency = Math.max(1, Number(values.concurrency) || 2);
  let documents = await corpusDocuments(CORPUS);
  if (values.only) {
    const wanted = values.only
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    documents = documents.filter((d) => wanted.some((w) => d === w || d.includes(w)));
    if (!documents.length) throw new Error(`--only ${values.only}: no document of ${CORPUS} matches`);
  }
  const date = new Date().toISOString().slice(0, 10);
  const done = new Map<string, DocumentResult>();
  if (values.resume && values.json)
    for (const r of (await readSaved(values.json).catch(() => ({ results: [] as DocumentResult[] }))).results) done.set(r.document, r);
  const results: Array<DocumentResult | undefined> = documents.map((d) => done.get(d));
  const todo = documents.map((d, i) => i).filter((i) => !results[i]);
  const save = async () => {
    const finished = results.filter((r): r is DocumentResult => r !== undefined);
    const note = finished.length < documents.length ? `, ${finished.length} of ${documents.length} documents so far` : '';
    await writeFile(OUT, render(finished, { prism, date: `${date}${note}` }));
    if (values.json) await writeFile(values.json, JSON.stringify({ date, results: finished }, null, 1));
  };
  // Saves one after another: two documents finishing together must not interleave their writes.
  let saving = Promise.resolve();
  const saveSoon = () => (saving = saving.then(save));
  let next = 0;
  let count = documents.length - todo.length;
  const worker = async () => {
    while (next < todo.length) {
      const i = todo[next++];
      const result = await runDocument(path.join(CORPUS, documents[i]), { name: documents[i], budgetMs: BUDGET_MS });
      results[i] = result;
      count++;
      await saveSoon();
      const t = tally(result.fields);
      console.error(
        `${String(count).padStart(3)}/${documents.length} ${documents[i]}: ${t.byClass.data}/${t.total} data (${dataShare(t).toFixed(0)}% without mock), ${result.ms} ms${result.error ? `  ${result.error}` : ''}`,
      );
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, todo.length) }, worker));
  await saveSoon();
  const all = results.filter((r): r is DocumentResult => r !== undefined);
  console.log(`${summaryLine(all)}; wrote ${path.relative(process.cwd(), OUT)}`);
}

// Interrupted, the run takes its Prisms and children with it.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killAll();
    process.exit(130);
  });
}

await main();
