import type { BapEnvironment } from '../platform/bap';
import { PlatformError } from '../platform/errors';
import { tablesOf } from '../platform/dataverseTables';
import { backupSummary } from '../platform/powerPlatform';
import type { Services } from '../services';
import { followEnvironment } from './completion';
import type { OperationError, OperationRecord, StartOutcome } from './record';

/** What the service shows of a start whose answer never came (lost, or cut short by a stopped server). */
export type Sighting =
  /** It arrived: follow it, or it is already done. */
  | { kind: 'found'; outcome: StartOutcome }
  /** The service answered and shows no sign of it (yet). */
  | { kind: 'absent' }
  /** It cannot be followed, and the outcome is known well enough to end the record. */
  | { kind: 'ended'; error: OperationError }
  /** The service offers no way to find it: the record stays unknown. */
  | { kind: 'unknowable'; hint: string }
  /** Not decided yet (the service is still working on something that cannot be followed): look again later. */
  | { kind: 'pending' };

/** How far the service's clock and ours may differ when its timestamps are compared with the record's. */
const CLOCK_SKEW_MS = 5 * 60_000;

/**
 * Looks in the service for what a start may have started, from the record alone, the same way after a
 * lost answer and after a restart. Never sends the start again. `others` are the other known records,
 * so that one service operation is never claimed by two records.
 */
export async function locateStart(record: OperationRecord, services: Services, others: OperationRecord[]): Promise<Sighting> {
  const since = Date.parse(record.createdAt) - CLOCK_SKEW_MS;
  const environmentId = record.environment.id ?? '';
  switch (record.kind) {
    case 'create_environment':
      return locateCreate(record, services, others, since);
    case 'delete_environment':
      return locateDelete(environmentId, services);
    case 'backup_environment': {
      const label = String(record.details?.label ?? '');
      const backup = (await services.powerPlatform.listBackups(environmentId)).find(
        (b) => b.label === label && Date.parse(b.backupPointDateTime) >= since,
      );
      return backup ? { kind: 'found', outcome: { kind: 'done', result: { backup: backupSummary(backup) } } } : { kind: 'absent' };
    }
    case 'restore_environment':
    case 'copy_environment':
    case 'reset_environment': {
      const name = String(record.details?.operationName ?? '').toLowerCase();
      const taken = new Set(others.map((o) => o.serviceOperationId));
      const operation = (await services.powerPlatform.listEnvironmentOperations(environmentId)).find(
        (op) => op.name?.toLowerCase() === name && Date.parse(op.startTime ?? '') >= since && !taken.has(op.operationId),
      );
      if (!operation) return { kind: 'absent' };
      return {
        kind: 'found',
        outcome: {
          kind: 'poll',
          style: 'ppapi-operation',
          url: services.powerPlatform.operationUrl(environmentId, operation.operationId),
          serviceOperationId: operation.operationId,
        },
      };
    }
    case 'set_governance':
      return locateGovernance(record, services);
    case 'install_application':
      return locateInstall(record, services);
    case 'export_solution':
    case 'import_solution':
    case 'delete_solution':
    case 'apply_solution_upgrade':
      return locateSolutionJob(record, services, others, since);
    case 'solution_checker':
      return {
        kind: 'ended',
        error: {
          code: 'AnswerLost',
          message:
            "The checker's answer to the analysis request was lost, so its status cannot be followed. A check changes nothing in the environment.",
          hint: 'Run the check again.',
        },
      };
    case 'catalog_install':
    case 'catalog_submit':
      return {
        kind: 'unknowable',
        hint: "The catalog offers no way to find a request whose answer was lost. Look at the catalog's install history and requests in the maker portal before trying again.",
      };
  }
}

async function locateCreate(record: OperationRecord, services: Services, others: OperationRecord[], since: number): Promise<Sighting> {
  const name = record.environment.displayName.trim().toLowerCase();
  const domain = String(record.details?.domainName ?? '').toLowerCase();
  const taken = new Set(others.filter((o) => o.kind === 'create_environment').map((o) => o.environment.id?.toLowerCase()));
  const found = (await services.bap.listEnvironments()).find((env) => {
    const p = env.properties ?? {};
    // A database still being made has no domain in the list yet; the display name is there at once.
    const same =
      p.displayName?.trim().toLowerCase() === name || (domain !== '' && p.linkedEnvironmentMetadata?.domainName?.toLowerCase() === domain);
    return same && !taken.has(env.name.toLowerCase()) && Date.parse(p.createdTime ?? '') >= since;
  });
  return found ? { kind: 'found', outcome: followEnvironment(found, services.endpoints) } : { kind: 'absent' };
}

