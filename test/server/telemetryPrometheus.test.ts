import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from '../helpers';
import { withHarness } from '../lifecycle/harness';

/** Debian's Prometheus (installed by .ci/run): required in CI, skipped with the reason elsewhere. */
const hasPrometheus = spawnSync('prometheus', ['--version']).status === 0;
const skip =
  !hasPrometheus && process.env.CI !== 'true' ? 'needs prometheus on PATH (apt-get install prometheus; .ci/run installs it)' : false;

/** The example alert rules of the README's "Operating at scale", as written there. */
function readmeAlertRules(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const block = /<!-- alert-rules -->\n```yaml\n([\s\S]*?)```/.exec(readme);
  assert.ok(block, 'the README has its alert rules');
  return block[1]!;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

/** What Prometheus printed, so that a failure to answer says why (a port taken, a config refused). */
let prometheusOutput = '';

/** Asks Prometheus until the query has an answer (it scrapes every second), for at most 30 s. */
async function query(base: string, promql: string): Promise<Sample[]> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const answer = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(promql)}`).catch(() => undefined);
    if (answer?.ok) {
      const body = (await answer.json()) as { data: { result: Sample[] } };
      if (body.data.result.length) return body.data.result;
    } else await answer?.body?.cancel();
    assert.ok(Date.now() < deadline, `Prometheus had no answer to ${promql} within 30 s. It printed:\n${prometheusOutput.slice(-2000)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The alert rules once each was evaluated at least once. */
async function waitForRules(base: string): Promise<Array<{ name: string; health: string; lastError?: string }>> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const answer = await fetch(`${base}/api/v1/rules`);
    const body = (await answer.json()) as {
      data: { groups: Array<{ rules: Array<{ name: string; health: string; lastError?: string }> }> };
    };
    const rules = body.data.groups.flatMap((group) => group.rules);
    if (rules.length && rules.every((rule) => rule.health !== 'unknown')) return rules;
    assert.ok(Date.now() < deadline, 'Prometheus evaluated the rules within 30 s');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('OpenTelemetry metrics scraped by Prometheus', { skip }, () => {
  it('serves the figures on the Prometheus endpoint (OTEL_METRICS_EXPORTER=prometheus), and Prometheus stores them', async () => {
    assert.ok(hasPrometheus, 'prometheus is on PATH (CI installs it in .ci/run)');
    const exporterPort = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'power-agent-prometheus-'));
    const config = join(dir, 'prometheus.yml');
    const target = `      - targets: ['127.0.0.1:${exporterPort}']`;
    writeFileSync(join(dir, 'rules.yml'), readmeAlertRules());
    const global = ['global:', '  scrape_interval: 1s', '  evaluation_interval: 1s', 'rule_files: [rules.yml]'];
    const scrape = ['scrape_configs:', '  - job_name: power-agent-mcp', '    static_configs:', target];
    writeFileSync(config, `${[...global, ...scrape].join('\n')}\n`);
    await withHarness(async (h) => {
      const cli = await h.connect([], { OTEL_METRICS_EXPORTER: 'prometheus', OTEL_EXPORTER_PROMETHEUS_PORT: String(exporterPort) });
      assert.equal((await h.call(cli, 'pp_whoami', { environment: 'Contoso Dev' })).isError, undefined);
      assert.equal((await h.call(cli, 'pp_whoami', { environment: 'Contoso Nowhere' })).isError, true);
      // Asked for only now: a port found free earlier may be taken meanwhile by the suite's many connections.
      const prometheusPort = await freePort();
      const prometheus = spawn(
        'prometheus',
        [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${prometheusPort}`],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      prometheusOutput = '';
      prometheus.stderr.setEncoding('utf8').on('data', (chunk: string) => (prometheusOutput = (prometheusOutput + chunk).slice(-20_000)));
      try {
        const base = `http://127.0.0.1:${prometheusPort}`;
        const calls = await query(base, 'pp_tool_calls_total{gen_ai_tool_name="pp_whoami"}');
        const byOutcome = Object.fromEntries(calls.map((s) => [s.metric.outcome, s.value[1]]));
        assert.deepEqual(byOutcome, { ok: '1', error: '1' });
        assert.equal(calls[0]!.metric.job, 'power-agent-mcp');
        const budget = await query(base, 'pp_dataverse_budget_requests');
        assert.match(budget[0]!.metric.pp_dataverse_org!, /\/orgs\/contoso-dev$/);
        assert.ok(Number(budget[0]!.value[1]) < 6000);
        const requests = await query(base, 'sum by (pp_service) (pp_http_requests_total)');
        assert.deepEqual(requests.map((s) => s.metric.pp_service).sort(), ['bap', 'dataverse', 'identity']);
        // The README's alert rules load and evaluate against these series without error.
        const rules = await waitForRules(base);
        assert.equal(rules.length, 6);
        for (const rule of rules) assert.equal(rule.health, 'ok', `${rule.name}: ${rule.lastError ?? ''}`);
        const rss = await query(base, '{__name__=~"process_memory_usage.*", process_memory_type="rss"}');
        assert.ok(Number(rss[0]!.value[1]) > 10e6, `RSS ${rss[0]!.value[1]} bytes`);
      } finally {
        prometheus.kill();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
