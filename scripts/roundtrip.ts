// `npm run roundtrip`: every document of CORPUS_DIR (default ../shared/corpus, as listed
// in its INDEX.tsv) served by Prism with Tributary in front, one operation per generated
// root field, each classified (scripts/roundtrip/classify.ts). Writes docs/roundtrip.md
// and prints one summary line.
//
//   npm run roundtrip -- [--only name,...] [--concurrency 2] [--json results.json]
//
// `--only` takes document names as in INDEX.tsv, or any part of one.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { render, summaryLine, tally, dataShare } from './roundtrip/report.ts';
import { corpusDocuments, runDocument, type DocumentResult } from './roundtrip/run.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CORPUS = path.resolve(process.env.CORPUS_DIR ?? path.join(ROOT, '../shared/corpus'));
const OUT = path.join(ROOT, 'docs/roundtrip.md');
const BUDGET_MS = Number(process.env.ROUNDTRIP_DOCUMENT_BUDGET_MS ?? 900_000);

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { only: { type: 'string' }, concurrency: { type: 'string', default: '2' }, json: { type: 'string' } } });
  const concurrency = Math.max(1, Number(values.concurrency) || 2);
  let documents = await corpusDocuments(CORPUS);
  if (values.only) {
    const wanted = values.only.split(',').map((s) => s.trim()).filter(Boolean);
    documents = documents.filter((d) => wanted.some((w) => d === w || d.includes(w)));
    if (!documents.length) throw new Error(`--only ${values.only}: no document of ${CORPUS} matches`);
  }
  const prism = (JSON.parse(await readFile(path.join(ROOT, 'node_modules/@stoplight/prism-cli/package.json'), 'utf8')) as { version: string }).version;
  const results: DocumentResult[] = new Array(documents.length);
  let next = 0;
  let finished = 0;
  const worker = async () => {
    while (next < documents.length) {
      const i = next++;
      const result = await runDocument(path.join(CORPUS, documents[i]), { name: documents[i], budgetMs: BUDGET_MS });
      results[i] = result;
      finished++;
      const t = tally(result.fields);
      console.error(`${String(finished).padStart(3)}/${documents.length} ${documents[i]}: ${t.byClass.data}/${t.total} data (${dataShare(t).toFixed(0)}% without mock), ${result.ms} ms${result.error ? `  ${result.error}` : ''}`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, documents.length) }, worker));
  await writeFile(OUT, render(results, { prism, date: new Date().toISOString().slice(0, 10) }));
  if (values.json) await writeFile(values.json, JSON.stringify(results, null, 1));
  console.log(`${summaryLine(results)}; wrote ${path.relative(process.cwd(), OUT)}`);
}

await main();
