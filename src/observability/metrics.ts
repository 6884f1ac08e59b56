import type { ServiceName } from '../platform/errors';
import type { OperationRecord } from '../operations/record';
import type { Tracing } from './telemetry';
import type { ResponseHeaders } from '../platform/responseHeaders';

/** Durations kept per tool and per service for the percentiles: the most recent ones. */
const RECENT = 1024;

/** Headers Dataverse sends on every response: requests, and seconds of execution time, left in the window. */
export const BURST_REMAINING = 'x-ms-ratelimit-burst-remaining-xrm-requests';
export const TIME_REMAINING = 'x-ms-ratelimit-time-remaining-xrm-requests';
/** The degree of parallelism Dataverse recommends for the environment now (more where it has more servers). */
const PARALLELISM_HINT = 'x-ms-dop-hint';

/** Dataverse's documented service protection limits per user and 5-minute window, the basis of the budget's percentage. */
export const DATAVERSE_WINDOW = { requests: 6000, seconds: 1200 } as const;

/** The smaller share left, in percent, of the window's requests and of its execution time. */
export function budgetLeftPercent(budget: ApiBudget): number {
  const requests = budget.requestsRemaining === null ? 100 : (100 * budget.requestsRemaining) / DATAVERSE_WINDOW.requests;
  const time = budget.secondsRemaining === null ? 100 : (100 * budget.secondsRemaining) / DATAVERSE_WINDOW.seconds;
  return Math.min(requests, time);
}

/** A number from a rate-limit header ("5,999", "1,199.97"); undefined when absent or unreadable. */
export function headerNumber(headers: ResponseHeaders, name: string): number | undefined {
  const value = headers.get(name);
  if (value === null) return undefined;
  const n = Number(value.replace(/,/g, '').trim());
  return Number.isFinite(n) ? n : undefined;
}

/** The requests at once a Dataverse answer recommends (x-ms-dop-hint), when it gives a usable number. */
export function parallelismHint(headers: ResponseHeaders): number | undefined {
  const hint = headerNumber(headers, PARALLELISM_HINT);
  return hint !== undefined && Number.isInteger(hint) && hint > 0 ? hint : undefined;
}

/** The last durations of something, for p50 and p95. */
class Recent {
  private readonly values: number[] = [];
  private next = 0;

  add(ms: number): void {
    if (this.values.length < RECENT) this.values.push(ms);
    else this.values[this.next] = ms;
    this.next = (this.next + 1) % RECENT;
  }

  percentile(p: number): number | null {
    if (!this.values.length) return null;
    const sorted = [...this.values].sort((a, b) => a - b);
    return Math.round(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!);
  }
}

interface ToolCounts {
  simple: boolean;
  calls: number;
  errors: number;
  durations: Recent;
}

interface ServiceCounts {
  requests: number;
  throttled: number;
  /** Answers of 500 and above, and requests that got no answer. */
  failures: number;
  retries: number;
  retryWaitMs: number;
  durations: Recent;
}

/** What Dataverse's last answer from an org said was left of the user's service protection budget. */
export interface ApiBudget {
  requestsRemaining: number | null;
  secondsRemaining: number | null;
  /** When it was read (ms since the epoch). */
  readAt: number;
}

export interface ToolFigures {
  tool: string;
  /** A tool that reads and starts no operation: its calls should answer quickly. */
  simple: boolean;
  calls: number;
  errors: number;
  p50Ms: number | null;
  p95Ms: number | null;
}

export interface ServiceFigures {
  /** bap, powerplatform, checker, identity, or dataverse. */
  service: string;
  /** The Dataverse org (host and path), for dataverse. */
  org: string | null;
  requests: number;
  throttled: number;
  failures: number;
  retries: number;
  retryWaitMs: number;
  p50Ms: number | null;
  p95Ms: number | null;
  budget: ApiBudget | null;
}

export interface MetricsSnapshot {
  uptimeSeconds: number;
  memory: { rssMb: number; heapUsedMb: number };
  tools: ToolFigures[];
  services: ServiceFigures[];
  operations: { running: number; succeeded: number; failed: number };
}

/** Something that watches the figures as they come (the OpenTelemetry bridge). */
export interface MetricsSink {
  toolCall?(tool: string, ms: number, failed: boolean, simple: boolean): void;
  request?(service: string, org: string | null, status: number, ms: number): void;
  retry?(service: string, org: string | null, waitMs: number): void;
}

const ACTIVE: ReadonlySet<OperationRecord['state']> = new Set(['starting', 'queued', 'running', 'unknown']);

/**
 * The server's own figures, in process: per tool calls, errors and durations; per service requests,
 * throttling, retries, their waits and durations, and each Dataverse org's remaining budget; the
 * operations this process followed; memory and uptime. Fed by tool invocation, the HTTP client and the
 * operation tracker; read by pp_server_status, the VS Code status bar and the OpenTelemetry bridge.
 */
