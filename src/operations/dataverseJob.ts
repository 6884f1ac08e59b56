import type { Element } from '@xmldom/xmldom';
import { PlatformError, hexCode } from '../platform/errors';
import type { Services } from '../services';
import { tablesOf } from '../platform/dataverseTables';
import { solutionSummary } from '../platform/dataverseTables/solutions';
import { parseXml } from '../solutions/xml';
import { DamagedExportError, verifySolutionZip } from './exportFile';
import type { OperationError, OperationRecord } from './record';
import type { StatusReading } from './status';

/** The columns of an `asyncoperations` row we read, as the service sent them. */
interface AsyncOperationRow {
  statecode?: number;
  statuscode?: number;
  asyncoperationid?: unknown;
  message?: string | null;
  friendlymessage?: string | null;
  errorcode?: number | string | null;
}

/**
 * An `asyncoperations` row (docs/service-notes.md#long-running-operations): statecode 3 is completed, and then statuscode 30 succeeded, 31
 * failed, 32 canceled.
 */
export function readDataverseAsync(body: unknown): StatusReading {
  const row = body as AsyncOperationRow | null | undefined;
  const statecode = Number(row?.statecode);
  const statuscode = Number(row?.statuscode);
  const serviceOperationId = typeof row?.asyncoperationid === 'string' ? row.asyncoperationid : undefined;
  if (statecode === 3) {
    if (statuscode === 30) return { state: 'succeeded', serviceOperationId };
    // `message` holds the detail; `friendlymessage` is a short sentence for end users.
    const message = String(row?.message || row?.friendlymessage || '').trim();
    return {
      state: 'failed',
      serviceOperationId,
      error: {
        code: statuscode === 32 ? 'Canceled' : (hexCode(row?.errorcode) ?? 'AsyncOperationFailed'),
        message: message || (statuscode === 32 ? 'The job was canceled in the service.' : 'The job failed without giving a reason.'),
      },
    };
  }
  const stages: Record<number, string> = { 0: 'Waiting for resources', 10: 'Waiting', 20: 'In progress', 21: 'Pausing', 22: 'Canceling' };
  return {
    state: statuscode === 0 || statuscode === 10 ? 'queued' : 'running',
    stage: stages[statuscode] ?? 'In progress',
    serviceOperationId,
  };
}

export interface JobEnding {
  result?: Record<string, unknown>;
  error?: OperationError;
}

/** How far a running import is, from its import job (0-100); undefined when it cannot be read now. */
export async function importProgress(record: OperationRecord, services: Services, signal?: AbortSignal): Promise<number | undefined> {
  const importJobId = record.details?.importJobId;
  if (record.kind !== 'import_solution' || typeof importJobId !== 'string') return undefined;
  const job = await tablesOf(services.dataverse(String(record.details?.instanceUrl)))
    .importJobs.progress(importJobId, signal)
    .catch(() => undefined);
  return typeof job?.progress === 'number' ? Math.max(0, Math.min(99, Math.round(job.progress))) : undefined;
}

/** One component the import job reports as failed, from its result XML. */
export interface ComponentFailure {
  component: string;
  name: string;
  code: string;
  message: string;
}

/**
 * The step after a Dataverse job completes. The job's status alone does not say an import worked
 * (docs/service-notes.md#long-running-operations): the import result and the import job's per-component results do. An export ends by
 * downloading the file. Throws only for passing failures, so the tracker tries again.
 */
export async function finishDataverseJob(
  record: OperationRecord,
  reading: StatusReading,
  services: Services,
  signal?: AbortSignal,
): Promise<JobEnding> {
  const details = record.details ?? {};
  const dataverse = services.dataverse(String(details.instanceUrl));
  const solutionName = String(details.solutionName ?? '');
  if (record.kind === 'import_solution') return finishImport(record, reading, services);
  if (reading.state === 'failed') return { error: { ...reading.error!, hint: failureHint(record, reading.error!.message) } };
  if (record.kind === 'export_solution') {
    if (details.exportJobLost === true) {
      return {
        error: {
          code: 'ExportFileUnavailable',
          message: `The export ran in the service, but the answer that names its file was lost, so ${details.file} could not be downloaded.`,
          hint: 'Export again: an export changes nothing in the environment.',
        },
      };
    }
    let saved;
    try {
      saved = await dataverse.downloadSolutionExport(String(details.exportJobId), String(details.file), signal, verifySolutionZip);
    } catch (error) {
      if (error instanceof PlatformError) throw error;
      if (error instanceof DamagedExportError) {
        return {
          error: {
            code: 'ExportFileDamaged',
            message: `The export finished, but the file the service gave is not a complete solution zip: ${error.message}. Nothing was written to ${details.file}.`,
            hint: 'Export again; if it happens again, quote the correlation id to Microsoft support.',
          },
        };
      }
      // A local file problem will not pass by itself: report it rather than retrying.
      return {
        error: {
          code: 'FileWriteFailed',
          message: `The export finished, but ${details.file} could not be written: ${(error as Error).message}`,
          hint: 'Free disk space or choose another path, then export again.',
        },
      };
    }
    return {
      result: {
        file: saved.file,
        bytes: saved.bytes,
        sha256: saved.sha256,
        solution: solutionName,
        version: details.version ?? null,
        managed: details.managed === true,
      },
    };
  }
  if (record.kind === 'delete_solution') return { result: { solution: solutionName, deleted: true } };
  return { result: { solution: await findSolution(services, String(details.instanceUrl), solutionName) } };
}

