import { bapError } from './bap';
import { busyReply, type BapLifecycleContext } from './bapLifecycle';
import { json, jsonBody, type Reply, type SandboxRequest } from './http';
import { environmentNotFound } from './seed/bapErrors';

const GOVERNANCE = /^\/providers\/Microsoft\.BusinessAppPlatform\/environments\/([^/]+)\/governanceConfiguration$/i;

/**
 * The managed-environment settings the service knows, with the values it accepts (docs/service-notes.md#bap-environments). All are strings.
 */
const SETTINGS: Record<string, RegExp> = {
  excludeEnvironmentFromAnalysis: /^(true|false)$/,
  isGroupSharingDisabled: /^(true|false)$/,
  maxLimitUserSharing: /^-?\d+$/,
  limitSharingMode: /^(noLimit|excludeSharingToSecurityGroups)$/,
  solutionCheckerMode: /^(none|warn|block)$/,
  suppressValidationEmails: /^(true|false)$/,
  solutionCheckerRuleOverrides: /^[\w-]*(,[\w-]+)*$/,
  includeOnHomepageInsights: /^(true|false)$/,
  disableAiGeneratedDescriptions: /^(true|false)$/,
  'solutionCloudFlows-limitSharingMode': /^(noLimit|disableSharing)$/,
  'solutionCloudFlows-maxLimitUserSharing': /^-?\d+$/,
  'bot-authoringSharingDisabled': /^(true|false)$/,
  'bot-limitSharingMode': /^(noLimit|excludeSharingToSecurityGroups)$/,
  'bot-maxLimitUserSharing': /^-?\d+$/,
};

/** What the admin center sets when it enables a managed environment with a body-less POST. */
const DEFAULTS: Record<string, string> = {
  excludeEnvironmentFromAnalysis: 'false',
  isGroupSharingDisabled: 'false',
  maxLimitUserSharing: '-1',
  limitSharingMode: 'noLimit',
  solutionCheckerMode: 'none',
  suppressValidationEmails: 'false',
  solutionCheckerRuleOverrides: '',
  includeOnHomepageInsights: 'false',
  disableAiGeneratedDescriptions: 'false',
  'solutionCloudFlows-limitSharingMode': 'noLimit',
  'solutionCloudFlows-maxLimitUserSharing': '-1',
  'bot-authoringSharingDisabled': 'false',
  'bot-limitSharingMode': 'noLimit',
  'bot-maxLimitUserSharing': '-1',
};

/** POST …/environments/{id}/governanceConfiguration (api-version 2021-04-01): enable, update or disable managed environments as a lifecycle operation. */
export function handleGovernance(request: SandboxRequest, context: BapLifecycleContext): Reply | undefined {
  const match = GOVERNANCE.exec(request.url.pathname);
  if (!match || request.method !== 'POST') return undefined;
  const environment = context.tenant.environments.get(match[1]!.toLowerCase());
  if (!environment) return json(404, environmentNotFound(match[1]!, context.tenant.tenantId));
  const p = environment.record.properties;
  if (p.databaseType !== 'CommonDataService')
    return bapError(400, 'InvalidRequestContent', 'Managed Environments need a Dataverse database; this environment has none.');
  const busy = busyReply(environment.record.name, context);
  if (busy) return busy;

  const body = request.body ? jsonBody(request) : {};
  if (body === undefined) return bapError(400, 'InvalidRequestContent', 'The request body is not valid JSON.');
  const level = body.protectionLevel ?? 'Standard';
  if (level !== 'Standard' && level !== 'Basic')
    return bapError(400, 'InvalidRequestContent', `protectionLevel '${level}' is not valid. Valid values: Standard, Basic.`);
  const current = (p.governanceConfiguration?.settings?.extendedSettings ?? {}) as Record<string, string>;
  const given = (body.settings?.extendedSettings ?? {}) as Record<string, unknown>;
  for (const [key, value] of Object.entries(given)) {
    if (!(key in SETTINGS)) return bapError(400, 'InvalidRequestContent', `The extended setting '${key}' is not known.`);
    if (typeof value !== 'string')
      return bapError(
        400,
        'InvalidRequestContent',
        `The value of extended setting '${key}' must be a string; got ${JSON.stringify(value)}.`,
      );
    if (!SETTINGS[key]!.test(value))
      return bapError(400, 'InvalidRequestContent', `The value '${value}' of extended setting '${key}' is not valid.`);
  }
  const settings = { ...DEFAULTS, ...current, ...(given as Record<string, string>) };
  if (level === 'Standard' && settings.isGroupSharingDisabled === 'false' && settings.maxLimitUserSharing !== '-1') {
    return bapError(
      400,
      'InvalidRequestContent',
      'maxLimitUserSharing must be -1 while sharing with security groups is allowed (isGroupSharingDisabled false).',
    );
  }
  const wasManaged = p.governanceConfiguration?.protectionLevel === 'Standard';
  const type =
    level === 'Basic' ? 'DisableGovernanceConfiguration' : wasManaged ? 'UpdateGovernanceConfiguration' : 'EnableGovernanceConfiguration';
  const operation = context.lifecycle.start({
    type,
    api: 'bap',
    environmentId: environment.record.name,
    principal: context.principal,
    effect: () => {
      p.governanceConfiguration =
        level === 'Basic' ? { protectionLevel: 'Basic' } : { protectionLevel: 'Standard', settings: { extendedSettings: settings } };
      delete p.ongoingOperation;
    },
    onFailure: () => void delete p.ongoingOperation,
  });
  // The environment shows the operation running on it, as for every lifecycle operation (docs/service-notes.md#long-running-operations).
  p.ongoingOperation = {
    id: operation.id,
    type: { id: type },
    links: { self: { path: `/providers/Microsoft.BusinessAppPlatform/lifecycleOperations/${operation.id}` } },
  };
  return json(202, undefined, {
    location: `${context.baseUrl}/providers/Microsoft.BusinessAppPlatform/lifecycleOperations/${operation.id}?api-version=2021-04-01`,
    'retry-after': context.lifecycle.retryAfter(),
  });
}
