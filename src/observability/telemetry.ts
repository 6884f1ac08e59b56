/**
 * When and where to export metrics and traces, read from the standard OpenTelemetry variables. Nothing
 * here loads OpenTelemetry: the runtime imports its bridge (./otel) only when this says to, so a server
 * without telemetry starts as fast as before.
 */
export interface TelemetryConfig {
  metrics?: { exporter: 'otlp'; url: string; intervalMs: number } | { exporter: 'prometheus'; host: string; port: number };
  traces?: { exporter: 'otlp'; url: string };
  /** Send a W3C traceparent header to the services (POWERAGENT_OTEL_PROPAGATE=1); off by default. */
  propagate: boolean;
  serviceName: string;
}

/** What a tool call and an HTTP request need of tracing; the OpenTelemetry bridge implements it. */
export interface Tracing {
  /** Runs a tool call in a span: HTTP requests made during it are its children. */
  toolCall<T extends { isError?: boolean }>(tool: string, run: () => Promise<T>): Promise<T>;
  /**
   * Starts a client span for one HTTP attempt under the current tool call, adds a traceparent to
   * `headers` when propagation was asked for, and returns what ends it with the answer's status (0: none).
   */
  request(service: string, method: string, url: string, headers: Record<string, string>): (status: number) => void;
}

/** The base URL of OTLP over HTTP with the signal's path, or the signal's own endpoint as given. */
function otlpUrl(env: Record<string, string | undefined>, signal: 'metrics' | 'traces'): string | undefined {
  const own = env[`OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_ENDPOINT`];
  if (own) return own;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT;
  return base ? `${base.replace(/\/+$/, '')}/v1/${signal}` : undefined;
}

/** Undefined when no exporter is configured (the default): telemetry stays off and unloaded. */
export function telemetryConfig(env: Record<string, string | undefined>): TelemetryConfig | undefined {
  if (env.OTEL_SDK_DISABLED?.toLowerCase() === 'true') return undefined;
  const config: TelemetryConfig = {
    propagate: /^(1|true)$/i.test(env.POWERAGENT_OTEL_PROPAGATE ?? ''),
    serviceName: env.OTEL_SERVICE_NAME || 'power-agent-mcp',
  };
  const metricsExporter = env.OTEL_METRICS_EXPORTER?.trim().toLowerCase();
  if (metricsExporter === 'prometheus') {
    const port = Number(env.OTEL_EXPORTER_PROMETHEUS_PORT) || 9464;
    config.metrics = { exporter: 'prometheus', host: env.OTEL_EXPORTER_PROMETHEUS_HOST || '127.0.0.1', port };
  } else if (metricsExporter !== 'none') {
    const url = otlpUrl(env, 'metrics') ?? (metricsExporter === 'otlp' ? 'http://localhost:4318/v1/metrics' : undefined);
    if (url) config.metrics = { exporter: 'otlp', url, intervalMs: Number(env.OTEL_METRIC_EXPORT_INTERVAL) || 60_000 };
  }
  const tracesExporter = env.OTEL_TRACES_EXPORTER?.trim().toLowerCase();
  if (tracesExporter !== 'none') {
    const url = otlpUrl(env, 'traces') ?? (tracesExporter === 'otlp' ? 'http://localhost:4318/v1/traces' : undefined);
    if (url) config.traces = { exporter: 'otlp', url };
  }
  return config.metrics || config.traces ? config : undefined;
}
