import type { OperationError } from './record';

/** What one status document says, in the tracker's terms. */
export interface StatusReading {
  state: 'queued' | 'running' | 'succeeded' | 'failed';
  stage?: string;
  percent?: number;
  serviceOperationId?: string;
  /** The environment the operation made or changed, when the document names it. */
  environmentId?: string;
  error?: OperationError;
  /** The operation's final result, when the document read is itself that result (the ready environment). */
  result?: Record<string, unknown>;
}

interface Stage {
  name: string;
  state: string;
}

const STAGE_DONE = new Set(['succeeded', 'skipped']);

/** "Run (3 of 4)" and the share of stages done, from the service's stage list. */
export function readStages(stages: Stage[]): { stage?: string; percent?: number } {
  if (!stages.length) return {};
  const done = stages.filter((s) => STAGE_DONE.has(s.state.toLowerCase())).length;
  const currentIndex = stages.findIndex((s) => !STAGE_DONE.has(s.state.toLowerCase()));
  const current = currentIndex >= 0 ? stages[currentIndex]! : stages[stages.length - 1]!;
  const position = currentIndex >= 0 ? currentIndex + 1 : stages.length;
  return { stage: `${current.name} (${position} of ${stages.length})`, percent: Math.round((done * 100) / stages.length) };
}

/** The environment id at the end of a BAP path such as /providers/Microsoft.BusinessAppPlatform/environments/{id}. */
export function environmentIdFromPath(path: unknown): string | undefined {
  if (typeof path !== 'string') return undefined;
  const match = /\/environments\/([^/?]+)/i.exec(path);
  return match?.[1];
}

/**
 * A BAP `LifecycleOperation` (docs/service-notes.md#long-running-operations): state.id NotStarted, Running, Succeeded or Failed; four
 * stages.
 */
export function readBapLifecycle(body: any): StatusReading {
  const stateId = String(body?.state?.id ?? '').toLowerCase();
  const stages: Stage[] = Array.isArray(body?.stages)
    ? body.stages.map((s: any) => ({ name: String(s?.name ?? s?.id ?? 'Stage'), state: String(s?.state?.id ?? 'NotStarted') }))
    : [];
  const reading: StatusReading = {
    state: stateId === 'succeeded' ? 'succeeded' : stateId === 'failed' ? 'failed' : stateId === 'notstarted' ? 'queued' : 'running',
    ...readStages(stages),
    serviceOperationId: typeof body?.id === 'string' ? body.id : undefined,
    environmentId: environmentIdFromPath(body?.links?.environment?.path),
  };
  if (reading.state === 'failed') {
    const failedStage = stages.find((s) => s.state.toLowerCase() === 'failed');
    const detail = body?.error?.message ?? body?.statusMessage;
    reading.error = {
      code: body?.error?.code ? String(body.error.code) : 'OperationFailed',
      message: detail
        ? String(detail)
        : `The service reports that the ${body?.typeDisplayName ?? body?.type?.id ?? 'lifecycle'} operation failed${failedStage ? ` in its ${failedStage.name} stage` : ''} without giving a reason.`,
    };
  }
  return reading;
}

const PPAPI_SUCCESS = new Set(['succeeded', 'nooperation', 'validationpassed']);
const PPAPI_FAILURE = new Set(['failed', 'validationfailed']);

/**
 * A Power Platform API `OperationExecutionResult` (docs/service-notes.md#long-running-operations): status Queued, InProgress or one of the
 * terminal ones.
 */
export function readPpapiOperation(body: any): StatusReading {
  const status = String(body?.status ?? '').toLowerCase();
  const stages: Stage[] = Array.isArray(body?.stageStatuses)
    ? body.stageStatuses.map((s: any) => ({ name: String(s?.name ?? 'Stage'), state: String(s?.status ?? 'NotStarted') }))
    : [];
  const reading: StatusReading = {
    state: PPAPI_SUCCESS.has(status) ? 'succeeded' : PPAPI_FAILURE.has(status) ? 'failed' : status === 'queued' ? 'queued' : 'running',
    ...readStages(stages),
    serviceOperationId: typeof body?.operationId === 'string' ? body.operationId : undefined,
    environmentId: typeof body?.updatedEnvironment?.environmentId === 'string' ? body.updatedEnvironment.environmentId : undefined,
  };
  if (reading.state === 'failed') reading.error = ppapiError(body, stages);
  return reading;
}

