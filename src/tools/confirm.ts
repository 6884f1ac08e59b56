import { z } from 'zod';
import type { BapEnvironment } from '../platform/bap';
import { text } from '../platform/payload';
import { ToolError } from './errors';
import type { ToolContext } from './types';

/** The `confirm` argument every destructive tool takes. */
export const confirmArgument = z
  .string()
  .max(200)
  .optional()
  .describe('Without a confirmation form: the environment name the user typed. Never guess.');

/** The `confirm` argument of a destructive tool that acts on something inside an environment (a solution). */
export function confirmArgumentFor(what: string) {
  return z.string().max(200).optional().describe(`Without a confirmation form: the ${what} the user typed. Never guess.`);
}

export interface ConfirmRequest {
  /** "Delete", "Reset", "Restore onto", "Copy onto". */
  action: string;
  /** The environment acted on; undefined when it was given by URL and not looked up (then treated as production). */
  environment?: BapEnvironment;
  /** Set when the person types the name of something inside the environment rather than the environment's name. */
  subject?: { label: string; name: string };
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
  const p = request.environment?.properties ?? {};
  const environmentName = (p.displayName ?? request.environment?.name ?? 'the environment').trim();
  const production = !request.environment || p.environmentSku === 'Production' || p.environmentSku === 'Default' || Boolean(p.isDefault);
  if (context.settings.confirmDestructive === 'production' && !production) return;
  // VS Code asked before running the tool; production additionally needs the typed name below.
  if (context.hostConfirmed && !production) return;
  const where = `${p.environmentSku ?? 'environment'}${request.environment ? `, ${request.environment.name}` : ''}`;
  const name = request.subject?.name ?? environmentName;
  const label = request.subject?.label ?? 'environment';
  const what = request.subject
    ? `${request.action} ${label} ${name} in ${environmentName} (${where})`
    : `${request.action} ${name} (${where})`;

  const fieldName = `${label.replace(/\s+(\w)/g, (_, c: string) => c.toUpperCase())}Name`;
  if (context.elicit) {
    const answer = await context.elicit({
      message: `${what}? ${request.consequence} Type the ${label}'s name to confirm.`,
      requestedSchema: {
        type: 'object',
        properties: {
          [fieldName]: {
            type: 'string',
            title: `${label[0]!.toUpperCase()}${label.slice(1)} name`,
            description: `Type "${name}" to confirm.`,
          },
        },
        required: [fieldName],
      },
    });
    if (answer.action !== 'accept') {
      throw new ToolError(`${what} was ${answer.action === 'decline' ? 'declined' : 'canceled'} by the user. Nothing was changed.`);
    }
    const typed = text(answer.content?.[fieldName] ?? '').trim();
    if (typed !== name)
      throw new ToolError(`The name typed ("${typed}") is not "${name}", so ${what} was not confirmed. Nothing was changed.`);
    return;
  }
  if (request.confirm === undefined) {
    throw new ToolError(
      `${what} needs the user's confirmation. ${request.consequence} Nothing was changed.`,
      `Ask the user whether to go ahead. If they agree, call again with confirm set to the ${label}'s ${request.subject ? 'unique name' : 'display name'}, "${name}".`,
    );
  }
  if (request.confirm.trim() !== name) {
    throw new ToolError(
      `confirm ("${request.confirm.trim()}") does not match the ${label}'s name "${name}". Nothing was changed.`,
      `Check that this is the ${label} the user means; confirm must be its exact name.`,
    );
  }
}
