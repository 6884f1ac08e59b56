import type { ServerStatusReport } from '../tools/serverStatus';
import { uptimeText } from './format';

/** One row of the Server Health view; no VS Code types, so it is tested without VS Code. */
export interface HealthNode {
  label: string;
  description?: string;
  tooltip?: string;
  /** A codicon name. */
  icon?: string;
  children?: HealthNode[];
}

/**
 * The Server Health view: the checks against the guide's thresholds, then per tool and per service
 * figures, memory and uptime — what pp_server_status reports. Before the first tool call there are no
 * figures, and the view says so.
 */
export function healthNodes(report: ServerStatusReport | undefined): HealthNode[] {
  if (!report) return [{ label: 'No figures yet', description: 'they start with the first tool call', icon: 'info' }];
  const { running, succeeded, failed } = report.operations;
  return [
    {
      label: report.healthy ? 'Healthy' : 'Needs attention',
      description: `up ${uptimeText(report.uptimeSeconds)} · RSS ${report.memory.rssMb} MB · heap ${report.memory.heapUsedMb} MB`,
      icon: report.healthy ? 'pass' : 'warning',
    },
    ...report.checks.map((check) => ({
      label: check.check,
      description: check.value,
      tooltip: `${check.check}: ${check.value} (threshold: ${check.threshold})`,
      icon: check.status === 'ok' ? 'check' : check.status === 'warning' ? 'warning' : 'circle-outline',
    })),
    { label: 'Operations', description: `${running} running, ${succeeded} succeeded, ${failed} failed`, icon: 'sync' },
    {
      label: 'Tools',
      description: `${report.tools.length} called`,
      icon: 'tools',
      children: report.tools.map((tool) => ({
        label: tool.tool,
        description: `${count(tool.calls, 'call')}, ${count(tool.errors, 'error')} · p50 ${ms(tool.p50Ms)} · p95 ${ms(tool.p95Ms)}`,
        icon: tool.errors ? 'warning' : 'symbol-method',
      })),
    },
    {
      label: 'Services',
      description: `${report.services.length} reached`,
      icon: 'cloud',
      children: report.services.map((service) => ({
        label: service.org ? `${service.service} ${service.org}` : service.service,
        description: [
          count(service.requests, 'request'),
          `${service.throttled} throttled`,
          `${count(service.retries, 'retry', 'retries')} (${(service.retryWaitMs / 1000).toFixed(1)} s waited)`,
          `p95 ${ms(service.p95Ms)}`,
          ...(service.budget ? [budget(service.budget)] : []),
        ].join(' · '),
        icon: service.throttled ? 'warning' : 'cloud',
      })),
    },
  ];
}

function budget(figures: NonNullable<ServerStatusReport['services'][number]['budget']>): string {
  const parts = [
    figures.requestsRemaining === null ? '' : `${figures.requestsRemaining} requests`,
    figures.secondsRemaining === null ? '' : `${figures.secondsRemaining} s of execution`,
  ].filter(Boolean);
  return `budget left: ${parts.join(', ') || 'unknown'}`;
}

function count(value: number, one: string, many = `${one}s`): string {
  return `${value} ${value === 1 ? one : many}`;
}

function ms(value: number | null): string {
  if (value === null) return '–';
  return value < 1000 ? `${Math.round(value)} ms` : `${(value / 1000).toFixed(1)} s`;
}
