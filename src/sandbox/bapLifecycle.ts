import { randomBytes, randomUUID } from 'node:crypto';
import { bapError } from './bap';
import { json, jsonBody, type Reply, type SandboxRequest } from './http';
import type { Principal } from './identity';
import type { LifecycleEmulator, SandboxOperation } from './lifecycle';
import { environmentNotFound, insufficientCapacity, operationNotStartable } from './seed/bapErrors';
import { addEnvironment, usedCapacityGb, type SandboxEnvironment, type SandboxTenant } from './state';

const PROVIDER = '/providers/Microsoft.BusinessAppPlatform';
const CREATE = /^\/providers\/Microsoft\.BusinessAppPlatform\/environments$/i;
const ADMIN_ENVIRONMENT = /^\/providers\/Microsoft\.BusinessAppPlatform\/scopes\/admin\/environments\/([^/]+)$/i;
const VALIDATE_DELETE = /^\/providers\/Microsoft\.BusinessAppPlatform\/scopes\/admin\/environments\/([^/]+)\/validateDelete$/i;
const OPERATION = /^\/providers\/Microsoft\.BusinessAppPlatform\/lifecycleOperations\/([^/]+)$/i;

const SKUS = new Set(['Sandbox', 'Production', 'Trial', 'Developer']);
/** BAP locations and the Azure region a new environment lands in when none is asked for. */
const LOCATIONS: Record<string, string> = {
  unitedstates: 'westus',
  europe: 'westeurope',
  unitedkingdom: 'uksouth',
  asia: 'southeastasia',
  australia: 'australiaeast',
  india: 'centralindia',
  japan: 'japaneast',
  canada: 'canadacentral',
  southamerica: 'brazilsouth',
  france: 'francecentral',
  germany: 'germanywestcentral',
  switzerland: 'switzerlandnorth',
  norway: 'norwayeast',
  korea: 'koreacentral',
  southafrica: 'southafricanorth',
};
const DOMAIN = /^[A-Za-z][A-Za-z0-9-]{0,62}$/;

export interface BapLifecycleContext {
  tenant: SandboxTenant;
  lifecycle: LifecycleEmulator;
  baseUrl: string;
  principal: Principal;
  /** Domain names of deleted environments stay reserved (about 24 h on the real service). */
  reservedDomains: Set<string>;
}

/**
 * Create, validateDelete, delete and lifecycle operation status, as BAP does them (docs/service-notes.md#long-running-operations and
 * #bap-environments).
 */
export function handleBapLifecycle(request: SandboxRequest, context: BapLifecycleContext): Reply | undefined {
  const path = request.url.pathname;
  if (request.method === 'POST' && CREATE.test(path)) return create(request, context);
  const validate = VALIDATE_DELETE.exec(path);
  if (request.method === 'POST' && validate) return validateDelete(validate[1]!, context);
  const environment = ADMIN_ENVIRONMENT.exec(path);
  if (request.method === 'DELETE' && environment) return remove(request, environment[1]!, context);
  const operation = OPERATION.exec(path);
  if (request.method === 'GET' && operation) return status(operation[1]!, context);
  return undefined;
}

function create(request: SandboxRequest, context: BapLifecycleContext): Reply {
  const { tenant, lifecycle } = context;
  const body = jsonBody(request);
  const p = body?.properties;
  if (!p?.displayName || typeof p.displayName !== 'string')
    return bapError(400, 'EnvironmentDisplayNameNotFound', 'The environment display name is required.');
  if (!SKUS.has(p.environmentSku))
    return bapError(
      400,
      'InvalidEnvironmentSku',
      `The environment SKU '${p.environmentSku ?? ''}' is not valid. Valid values: ${[...SKUS].join(', ')}.`,
    );
  const location = String(body.location ?? '').toLowerCase();
  if (!LOCATIONS[location])
    return bapError(
      400,
      'EnvironmentLocationUnsupported',
      `The location '${body.location ?? ''}' is not supported. Supported locations: ${Object.keys(LOCATIONS).join(', ')}.`,
    );
  // Without databaseType the service creates no Dataverse, even when linkedEnvironmentMetadata is sent
  // (docs/service-notes.md#bap-environments).
  const dataverse = p.databaseType === 'CommonDataService';
  let domainName: string | undefined;
  if (dataverse) {
    domainName = p.linkedEnvironmentMetadata?.domainName || `org${randomBytes(4).toString('hex')}`;
    if (!DOMAIN.test(domainName!))
      return bapError(
        400,
        'InvalidDomainName',
        `The domain name '${domainName}' is not valid: use letters, digits and hyphens, starting with a letter.`,
      );
    if (domainInUse(domainName!, context))
      return bapError(400, 'DomainNameAlreadyInUse', `The domain name '${domainName}' is already in use. Choose another one.`);
    if (usedCapacityGb(tenant) + 1 > tenant.databaseCapacityGb) return json(409, insufficientCapacity());
  }
  const id = randomUUID();
  const environment = addEnvironment(tenant, context.baseUrl, {
    id,
    displayName: p.displayName,
    sku: p.environmentSku,
    location,
    azureRegion: p.azureRegion ?? LOCATIONS[location],
    domainName,
    createdTime: new Date().toISOString(),
  });
  const props = environment.record.properties;
  props.description = p.description ?? '';
  props.provisioningState = 'Creating';
  props.states.management.id = 'NotSpecified';
  const metadata = props.linkedEnvironmentMetadata;
  const org = environment.org;
  if (metadata) metadata.baseLanguage = p.linkedEnvironmentMetadata?.baseLanguage ?? 1033;
  // The database exists only once the operation has ended and its metadata shows (docs/service-notes.md#bap-environments).
  delete props.linkedEnvironmentMetadata;
  environment.org = undefined;
  environment.pendingOrg = org;

  const operation = lifecycle.start({
    type: 'Create',
    api: 'bap',
    environmentId: id,
    principal: context.principal,
    effect: () => {
      props.provisioningState = 'Succeeded';
      props.states.management.id = 'Ready';
      delete props.ongoingOperation;
      if (metadata) {
        lifecycle.revealLater(() => {
          props.linkedEnvironmentMetadata = metadata;
          environment.org = org;
          environment.pendingOrg = undefined;
        });
      }
    },
    onFailure: () => tenant.environments.delete(id),
  });
  props.ongoingOperation = ongoing(operation);
  return accepted(operation, context);
}

