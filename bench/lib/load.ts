// One load run with autocannon: fixed concurrency, no pipelining, bounded in time.
// Latencies are taken from autocannon's per-response event (sub-millisecond floats)
// rather than its histogram, whose resolution is 1 ms — too coarse at c=1. Every
// response body is judged by the verifier; a run reports how many were identical to
// the BFF, how many carried the same data, and how many were wrong.
import autocannon from 'autocannon';
import type { Verdict } from './verify.ts';

export interface LoadResult {
  connections: number;
  durationS: number;
  responses: number;
  /** Correct (identical or same-data) responses per second. */
  rps: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  identical: number;
  sameData: number;
  mismatches: number;
  errors: number;
  non2xx: number;
  /** First wrong body seen, for the report. */
  firstMismatch?: string;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}

export async function runLoad(options: {
  url: string;
  body: string;
  connections: number;
  durationS: number;
  verify: (body: string) => Verdict;
  /**
   * Send this many requests and wait for all of their answers, instead of running for
   * `durationS`: a timed run closes its connections with queries still in flight, and a
   * system that cancels or logs that work per item then spends long after the run on it.
   */
  amount?: number;
  /** Seconds a request may wait for its answer (autocannon's default: 10). */
  timeoutS?: number;
}): Promise<LoadResult> {
  let latencies = new Float64Array(1 << 16);
  let count = 0;
  const verdicts = { identical: 0, 'same-data': 0, mismatch: 0 };
  let firstMismatch: string | undefined;
  const instance = autocannon({
    url: options.url,
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: options.body,
    connections: options.connections,
    pipelining: 1,
    ...(options.amount ? { amount: options.amount } : { duration: options.durationS }),
    ...(options.timeoutS ? { timeout: options.timeoutS } : {}),
    // Judged here rather than through `verifyBody`, to tell identical from same-data.
    verifyBody: (body: string) => {
      const verdict = options.verify(body);
      verdicts[verdict]++;
      if (verdict === 'mismatch' && firstMismatch === undefined) firstMismatch = body.slice(0, 500);
      return verdict !== 'mismatch';
    },
  });
  instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
    if (statusCode < 200 || statusCode >= 300) return;
    if (count === latencies.length) {
      const bigger = new Float64Array(latencies.length * 2);
      bigger.set(latencies);
      latencies = bigger;
    }
    latencies[count++] = responseTime;
  });
  const result = (await instance) as autocannon.Result;
  const sorted = latencies.slice(0, count).sort();
  const good = verdicts.identical + verdicts['same-data'];
  const durationS = result.duration;
  return {
    connections: options.connections,
    durationS,
    responses: result.requests.total,
    rps: good / durationS,
    p50Ms: percentile(sorted, 50),
    p90Ms: percentile(sorted, 90),
    p99Ms: percentile(sorted, 99),
    identical: verdicts.identical,
    sameData: verdicts['same-data'],
    mismatches: verdicts.mismatch,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    firstMismatch,
  };
}