async function finishImport(record: OperationRecord, reading: StatusReading, services: Services): Promise<JobEnding> {
  const details = record.details ?? {};
  const instanceUrl = String(details.instanceUrl);
  const dataverse = services.dataverse(instanceUrl);
  const importJobId = String(details.importJobId);
  const outcome = await tablesOf(dataverse)
    .importJobs.solutionImportResult(importJobId)
    .catch((error) => {
      // A job that failed before it made an import job has no result to read; its own message says why.
      if (reading.state === 'failed' && error instanceof PlatformError && error.status >= 400 && error.status < 500) return undefined;
      throw error;
    });
  const warnings = outcome?.WarningMessages ?? [];
  if (reading.state === 'succeeded' && outcome?.Status === 'Passed') {
    const installedAs = details.holding === true ? `${details.solutionName}_Upgrade` : String(details.solutionName);
    return { result: { solution: await findSolution(services, instanceUrl, installedAs), importJobId, warnings } };
  }
  const job = await tablesOf(dataverse)
    .importJobs.results(importJobId)
    .catch(() => undefined);
  const componentFailures = job?.data ? readComponentFailures(job.data) : [];
  const serviceMessage =
    outcome?.ErrorMessages?.find(Boolean) ?? reading.error?.message ?? `The import finished with status ${outcome?.Status ?? 'unknown'}.`;
  const failed = componentFailures.length
    ? `The import of ${details.solutionName} failed; nothing was imported. ${failedComponentsText(componentFailures)}`
    : `The import of ${details.solutionName} failed: ${serviceMessage}`;
  return {
    result: {
      importJobId,
      componentFailures: componentFailures.slice(0, FAILURES_LISTED),
      componentFailureCount: componentFailures.length,
      errors: outcome?.ErrorMessages ?? [],
      warnings,
    },
    error: {
      code: componentFailures[0]?.code ?? reading.error?.code ?? 'ImportFailed',
      message: failed,
      hint: failureHint(record, serviceMessage + componentFailures.map(failureLine).join(' ')),
    },
  };
}

/** Component failures a result lists; a solution of thousands of components can fail in every one. */
const FAILURES_LISTED = 100;
/** Those its message names, one a line. */
const FAILURES_NAMED = 10;

/** "Failed components:" and the first ten, one a line, with how many more the result lists. */
export function failedComponentsText(failures: ComponentFailure[]): string {
  const lines = failures.slice(0, FAILURES_NAMED).map((f) => `- ${failureLine(f)}`);
  const left = failures.length - lines.length;
  const listed = failures.length > FAILURES_LISTED ? `the first ${FAILURES_LISTED} of ${failures.length}` : `all ${failures.length}`;
  if (left > 0) lines.push(`… and ${left} more (componentFailures lists ${listed}).`);
  return `Failed components:\n${lines.join('\n')}`;
}

function failureLine(failure: ComponentFailure): string {
  return `${failure.component} ${failure.name}: ${failure.message}`;
}

/** The components whose `<result result="failure">` the import job's data holds. */
export function readComponentFailures(data: string): ComponentFailure[] {
  let document;
  try {
    document = parseXml(data, 'import job data');
  } catch {
    return [];
  }
  return Array.from(document.getElementsByTagName('result'))
    .filter((result) => result.getAttribute('result') === 'failure')
    .map((result) => {
      const owner = result.parentNode as unknown as Element;
      return {
        component: owner.nodeName === 'solutionManifest' ? 'solution' : owner.nodeName,
        name: owner.getAttribute('LocalizedName') || owner.getAttribute('id') || '',
        code: result.getAttribute('errorcode') ?? '',
        message: result.getAttribute('errortext') ?? '',
      };
    });
}

function failureHint(record: OperationRecord, message: string): string {
  if (/Cannot start another \[/i.test(message))
    return 'Another solution install or removal was running in this environment. Wait for it to finish (pp_list_operations, or the solution history), then start this again.';
  if (/dependencies are missing|depend on/i.test(message))
    return 'Install the solutions it depends on first (or delete the ones that depend on it), then try again.';
  if (/connection/i.test(message))
    return 'Check the ConnectionReferences in the deployment settings file: each ConnectionId must be a connection in the target environment, for the same connector, shared with the identity that imports.';
  if (/environment variable/i.test(message))
    return "Check the EnvironmentVariables values in the deployment settings file against each variable's type.";
  if (/managed solution|unmanaged solution|higher/i.test(message))
    return 'Check what is installed with pp_list_solutions; a managed solution upgrades only to a higher version, and managed and unmanaged cannot replace each other.';
  if (record.kind === 'export_solution') return 'Check the solution with pp_list_solutions, then export again.';
  return 'See the solution history in the maker portal for the full log, fix the cause, then try again.';
}

async function findSolution(services: Services, instanceUrl: string, uniqueName: string): Promise<Record<string, unknown> | null> {
  const row = await tablesOf(services.dataverse(instanceUrl)).solutions.find(uniqueName);
  return row ? { ...solutionSummary(row) } : null;
}
