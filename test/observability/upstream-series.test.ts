// The upstream call series are rendered by prom-client's registry like its own
// histograms: cumulative buckets, +Inf equal to the count, the counter equal to it too,
// and operations past the label bound folded into one `(other)` series.
import { describe, expect, it } from 'vitest';
import { Registry, type Metric } from 'prom-client';
import { BoundedLabel } from '../../src/observability/metrics.ts';
import { statusClassIndex, UpstreamSeries } from '../../src/observability/upstream-series.ts';

async function render(series: UpstreamSeries): Promise<string[]> {
  const registry = new Registry();
  registry.registerMetric(series.histogram('t_duration_seconds', 'duration') as unknown as Metric);
  registry.registerMetric(series.counter('t_requests_total', 'requests') as unknown as Metric);
  return (await registry.metrics()).split('\n');
}

describe('UpstreamSeries', () => {
  it.each([
    [undefined, 'error'],
    [101, '1xx'],
    [200, '2xx'],
    [304, '3xx'],
    [404, '4xx'],
    [503, '5xx'],
    [599, '5xx'],
  ])('status %s is class %s', async (status, statusClass) => {
    const series = new UpstreamSeries([1], (op) => op);
    series.record('S', 'GET /x', statusClassIndex(status), 0.5);
    expect(await render(series)).toContain(`t_requests_total{source="S",operation="GET /x",status_class="${statusClass}"} 1`);
  });

  it('renders cumulative buckets, +Inf, sum and count, and the counter from the same count', async () => {
    const series = new UpstreamSeries([0.01, 0.1, 1], (op) => op);
    for (const seconds of [0.005, 0.05, 0.05, 0.5, 7]) series.record('Shop', 'GET /items/{id}', statusClassIndex(200), seconds);
    const lines = await render(series);
    const labels = 'source="Shop",operation="GET /items/{id}",status_class="2xx"';
    expect(lines).toEqual(
      expect.arrayContaining([
        '# TYPE t_duration_seconds histogram',
        `t_duration_seconds_bucket{${labels},le="0.01"} 1`,
        `t_duration_seconds_bucket{${labels},le="0.1"} 3`,
        `t_duration_seconds_bucket{${labels},le="1"} 4`,
        `t_duration_seconds_bucket{${labels},le="+Inf"} 5`,
        `t_duration_seconds_sum{${labels}} 7.605`,
        `t_duration_seconds_count{${labels}} 5`,
        '# TYPE t_requests_total counter',
        `t_requests_total{${labels}} 5`,
      ]),
    );
  });

  it('folds operations past the bound into one (other) series per source and class', async () => {
    const bound = new BoundedLabel(2);
    const series = new UpstreamSeries([1], (op) => bound.of(op));
    for (const op of ['GET /a', 'GET /b', 'GET /c', 'GET /d', 'GET /c']) series.record('S', op, statusClassIndex(200), 0.1);
    const counts = (await render(series)).filter((l) => l.startsWith('t_requests_total{'));
    expect(counts).toEqual([
      't_requests_total{source="S",operation="GET /a",status_class="2xx"} 1',
      't_requests_total{source="S",operation="GET /b",status_class="2xx"} 1',
      't_requests_total{source="S",operation="(other)",status_class="2xx"} 3',
    ]);
  });
});