function validateDelete(id: string, context: BapLifecycleContext): Reply {
  const environment = context.tenant.environments.get(id.toLowerCase());
  if (!environment) return notFound(id, context);
  const isDefault = Boolean(environment.record.properties?.isDefault);
  const running = context.lifecycle.running(id);
  return json(200, {
    canInitiateDelete: !isDefault && !running,
    ...(isDefault
      ? { reason: 'The default environment cannot be deleted.' }
      : running
        ? { reason: `A ${running.type} operation is running on the environment.` }
        : {}),
  });
}

function remove(request: SandboxRequest, id: string, context: BapLifecycleContext): Reply {
  const body = jsonBody(request);
  if (!body?.code) return bapError(400, 'InvalidOrMissingDeleteCode', 'The request body must contain a delete reason code.');
  const environment = context.tenant.environments.get(id.toLowerCase());
  if (!environment) return notFound(id, context);
  const props = environment.record.properties;
  if (props.isDefault) return bapError(400, 'CannotDeleteDefaultEnvironment', 'The default environment of a tenant cannot be deleted.');
  const busy = busyReply(id, context);
  if (busy) return busy;
  props.provisioningState = 'Deleting';
  const operation = context.lifecycle.start({
    type: 'Delete',
    api: 'bap',
    environmentId: id,
    principal: context.principal,
    effect: () => {
      context.tenant.environments.delete(id.toLowerCase());
      const domain = environment.org?.name ?? props.linkedEnvironmentMetadata?.domainName;
      if (domain) context.reservedDomains.add(domain.toLowerCase());
    },
    onFailure: () => {
      props.provisioningState = 'Succeeded';
      delete props.ongoingOperation;
    },
  });
  props.ongoingOperation = ongoing(operation);
  return accepted(operation, context);
}

function status(operationId: string, context: BapLifecycleContext): Reply {
  context.lifecycle.tick();
  const operation = context.lifecycle.operations.get(operationId.toLowerCase());
  // A finished delete takes its environment's operations with it: clients treat the 404 as done
  // (docs/service-notes.md#long-running-operations).
  if (!operation || operation.api !== 'bap' || (operation.type === 'Delete' && operation.ended && !operation.failure)) {
    return bapError(404, 'LifecycleOperationNotFound', `The lifecycle operation '${operationId}' was not found.`);
  }
  const running = !operation.ended;
  return json(200, context.lifecycle.bapDocument(operation), running ? { 'retry-after': context.lifecycle.retryAfter() } : {});
}

/** 409 OperationNotStartable while another lifecycle operation runs on the environment (docs/service-notes.md#long-running-operations). */
export function busyReply(environmentId: string, context: { lifecycle: LifecycleEmulator }): Reply | undefined {
  if (!context.lifecycle.running(environmentId)) return undefined;
  return json(409, operationNotStartable(environmentId), { 'retry-after': context.lifecycle.retryAfter() });
}

function accepted(operation: SandboxOperation, context: BapLifecycleContext): Reply {
  return json(202, undefined, {
    location: `${context.baseUrl}${PROVIDER}/lifecycleOperations/${operation.id}?api-version=2023-06-01`,
    'retry-after': context.lifecycle.retryAfter(),
  });
}

function ongoing(operation: SandboxOperation) {
  return { id: operation.id, type: { id: operation.type }, links: { self: { path: `${PROVIDER}/lifecycleOperations/${operation.id}` } } };
}

function notFound(id: string, context: BapLifecycleContext): Reply {
  return json(404, environmentNotFound(id, context.tenant.tenantId));
}

function domainInUse(domain: string, context: BapLifecycleContext): boolean {
  const d = domain.toLowerCase();
  if (context.reservedDomains.has(d)) return true;
  return [...context.tenant.environments.values()].some((e: SandboxEnvironment) => (e.org ?? e.pendingOrg)?.name.toLowerCase() === d);
}
