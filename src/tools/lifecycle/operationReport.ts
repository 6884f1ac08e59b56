import { basename } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { OPERATION_STATES, describeOperation, elapsedSeconds, isTerminal, type OperationRecord } from '../../operations/record';
import type { WaitEnd } from '../../operations/tracker';
import { text } from '../../platform/payload';
import { firstLines } from '../listText';
import type { ToolContext, ToolOutcome } from '../types';

/**
 * Default wait of a call. Below 60 s on purpose: that is the default request timeout of the MCP SDK
 * clients, so a caller that does not reset its timeout on progress still gets an answer.
 */
export const DEFAULT_WAIT_SECONDS = 50;

export const waitSecondsArgument = z.number().int().min(0).max(600).default(DEFAULT_WAIT_SECONDS).describe('Seconds to wait for the end.');

export const operationOutput = z.object({
  id: z.string().describe('Operation id; pass it to pp_get_operation.'),
  kind: z.string(),
  title: z.string(),
  state: z
    .enum(OPERATION_STATES as [string, ...string[]])
    .describe(
      'starting (the start request is being sent), queued, running, succeeded, failed, canceled, or unknown (a lost answer or a status that cannot be read; it may still run, and the server keeps looking).',
    ),
  done: z.boolean().describe('True when the operation has ended (succeeded, failed or canceled).'),
  stage: z.string().nullable(),
  percent: z.number().nullable().describe("Share of the service's stages completed."),
  environmentId: z.string().nullable(),
  environmentName: z.string(),
  sourceEnvironmentId: z.string().nullable(),
  serviceOperationId: z.string().nullable().describe('The id the service gave the operation, for support requests.'),
  correlationId: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  finishedAt: z.string().nullable(),
  elapsedSeconds: z.number(),
  result: z.record(z.string(), z.unknown()).nullable(),
  error: z
    .object({ message: z.string(), code: z.string().nullable(), correlationId: z.string().nullable(), hint: z.string().nullable() })
    .nullable(),
  notes: z.array(z.string()),
});

export type OperationOutput = z.infer<typeof operationOutput>;

export function toOperationOutput(record: OperationRecord): OperationOutput {
  return {
    id: record.id,
    kind: record.kind,
    title: record.title,
    state: record.state,
    done: isTerminal(record.state),
    stage: record.stage ?? null,
    percent: record.percent ?? null,
    environmentId: record.environment.id ?? null,
    environmentName: record.environment.displayName,
    sourceEnvironmentId: record.source?.id ?? null,
    serviceOperationId: record.serviceOperationId ?? null,
    correlationId: record.correlationId ?? null,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    finishedAt: record.finishedAt ?? null,
    elapsedSeconds: elapsedSeconds(record),
    result: record.result ?? null,
    error: record.error
      ? {
          message: record.error.message,
          code: record.error.code ?? null,
          correlationId: record.error.correlationId ?? null,
          hint: record.error.hint ?? null,
        }
      : null,
    notes: record.notes ?? [],
  };
}

/**
 * Waits up to `waitSeconds` with progress notifications, then reports the operation: its result when
 * it ended, otherwise its id and what to do next. MCP progress must rise with every notification, so
 * a heartbeat without news moves the value by a hundredth.
 */
export async function waitAndReport(
  context: ToolContext,
  record: OperationRecord,
  waitSeconds: number,
): Promise<ToolOutcome<OperationOutput>> {
  let last = -1;
  const { record: latest, end } = await context.operations.wait(record.id, {
    waitMs: waitSeconds * 1000,
    signal: context.signal,
    onProgress: (current) => {
      const value = Math.max(current.percent ?? 0, Math.round((last + 0.01) * 100) / 100);
      last = value;
      return context.progress({ progress: value, total: 100, message: describeOperation(current) });
    },
  });
  if (end === 'canceled') {
    context.notify(
      `Stopped waiting for "${latest.title}" (operation ${latest.id}). It goes on in the service; follow it with pp_get_operation.`,
    );
  }
  return {
    result: toOperationOutput(latest),
    summary: summarize(latest, end),
    failed: latest.state === 'failed' || latest.state === 'unknown',
    links: fileLinks(latest),
  };
}

