// Correctness of every response: the reference is the hand-written BFF's `data`. A
// response is "identical" when its bytes are exactly `{"data":<reference>}` — the
// promise Tributary makes — and "same data" when it parses to the same values but with
// keys in another order or extra top-level members (stock Mesh merges link results
// after the fact, so its key order can differ from the query's). Anything else, errors
// included, is a mismatch.
export type Verdict = 'identical' | 'same-data' | 'mismatch';

/** JSON text with object keys sorted, so that key order does not matter. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

export function createVerifier(referenceData: unknown): (body: string) => Verdict {
  const exact = JSON.stringify({ data: referenceData });
  const sorted = canonical(referenceData);
  return (body) => {
    if (body === exact) return 'identical';
    try {
      const parsed = JSON.parse(body) as { data?: unknown; errors?: unknown };
      return parsed.errors === undefined && canonical(parsed.data) === sorted ? 'same-data' : 'mismatch';
    } catch {
      return 'mismatch';
    }
  };
}
