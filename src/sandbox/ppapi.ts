import { randomUUID } from 'node:crypto';
import { busyReply } from './bapLifecycle';
import { json, jsonBody, type Reply, type SandboxRequest } from './http';
import type { Principal } from './identity';
import type { LifecycleEmulator, LifecycleType, SandboxOperation } from './lifecycle';
import {
  setSolutions,
  solutionsAt,
  systemSolutions,
  usedCapacityGb,
  type SandboxEnvironment,
  type SandboxSolution,
  type SandboxTenant,
} from './state';

export const POWER_PLATFORM_AUDIENCE = 'https://api.powerplatform.com';

const ENVIRONMENT_ROUTE = /^\/environmentmanagement\/environments\/([^/]+)\/(backups|restore|copy|reset|operations)(?:\/([^/]+))?$/i;
const OPERATION_ROUTE = /^\/environmentmanagement\/operations\/([^/]+)$/i;
const API_VERSIONS = new Set(['2024-10-01', '2022-03-01-preview']);
const OFFSET = /(Z|[+-]\d{2}:\d{2})$/i;
const DAY_MS = 86_400_000;

export interface PowerPlatformContext {
  tenant: SandboxTenant;
  lifecycle: LifecycleEmulator;
  baseUrl: string;
  principal: Principal;
}

/**
 * The environment management operations of the Power Platform API: backups, restore, copy, reset, operation status
 * (docs/service-notes.md#long-running-operations and #power-platform-api).
 */