async function locateDelete(environmentId: string, services: Services): Promise<Sighting> {
  let env: BapEnvironment;
  try {
    env = await services.bap.getEnvironment(environmentId);
  } catch (error) {
    if (error instanceof PlatformError && error.status === 404)
      return { kind: 'found', outcome: { kind: 'done', result: { environmentId, deleted: true } } };
    throw error;
  }
  const ongoing = ongoingOperation(env);
  if (ongoing?.type === 'delete' && ongoing.path)
    return {
      kind: 'found',
      outcome: { kind: 'poll', style: 'bap-lifecycle', url: `${services.endpoints.bapUrl}${ongoing.path}?api-version=2023-06-01` },
    };
  return env.properties?.provisioningState?.toLowerCase() === 'deleting' ? { kind: 'pending' } : { kind: 'absent' };
}

/** A governance change is a "set": once the environment has the asked-for configuration, the goal is reached. */
async function locateGovernance(record: OperationRecord, services: Services): Promise<Sighting> {
  const env = await services.bap.getEnvironment(record.environment.id ?? '');
  const ongoing = ongoingOperation(env);
  if (ongoing?.path && /governance/.test(ongoing.type))
    return {
      kind: 'found',
      outcome: { kind: 'poll', style: 'bap-lifecycle', url: `${services.endpoints.bapUrl}${ongoing.path}?api-version=2023-06-01` },
    };
  const configuration = env.properties?.governanceConfiguration;
  const wanted = String(record.details?.protectionLevel ?? '');
  const settings = JSON.parse(String(record.details?.extendedSettings ?? '{}')) as Record<string, string>;
  const applied =
    configuration?.protectionLevel === wanted &&
    Object.entries(settings).every(([key, value]) => configuration?.settings?.extendedSettings?.[key] === value);
  return applied ? { kind: 'found', outcome: followEnvironment(env, services.endpoints) } : { kind: 'absent' };
}

async function locateInstall(record: OperationRecord, services: Services): Promise<Sighting> {
  const environmentId = record.environment.id ?? '';
  const application = String(record.details?.application ?? '');
  const pkg = (await services.powerPlatform.listApplicationPackages(environmentId)).find(
    (p) => p.uniqueName.toLowerCase() === application.toLowerCase(),
  );
  const state = (pkg?.state ?? 'None').toLowerCase();
  if (state === 'installed')
    return { kind: 'found', outcome: { kind: 'done', result: { environmentId, application, state: 'Installed' } } };
  if (state === 'installfailed')
    return {
      kind: 'ended',
      error: {
        code: 'InstallFailed',
        message: `The service reports that the install of ${application} failed.`,
        hint: "See the environment's Dynamics 365 apps in the admin center for the reason, then install again.",
      },
    };
  // Installing, InstallRequested, InstallScheduled, …: the install arrived, but its status link was in the lost answer.
  return state === 'none' || state === 'uninstalled' ? { kind: 'absent' } : { kind: 'pending' };
}

/**
 * A Dataverse *Async solution message leaves an asyncoperations row (operationtype 54, messagename the
 * message) owned by the caller; an import also leaves its import job, named by the solution.
 */
async function locateSolutionJob(record: OperationRecord, services: Services, others: OperationRecord[], since: number): Promise<Sighting> {
  const details = record.details ?? {};
  const dataverse = services.dataverse(String(details.instanceUrl ?? ''));
  const message = String(details.message ?? '');
  const after = new Date(since);
  const me = await dataverse.whoAmI();
  const jobs = await tablesOf(dataverse).asyncOperations.solutionJobsSince(message, me.UserId, after);
  const taken = new Set(others.map((o) => o.serviceOperationId));
  const job = jobs.find((j) => !taken.has(j.asyncoperationid));
  if (!job) return { kind: 'absent' };
  const found: Record<string, string | boolean> = {};
  if (record.kind === 'import_solution') {
    const takenImports = new Set(others.map((o) => o.details?.importJobId));
    const importJobs = await tablesOf(dataverse).importJobs.forSolutionSince(String(details.solutionName ?? ''), after);
    const importJob = importJobs.find((j) => !takenImports.has(j.importjobid));
    if (!importJob) return { kind: 'pending' };
    found.importJobId = importJob.importjobid;
  }
  // The export job id that names the file comes only in the lost answer: the job is followed to its end all the same.
  if (record.kind === 'export_solution') found.exportJobLost = true;
  return {
    kind: 'found',
    outcome: {
      kind: 'poll',
      style: 'dataverse-async',
      url: tablesOf(dataverse).asyncOperations.statusUrl(job.asyncoperationid),
      serviceOperationId: job.asyncoperationid,
      details: found,
    },
  };
}

function ongoingOperation(env: BapEnvironment): { type: string; path?: string } | undefined {
  const ongoing = env.properties?.ongoingOperation as { type?: { id?: string }; links?: { self?: { path?: string } } } | undefined;
  return ongoing ? { type: String(ongoing.type?.id ?? '').toLowerCase(), path: ongoing.links?.self?.path } : undefined;
}
