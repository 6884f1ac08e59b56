/**
 * The states an operation goes through. `starting`: saved before the start request is sent, until its
 * answer comes. `unknown`: we lost track of it (a lost answer, a status that cannot be read); the
 * service may still be working, and the server keeps looking.
 */
export type OperationState = 'starting' | 'queued' | 'running' | 'succeeded' | 'failed' | 'canceled' | 'unknown';

export const OPERATION_STATES: readonly OperationState[] = ['starting', 'queued', 'running', 'succeeded', 'failed', 'canceled', 'unknown'];

export type OperationKind =
  | 'create_environment'
  | 'delete_environment'
  | 'backup_environment'
  | 'restore_environment'
  | 'copy_environment'
  | 'reset_environment'
  | 'export_solution'
  | 'import_solution'
  | 'apply_solution_upgrade'
  | 'delete_solution'
  | 'set_governance'
  | 'install_application'
  | 'solution_checker'
  | 'catalog_install'
  | 'catalog_submit';

/**
 * How the tracker reads the service's status: each API family has its own status document (docs/service-notes.md#long-running-operations).
 * Everything about a style (its host, how its document reads, how it ends) is its entry in `POLL_STYLES`, src/operations/pollStyles.ts.
 */
export type PollStyle =
  | 'bap-lifecycle'
  | 'ppapi-operation'
  | 'ppapi-app-operation'
  | 'environment-ready'
  | 'dataverse-async'
  | 'checker'
  | 'catalog-install'
  | 'catalog-submission';

export interface OperationError {
  message: string;
  code?: string;
  correlationId?: string;
  hint?: string;
}

export interface EnvironmentRef {
  id?: string;
  displayName: string;
}

/** One long-running call, as stored, listed and reported. Plain JSON so it survives a restart. */
export interface OperationRecord {
  id: string;
  kind: OperationKind;
  /** "Create environment Contoso Dev": what a person sees in a list. */
  title: string;
  environment: EnvironmentRef;
  /** The source environment of a copy or restore. */
  source?: EnvironmentRef;
  state: OperationState;
  /** The service's current stage, e.g. "Run (3 of 4)". */
  stage?: string;
  /** Share of the service's stages completed, 0-100. */
  percent?: number;
  /** The operation id the service gave, for support requests. */
  serviceOperationId?: string;
  /** The correlation id of the request that started it. */
  correlationId?: string;
  /** Where to read the status; absent once there is nothing left to poll. */
  poll?: { style: PollStyle; url: string };
  /** Extra facts the kind's finishing step needs (e.g. whether a Dataverse database was asked for). */
  details?: Record<string, string | number | boolean>;
  createdAt: string;
  updatedAt: string;
  finishedAt?: string;
  result?: Record<string, unknown>;
  error?: OperationError;
  /** Things the person should know about the outcome (e.g. "comes back in administration mode"). */
  notes?: string[];
  /** The process that polls it; another live process's records are left to that process. */
  owner?: { pid: number; startedAt: string };
}

/** What a start request led to. */
export type StartOutcome =
  | {
      kind: 'poll';
      style: PollStyle;
      url: string;
      correlationId?: string;
      serviceOperationId?: string;
      environmentId?: string;
      retryAfterMs?: number;
      /** Facts learnt from the start's answer that the finishing step needs (the import job id). */
      details?: Record<string, string | number | boolean>;
    }
  | { kind: 'done'; result: Record<string, unknown>; correlationId?: string; environmentId?: string };

export function isTerminal(state: OperationState): boolean {
  return state === 'succeeded' || state === 'failed' || state === 'canceled';
}

export function elapsedSeconds(record: OperationRecord, now = Date.now()): number {
  const end = record.finishedAt ? Date.parse(record.finishedAt) : now;
  return Math.max(0, Math.round((end - Date.parse(record.createdAt)) / 1000));
}

/** One line for lists and progress messages: "Create environment Contoso Dev: running, Run (3 of 4), 50%, 42 s". */
export function describeOperation(record: OperationRecord, now = Date.now()): string {
  const parts: string[] = [record.state];
  if (!isTerminal(record.state) && record.stage) parts.push(record.stage);
  if (!isTerminal(record.state) && record.percent !== undefined) parts.push(`${record.percent}%`);
  parts.push(`${elapsedSeconds(record, now)} s`);
  return `${record.title}: ${parts.join(', ')}`;
}
