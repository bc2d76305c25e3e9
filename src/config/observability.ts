// `tributary.observability`: what the gateway tells its operators. Everything is on by
// default except tracing, which needs somewhere to send spans: it is on when an OTLP
// endpoint is configured here or by the standard OpenTelemetry environment variables.
import { z } from 'zod';

const port = z.number().int().min(0).max(65_535);

export const MetricsSettings = z
  .object({
    /** Prometheus text at `path`; off: no registry work per request and no route. */
    enabled: z.boolean().default(true),
    path: z
      .string()
      .regex(/^\/[^?#]*$/, 'expected a path starting with "/"')
      .default('/metrics'),
    /** Serve /metrics on its own port (and `host`) instead of the gateway's. */
    port: port.optional(),
    host: z.string().min(1).default('0.0.0.0'),
    /** Require the credentials /graphql accepts (tributary.policies.auth) wherever /metrics is served. */
    requireAuth: z.boolean().default(false),
  })
  .strict();
export type MetricsSettings = z.infer<typeof MetricsSettings>;

export const TracingSettings = z
  .object({
    /** Default: on when `endpoint` or OTEL_EXPORTER_OTLP_ENDPOINT / OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set. */
    enabled: z.boolean().optional(),
    /** OTLP/HTTP base URL (…/v1/traces is appended, as for OTEL_EXPORTER_OTLP_ENDPOINT); overrides the environment. */
    endpoint: z.string().url().optional(),
    /** Default: OTEL_SERVICE_NAME, else "tributary". */
    serviceName: z.string().min(1).optional(),
    /** Share of new traces sampled (parent-based); default: OTEL_TRACES_SAMPLER / _ARG, else 1. */
    sampleRatio: z.number().min(0).max(1).optional(),
  })
  .strict();
export type TracingSettings = z.infer<typeof TracingSettings>;

export const ObservabilitySettings = z
  .object({
    /** One JSON line per request (GraphQL and passthrough) at info level. */
    accessLog: z.boolean().default(true),
    metrics: MetricsSettings.default(MetricsSettings.parse({})),
    tracing: TracingSettings.default(TracingSettings.parse({})),
  })
  .strict();
export type ObservabilitySettings = z.infer<typeof ObservabilitySettings>;
