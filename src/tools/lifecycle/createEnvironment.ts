import { z } from 'zod';
import type { BapCreateEnvironmentBody, BapEnvironment } from '../../platform/bap';
import { isTerminal } from '../../operations/record';
import { PlatformError } from '../../platform/errors';
import { assertNewEnvironmentAllowed } from '../allowList';
import { ToolError } from '../errors';
import { ADDITIVE_CLOUD, defineTool, type ToolContext } from '../types';
import { operationOutput, waitAndReport, waitSecondsArgument } from './operationReport';
import { followEnvironment } from '../../operations/completion';
import { bapStartOutcome } from './starts';

const ALL_ZERO_GUID = '00000000-0000-0000-0000-000000000000';

const input = z
  .strictObject({
    displayName: z.string().trim().min(1).max(100).describe('Display name.'),
    type: z.enum(['Sandbox', 'Production', 'Trial', 'Developer']).default('Sandbox').describe('Environment type.'),
    region: z
      .string()
      .trim()
      .toLowerCase()
      .regex(/^[a-z]+$/, 'must be a Power Platform region name such as unitedstates or europe')
      .default('unitedstates')
      .describe('Power Platform region, e.g. europe.'),
    azureRegion: z.string().trim().min(2).max(50).optional().describe('Azure region, e.g. westeurope; usually left out.'),
    description: z.string().max(2000).optional().describe('Description.'),
    dataverse: z.boolean().default(true).describe('With a Dataverse database.'),
    domainName: z
      .string()
      .trim()
      .regex(/^[A-Za-z][A-Za-z0-9-]{0,62}$/, 'must start with a letter and hold only letters, digits and hyphens (at most 63)')
      .optional()
      .describe('Dataverse URL prefix, e.g. contoso-dev.'),
    language: z.number().int().min(1).max(99999).default(1033).describe('Base language LCID.'),
    currency: z
      .string()
      .trim()
      .regex(/^[A-Za-z]{3}$/, 'must be a three-letter ISO currency code such as USD or EUR')
      .transform((c) => c.toUpperCase())
      .default('USD')
      .describe('Currency code, e.g. EUR (default USD).'),
    securityGroupId: z.uuid().optional().describe('Entra security group that may use it (default: all).'),
    templates: z.array(z.string().trim().min(1).max(100)).max(20).optional().describe('Dynamics 365 templates, e.g. D365_Sales.'),
    allowDuplicateName: z.boolean().default(false).describe('Create even if the display name is taken.'),
    waitSeconds: waitSecondsArgument,
  })
  .superRefine((args, issues) => {
    if (args.dataverse) return;
    for (const field of ['domainName', 'securityGroupId', 'templates'] as const) {
      if (args[field] !== undefined) issues.addIssue({ code: 'custom', path: [field], message: 'applies only with dataverse: true' });
    }
  });

