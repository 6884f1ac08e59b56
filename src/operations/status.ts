import { asString, at, isObject, list, text } from '../platform/payload';
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
export function readBapLifecycle(body: unknown): StatusReading {
  const stateId = text(at(body, 'state', 'id') ?? '').toLowerCase();
  const stages: Stage[] = list(at(body, 'stages')).map((s) => ({
    name: text(at(s, 'name') ?? at(s, 'id') ?? 'Stage'),
    state: text(at(s, 'state', 'id') ?? 'NotStarted'),
  }));
  const reading: StatusReading = {
    state: stateId === 'succeeded' ? 'succeeded' : stateId === 'failed' ? 'failed' : stateId === 'notstarted' ? 'queued' : 'running',
    ...readStages(stages),
    serviceOperationId: asString(at(body, 'id')),
    environmentId: environmentIdFromPath(at(body, 'links', 'environment', 'path')),
  };
  if (reading.state === 'failed') {
    const failedStage = stages.find((s) => s.state.toLowerCase() === 'failed');
    const detail = at(body, 'error', 'message') ?? at(body, 'statusMessage');
    const code = at(body, 'error', 'code');
    const operation = text(at(body, 'typeDisplayName') ?? at(body, 'type', 'id') ?? 'lifecycle');
    const where = failedStage ? ` in its ${failedStage.name} stage` : '';
    reading.error = {
      code: code ? text(code) : 'OperationFailed',
      message: detail ? text(detail) : `The service reports that the ${operation} operation failed${where} without giving a reason.`,
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
export function readPpapiOperation(body: unknown): StatusReading {
  const status = text(at(body, 'status') ?? '').toLowerCase();
  const stages: Stage[] = list(at(body, 'stageStatuses')).map((s) => ({
    name: text(at(s, 'name') ?? 'Stage'),
    state: text(at(s, 'status') ?? 'NotStarted'),
  }));
  const reading: StatusReading = {
    state: PPAPI_SUCCESS.has(status) ? 'succeeded' : PPAPI_FAILURE.has(status) ? 'failed' : status === 'queued' ? 'queued' : 'running',
    ...readStages(stages),
    serviceOperationId: asString(at(body, 'operationId')),
    environmentId: asString(at(body, 'updatedEnvironment', 'environmentId')),
  };
  if (reading.state === 'failed') reading.error = ppapiError(body, stages);
  return reading;
}

function ppapiError(body: unknown, stages: Stage[]): OperationError {
  const detail =
    at(body, 'errorDetail') ??
    at(
      list(at(body, 'stageStatuses')).find((s) => at(s, 'errorDetail')),
      'errorDetail',
    );
  const fieldErrors = at(detail, 'fieldErrors');
  const fields = Object.entries(isObject(fieldErrors) ? fieldErrors : {}).map(
    ([field, value]) => `${field}: ${list(at(value, 'errorMessages')).join(' ')}`,
  );
  const failedStage = stages.find((s) => s.state.toLowerCase() === 'failed');
  const message = [at(detail, 'message'), ...fields].filter(Boolean).join('; ');
  const operation = text(at(body, 'name') ?? '');
  const where = failedStage ? ` in its ${failedStage.name} stage` : '';
  return {
    code: text(at(detail, 'code') ?? at(body, 'status') ?? 'Failed'),
    message: message || `The service reports that the ${operation} operation failed${where} without giving a reason.`.replace('  ', ' '),
  };
}

/**
 * An appmanagement operation (docs/service-notes.md#long-running-operations): status NotStarted, Running, Succeeded, Failed or Canceled.
 */
export function readAppOperation(body: unknown): StatusReading {
  const status = text(at(body, 'status') ?? '').toLowerCase();
  const reading: StatusReading = {
    state:
      status === 'succeeded'
        ? 'succeeded'
        : status === 'failed' || status === 'canceled'
          ? 'failed'
          : status === 'notstarted'
            ? 'queued'
            : 'running',
    stage: status === 'running' ? 'Installing' : undefined,
    serviceOperationId: asString(at(body, 'operationId')),
  };
  if (reading.state === 'failed') {
    const message = at(body, 'error', 'message') || at(body, 'statusMessage');
    reading.error = {
      code: text(at(body, 'error', 'errorName') ?? (status === 'canceled' ? 'Canceled' : 'InstallFailed')),
      message: message ? text(message) : 'The service reports that the install failed without giving a reason.',
    };
  }
  return reading;
}

/** A checker analysis status (docs/service-notes.md#checker): 202 InProgress while it runs; 200 Finished, FinishedWithErrors or Failed. */
export function readCheckerStatus(body: unknown): StatusReading {
  const status = text(at(body, 'status') ?? 'InProgress').toLowerCase();
  const progress = at(body, 'progress');
  const percent = typeof progress === 'number' ? Math.min(99, Math.max(0, Math.round(progress))) : undefined;
  if (status === 'finished' || status === 'finishedwitherrors') {
    const issueSummary = at(body, 'issueSummary') ?? {};
    return { state: 'succeeded', result: { status: at(body, 'status'), issueSummary, resultFileUris: list(at(body, 'resultFileUris')) } };
  }
  if (status === 'failed') {
    const message = text(at(body, 'error') ?? at(body, 'message') ?? 'The checker could not analyse the solution.');
    return { state: 'failed', error: { code: 'AnalysisFailed', message } };
  }
  return { state: 'running', stage: 'Analysing', percent };
}

/** A catalog install history (mspcat_installhistories): 526430003 completed, 526430004 failed. */
export function readCatalogInstall(body: unknown): StatusReading {
  const status = Number(at(body, 'statuscode'));
  if (status === 526430003)
    return { state: 'succeeded', result: { installHistoryId: at(body, 'mspcat_installhistoryid') ?? null, status: 'Completed' } };
  if (status === 526430004 || status === 2) {
    const message = text(at(body, 'mspcat_errordetails') || 'The catalog reports that the install failed without giving a reason.');
    return { state: 'failed', error: { code: status === 2 ? 'Inactive' : 'InstallFailed', message } };
  }
  return {
    state: status === 526430002 ? 'running' : 'queued',
    stage: status === 526430002 ? 'Installing' : status === 526430001 ? 'Pending' : 'Requested',
  };
}

const REQUEST_FAILURES: Record<number, string> = {
  526430000: 'Abandoned',
  526430004: 'Rejected',
  526430006: 'Duplicate request',
  526430010: 'Failed prevalidation',
};
const REQUEST_STAGES: Record<number, string> = {
  1: 'Submitted',
  526430001: 'In progress',
  526430002: 'Waiting on submitter',
  526430003: 'Pending deployment',
  526430005: 'Marketing content',
  526430008: 'Draft',
  526430009: 'Processing',
};

/** A catalog submission (mspcat_certificationrequests): 2 completed; abandoned, rejected, duplicate and failed prevalidation end it. */
export function readCatalogSubmission(body: unknown): StatusReading {
  const status = Number(at(body, 'statuscode'));
  if (status === 2) {
    const certificationRequestId = at(body, 'mspcat_certificationrequestid') ?? null;
    const applicationId = at(body, '_mspcat_application_value') ?? null;
    return { state: 'succeeded', result: { certificationRequestId, applicationId, status: 'Completed' } };
  }
  const failure = REQUEST_FAILURES[status];
  if (failure) {
    const note = at(body, 'mspcat_message');
    return { state: 'failed', error: { code: failure.replace(/\s+/g, ''), message: `${failure}${note ? `: ${text(note)}` : '.'}` } };
  }
  return { state: status === 1 ? 'queued' : 'running', stage: REQUEST_STAGES[status] ?? `Status ${status}` };
}