function ppapiError(body: any, stages: Stage[]): OperationError {
  const detail = body?.errorDetail ?? body?.stageStatuses?.find((s: any) => s?.errorDetail)?.errorDetail;
  const fields = Object.entries(detail?.fieldErrors ?? {}).map(([field, value]: [string, any]) => `${field}: ${(value?.errorMessages ?? []).join(' ')}`);
  const failedStage = stages.find((s) => s.state.toLowerCase() === 'failed');
  const message = [detail?.message, ...fields].filter(Boolean).join('; ');
  return {
    code: String(detail?.code ?? body?.status ?? 'Failed'),
    message: message || `The service reports that the ${body?.name ?? ''} operation failed${failedStage ? ` in its ${failedStage.name} stage` : ''} without giving a reason.`.replace('  ', ' '),
  };
}

/**
 * An appmanagement operation (docs/service-notes.md#long-running-operations): status NotStarted, Running, Succeeded, Failed or Canceled.
 */
export function readAppOperation(body: any): StatusReading {
  const status = String(body?.status ?? '').toLowerCase();
  const reading: StatusReading = {
    state: status === 'succeeded' ? 'succeeded' : status === 'failed' || status === 'canceled' ? 'failed' : status === 'notstarted' ? 'queued' : 'running',
    stage: status === 'running' ? 'Installing' : undefined,
    serviceOperationId: typeof body?.operationId === 'string' ? body.operationId : undefined,
  };
  if (reading.state === 'failed') {
    const message = body?.error?.message || body?.statusMessage;
    reading.error = { code: String(body?.error?.errorName ?? (status === 'canceled' ? 'Canceled' : 'InstallFailed')), message: message ? String(message) : 'The service reports that the install failed without giving a reason.' };
  }
  return reading;
}

/** A checker analysis status (docs/service-notes.md#checker): 202 InProgress while it runs; 200 Finished, FinishedWithErrors or Failed. */
export function readCheckerStatus(body: any): StatusReading {
  const status = String(body?.status ?? 'InProgress').toLowerCase();
  const percent = typeof body?.progress === 'number' ? Math.min(99, Math.max(0, Math.round(body.progress))) : undefined;
  if (status === 'finished' || status === 'finishedwitherrors') {
    return { state: 'succeeded', result: { status: body.status, issueSummary: body.issueSummary ?? {}, resultFileUris: Array.isArray(body.resultFileUris) ? body.resultFileUris : [] } };
  }
  if (status === 'failed') return { state: 'failed', error: { code: 'AnalysisFailed', message: String(body?.error ?? body?.message ?? 'The checker could not analyse the solution.') } };
  return { state: 'running', stage: 'Analysing', percent };
}

/** A catalog install history (mspcat_installhistories): 526430003 completed, 526430004 failed. */
export function readCatalogInstall(body: any): StatusReading {
  const status = Number(body?.statuscode);
  if (status === 526430003) return { state: 'succeeded', result: { installHistoryId: body?.mspcat_installhistoryid ?? null, status: 'Completed' } };
  if (status === 526430004 || status === 2) {
    return { state: 'failed', error: { code: status === 2 ? 'Inactive' : 'InstallFailed', message: String(body?.mspcat_errordetails || 'The catalog reports that the install failed without giving a reason.') } };
  }
  return { state: status === 526430002 ? 'running' : 'queued', stage: status === 526430002 ? 'Installing' : status === 526430001 ? 'Pending' : 'Requested' };
}

const REQUEST_FAILURES: Record<number, string> = { 526430000: 'Abandoned', 526430004: 'Rejected', 526430006: 'Duplicate request', 526430010: 'Failed prevalidation' };
const REQUEST_STAGES: Record<number, string> = { 1: 'Submitted', 526430001: 'In progress', 526430002: 'Waiting on submitter', 526430003: 'Pending deployment', 526430005: 'Marketing content', 526430008: 'Draft', 526430009: 'Processing' };

/** A catalog submission (mspcat_certificationrequests): 2 completed; abandoned, rejected, duplicate and failed prevalidation end it. */
export function readCatalogSubmission(body: any): StatusReading {
  const status = Number(body?.statuscode);
  if (status === 2) return { state: 'succeeded', result: { certificationRequestId: body?.mspcat_certificationrequestid ?? null, applicationId: body?._mspcat_application_value ?? null, status: 'Completed' } };
  const failure = REQUEST_FAILURES[status];
  if (failure) return { state: 'failed', error: { code: failure.replace(/\s+/g, ''), message: `${failure}${body?.mspcat_message ? `: ${body.mspcat_message}` : '.'}` } };
  return { state: status === 1 ? 'queued' : 'running', stage: REQUEST_STAGES[status] ?? `Status ${status}` };
}
