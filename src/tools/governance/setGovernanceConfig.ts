import { z } from 'zod';
import { ToolError } from '../errors';
import { bapStartOutcome } from '../lifecycle/starts';
import { operationOutput, waitAndReport, waitSecondsArgument } from '../lifecycle/operationReport';
import { assertDataverse, displayName } from '../lifecycle/targets';
import { resolveEnvironment } from '../resolveEnvironment';
import { environmentRef } from '../schemas';
import { IDEMPOTENT_CLOUD, defineTool } from '../types';

const sharingLimit = z.number().int().min(-1).max(100_000);

/** The managed-environment settings, typed here and sent as the strings the service wants (docs/service-notes.md#bap-environments). */
const settingsArgument = z
  .strictObject({
    excludeEnvironmentFromAnalysis: z.boolean().describe('Leave out of the weekly usage digest.'),
    isGroupSharingDisabled: z.boolean().describe('No sharing canvas apps with groups.'),
    maxLimitUserSharing: sharingLimit.describe('Most people a canvas app is shared with (-1: no limit).'),
    solutionCheckerMode: z.enum(['none', 'warn', 'block']).describe('Solution checker enforcement on import.'),
    solutionCheckerRuleOverrides: z.array(z.string().regex(/^[\w-]+$/)).describe('Checker rule codes to leave out.'),
    suppressValidationEmails: z.boolean().describe('No checker emails on import.'),
    includeOnHomepageInsights: z.boolean().describe('Show in the admin home page insights.'),
    disableAiGeneratedDescriptions: z.boolean().describe('No AI-made app descriptions.'),
    solutionCloudFlowsLimitSharingMode: z.enum(['noLimit', 'disableSharing']).describe('Sharing of solution cloud flows.'),
    solutionCloudFlowsMaxLimitUserSharing: sharingLimit.describe('Most people a flow is shared with.'),
    botAuthoringSharingDisabled: z.boolean().describe('No sharing agents with editors.'),
    botLimitSharingMode: z.enum(['noLimit', 'excludeSharingToSecurityGroups']).describe('Sharing of agents.'),
    botMaxLimitUserSharing: sharingLimit.describe('Most people an agent is shared with.'),
  })
  .partial();

type Settings = z.infer<typeof settingsArgument>;

/** Our names to the service's keys. */
const KEYS: Record<keyof Settings, string> = {
  excludeEnvironmentFromAnalysis: 'excludeEnvironmentFromAnalysis',
  isGroupSharingDisabled: 'isGroupSharingDisabled',
  maxLimitUserSharing: 'maxLimitUserSharing',
  solutionCheckerMode: 'solutionCheckerMode',
  solutionCheckerRuleOverrides: 'solutionCheckerRuleOverrides',
  suppressValidationEmails: 'suppressValidationEmails',
  includeOnHomepageInsights: 'includeOnHomepageInsights',
  disableAiGeneratedDescriptions: 'disableAiGeneratedDescriptions',
  solutionCloudFlowsLimitSharingMode: 'solutionCloudFlows-limitSharingMode',
  solutionCloudFlowsMaxLimitUserSharing: 'solutionCloudFlows-maxLimitUserSharing',
  botAuthoringSharingDisabled: 'bot-authoringSharingDisabled',
  botLimitSharingMode: 'bot-limitSharingMode',
  botMaxLimitUserSharing: 'bot-maxLimitUserSharing',
};

export const setGovernanceConfig = defineTool({
  name: 'pp_set_governance_config',
  toolset: 'governance',
  title: 'Set managed environment',
  description:
    'Makes an environment managed (Standard) or not (Basic) and sets its managed-environment settings (sharing, checker rules, ' +
    'insights). Returns the operation.',
  input: z.strictObject({
    environment: environmentRef,
    managed: z.boolean().default(true).describe('Managed (Standard) or not (Basic).'),
    settings: settingsArgument.optional().describe('Managed-environment settings to change.'),
    waitSeconds: waitSecondsArgument,
  }),
  output: operationOutput,
  annotations: IDEMPOTENT_CLOUD,
  ui: { environments: { environment: { dataverse: true } }, ask: ['managed'], retries: 'set_governance' },
  async handler(args, context) {
    if (!args.managed && args.settings && Object.keys(args.settings).length) {
      throw new ToolError(
        'settings: managed-environment settings apply only to a managed environment (managed: true). Nothing was changed.',
      );
    }
    const env = await resolveEnvironment(args.environment, context, { current: true });
    assertDataverse(env);
    const current = env.properties?.governanceConfiguration?.settings?.extendedSettings ?? {};
    const extendedSettings = { ...current, ...toServiceSettings(args.settings ?? {}) };
    if (extendedSettings.isGroupSharingDisabled !== 'true' && (extendedSettings.maxLimitUserSharing ?? '-1') !== '-1') {
      throw new ToolError(
        'settings.maxLimitUserSharing: a sharing limit needs isGroupSharingDisabled true (sharing with security groups turned off); while group sharing is allowed it must be -1. Nothing was changed.',
        'Pass isGroupSharingDisabled: true with the limit, or leave the limit at -1.',
      );
    }
    const name = displayName(env);
    const record = await context.operations.begin({
      kind: 'set_governance',
      title: `${args.managed ? 'Set managed environment' : 'Turn off managed environment'} on ${name}`,
      environment: { id: env.name, displayName: name },
      // What the environment must show for the change to count as made, after a lost answer.
      details: {
        dataverse: true,
        protectionLevel: args.managed ? 'Standard' : 'Basic',
        extendedSettings: JSON.stringify(args.managed ? extendedSettings : {}),
      },
      start: async () => {
        const body = args.managed
          ? { protectionLevel: 'Standard' as const, settings: { extendedSettings } }
          : { protectionLevel: 'Basic' as const };
        const response = await context.bap.setGovernanceConfiguration(env.name, body);
        return (
          bapStartOutcome(response, context) ?? { kind: 'done', result: { environmentId: env.name }, correlationId: response.correlationId }
        );
      },
    });
    return waitAndReport(context, record, args.waitSeconds);
  },
});

function toServiceSettings(settings: Settings): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(settings) as Array<[keyof Settings, Settings[keyof Settings]]>) {
    if (value === undefined) continue;
    out[KEYS[name]] = Array.isArray(value) ? value.join(',') : String(value);
  }
  return out;
}
