import { z } from 'zod';
import { confirmArgument, requireConfirmation } from '../confirm';
import { ToolError } from '../errors';
import { resolveEnvironment } from '../resolveEnvironment';
import { environmentRef } from '../schemas';
import { DESTRUCTIVE_CLOUD, defineTool } from '../types';
import { operationOutput, waitAndReport, waitSecondsArgument } from './operationReport';
import { beginEnvironmentOperation } from './starts';
import { assertDataverse, assertSandboxTarget, displayName } from './targets';

export const copyEnvironment = defineTool({
  name: 'pp_copy_environment',
  toolset: 'environments',
  title: 'Copy environment',
  description:
    'Copies a source environment onto a target Sandbox environment, overwriting everything in the target. ' +
    '`copyType` Minimal copies customizations and schema only (solutions, apps, tables); Full copies data too. ' +
    'Destructive: the user must confirm (a form, or `confirm` set to the target display name they typed). ' +
    'The copy comes back in administration mode. Takes several minutes: waits up to `waitSeconds`, then returns the operation id for pp_get_operation.',
  input: z.strictObject({
    source: environmentRef.describe('The environment to copy from.'),
    environment: environmentRef.describe('The target environment, which is overwritten. Must be a Sandbox environment in the same region.'),
    copyType: z.enum(['Minimal', 'Full']).default('Minimal').describe('Minimal (customizations and schema, the default) or Full (with data).'),
    newName: z.string().trim().min(1).max(100).optional().describe('Display name for the target after the copy (default: keep its name).'),
    skipAuditData: z.boolean().default(false).describe('Leave out audit data (Full copies only).'),
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
    if (source.name === target.name) throw new ToolError('source and environment are the same environment. Nothing was changed.', 'Copy onto a different Sandbox environment.');
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
