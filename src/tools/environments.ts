import { z } from 'zod';
import { toEnvironmentDetails, toEnvironmentSummary, type EnvironmentSummary } from '../platform/environment';
import { isAllowed } from './allowList';
import { hostWords } from './hostWords';
import { resolveEnvironment } from './resolveEnvironment';
import { environmentRef, environmentSummary } from './schemas';
import { READ_ONLY_CLOUD, defineTool } from './types';

const ENVIRONMENT_TYPES = ['Sandbox', 'Production', 'Trial', 'Developer', 'Default', 'Teams'] as const;

export const listEnvironments = defineTool({
  name: 'pp_list_environments',
  toolset: 'environments',
  title: 'List environments',
  description:
    "Lists the tenant's environments (id, name, type, region, state, Dataverse URL), filtered by name, type or region. " + 'Reads only.',
  input: z.strictObject({
    name: z.string().trim().min(1).max(200).optional().describe('Text in the display or domain name.'),
    type: z.enum(ENVIRONMENT_TYPES).optional().describe('Environment type.'),
    region: z.string().trim().min(1).max(100).optional().describe('Region, e.g. europe, or Azure region, e.g. westeurope.'),
    limit: z.number().int().min(1).max(1000).default(100).describe('Most to return.'),
  }),
  output: z.object({
    environments: z.array(environmentSummary),
    matched: z.number().int().describe('How many environments matched the filters.'),
    truncated: z.boolean().describe('True when more environments matched than `limit`.'),
  }),
  annotations: READ_ONLY_CLOUD,
  async handler(args, context) {
    // Always read anew (a person asking for the list wants it as it is now), which also renews the kept list.
    const listed = await context.environments.refresh(context.signal);
    const all = listed.filter((env) => isAllowed(env, context.settings)).map(toEnvironmentSummary);
    const hidden = listed.length - all.length;
    const matching = all.filter((env) => matchesFilters(env, args));
    const environments = matching.slice(0, args.limit);
    const lines = environments.map(
      (env) => `- ${env.displayName} (${env.type}, ${env.region}, ${env.state}) ${env.id}${env.url ? ` ${env.url}` : ''}`,
    );
    const more = matching.length > environments.length ? `\n… and ${matching.length - environments.length} more (raise \`limit\`).` : '';
    return {
      result: { environments, matched: matching.length, truncated: matching.length > environments.length },
      summary:
        `${matching.length} environment(s)${matching.length !== all.length ? ` of ${all.length}` : ''} match.` +
        (hidden
          ? ` ${hidden} other environment(s) are hidden: this server is limited to ${hostWords(context.settings).allowedEnvironments}.`
          : '') +
        `\n${lines.join('\n')}${more}`,
    };
  },
});

function matchesFilters(env: EnvironmentSummary, filters: { name?: string; type?: string; region?: string }): boolean {
  if (filters.type && env.type.toLowerCase() !== filters.type.toLowerCase()) return false;
  if (filters.region) {
    const region = filters.region.toLowerCase();
    if (env.region.toLowerCase() !== region && env.azureRegion?.toLowerCase() !== region) return false;
  }
  if (filters.name) {
    const name = filters.name.toLowerCase();
    if (!env.displayName.toLowerCase().includes(name) && !env.domainName?.toLowerCase().includes(name)) return false;
  }
  return true;
}

export const getEnvironment = defineTool({
  name: 'pp_get_environment',
  toolset: 'environments',
  title: 'Get environment details',
  description:
    'Returns one environment in detail: type, region, state, Dataverse URL and version, security group, protection level, ' +
    'running operation. Reads only.',
  input: z.strictObject({ environment: environmentRef }),
  output: environmentSummary.extend({
    description: z.string().nullable(),
    createdBy: z.string().nullable(),
    apiUrl: z.string().nullable(),
    uniqueName: z.string().nullable(),
    baseLanguage: z.number().int().nullable(),
    instanceState: z.string().nullable(),
    securityGroupId: z.string().nullable(),
    updateCadence: z.string().nullable(),
    retentionPeriod: z.string().nullable(),
    ongoingOperation: z.boolean().describe('True while a lifecycle operation (copy, restore, reset, ...) runs on the environment.'),
  }),
  annotations: READ_ONLY_CLOUD,
  async handler(args, context) {
    const env = toEnvironmentDetails(await resolveEnvironment(args.environment, context, { current: true }));
    const facts = [
      `${env.displayName} (${env.id})`,
      `Type ${env.type}, region ${env.region}${env.azureRegion ? ` (${env.azureRegion})` : ''}, state ${env.state}${env.isDefault ? ', default environment' : ''}`,
      env.url ? `Dataverse ${env.url}, version ${env.version ?? 'unknown'}` : 'No Dataverse database.',
      env.ongoingOperation ? 'A lifecycle operation is running on it now.' : '',
    ];
    return { result: env, summary: facts.filter(Boolean).join('\n') };
  },
});
