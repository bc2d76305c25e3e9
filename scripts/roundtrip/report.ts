// docs/roundtrip.md from the results: the totals by class for query (GET) and mutation
// fields, one row per document, and the causes grouped by what they say once names and
// numbers are taken out, largest first, with examples to start fixing from.
import { CLASSES, type FieldClass } from './classify.ts';
import type { DocumentResult, FieldResult } from './run.ts';

export interface Tally {
  total: number;
  byClass: Record<FieldClass, number>;
}

export function tally(fields: readonly FieldResult[]): Tally {
  const byClass = Object.fromEntries(CLASSES.map((c) => [c, 0])) as Record<FieldClass, number>;
  for (const f of fields) byClass[f.class]++;
  return { total: fields.length, byClass };
}

/** Share of data among the fields the mock did not spoil (the issue's measure). */
export function dataShare(t: Tally): number {
  const counted = t.total - t.byClass.mock;
  return counted ? (100 * t.byClass.data) / counted : 0;
}

function pct(t: Tally): string {
  return t.total - t.byClass.mock ? `${dataShare(t).toFixed(1)}%` : '—';
}

/** A cause with its particulars (names, numbers, quoted values, paths) blanked, so alike causes meet. */
export function causePattern(cause: string): string {
  return cause
    .replace(/"[^"]*"|(?<!\w)'[^']*'(?!\w)|`[^`]*`/g, '"…"')
    .replace(/\b(parameter|property|header|field|type|argument|variable) [$\w.-]+/gi, '$1 X')
    .replace(/\b[A-Za-z_]\w*\.[A-Za-z_]\w*\b/g, 'T.f')
    .replace(/\/[^\s,)]*/g, '/…')
    .replace(/\b\d+(\.\d+)?\b/g, 'N')
    .replace(/\s+/g, ' ')
    .slice(0, 160);
}

export interface CauseGroup {
  readonly class: FieldClass;
  readonly pattern: string;
  readonly count: number;
  readonly documents: number;
  readonly examples: ReadonlyArray<{ document: string; coordinate: string; cause: string; call?: string }>;
}

