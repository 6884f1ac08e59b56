import { z } from 'zod';
import { DATAVERSE_WINDOW, budgetLeftPercent, type ApiBudget, type MetricsSnapshot, type ServiceFigures } from '../observability/metrics';
import { defineTool } from './types';

/** The thresholds the scaling guide says to watch. */
export const THRESHOLDS = { successRatePercent: 95, errorRatePercent: 5, simpleCallP95Seconds: 30, budgetPercent: 20 } as const;

type Status = 'ok' | 'warning' | 'no data';

const check = z.object({
  check: z.string(),
  status: z.enum(['ok', 'warning', 'no data']),
  value: z.string().describe('What was measured.'),
  threshold: z.string(),
});

const budget = z
  .object({
    requestsRemaining: z.number().nullable(),
    secondsRemaining: z.number().nullable(),
    readAt: z.string().describe('When Dataverse last reported it (ISO time).'),
  })
  .nullable();

export const serverStatus = defineTool({
  name: 'pp_server_status',
  toolset: 'diagnostics',
  title: 'Server status',
  description:
    "Reports this server's own health since it started: calls, errors, p50/p95 time per tool; requests, throttling (429), retries " +
    'and their waits per service; the Dataverse API budget left per org; operations; memory and uptime. Compares them with the ' +
    'thresholds (success above 95 %, errors under 5 %, simple calls under 30 s). Reads only, sends nothing.',
  input: z.strictObject({}),
  output: z.object({
    healthy: z.boolean().describe('True when no check is a warning.'),
    checks: z.array(check),
    uptimeSeconds: z.number(),
    memory: z.object({ rssMb: z.number(), heapUsedMb: z.number() }),
    tools: z.array(
      z.object({ tool: z.string(), calls: z.number(), errors: z.number(), p50Ms: z.number().nullable(), p95Ms: z.number().nullable() }),
    ),
    services: z.array(
      z.object({
        service: z.string(),
        org: z.string().nullable().describe('The Dataverse org (host and path), for dataverse.'),
        requests: z.number(),
        throttled: z.number().describe('Answers of 429 Too Many Requests.'),
        failures: z.number().describe('Answers of 500 and above, and requests that got no answer.'),
        retries: z.number(),
        retryWaitMs: z.number().describe('Time spent waiting before retries (Retry-After or backoff).'),
        p50Ms: z.number().nullable(),
        p95Ms: z.number().nullable(),
        budget,
      }),
    ),
    operations: z.object({ running: z.number(), succeeded: z.number(), failed: z.number() }),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  handler(_args, context) {
    const report = serverStatusReport(context.metrics.snapshot());
    return Promise.resolve({ result: report, summary: summarize(report, report.checks, report.healthy) });
  },
});

export type StatusCheck = ReturnType<typeof statusChecks>[number];

export type ServerStatusReport = Omit<MetricsSnapshot, 'services'> & {
  healthy: boolean;
  checks: StatusCheck[];
  services: Array<Omit<ServiceFigures, 'budget'> & { budget: (Omit<ApiBudget, 'readAt'> & { readAt: string }) | null }>;
};

/** The figures, the checks against the thresholds, and whether all pass: pp_server_status's result, and the VS Code hover's. */
export function serverStatusReport(figures: MetricsSnapshot): ServerStatusReport {
  const checks = statusChecks(figures);
  const services = figures.services.map((s) => ({
    ...s,
    budget: s.budget && { ...s.budget, readAt: new Date(s.budget.readAt).toISOString() },
  }));
  return { ...figures, healthy: !checks.some((c) => c.status === 'warning'), checks, services };
}

/** The figures against the thresholds. A check without enough figures says so instead of passing. */
export function statusChecks(figures: MetricsSnapshot): Array<{ check: string; status: Status; value: string; threshold: string }> {
  const calls = sum(figures.tools.map((t) => t.calls));
  const errors = sum(figures.tools.map((t) => t.errors));
  const requests = sum(figures.services.map((s) => s.requests));
  const failed = sum(figures.services.map((s) => s.failures + s.throttled));
  const slow = figures.tools.filter((t) => t.simple && (t.p95Ms ?? 0) > THRESHOLDS.simpleCallP95Seconds * 1000);
  const timed = figures.tools.filter((t) => t.simple && t.p95Ms !== null);
  const low = figures.services.filter((s) => s.budget && budgetPercent(s) < THRESHOLDS.budgetPercent);
  const budgets = figures.services.filter((s) => s.budget);
  return [
    {
      check: 'tool success rate',
      ...(calls
        ? rate(100 - (100 * errors) / calls, (v) => v > THRESHOLDS.successRatePercent, `${calls - errors} of ${calls} calls`)
        : none()),
      threshold: `above ${THRESHOLDS.successRatePercent} %`,
    },
    {
      check: 'service error rate',
      ...(requests
        ? rate((100 * failed) / requests, (v) => v < THRESHOLDS.errorRatePercent, `${failed} of ${requests} requests failed or throttled`)
        : none()),
      threshold: `under ${THRESHOLDS.errorRatePercent} %`,
    },
    {
      check: 'simple calls p95',
      status: timed.length ? (slow.length ? 'warning' : 'ok') : 'no data',
      value: timed.length
        ? slow.length
          ? `over the limit: ${slow.map((t) => `${t.tool} ${seconds(t.p95Ms!)}`).join(', ')}`
          : `highest ${seconds(Math.max(...timed.map((t) => t.p95Ms!)))}`
        : 'no calls yet',
      threshold: `under ${THRESHOLDS.simpleCallP95Seconds} s (tools that read and do not start operations)`,
    },
    {
      check: 'Dataverse API budget',
      status: budgets.length ? (low.length ? 'warning' : 'ok') : 'no data',
      value: budgets.length
        ? low.length
          ? `low on ${low.map((s) => s.org).join(', ')}`
          : `lowest ${Math.round(Math.min(...budgets.map(budgetPercent)))} % left`
        : 'no Dataverse answer yet',
      threshold: `above ${THRESHOLDS.budgetPercent} % of ${DATAVERSE_WINDOW.requests} requests and of ${DATAVERSE_WINDOW.seconds} s`,
    },
  ];
}

function budgetPercent(service: ServiceFigures): number {
  return budgetLeftPercent(service.budget!);
}

function rate(percent: number, good: (value: number) => boolean, detail: string): { status: Status; value: string } {
  return { status: good(percent) ? 'ok' : 'warning', value: `${percent.toFixed(1)} % (${detail})` };
}

function none(): { status: Status; value: string } {
  return { status: 'no data', value: 'nothing counted yet' };
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 0)} s`;
}

function summarize(figures: ServerStatusReport, checks: StatusCheck[], healthy: boolean): string {
  const lines = [
    `${healthy ? 'Healthy' : 'Needs attention'}: up ${Math.round(figures.uptimeSeconds / 60)} min, RSS ${figures.memory.rssMb} MB, ` +
      `operations ${figures.operations.running} running, ${figures.operations.succeeded} succeeded, ${figures.operations.failed} failed.`,
    ...checks.map(
      (c) => `${c.status === 'ok' ? 'ok  ' : c.status === 'warning' ? 'WARN' : '--  '} ${c.check}: ${c.value} (${c.threshold})`,
    ),
  ];
  for (const t of figures.tools) lines.push(`tool ${t.tool}: ${t.calls} calls, ${t.errors} errors, p50 ${t.p50Ms} ms, p95 ${t.p95Ms} ms`);
  for (const s of figures.services) {
    const left = s.budget ? `, budget ${s.budget.requestsRemaining ?? '?'} requests and ${s.budget.secondsRemaining ?? '?'} s left` : '';
    const name = s.org ? `dataverse ${s.org}` : s.service;
    lines.push(
      `${name}: ${s.requests} requests, ${s.throttled} throttled, ${s.retries} retries (${s.retryWaitMs} ms waited), ` +
        `p95 ${s.p95Ms} ms${left}`,
    );
  }
  return lines.join('\n');
}
