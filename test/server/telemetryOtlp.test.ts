import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { silentLogger } from '../../src/log';
import { Metrics } from '../../src/observability/metrics';
import { startTelemetry } from '../../src/observability/otel';
import { telemetryConfig } from '../../src/observability/telemetry';
import { HttpClient } from '../../src/platform/http';
import { withHarness } from '../lifecycle/harness';

/**
 * An OTLP/HTTP endpoint on loopback that keeps what arrives, decoded with plain JSON.parse (OTLP's
 * JSON encoding). No packaged OTLP receiver exists in Debian or on npm (Debian's Prometheus 2.42
 * predates its OTLP receiver), so this is the receiving end; the Prometheus test uses the real one.
 */
interface Received {
  path: string;
  body: any;
}
let collector: Server;
let collectorUrl = '';
const received: Received[] = [];
/** Headers of the requests a plain service got (for traceparent). */
const serviceHeaders: IncomingHttpHeaders[] = [];
let service: Server;
let serviceUrl = '';

before(async () => {
  collector = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const text = (req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
      assert.match(req.headers['content-type'] ?? '', /application\/json/, 'the exporters send OTLP as JSON');
      received.push({ path: req.url ?? '', body: JSON.parse(text) });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  service = createServer((req, res) => {
    serviceHeaders.push(req.headers);
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
  await Promise.all([collector, service].map((s) => new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))));
  collectorUrl = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
  serviceUrl = `http://127.0.0.1:${(service.address() as AddressInfo).port}`;
});
after(() => {
  for (const s of [collector, service]) {
    s.closeAllConnections();
    s.close();
  }
});

const spans = () =>
  received
    .filter((r) => r.path === '/v1/traces')
    .flatMap((r) => r.body.resourceSpans.flatMap((rs: any) => rs.scopeSpans.flatMap((ss: any) => ss.spans)));
const metricNamed = (name: string) =>
  received
    .filter((r) => r.path === '/v1/metrics')
    .flatMap((r) => r.body.resourceMetrics.flatMap((rm: any) => rm.scopeMetrics.flatMap((sm: any) => sm.metrics)))
    .filter((m: any) => m.name === name);
const attribute = (item: any, key: string) => {
  const value = item.attributes?.find((a: any) => a.key === key)?.value;
  return value?.stringValue ?? value?.intValue ?? value?.doubleValue;
};

describe('OpenTelemetry export over OTLP', () => {
  it('reads the standard variables: off unless an exporter is configured', () => {
    assert.equal(telemetryConfig({}), undefined);
    assert.equal(telemetryConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'true' }), undefined);
    const both = telemetryConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318/' })!;
    assert.deepEqual(both.metrics, { exporter: 'otlp', url: 'http://c:4318/v1/metrics', intervalMs: 60_000 });
    assert.deepEqual(both.traces, { exporter: 'otlp', url: 'http://c:4318/v1/traces' });
    assert.equal(both.propagate, false);
    const tracesOnly = telemetryConfig({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://t/x', OTEL_METRICS_EXPORTER: 'none' })!;
    assert.equal(tracesOnly.metrics, undefined);
    assert.equal(tracesOnly.traces?.url, 'http://t/x');
    const prometheus = telemetryConfig({ OTEL_METRICS_EXPORTER: 'prometheus', OTEL_EXPORTER_PROMETHEUS_PORT: '9999' })!;
    assert.deepEqual(prometheus.metrics, { exporter: 'prometheus', host: '127.0.0.1', port: 9999 });
  });

  it('exports a span per tool call with its HTTP requests as children, and the metrics, with no secret in any attribute', async () => {
    received.length = 0;
    await withHarness(async (h) => {
      const cli = await h.connect([], { OTEL_EXPORTER_OTLP_ENDPOINT: collectorUrl, OTEL_METRIC_EXPORT_INTERVAL: '60000' });
      const result = await h.call(cli, 'pp_whoami', { environment: 'Contoso Dev' });
      assert.equal(result.isError, undefined);
      await cli.close(); // shuts the telemetry down, which sends what is pending

      const all = spans();
      const tool = all.find((s: any) => s.name === 'tools/call pp_whoami');
      assert.ok(tool, `a tool span among ${all.map((s: any) => s.name).join(', ')}`);
      assert.equal(attribute(tool, 'gen_ai.tool.name'), 'pp_whoami');
      const children = all.filter((s: any) => s.parentSpanId === tool.spanId);
      // The environment read (BAP), WhoAmI, and the four reads after it.
      assert.ok(children.length >= 6, `${children.length} request spans`);
      for (const child of children) {
        assert.equal(child.traceId, tool.traceId);
        assert.match(child.name, /^(GET|POST)$/);
        assert.equal(attribute(child, 'http.response.status_code'), 200);
      }
      assert.deepEqual([...new Set(children.map((c: any) => attribute(c, 'pp.service')))].sort(), ['bap', 'dataverse']);

      const calls = metricNamed('pp.tool.calls').flatMap((m: any) => m.sum.dataPoints);
      const whoami = calls.find((p: any) => attribute(p, 'gen_ai.tool.name') === 'pp_whoami');
      assert.equal(Number(whoami.asInt ?? whoami.asDouble), 1);
      assert.equal(attribute(whoami, 'outcome'), 'ok');
      assert.ok(metricNamed('pp.http.requests').length);
      assert.ok(metricNamed('pp.tool.duration')[0].histogram.dataPoints[0].count >= 1);
      const budget = metricNamed('pp.dataverse.budget.requests')[0].gauge.dataPoints[0];
      assert.match(attribute(budget, 'pp.dataverse.org'), /\/orgs\/contoso-dev$/);

      const everything = JSON.stringify(received);
      assert.doesNotMatch(everything, new RegExp(h.sandbox.clientSecret.replace(/[^\w]/g, '.')));
      assert.doesNotMatch(everything, /Bearer|eyJ[\w-]{10,}|\/api\/data\/|systemusers/);
    });
  });

  it('sends no traceparent to the services unless asked to', async () => {
    for (const propagate of [false, true]) {
      received.length = 0;
      serviceHeaders.length = 0;
      const metrics = new Metrics();
      const telemetry = startTelemetry(
        metrics,
        { traces: { exporter: 'otlp', url: `${collectorUrl}/v1/traces` }, propagate, serviceName: 't' },
        silentLogger,
      );
      const http = new HttpClient({ logger: silentLogger, userAgent: 'test', metrics });
      await metrics.tracing!.toolCall('pp_test', async () => {
        await http.send({ service: 'bap', method: 'GET', url: `${serviceUrl}/x` });
        return {};
      });
      await telemetry.shutdown();
      await http.close();
      const request = spans().find((s: any) => s.kind === 3);
      if (!propagate) assert.equal(serviceHeaders[0]!.traceparent, undefined);
      else assert.equal(serviceHeaders[0]!.traceparent, `00-${request.traceId}-${request.spanId}-01`);
    }
  });
});
