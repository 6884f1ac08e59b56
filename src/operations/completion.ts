import type { BapEnvironment } from '../platform/bap';
import { toEnvironmentSummary } from '../platform/environment';
import type { Endpoints } from '../platform/endpoints';
import type { OperationRecord, PollStyle, StartOutcome } from './record';
import type { StatusReading } from './status';

/** What follows the service's "succeeded": another thing to poll, or the final result. */
export type Completion = { next: { style: PollStyle; url: string }; stage: string } | { result: Record<string, unknown> };

export function environmentUrl(endpoints: Endpoints, environmentId: string): string {
  return `${endpoints.bapUrl}/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments/${encodeURIComponent(environmentId)}?api-version=2023-06-01`;
}

/** Follows an environment that is already being worked on: its ongoing lifecycle operation, or the environment itself. */
export function followEnvironment(env: BapEnvironment, endpoints: Endpoints): StartOutcome {
  const ongoing = env.properties?.ongoingOperation as { links?: { self?: { path?: string } } } | undefined;
  const path = ongoing?.links?.self?.path;
  if (path)
    return {
      kind: 'poll',
      style: 'bap-lifecycle',
      url: `${endpoints.bapUrl}${path}?api-version=2023-06-01`,
      environmentId: env.name,
      retryAfterMs: 0,
    };
  return { kind: 'poll', style: 'environment-ready', url: environmentUrl(endpoints, env.name), environmentId: env.name, retryAfterMs: 0 };
}

/**
 * The step after the service reports success. Every kind that leaves an environment behind ends by
 * reading that environment until it is usable: a new one reports success before its Dataverse URL
 * exists (docs/service-notes.md#bap-environments).
 */
export function completeAfterService(record: OperationRecord, reading: StatusReading, endpoints: Endpoints): Completion {
  if (record.kind === 'delete_environment') return { result: { environmentId: record.environment.id ?? null, deleted: true } };
  if (record.kind === 'install_application')
    return {
      result: { environmentId: record.environment.id ?? null, application: record.details?.application ?? null, state: 'Installed' },
    };
  const environmentId = reading.environmentId ?? record.environment.id;
  if (!environmentId) return { result: { environmentId: null } };
  record.environment.id = environmentId;
  return {
    next: { style: 'environment-ready', url: environmentUrl(endpoints, environmentId) },
    stage: 'Waiting for the environment to be ready',
  };
}

/** Reads an environment record while waiting for it to be usable. */
export function readEnvironmentReady(body: BapEnvironment, record: OperationRecord): StatusReading {
  const p = body?.properties ?? {};
  const provisioning = (p.provisioningState ?? 'Succeeded').toLowerCase();
  if (provisioning === 'failed') {
    return { state: 'failed', error: { code: 'ProvisioningFailed', message: `The environment's provisioning state is Failed.` } };
  }
  // `details.dataverse` is set by the tool: asked for on create, present before a restore, copy or reset.
  const dataverseReady = record.details?.dataverse !== true || Boolean(p.linkedEnvironmentMetadata?.instanceUrl);
  if (provisioning !== 'succeeded' || !dataverseReady) {
    return {
      state: 'running',
      stage: dataverseReady ? `Provisioning (${p.provisioningState})` : 'Waiting for the Dataverse database',
      percent: 99,
    };
  }
  // The environment just read is the operation's result: no second read.
  return { state: 'succeeded', environmentId: body.name, result: { environment: toEnvironmentSummary(body) } };
}