export function groupCauses(results: readonly DocumentResult[]): CauseGroup[] {
  const groups = new Map<string, { class: FieldClass; pattern: string; count: number; documents: Set<string>; examples: CauseGroup['examples'][number][] }>();
  for (const doc of results) {
    for (const f of doc.fields) {
      if (f.class === 'data' || !f.cause) continue;
      const pattern = causePattern(f.cause);
      const key = `${f.class} ${pattern}`;
      let group = groups.get(key);
      if (!group) groups.set(key, (group = { class: f.class, pattern, count: 0, documents: new Set(), examples: [] }));
      group.count++;
      // Examples from different documents first: more telling than three of one.
      if (group.examples.length < 3 && !group.documents.has(doc.document))
        group.examples.push({ document: doc.document, coordinate: f.coordinate, cause: f.cause, ...(f.call ? { call: f.call } : {}) });
      group.documents.add(doc.document);
    }
  }
  return [...groups.values()].map((g) => ({ ...g, documents: g.documents.size })).sort((a, b) => b.count - a.count || a.pattern.localeCompare(b.pattern));
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function summaryLine(results: readonly DocumentResult[]): string {
  const fields = results.flatMap((r) => r.fields);
  const q = tally(fields.filter((f) => f.kind === 'query'));
  const m = tally(fields.filter((f) => f.kind === 'mutation'));
  const failed = results.filter((r) => r.error).length;
  return `roundtrip: ${results.length} documents, ${fields.length} fields; GET ${q.byClass.data}/${q.total - q.byClass.mock} data (${pct(q)}), mutation ${m.byClass.data}/${m.total - m.byClass.mock} data (${pct(m)}); mock failures apart: ${q.byClass.mock + m.byClass.mock}; documents with an error: ${failed}`;
}

/** Refusals of Prism's that are its own limits (classify.ts `prismLimit`), and decisions the numbers rest on. */
const PRISM_LIMITS: readonly string[] = [
  "Prism's limits, counted as **mock** (scripts/roundtrip/classify.ts):",
  '',
  '- `PRISM_ADJACENT_PATH_VARIABLES`: two variables with nothing between them in one segment',
  '  (`/Applications/{ApplicationSid}{mediaTypeExtension}`, allowed by OAS 3.1 §4.8.8.1). Prism reads the template as',
  '  RFC 6570 and gives the whole segment to the last variable, so it finds the first one missing in a correct request.',
  "- `PRISM_PATH_PROPERTY_NOT_IN_TEMPLATE`: Prism wants a path property that is no variable of the operation's template:",
  '  the document declares an `in: path` parameter its path has no `{…}` for (OAS 3.0 §4.7.12.1: it MUST correspond to',
  '  one, so no request can carry it), or Prism routed the request to another templated path that matches it too',
  '  (`…/IncomingPhoneNumbers/Local.json` to `…/{IncomingPhoneNumberSid}{mediaTypeExtension}`; OAS 3.0 §4.7.8 prefers',
  '  concrete paths but leaves two templated ones open).',
  '- `PRISM_NO_REQUEST_MEDIA_TYPE`: a Swagger 2.0 operation with a body parameter and no `consumes` anywhere. Swagger',
  '  2.0 gives no default media type; the gateway sends JSON, as Swagger tooling does, but Prism then accepts no body at',
  '  all, though the operation declares (often requires) one.',
  '- `PRISM_FALSY_BODY`: Prism reports "Body parameter is required" for a body that was sent but is `0`, `false` or `""`.',
  '',
  'Decisions: the gateway follows no redirect (undici core has none, and a `Location` may point anywhere). A 3xx answer',
  'is data where the operation declares no 2xx answer, so that its 3xx ones are its successes (OAS 3.0 §4.7.16; Jira:',
  '"303: Returned if the operation is successful") and another answer of it has a body (src/openapi/empty-success.ts),',
  "or where the field's union types that status; otherwise it is `UPSTREAM_HTTP_ERROR`, a gateway failure. An answer in",
  'an XML media type is read through the schema, as the XML Object describes it (src/schema/operation/xml-answer.ts).',
];

export function render(results: readonly DocumentResult[], meta: { prism: string; date: string }): string {
  const fields = results.flatMap((r) => r.fields);
  const rows: Array<[string, Tally]> = [
    ['Query (GET) fields', tally(fields.filter((f) => f.kind === 'query'))],
    ['Mutation fields', tally(fields.filter((f) => f.kind === 'mutation'))],
    ['All fields', tally(fields)],
  ];
  const out: string[] = [];
  out.push('# Round trip: every generated field against a spec-validating mock');
  out.push('');
  out.push('Written by `npm run roundtrip` (scripts/roundtrip.ts, scripts/roundtrip/). For each document of `CORPUS_DIR`');
  out.push(`(default \`../shared/corpus\`, listed in its \`INDEX.tsv\`), Stoplight Prism ${meta.prism} serves it as a mock that`);
  out.push('validates every request against it (`prism mock --errors`), and a Tributary gateway built from a `.meshrc.yaml`');
  out.push('pointing at Prism sends one operation per root field that stands for an HTTP operation: the arguments the GraphQL');
  out.push('type or the document require, filled from the document (example, default, enum value, else a value valid for its');
  out.push('schema, format and pattern), the scalar leaves of the answer and of the objects one level down selected.');
  out.push("Credentials for the document's security schemes are set as `operationHeaders` / `queryParams`. Each document runs in");
  out.push('its own process; a crash costs the field it happened in. Limits: `ROUNDTRIP_FIELD_TIMEOUT_MS` (15 s) per field,');
  out.push('`ROUNDTRIP_DOCUMENT_BUDGET_MS` (15 min) per document; `npm run roundtrip -- --only name,...` runs some documents.');
  out.push('');
  out.push('Classes: **data** — data and no errors; **refused** — Prism says the request breaks the document (its');
  out.push('`sl-violations`, or a path, method, `Accept`, content type or credential the document does not allow);');
  out.push('**unmappable** — the answer (or a value the document allows) does not fit the generated types; **gateway** — a');
  out.push('timeout, a crash, an error before any call; **mock** — Prism answered with something that breaks its own document');
  out.push('(or has no success answer to give), or refused a request the document allows (below): counted apart, and left');
  out.push('out of the share of data.');
  out.push('');
  for (const line of PRISM_LIMITS) out.push(line);
  out.push('');
  out.push(`Run of ${meta.date}.`);
  out.push('');
  out.push('## Totals');
  out.push('');
  out.push('| fields | total | data | refused | unmappable | gateway | mock | data, mock failures left out |');
  out.push('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const [label, t] of rows)
    out.push(
      `| ${label} | ${t.total} | ${t.byClass.data} | ${t.byClass.refused} | ${t.byClass.unmappable} | ${t.byClass.gateway} | ${t.byClass.mock} | **${pct(t)}** |`,
    );
  const broken = results.filter((r) => r.error);
  out.push('');
  out.push(`${results.length} documents; ${broken.length} stopped with an error of their own (listed in the last column below).`);
  out.push('');
  const groups = groupCauses(results);
  const causeTable = (title: string, intro: string, rows: CauseGroup[]) => {
    out.push(title);
    out.push('');
    out.push(intro);
    out.push('');
    out.push('| # | class | fields | documents | cause | examples (document, field: message) |');
    out.push('| --- | --- | --- | --- | --- | --- |');
    for (const [i, g] of rows.entries()) {
      const examples = g.examples.map((e) => `\`${e.document}\` \`${e.coordinate}\`: ${e.cause}${e.call ? ` (${e.call})` : ''}`).join('<br>');
      out.push(`| ${i + 1} | ${g.class} | ${g.count} | ${g.documents} | ${cell(g.pattern)} | ${cell(examples)} |`);
    }
    out.push('');
  };
  causeTable(
    '## Causes, largest first',
    'Refused, unmappable and gateway failures, grouped by the cause with names, numbers, quoted values and paths blanked; up to three examples from different documents.',
    groups.filter((g) => g.class !== 'mock'),
  );
  causeTable(
    '## Mock failures, largest first',
    'Left out of the share of data: Prism broke its own document, could not serve it, or had no success answer to give.',
    groups.filter((g) => g.class === 'mock'),
  );
  out.push('## Documents');
  out.push('');
  out.push('| document | GET data | mutation data | refused | unmappable | gateway | mock | ms | error |');
  out.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of results) {
    const q = tally(r.fields.filter((f) => f.kind === 'query'));
    const m = tally(r.fields.filter((f) => f.kind === 'mutation'));
    const all = tally(r.fields);
    const share = (t: Tally) =>
      t.total ? `${t.byClass.data}/${t.total - t.byClass.mock}${t.total - t.byClass.mock ? ` (${dataShare(t).toFixed(0)}%)` : ''}` : '—';
    out.push(
      `| ${cell(r.document)} | ${share(q)} | ${share(m)} | ${all.byClass.refused} | ${all.byClass.unmappable} | ${all.byClass.gateway} | ${all.byClass.mock} | ${r.ms} | ${cell(r.error ?? '')} |`,
    );
  }
  out.push('');
  return out.join('\n');
}
