import { z } from 'zod';
import type { BapEnvironment } from '../platform/bap';
import { ToolError } from './errors';
import type { ToolContext } from './types';

/** The `confirm` argument every destructive tool takes. */
export const confirmArgument = z
  .string()
  .max(200)
  .optional()
  .describe(
    "The target environment's display name, typed by the user to confirm. Needed only when the client cannot show a confirmation form; " +
      'ask the user first, never fill it in on your own.',
  );

export interface ConfirmRequest {
  /** "Delete", "Reset", "Restore onto", "Copy onto". */
  action: string;
  environment: BapEnvironment;
  /** What will be lost, in one sentence. */
  consequence: string;
  confirm?: string;
}

/**
 * Gets a person's yes before a destructive call, enforced by the server: a form (MCP elicitation)
 * where the client can show one, otherwise the `confirm` argument, which must equal the target's
 * display name. With confirmDestructive = production, only Production and Default environments ask.
 */
export async function requireConfirmation(context: ToolContext, request: ConfirmRequest): Promise<void> {
  const p = request.environment.properties ?? {};
  const name = (p.displayName ?? request.environment.name).trim();
  const production = p.environmentSku === 'Production' || p.environmentSku === 'Default' || Boolean(p.isDefault);
  if (context.settings.confirmDestructive === 'production' && !production) return;
  // VS Code asked before running the tool; production additionally needs the typed name below.
  if (context.hostConfirmed && !production) return;
  const what = `${request.action} ${name} (${p.environmentSku ?? 'environment'}, ${request.environment.name})`;

  if (context.elicit) {
    const answer = await context.elicit({
      message: `${what}? ${request.consequence} Type the environment's name to confirm.`,
      requestedSchema: {
        type: 'object',
        properties: { environmentName: { type: 'string', title: 'Environment name', description: `Type "${name}" to confirm.` } },
        required: ['environmentName'],
      },
    });
    if (answer.action !== 'accept') {
      throw new ToolError(`${what} was ${answer.action === 'decline' ? 'declined' : 'canceled'} by the user. Nothing was changed.`);
    }
    const typed = String(answer.content?.environmentName ?? '').trim();
    if (typed !== name) throw new ToolError(`The name typed ("${typed}") is not "${name}", so ${what} was not confirmed. Nothing was changed.`);
    return;
  }
  if (request.confirm === undefined) {
    throw new ToolError(
      `${what} needs the user's confirmation. ${request.consequence} Nothing was changed.`,
      `Ask the user whether to go ahead. If they agree, call again with confirm set to the environment's display name, "${name}".`,
    );
  }
  if (request.confirm.trim() !== name) {
    throw new ToolError(`confirm ("${request.confirm.trim()}") does not match the environment's display name "${name}". Nothing was changed.`, 'Check that this is the environment the user means; confirm must be its exact display name.');
  }
}