export const createEnvironment = defineTool({
  name: 'pp_create_environment',
  toolset: 'environments',
  title: 'Create environment',
  description:
    'Creates an environment, with a Dataverse database unless dataverse is false (2-10 minutes). Refuses a taken name, ' +
    'so calling again is safe. Returns the operation.',
  input,
  output: operationOutput,
  annotations: ADDITIVE_CLOUD,
  ui: { ask: ['type', 'region', 'dataverse'], retries: 'create_environment' },
  async handler(args, context) {
    assertNewEnvironmentAllowed(args.displayName, args.domainName, context.settings);
    const existing = await findSameEnvironment(
      args.allowDuplicateName ? undefined : args.displayName,
      args.domainName,
      context,
      context.signal,
    );
    if (existing && isBeingCreated(existing)) {
      // A retry of a create that timed out: follow the first one instead of making a second.
      const known = context.operations.list().find((op) => {
        if (op.kind !== 'create_environment' || isTerminal(op.state)) return false;
        // Until its first status arrives, a create knows only the name it asked for.
        return op.environment.id
          ? op.environment.id.toLowerCase() === existing.name.toLowerCase()
          : op.environment.displayName.toLowerCase() === args.displayName.toLowerCase();
      });
      const record =
        known ??
        (await context.operations.begin({
          kind: 'create_environment',
          title: `Create environment ${args.displayName}`,
          environment: { id: existing.name, displayName: args.displayName },
          details: { dataverse: args.dataverse },
          start: () => Promise.resolve(followEnvironment(existing, context.endpoints)),
        }));
      return waitAndReport(context, record, args.waitSeconds);
    }
    if (existing) {
      const name = existing.properties?.displayName;
      const sameDomain =
        args.domainName && existing.properties?.linkedEnvironmentMetadata?.domainName?.toLowerCase() === args.domainName.toLowerCase();
      throw new ToolError(
        sameDomain
          ? `The domain name ${args.domainName} is already used by the environment ${name} (${existing.name}). Nothing was created.`
          : `An environment named ${name} already exists (${existing.name}, created ${existing.properties?.createdTime ?? 'earlier'}). Nothing was created.`,
        sameDomain
          ? 'Choose another domainName.'
          : 'Use that environment, choose another display name, or pass allowDuplicateName: true to create a second one.',
      );
    }

    const body = createBody(args);
    const record = await context.operations.begin({
      kind: 'create_environment',
      title: `Create environment ${args.displayName}`,
      environment: { displayName: args.displayName },
      // The name and domain are what find the new environment after a lost answer.
      details: { dataverse: args.dataverse, ...(args.domainName ? { domainName: args.domainName } : {}) },
      notes: args.dataverse
        ? [
            'A service principal can get HTTP 403 from the new Dataverse database for up to 10 minutes after it is created; wait and try again.',
          ]
        : [],
      start: async () => {
        const response = await context.bap.createEnvironment(body);
        const outcome = bapStartOutcome(response, context);
        if (outcome) return outcome;
        throw new PlatformError({
          service: 'bap',
          status: response.status,
          code: 'NoStatusUrl',
          message: 'The service accepted the create but gave no way to follow it.',
          correlationId: response.correlationId,
          outcomeUnknown: true,
          hint: `Check pp_list_environments for ${args.displayName} in a few minutes before trying again.`,
        });
      },
    });
    return waitAndReport(context, record, args.waitSeconds);
  },
});

function createBody(args: z.output<typeof input>): BapCreateEnvironmentBody {
  return {
    location: args.region,
    properties: {
      displayName: args.displayName,
      environmentSku: args.type,
      description: args.description,
      azureRegion: args.azureRegion,
      // Without databaseType no Dataverse is created, even with linkedEnvironmentMetadata (docs/service-notes.md#bap-environments).
      databaseType: args.dataverse ? 'CommonDataService' : 'None',
      linkedEnvironmentMetadata: args.dataverse
        ? {
            baseLanguage: args.language,
            domainName: args.domainName,
            currency: { code: args.currency },
            // An empty security group is rejected; the all-zero GUID means "none" (docs/service-notes.md#bap-environments).
            securityGroupId: args.securityGroupId ?? ALL_ZERO_GUID,
            templates: args.templates,
          }
        : undefined,
    },
  };
}

/** The environment with this domain name, or else with this display name (when given). */
async function findSameEnvironment(
  displayName: string | undefined,
  domainName: string | undefined,
  context: ToolContext,
  signal?: AbortSignal,
): Promise<BapEnvironment | undefined> {
  // Read anew, not from the kept list: a duplicate made elsewhere a minute ago must be seen.
  const all = await context.environments.refresh(signal);
  const domain = domainName?.toLowerCase();
  const byDomain = domain && all.find((env) => env.properties?.linkedEnvironmentMetadata?.domainName?.toLowerCase() === domain);
  if (byDomain) return byDomain;
  const name = displayName?.toLowerCase();
  return name ? all.find((env) => env.properties?.displayName?.trim().toLowerCase() === name) : undefined;
}

function isBeingCreated(env: BapEnvironment): boolean {
  const state = env.properties?.provisioningState?.toLowerCase();
  return state === 'creating' || state === 'provisioning' || Boolean(env.properties?.ongoingOperation && state !== 'succeeded');
}
