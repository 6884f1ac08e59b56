import { SpanKind, SpanStatusCode, context, trace, type Attributes, type Meter } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader, type MetricReader } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { Logger } from '../log';
import { VERSION } from '../version';
import type { Metrics } from './metrics';
import type { TelemetryConfig, Tracing } from './telemetry';

export interface Telemetry {
  /** Sends what is pending (tests, and before the process ends). */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

/**
 * The OpenTelemetry bridge, loaded only when telemetry is configured: the in-process figures as
 * OpenTelemetry metrics (OTLP, or a Prometheus endpoint), and a span per tool call with a child span
 * per HTTP request. Attributes carry names of tools, services, hosts and statuses only: never a URL
 * path or query, a token, a secret or a person's data.
 */
export function startTelemetry(metrics: Metrics, config: TelemetryConfig, logger: Logger): Telemetry {
  const resource = resourceFromAttributes({ 'service.name': config.serviceName, 'service.version': VERSION });
  const parts: Array<{ flush(): Promise<void>; shutdown(): Promise<void> }> = [];
  if (config.metrics) {
    const reader: MetricReader =
      config.metrics.exporter === 'prometheus'
        ? new PrometheusExporter({ host: config.metrics.host, port: config.metrics.port }, (error) => {
            if (error) logger.warn(`Prometheus endpoint: ${String(error)}`);
            else logger.info('metrics served for Prometheus at /metrics');
          })
        : new PeriodicExportingMetricReader({
            exporter: new OTLPMetricExporter({ url: config.metrics.url }),
            exportIntervalMillis: config.metrics.intervalMs,
          });
    const provider = new MeterProvider({ resource, readers: [reader] });
    instrument(provider.getMeter('power-agent-mcp', VERSION), metrics);
    parts.push({ flush: () => provider.forceFlush(), shutdown: () => provider.shutdown() });
  }
  if (config.traces) {
    // Spans find their parent through the async context: the tool call's span is current in its requests.
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    const provider = new TracerProvider({
      resource,
      spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: config.traces.url }), scheduledDelayMillis: 1000 })],
    });
    metrics.tracing = tracing(provider.getTracer('power-agent-mcp', VERSION), config.propagate);
    parts.push({
      flush: () => provider.forceFlush(),
      shutdown: async () => {
        metrics.tracing = undefined;
        await provider.shutdown();
        context.disable();
      },
    });
  }
  return {
    flush: async () => void (await Promise.all(parts.map((part) => part.flush()))),
    shutdown: async () => void (await Promise.all(parts.map((part) => part.shutdown().catch(() => undefined)))),
  };
}