/** A link to the file an operation wrote (an exported solution), once it succeeded. */
export function fileLinks(record: OperationRecord): ToolOutcome<unknown>['links'] {
  const file = record.result?.file;
  if (record.state !== 'succeeded' || typeof file !== 'string') return undefined;
  return [fileLink(file, `${record.title}: ${text(record.result?.bytes ?? '?')} bytes`)];
}

/** An MCP resource link to a local file the call wrote. */
export function fileLink(file: string, description: string): NonNullable<ToolOutcome<unknown>['links']>[number] {
  const mimeType = file.toLowerCase().endsWith('.sarif') ? 'application/sarif+json' : 'application/zip';
  return { uri: pathToFileURL(file).href, name: basename(file), mimeType, description };
}

export function summarize(record: OperationRecord, end: WaitEnd | 'now'): string {
  const lines = [describeOperation(record)];
  if (record.state === 'succeeded') {
    const env = record.result?.environment as
      { displayName?: string; id?: string; url?: string | null; protectionLevel?: string } | null | undefined;
    if (env)
      lines.push(
        `Environment ${env.displayName} (${env.id})${env.url ? `, Dataverse ${env.url}` : ''}${record.kind === 'set_governance' ? `, protection level ${env.protectionLevel}` : ''}.`,
      );
    if (record.kind === 'solution_checker') lines.push(...checkerLines(record.result ?? {}));
    else if (typeof record.result?.file === 'string')
      lines.push(`Written to ${record.result.file} (${text(record.result.bytes)} bytes, SHA-256 ${text(record.result.sha256)}).`);
    const solution = record.result?.solution as { uniqueName?: string; version?: string; managed?: boolean } | null | undefined;
    if (solution && typeof solution === 'object')
      lines.push(`Solution ${solution.uniqueName} ${solution.version} (${solution.managed ? 'managed' : 'unmanaged'}).`);
    const warnings = record.result?.warnings;
    if (Array.isArray(warnings))
      lines.push(
        ...firstLines(
          warnings.map((warning) => `Warning: ${String(warning)}`),
          10,
          (left) => `… and ${left} more warnings in the result.`,
        ),
      );
  }
  if (record.error) {
    lines.push(`Error${record.error.code ? ` (${record.error.code})` : ''}: ${record.error.message}`);
    if (record.error.correlationId) lines.push(`Correlation id: ${record.error.correlationId}`);
    if (record.error.hint) lines.push(`What to do: ${record.error.hint}`);
  }
  for (const note of record.notes ?? []) if (record.state === 'succeeded' || !isTerminal(record.state)) lines.push(`Note: ${note}`);
  if (!isTerminal(record.state) && record.state !== 'unknown') {
    const why =
      end === 'canceled' || end === 'released' ? 'Stopped waiting at your request' : end === 'timeout' ? 'Still going' : 'In progress';
    lines.push(`${why}; it goes on in the service. Operation id: ${record.id}. Call pp_get_operation with this id to follow it.`);
  }
  if (record.serviceOperationId) lines.push(`Service operation id: ${record.serviceOperationId}`);
  return lines.join('\n');
}

/** Issues by severity, the worst few, and where the report is. */
function checkerLines(result: Record<string, unknown>): string[] {
  const counts = (result.bySeverity ?? {}) as Record<string, number>;
  const issues = (result.issues ?? []) as Array<{
    rule: string;
    severity: string;
    message: string;
    file: string | null;
    line: number | null;
  }>;
  const lines = [
    `Issues: ${Object.entries(counts)
      .map(([severity, count]) => `${count} ${severity.toLowerCase()}`)
      .join(', ')}.`,
  ];
  for (const issue of issues.slice(0, 10))
    lines.push(
      `- ${issue.severity} ${issue.rule}: ${issue.message}${issue.file ? ` (${issue.file}${issue.line ? `:${issue.line}` : ''})` : ''}`,
    );
  const inReport = typeof result.issuesInReport === 'number' ? result.issuesInReport : issues.length;
  if (inReport > 10) lines.push(`… and ${inReport - 10} more in the report.`);
  if (typeof result.file === 'string') lines.push(`SARIF report: ${result.file}`);
  if (typeof result.reportError === 'string') lines.push(`No SARIF report: ${result.reportError}`);
  if (result.status === 'FinishedWithErrors') lines.push('Note: some rules could not run, so the report may be incomplete.');
  return lines;
}
