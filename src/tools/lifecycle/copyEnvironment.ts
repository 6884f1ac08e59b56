import { z } from 'zod';
import { confirmArgument, requireConfirmation } from '../confirm';
import { ToolError } from '../errors';
import { resolveEnvironment } from '../resolveEnvironment';
import { environmentRef, newNameArgument } from '../schemas';
import { DESTRUCTIVE_CLOUD, defineTool } from '../types';
import { operationOutput, waitAndReport, waitSecondsArgument } from './operationReport';
import { beginEnvironmentOperation } from './starts';
import { assertDataverse, assertSandboxTarget, displayName } from './targets';

export const copyEnvironment = defineTool({
  name: 'pp_copy_environment',
  toolset: 'environments',
  title: 'Copy environment',
  description:
    'Copies a source environment onto a Sandbox target, overwriting all of it: Minimal (customizations, schema) ' +
    'or Full (with data). Destructive: the user confirms. Returns the operation.',
  input: z.strictObject({
    source: environmentRef.describe('Environment to copy from.'),
    environment: environmentRef.describe('Target Sandbox environment, same region (overwritten).'),
    copyType: z.enum(['Minimal', 'Full']).default('Minimal').describe('Full copies the data too.'),
    newName: newNameArgument,
    skipAuditData: z.boolean().default(false).describe('Leave out audit data (Full only).'),
    confirm: confirmArgument,
    waitSeconds: waitSecondsArgument,
  }),
  output: operationOutput,
  annotations: DESTRUCTIVE_CLOUD,
  ui: {
    environments: {
      source: { label: 'Source environment (copied from)', dataverse: true },
      environment: { label: 'Target environment (overwritten)', types: ['Sandbox'], dataverse: true },
    },
    ask: ['copyType'],
    retries: 'copy_environment',
  },
  async handler(args, context) {
    const source = await resolveEnvironment(args.source, context);
    const target = await resolveEnvironment(args.environment, context, { current: true });
    if (source.name === target.name)
      throw new ToolError(
        'source and environment are the same environment. Nothing was changed.',
        'Copy onto a different Sandbox environment.',
      );
    assertDataverse(source);
    assertSandboxTarget(target, 'A copy');
    await requireConfirmation(context, {
      action: 'Copy onto',
      environment: target,
      confirm: args.confirm,
      consequence: `Everything in it is replaced by a ${args.copyType.toLowerCase()} copy of ${displayName(source)}.`,
    });
    const record = await beginEnvironmentOperation(context, {
      kind: 'copy_environment',
      title: `Copy ${displayName(source)} onto ${displayName(target)} (${args.copyType})`,
      target,
      source,
      operationName: 'Copy',
      notes: ['The copy comes back in administration mode: only admins can sign in until it is turned off in the admin center.'],
      send: () =>
        context.powerPlatform.copy(target.name, {
          sourceEnvironmentId: source.name,
          copyType: args.copyType,
          copyOptions: { environmentNameToOverride: args.newName, skipAuditData: args.skipAuditData },
        }),
    });
    return waitAndReport(context, record, args.waitSeconds);
  },
});