export function handlePowerPlatform(request: SandboxRequest, context: PowerPlatformContext): Reply | undefined {
  const path = request.url.pathname;
  if (!/^\/environmentmanagement\//i.test(path)) return undefined;
  const apiVersion = request.url.searchParams.get('api-version') ?? '';
  if (!API_VERSIONS.has(apiVersion))
    return ppapiError(400, 'InvalidApiVersion', `The api-version '${apiVersion}' is not supported. Use 2024-10-01.`);
  context.lifecycle.tick();

  const operation = OPERATION_ROUTE.exec(path);
  if (operation && request.method === 'GET') return status(operation[1]!, undefined, context);
  const match = ENVIRONMENT_ROUTE.exec(path);
  if (!match) return ppapiError(404, 'NotFound', `No route for ${request.method} ${path}.`);
  const [, environmentId, action, operationId] = match;
  const environment = context.tenant.environments.get(environmentId!.toLowerCase());
  if (!environment) return ppapiError(404, 'EnvironmentNotFound', `The environment '${environmentId}' was not found.`);
  const id = environment.record.name;

  switch (`${request.method} ${action!.toLowerCase()}${operationId ? '/id' : ''}`) {
    case 'GET operations/id':
      return status(operationId!, id, context);
    case 'GET operations':
      return json(200, {
        value: [...context.lifecycle.operations.values()]
          .filter((op) => op.environmentId === id && op.api === 'ppapi')
          .map((op) => context.lifecycle.ppapiDocument(op, environment)),
      });
    case 'GET backups':
      return json(200, { collection: [...environment.backups].reverse(), continuationToken: null });
    case 'POST backups':
      return createBackup(request, environment, context);
    case 'POST restore':
      return restore(request, environment, context);
    case 'POST copy':
      return copy(request, environment, context);
    case 'POST reset':
      return reset(request, environment, context);
  }
  return ppapiError(405, 'MethodNotAllowed', `${request.method} is not allowed on ${path}.`);
}

function createBackup(request: SandboxRequest, environment: SandboxEnvironment, context: PowerPlatformContext): Reply {
  const body = jsonBody(request);
  const label = typeof body?.label === 'string' ? body.label.trim() : '';
  if (!label) return validationFailed({ label: 'A label is required.' });
  if (environment.record.properties?.isDefault)
    return validationFailed({ environmentId: 'Manual backups are not available for the default environment.' });
  if (!environment.org) return validationFailed({ environmentId: 'The environment has no Dataverse database to back up.' });
  const busy = busyReply(environment.record.name, context);
  if (busy) return busy;
  const now = Date.now();
  const retentionDays = environment.record.properties?.environmentSku === 'Production' ? 28 : 7;
  const backup = {
    id: randomUUID(),
    label,
    backupPointDateTime: new Date(now).toISOString(),
    backupExpiryDateTime: new Date(now + retentionDays * DAY_MS).toISOString(),
    createdBy: {
      userId: requesterId(context.principal),
      displayName: requesterName(context.principal),
      type: context.principal.kind === 'app' ? 'ServicePrincipal' : 'User',
      tenantId: context.tenant.tenantId,
    },
  };
  environment.backups.push(backup);
  return json(201, backup);
}

function restore(request: SandboxRequest, target: SandboxEnvironment, context: PowerPlatformContext): Reply {
  const body = jsonBody(request);
  const fieldErrors: Record<string, string> = {};
  const source = body?.sourceEnvironmentId ? context.tenant.environments.get(String(body.sourceEnvironmentId).toLowerCase()) : undefined;
  if (!body?.sourceEnvironmentId) fieldErrors.sourceEnvironmentId = 'The source environment id is required.';
  else if (!source) fieldErrors.sourceEnvironmentId = `The environment '${body.sourceEnvironmentId}' was not found.`;
  const point = typeof body?.restorePointDateTime === 'string' ? body.restorePointDateTime : '';
  if (!point) fieldErrors.restorePointDateTime = 'The restore point is required.';
  else if (!OFFSET.test(point) || Number.isNaN(Date.parse(point)))
    fieldErrors.restorePointDateTime = 'The restore point must be an RFC 3339 date and time with a time zone offset.';
  const targetProblem = sandboxTargetProblem(target, source);
  if (targetProblem) fieldErrors.targetEnvironmentId = targetProblem;
  let snapshot: SandboxSolution[] | undefined;
  if (!Object.keys(fieldErrors).length) {
    const at = Date.parse(point);
    const retentionDays = source!.record.properties?.environmentSku === 'Production' ? 28 : 7;
    if (at > Date.now()) fieldErrors.restorePointDateTime = 'The restore point is in the future.';
    else if (at < Date.now() - retentionDays * DAY_MS)
      fieldErrors.restorePointDateTime = `The restore point is older than the ${retentionDays}-day retention period.`;
    else snapshot = solutionsAt(source!.org!, at);
    if (!snapshot && !fieldErrors.restorePointDateTime)
      fieldErrors.restorePointDateTime = 'There is no backup of the source environment at that time.';
  }
  if (Object.keys(fieldErrors).length) return validationFailed(fieldErrors);
  const refused = capacityOrBusy(target, source!, context);
  if (refused) return refused;
  const options = body.restoreOptions ?? {};
  return startOperation('Restore', target, context, () => {
    setSolutions(target.org!, snapshot!);
    const props = target.record.properties;
    if (options.environmentNameToOverride) props.displayName = options.environmentNameToOverride;
    // A restored environment comes back in administration mode (docs/service-notes.md#power-platform-api).
    props.states.runtime = { ...props.states.runtime, id: 'AdminMode' };
  });
}

function copy(request: SandboxRequest, target: SandboxEnvironment, context: PowerPlatformContext): Reply {
  const body = jsonBody(request);
  const source = body?.sourceEnvironmentId ? context.tenant.environments.get(String(body.sourceEnvironmentId).toLowerCase()) : undefined;
  if (!body?.sourceEnvironmentId) return validationFailed({ sourceEnvironmentId: 'The source environment id is required.' });
  if (!source) return validationFailed({ sourceEnvironmentId: `The environment '${body.sourceEnvironmentId}' was not found.` });
  if (body.copyType !== 'Minimal' && body.copyType !== 'Full') {
    const suggestion = /^minimal/i.test(body.copyType ?? '') ? 'Minimal' : /^full/i.test(body.copyType ?? '') ? 'Full' : undefined;
    return validationFailed(
      { copyType: `'${body.copyType ?? ''}' is not a copy type. Use Minimal or Full.` },
      suggestion ? { copyType: suggestion } : {},
    );
  }
  if (source.record.name === target.record.name)
    return validationFailed({ targetEnvironmentId: 'The source and target environments must differ.' });
  const targetProblem = sandboxTargetProblem(target, source);
  if (targetProblem) return validationFailed({ targetEnvironmentId: targetProblem });
  const refused = capacityOrBusy(target, source, context);
  if (refused) return refused;
  const snapshot = structuredClone(source.org!.solutions);
  const options = body.copyOptions ?? {};
  return startOperation('Copy', target, context, () => {
    setSolutions(target.org!, snapshot);
    if (options.environmentNameToOverride) target.record.properties.displayName = options.environmentNameToOverride;
    target.record.properties.states.runtime.id = 'AdminMode';
  });
}

function reset(request: SandboxRequest, environment: SandboxEnvironment, context: PowerPlatformContext): Reply {
  const body = jsonBody(request) ?? {};
  const sku = environment.record.properties?.environmentSku;
  if (sku !== 'Sandbox' && sku !== 'Developer')
    return validationFailed({ environmentId: `Only Sandbox and Developer environments can be reset; this one is ${sku}.` });
  if (!environment.org) return validationFailed({ environmentId: 'The environment has no Dataverse database to reset.' });
  const busy = busyReply(environment.record.name, context);
  if (busy) return busy;
  return startOperation('Reset', environment, context, () => {
    setSolutions(environment.org!, systemSolutions());
    const props = environment.record.properties;
    if (body.displayName) props.displayName = body.displayName;
    if (body.baseLanguageCode && props.linkedEnvironmentMetadata) props.linkedEnvironmentMetadata.baseLanguage = body.baseLanguageCode;
  });
}

function startOperation(type: LifecycleType, environment: SandboxEnvironment, context: PowerPlatformContext, effect: () => void): Reply {
  const operation = context.lifecycle.start({
    type,
    api: 'ppapi',
    environmentId: environment.record.name,
    principal: context.principal,
    effect,
  });
  return json(202, context.lifecycle.ppapiDocument(operation), {
    'operation-location': `${context.baseUrl}/environmentmanagement/operations/${operation.id}?api-version=2024-10-01`,
    'retry-after': context.lifecycle.retryAfter(),
  });
}

function status(operationId: string, environmentId: string | undefined, context: PowerPlatformContext): Reply {
  const operation: SandboxOperation | undefined = context.lifecycle.operations.get(operationId.toLowerCase());
  if (!operation || operation.api !== 'ppapi' || (environmentId && operation.environmentId !== environmentId)) {
    return ppapiError(404, 'OperationNotFound', `The operation '${operationId}' was not found.`);
  }
  const environment = context.tenant.environments.get(operation.environmentId);
  return json(
    200,
    context.lifecycle.ppapiDocument(operation, environment),
    operation.ended ? {} : { 'retry-after': context.lifecycle.retryAfter() },
  );
}

/** Restore and copy targets must be Sandbox environments in the source's region (docs/service-notes.md#power-platform-api). */
function sandboxTargetProblem(target: SandboxEnvironment, source: SandboxEnvironment | undefined): string | undefined {
  if (target.record.properties?.environmentSku !== 'Sandbox')
    return `The target environment must be a Sandbox environment; it is ${target.record.properties?.environmentSku}.`;
  if (!target.org) return 'The target environment has no Dataverse database.';
  if (source && !source.org) return 'The source environment has no Dataverse database.';
  if (source && source.record.location !== target.record.location)
    return `The target must be in the source's region (${source.record.location}); it is in ${target.record.location}.`;
  return undefined;
}

function capacityOrBusy(target: SandboxEnvironment, source: SandboxEnvironment, context: PowerPlatformContext): Reply | undefined {
  if (usedCapacityGb(context.tenant) + 1 > context.tenant.databaseCapacityGb) {
    return ppapiError(
      409,
      'InsufficientCapacity_StorageDriven',
      'This operation needs at least 1 GB of free database capacity in the tenant.',
    );
  }
  return busyReply(target.record.name, context) ?? busyReply(source.record.name, context);
}

/** The ValidationResponse shape: errorDetail with per-field messages and suggested values. */
function validationFailed(fields: Record<string, string>, suggestions: Record<string, string> = {}): Reply {
  const fieldErrors = Object.fromEntries(
    Object.entries(fields).map(([field, message]) => [field, { errorMessages: [message], suggestedValue: suggestions[field] ?? null }]),
  );
  return json(400, {
    status: 'ValidationFailed',
    errorDetail: { code: 'ValidationFailed', message: 'The request did not pass validation.', fieldErrors },
  });
}

function ppapiError(status: number, code: string, message: string): Reply {
  return json(status, { errorDetail: { code, message } });
}

function requesterId(principal: Principal): string {
  return principal.kind === 'app' ? principal.app.objectId : principal.user.objectId;
}

function requesterName(principal: Principal): string {
  return principal.kind === 'app' ? principal.app.displayName : principal.user.displayName;
}