export class Metrics {
  private readonly tools = new Map<string, ToolCounts>();
  private readonly services = new Map<string, ServiceCounts & { service: string; org: string | null }>();
  private readonly budgets = new Map<string, ApiBudget>();
  private readonly operationStates = new Map<string, OperationRecord['state']>();
  private readonly sinks: MetricsSink[] = [];
  /** Spans for tool calls and their HTTP requests, while OpenTelemetry traces are exported. */
  tracing: Tracing | undefined;

  constructor(
    private readonly now: () => number = Date.now,
    readonly startedAt = now(),
  ) {}

  addSink(sink: MetricsSink): void {
    this.sinks.push(sink);
  }

  /** One tool call; `simple` for a tool that reads and starts no operation. */
  toolCall(tool: string, ms: number, failed: boolean, simple = false): void {
    let counts = this.tools.get(tool);
    if (!counts) this.tools.set(tool, (counts = { simple, calls: 0, errors: 0, durations: new Recent() }));
    counts.calls++;
    if (failed) counts.errors++;
    counts.durations.add(ms);
    for (const sink of this.sinks) sink.toolCall?.(tool, ms, failed, counts.simple);
  }

  /** One HTTP attempt: its answer's status (0 when none came), how long it took, and its headers. */
  request(service: ServiceName, url: string, status: number, ms: number, headers?: ResponseHeaders): void {
    const counts = this.serviceCounts(service, url);
    counts.requests++;
    if (status === 429) counts.throttled++;
    if (status === 0 || status >= 500) counts.failures++;
    counts.durations.add(ms);
    if (headers && counts.org) this.readBudget(counts.org, headers);
    for (const sink of this.sinks) sink.request?.(counts.service, counts.org, status, ms);
  }

  /** The HTTP client waits `waitMs` (Retry-After or backoff) and sends a request again. */
  retry(service: ServiceName, url: string, waitMs: number): void {
    const counts = this.serviceCounts(service, url);
    counts.retries++;
    counts.retryWaitMs += waitMs;
    for (const sink of this.sinks) sink.retry?.(counts.service, counts.org, waitMs);
  }

  /** The remaining budget Dataverse last reported for an org (its URL, or any URL under it). */
  budget(orgUrl: string): ApiBudget | undefined {
    return this.budgets.get(orgOf(orgUrl) ?? '');
  }

  /** Follows the operations of a tracker: how many run now, and how many ended well or badly while it watched. */
  watchOperations(tracker: { onDidChange(listener: (record: OperationRecord) => void): () => void }): () => void {
    return tracker.onDidChange((record) => void this.operationStates.set(record.id, record.state));
  }

  snapshot(): MetricsSnapshot {
    const memory = process.memoryUsage();
    const mb = (bytes: number) => Math.round(bytes / 1e5) / 10;
    const states = [...this.operationStates.values()];
    return {
      uptimeSeconds: Math.round((this.now() - this.startedAt) / 1000),
      memory: { rssMb: mb(memory.rss), heapUsedMb: mb(memory.heapUsed) },
      tools: [...this.tools].map(([tool, c]) => ({
        tool,
        simple: c.simple,
        calls: c.calls,
        errors: c.errors,
        ...percentiles(c.durations),
      })),
      services: [...this.services.values()].map((c) => ({
        service: c.service,
        org: c.org,
        requests: c.requests,
        throttled: c.throttled,
        failures: c.failures,
        retries: c.retries,
        retryWaitMs: Math.round(c.retryWaitMs),
        ...percentiles(c.durations),
        budget: c.org ? (this.budgets.get(c.org) ?? null) : null,
      })),
      operations: {
        running: states.filter((state) => ACTIVE.has(state)).length,
        succeeded: states.filter((state) => state === 'succeeded').length,
        failed: states.filter((state) => state === 'failed').length,
      },
    };
  }

  private serviceCounts(service: ServiceName, url: string): ServiceCounts & { service: string; org: string | null } {
    const org = service === 'dataverse' ? (orgOf(url) ?? null) : null;
    const key = org ? `dataverse ${org}` : service;
    let counts = this.services.get(key);
    if (!counts) {
      counts = { service, org, requests: 0, throttled: 0, failures: 0, retries: 0, retryWaitMs: 0, durations: new Recent() };
      this.services.set(key, counts);
    }
    return counts;
  }

  private readBudget(org: string, headers: ResponseHeaders): void {
    const requests = headerNumber(headers, BURST_REMAINING);
    const seconds = headerNumber(headers, TIME_REMAINING);
    if (requests === undefined && seconds === undefined) return;
    this.budgets.set(org, { requestsRemaining: requests ?? null, secondsRemaining: seconds ?? null, readAt: this.now() });
  }
}

function percentiles(durations: Recent): { p50Ms: number | null; p95Ms: number | null } {
  return { p50Ms: durations.percentile(50), p95Ms: durations.percentile(95) };
}

/** A Dataverse org as host and path ("contoso.crm.dynamics.com"), from its URL or any URL of its Web API. */
export function orgOf(url: string): string | undefined {
  try {
    const u = new URL(url);
    const path = u.pathname.split(/\/api\/data\//i)[0]!.replace(/\/+$/, '');
    return `${u.host}${path}`.toLowerCase();
  } catch {
    return undefined;
  }
}
