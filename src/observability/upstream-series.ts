// The two metrics every upstream call feeds — its duration histogram and its request
// counter — kept as plain numbers per series and turned into Prometheus samples only at
// scrape time. A gateway query makes dozens of upstream calls (a list, its bulk link,
// one call per distinct key below it); through prom-client's `observe`/`inc` each call
// validated its labels, spread them into new objects and hashed them into a string
// key, about 4% of the CPU of a 22-call query. Here a call costs two Map lookups and
// a few additions, and the request counter is the histogram's count, read twice.
//
// The objects below satisfy what prom-client's registry reads from a metric (`name`,
// `help`, `type`, `get()`), so they are served by the same registry, in the same
// exposition, beside prom-client's own metrics.

/** The status classes a series is split by: 1xx…5xx from the answer, `error` without one. */
const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx', 'error'] as const;
export const ERROR_CLASS = STATUS_CLASSES.length - 1;

/** The index in STATUS_CLASSES of an answer's status (`undefined`: no answer). */
export function statusClassIndex(status: number | undefined): number {
  if (status === undefined) return ERROR_CLASS;
  return Math.min(4, Math.max(0, Math.floor(status / 100) - 1));
}

interface Series {
  readonly source: string;
  readonly operation: string;
  readonly statusClass: string;
  /** Per bucket, observations at or below its bound (not cumulative; summed at scrape time). */
  readonly buckets: Float64Array;
  count: number;
  sum: number;
}

interface Sample {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

/** What prom-client's registry needs of a metric to render it. */
export interface RegistryMetric {
  readonly name: string;
  readonly help: string;
  readonly type: 'histogram' | 'counter';
  readonly aggregator: 'sum';
  get(): { name: string; help: string; type: string; values: Sample[]; aggregator: 'sum' };
}

/** One operation of a source: its label and its series by status class. */
interface Operation {
  readonly label: string;
  readonly byClass: (Series | undefined)[];
}

export class UpstreamSeries {
  /** source → operation → its series; operations folded into `(other)` share one entry. */
  readonly #bySource = new Map<string, Map<string, Operation>>();

  constructor(
    private readonly bounds: readonly number[],
    /** An operation's label, decided the first time it is seen (a bounded label may fold it). */
    private readonly operationLabel: (operation: string) => string,
  ) {}

  record(source: string, operation: string, statusClass: number, seconds: number): void {
    let operations = this.#bySource.get(source);
    if (!operations) this.#bySource.set(source, (operations = new Map()));
    let entry = operations.get(operation);
    if (!entry) {
      const label = this.operationLabel(operation);
      entry = operations.get(label) ?? { label, byClass: [] };
      operations.set(operation, entry);
      operations.set(label, entry);
    }
    let series = entry.byClass[statusClass];
    if (!series) {
      entry.byClass[statusClass] = series = {
        source,
        operation: entry.label,
        statusClass: STATUS_CLASSES[statusClass]!,
        buckets: new Float64Array(this.bounds.length),
        count: 0,
        sum: 0,
      };
    }
    series.count++;
    series.sum += seconds;
    const { bounds } = this;
    for (let i = 0; i < bounds.length; i++) {
      if (seconds <= bounds[i]!) {
        series.buckets[i]!++;
        break;
      }
    }
  }

  /** Every series once (an entry is reachable under its operation and its label). */
  *#series(): Generator<Series> {
    for (const operations of this.#bySource.values()) {
      for (const [key, entry] of operations) {
        if (key !== entry.label) continue;
        for (const series of entry.byClass) if (series) yield series;
      }
    }
  }

  histogram(name: string, help: string): RegistryMetric {
    const get = () => {
      const values: Sample[] = [];
      for (const s of this.#series()) {
        const labels = { source: s.source, operation: s.operation, status_class: s.statusClass };
        let cumulative = 0;
        for (let i = 0; i < this.bounds.length; i++) {
          cumulative += s.buckets[i]!;
          values.push({ labels: { ...labels, le: this.bounds[i]! }, value: cumulative, metricName: `${name}_bucket` });
        }
        values.push({ labels: { ...labels, le: '+Inf' }, value: s.count, metricName: `${name}_bucket` });
        values.push({ labels, value: s.sum, metricName: `${name}_sum` });
        values.push({ labels, value: s.count, metricName: `${name}_count` });
      }
      return { name, help, type: 'histogram', values, aggregator: 'sum' as const };
    };
    return { name, help, type: 'histogram', aggregator: 'sum', get };
  }

  /** The calls per series: the histogram's count. */
  counter(name: string, help: string): RegistryMetric {
    const get = () => {
      const values: Sample[] = [];
      for (const s of this.#series()) values.push({ labels: { source: s.source, operation: s.operation, status_class: s.statusClass }, value: s.count });
      return { name, help, type: 'counter', values, aggregator: 'sum' as const };
    };
    return { name, help, type: 'counter', aggregator: 'sum', get };
  }
}
