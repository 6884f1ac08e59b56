import { z } from 'zod';
import { confirmArgument, requireConfirmation } from '../confirm';
import { ToolError } from '../errors';
import { resolveEnvironment } from '../resolveEnvironment';
import { environmentRef, newNameArgument } from '../schemas';
import { DESTRUCTIVE_CLOUD, defineTool } from '../types';
import { operationOutput, waitAndReport, waitSecondsArgument } from './operationReport';
import { beginEnvironmentOperation } from './starts';
import { assertDataverse, displayName } from './targets';

export const resetEnvironment = defineTool({
  name: 'pp_reset_environment',
  toolset: 'environments',
  title: 'Reset environment',
  description:
    'Resets a Sandbox or Developer environment: its database is wiped and made new, without custom solutions, apps or data. ' +
    'Destructive: the user confirms. Returns the operation.',
  input: z.strictObject({
    environment: environmentRef.describe('Sandbox or Developer environment to reset.'),
    newName: newNameArgument,
    language: z.number().int().min(1).max(99999).optional().describe('Base language LCID (default: keep it).'),
    currency: z
      .string()
      .trim()
      .regex(/^[A-Za-z]{3}$/, 'must be a three-letter ISO currency code such as USD or EUR')
      .transform((c) => c.toUpperCase())
      .optional()
      .describe('Base currency code, e.g. EUR.'),
    templates: z.array(z.string().trim().min(1).max(100)).max(20).optional().describe('Dynamics 365 templates to install.'),
    confirm: confirmArgument,
    waitSeconds: waitSecondsArgument,
  }),
  output: operationOutput,
  annotations: DESTRUCTIVE_CLOUD,
  ui: {
    environments: { environment: { label: 'Environment to reset (wiped)', types: ['Sandbox', 'Developer'], dataverse: true } },
    retries: 'reset_environment',
  },
  async handler(args, context) {
    const env = await resolveEnvironment(args.environment, context, { current: true });
    const sku = env.properties?.environmentSku;
    if (sku !== 'Sandbox' && sku !== 'Developer') {
      throw new ToolError(`Only Sandbox and Developer environments can be reset, and ${displayName(env)} is ${sku}. Nothing was changed.`);
    }
    assertDataverse(env);
    await requireConfirmation(context, {
      action: 'Reset',
      environment: env,
      confirm: args.confirm,
      consequence: 'Its Dataverse database is wiped: all solutions, apps, flows and data are lost.',
    });
    const record = await beginEnvironmentOperation(context, {
      kind: 'reset_environment',
      title: `Reset ${displayName(env)}`,
      target: env,
      operationName: 'Reset',
      send: () =>
        context.powerPlatform.reset(env.name, {
          displayName: args.newName,
          baseLanguageCode: args.language,
          currency: args.currency ? { code: args.currency } : undefined,
          templates: args.templates,
        }),
    });
    return waitAndReport(context, record, args.waitSeconds);
  },
});
