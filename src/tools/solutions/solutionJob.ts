import type { OperationKind, OperationRecord } from '../../operations/record';
import { tablesOf } from '../../platform/dataverseTables';
import type { HttpResponse } from '../../platform/http';
import type { DataverseTarget } from '../dataverseTarget';
import type { ToolContext } from '../types';

export interface SolutionJobRequest {
  kind: OperationKind;
  title: string;
  target: DataverseTarget;
  /** Facts the finishing step needs (solution name, file path, …). */
  details: Record<string, string | number | boolean>;
  notes?: string[];
  /** The *Async message `send` sends: its job is found by this name after a lost answer. */
  message: string;
  /** Sends the *Async message once; its answer names the async operation (and the import or export job). */
  send: () => Promise<HttpResponse<{ AsyncOperationId?: string; ImportJobKey?: string; ExportJobId?: string }>>;
}

/**
 * Starts a Dataverse *Async solution message as an operation: the tracker polls its asyncoperation
 * (docs/service-notes.md#long-running-operations) and then finishes by kind (reads the import result, downloads the export). The start is
 * sent once: after a lost answer the tracker finds the job among the org's async jobs, never a second job.
 */
export function beginSolutionJob(context: ToolContext, request: SolutionJobRequest): Promise<OperationRecord> {
  const { target } = request;
  return context.operations.begin({
    kind: request.kind,
    title: request.title,
    environment: { id: target.environmentId ?? undefined, displayName: target.displayName },
    details: { ...request.details, instanceUrl: target.url, message: request.message },
    notes: request.notes,
    start: async () => {
      const response = await request.send();
      const asyncOperationId = response.body?.AsyncOperationId;
      if (!asyncOperationId) {
        return { kind: 'done', correlationId: response.correlationId, result: { note: 'The service finished the request at once.' } };
      }
      const details: Record<string, string> = {};
      if (response.body.ImportJobKey) details.importJobId = response.body.ImportJobKey;
      if (response.body.ExportJobId) details.exportJobId = response.body.ExportJobId;
      return {
        kind: 'poll',
        style: 'dataverse-async',
        url: tablesOf(target.dataverse).asyncOperations.statusUrl(asyncOperationId),
        correlationId: response.correlationId,
        serviceOperationId: asyncOperationId,
        details,
      };
    },
  });
}
