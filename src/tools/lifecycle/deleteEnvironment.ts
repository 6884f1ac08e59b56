import { z } from 'zod';
import { PlatformError } from '../../platform/errors';
import { requireConfirmation, confirmArgument } from '../confirm';
import { ToolError } from '../errors';
import { resolveEnvironment } from '../resolveEnvironment';
import { environmentRef } from '../schemas';
import { DESTRUCTIVE_CLOUD, defineTool } from '../types';
import { operationOutput, waitAndReport, waitSecondsArgument } from './operationReport';
import { bapStartOutcome } from './starts';

export const deleteEnvironment = defineTool({
  name: 'pp_delete_environment',
  toolset: 'environments',
  title: 'Delete environment',
  description:
    'Deletes an environment with its database, apps and flows (recoverable for 7 days; not the default one). Destructive: ' +
    'the user confirms. Returns the operation.',
  input: z.strictObject({ environment: environmentRef, confirm: confirmArgument, waitSeconds: waitSecondsArgument }),
  output: operationOutput,
  annotations: DESTRUCTIVE_CLOUD,
  ui: { environments: { environment: { label: 'Environment to delete', notDefault: true } }, retries: 'delete_environment' },
  async handler(args, context) {
    const env = await resolveEnvironment(args.environment, context, { current: true });
    const name = env.properties?.displayName ?? env.name;
    if (env.properties?.isDefault)
      throw new ToolError(`${name} is the tenant's default environment, which cannot be deleted. Nothing was changed.`);
    const validation = await context.bap.validateDelete(env.name, context.signal);
    if (validation.canInitiateDelete === false) {
      const reason = typeof validation.reason === 'string' ? ` ${validation.reason}` : '';
      throw new ToolError(
        `The service says ${name} cannot be deleted now.${reason} Nothing was changed.`,
        'If another operation is running on it, wait for it to finish (pp_get_environment shows it), then try again.',
      );
    }
    await requireConfirmation(context, {
      action: 'Delete',
      environment: env,
      confirm: args.confirm,
      consequence: 'Its Dataverse database, apps and flows go with it (recoverable for 7 days).',
    });
    const record = await context.operations.begin({
      kind: 'delete_environment',
      title: `Delete environment ${name}`,
      environment: { id: env.name, displayName: name },
      notes: ['A deleted environment can be recovered from the Power Platform admin center for 7 days.'],
      start: async () => {
        try {
          const response = await context.bap.deleteEnvironment(env.name);
          return (
            bapStartOutcome(response, context) ?? {
              kind: 'done',
              result: { environmentId: env.name, deleted: true },
              correlationId: response.correlationId,
            }
          );
        } catch (error) {
          // Gone already (a repeated delete, or one that finished while we waited): the goal is reached
          // (docs/service-notes.md#bap-environments).
          if (error instanceof PlatformError && error.status === 404)
            return { kind: 'done', result: { environmentId: env.name, deleted: true } };
          throw error;
        }
      },
    });
    return waitAndReport(context, record, args.waitSeconds);
  },
});