function tracing(tracer: ReturnType<TracerProvider['getTracer']>, propagate: boolean): Tracing {
  const propagator = new W3CTraceContextPropagator();
  return {
    toolCall(tool, run) {
      const attributes = { 'mcp.method.name': 'tools/call', 'gen_ai.tool.name': tool };
      return tracer.startActiveSpan(`tools/call ${tool}`, { kind: SpanKind.SERVER, attributes }, async (span) => {
        try {
          const result = await run();
          if (result.isError) span.setStatus({ code: SpanStatusCode.ERROR }).setAttribute('error.type', 'tool_error');
          return result;
        } finally {
          span.end();
        }
      });
    },
    request(service, method, url, headers) {
      const { hostname, port } = new URL(url);
      const attributes: Attributes = { 'http.request.method': method, 'server.address': hostname, 'pp.service': service };
      if (port) attributes['server.port'] = Number(port);
      const span = tracer.startSpan(method, { kind: SpanKind.CLIENT, attributes });
      if (propagate)
        propagator.inject(trace.setSpan(context.active(), span), headers, {
          set: (carrier: Record<string, string>, key, value) => (carrier[key] = value),
        });
      return (status) => {
        if (status) span.setAttribute('http.response.status_code', status);
        if (status === 0 || status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        if (status === 0) span.setAttribute('error.type', 'no_response');
        span.end();
      };
    },
  };
}

/** Seconds: fine below a second, and 30 s (the guide's limit for simple calls) as a boundary. */
const DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/** The figures as instruments: counters and histograms fed as they come, gauges read when collected. */
function instrument(meter: Meter, metrics: Metrics): void {
  const toolCalls = meter.createCounter('pp.tool.calls', { description: 'Tool calls, by tool and outcome.' });
  const toolDuration = meter.createHistogram('pp.tool.duration', {
    unit: 's',
    description: 'Tool call duration; pp.tool.simple marks tools that read and start no operation.',
    advice: { explicitBucketBoundaries: DURATION_BUCKETS },
  });
  const requests = meter.createCounter('pp.http.requests', { description: 'HTTP requests to the services, by service, org and status.' });
  const throttled = meter.createCounter('pp.http.throttled', { description: 'Answers of 429 Too Many Requests.' });
  const retries = meter.createCounter('pp.http.retries', { description: 'Requests sent again after a wait.' });
  const retryWait = meter.createCounter('pp.http.retry_wait', { unit: 's', description: 'Time waited before retries.' });
  const requestDuration = meter.createHistogram('pp.http.duration', {
    unit: 's',
    description: 'HTTP request duration.',
    advice: { explicitBucketBoundaries: DURATION_BUCKETS },
  });
  const where = (service: string, org: string | null): Attributes =>
    org ? { 'pp.service': service, 'pp.dataverse.org': org } : { 'pp.service': service };
  metrics.addSink({
    toolCall(tool, ms, failed, simple) {
      toolCalls.add(1, { 'gen_ai.tool.name': tool, outcome: failed ? 'error' : 'ok' });
      toolDuration.record(ms / 1000, { 'gen_ai.tool.name': tool, 'pp.tool.simple': simple });
    },
    request(service, org, status, ms) {
      requests.add(1, { ...where(service, org), 'http.response.status_code': status });
      if (status === 429) throttled.add(1, where(service, org));
      requestDuration.record(ms / 1000, where(service, org));
    },
    retry(service, org, waitMs) {
      retries.add(1, where(service, org));
      retryWait.add(waitMs / 1000, where(service, org));
    },
  });
  meter
    .createObservableGauge('pp.operations', { description: 'Operations running, and ended by state, that this server followed.' })
    .addCallback((result) => {
      const { running, succeeded, failed } = metrics.snapshot().operations;
      result.observe(running, { state: 'running' });
      result.observe(succeeded, { state: 'succeeded' });
      result.observe(failed, { state: 'failed' });
    });
  meter
    .createObservableGauge('pp.dataverse.budget.requests', { description: 'Requests left in the service protection window, per org.' })
    .addCallback((result) => {
      for (const s of metrics.snapshot().services)
        if (s.org && s.budget?.requestsRemaining != null) result.observe(s.budget.requestsRemaining, { 'pp.dataverse.org': s.org });
    });
  meter
    .createObservableGauge('pp.dataverse.budget.time', {
      unit: 's',
      description: 'Execution time left in the service protection window, per org.',
    })
    .addCallback((result) => {
      for (const s of metrics.snapshot().services)
        if (s.org && s.budget?.secondsRemaining != null) result.observe(s.budget.secondsRemaining, { 'pp.dataverse.org': s.org });
    });
  meter
    .createObservableGauge('process.memory.usage', { unit: 'By', description: 'Resident set size and used heap.' })
    .addCallback((result) => {
      const memory = process.memoryUsage();
      result.observe(memory.rss, { 'process.memory.type': 'rss' });
      result.observe(memory.heapUsed, { 'process.memory.type': 'heap_used' });
    });
  meter
    .createObservableGauge('pp.uptime', { unit: 's', description: 'Time since the server started.' })
    .addCallback((result) => result.observe(metrics.snapshot().uptimeSeconds));
}
