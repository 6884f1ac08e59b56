import { z } from 'zod';
import { confirmArgument, requireConfirmation } from '../confirm';
import { ToolError } from '../errors';
import { resolveEnvironment } from '../resolveEnvironment';
import { environmentRef, newNameArgument } from '../schemas';
import { DESTRUCTIVE_CLOUD, defineTool, type ToolContext } from '../types';
import { operationOutput, waitAndReport, waitSecondsArgument } from './operationReport';
import { beginEnvironmentOperation } from './starts';
import { assertDataverse, assertSandboxTarget, displayName } from './targets';

const RFC3339_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i;

const input = z
  .strictObject({
    environment: environmentRef.describe('Target Sandbox environment (overwritten).'),
    source: environmentRef.optional().describe('Environment of the backup (default: the target).'),
    backup: z.string().trim().min(1).max(100).optional().describe('Backup label or id (pp_list_backups).'),
    pointInTime: z
      .string()
      .trim()
      .regex(
        RFC3339_WITH_OFFSET,
        'must be an RFC 3339 date and time with a time zone offset, e.g. 2026-11-20T14:30:00Z or 2026-11-20T15:30:00+01:00',
      )
      .optional()
      .describe('Or a point in time (ISO date-time with offset).'),
    newName: newNameArgument,
    skipAuditData: z.boolean().default(false).describe('Leave out audit data (faster).'),
    confirm: confirmArgument,
    waitSeconds: waitSecondsArgument,
  })
  .superRefine((args, issues) => {
    if (!args.backup === !args.pointInTime)
      issues.addIssue({ code: 'custom', path: ['backup'], message: 'give exactly one of backup and pointInTime' });
  });

export const restoreEnvironment = defineTool({
  name: 'pp_restore_environment',
  toolset: 'environments',
  title: 'Restore environment',
  description:
    'Restores a backup or point in time of a source environment onto a Sandbox target, overwriting all of it. Destructive: ' +
    'the user confirms. Returns the operation.',
  input,
  output: operationOutput,
  annotations: DESTRUCTIVE_CLOUD,
  ui: {
    environments: {
      source: { label: 'Source environment (whose backup is restored)', dataverse: true },
      environment: { label: 'Target environment (overwritten)', types: ['Sandbox'], dataverse: true },
    },
    pickers: { backup: 'restorePoint' },
    retries: 'restore_environment',
  },
  async handler(args, context) {
    const target = await resolveEnvironment(args.environment, context, { current: true });
    const source = args.source ? await resolveEnvironment(args.source, context) : target;
    assertSandboxTarget(target, 'A restore');
    assertDataverse(source);
    const restorePoint = args.backup ? await backupPoint(args.backup, source.name, displayName(source), context) : args.pointInTime!;
    if (Date.parse(restorePoint) > Date.now()) throw new ToolError(`pointInTime ${restorePoint} is in the future. Nothing was changed.`);
    const from = `${displayName(source)}${args.backup ? ` backup "${args.backup}"` : ''} at ${restorePoint}`;
    await requireConfirmation(context, {
      action: 'Restore onto',
      environment: target,
      confirm: args.confirm,
      consequence: `Everything in it is replaced by ${from}.`,
    });
    const record = await beginEnvironmentOperation(context, {
      kind: 'restore_environment',
      title: `Restore ${from} onto ${displayName(target)}`,
      target,
      source,
      operationName: 'Restore',
      notes: [
        'The restored environment comes back in administration mode: only admins can sign in until it is turned off in the admin center.',
      ],
      send: () =>
        context.powerPlatform.restore(target.name, {
          sourceEnvironmentId: source.name,
          restorePointDateTime: restorePoint,
          restoreOptions: { environmentNameToOverride: args.newName, skipAuditData: args.skipAuditData },
        }),
    });
    return waitAndReport(context, record, args.waitSeconds);
  },
});

/** The backup point of a backup given by id or label; an unknown or ambiguous label is an error that lists the backups. */
async function backupPoint(ref: string, environmentId: string, name: string, context: ToolContext): Promise<string> {
  const backups = await context.powerPlatform.listBackups(environmentId, context.signal);
  const byId = backups.find((b) => b.id.toLowerCase() === ref.toLowerCase());
  if (byId) return byId.backupPointDateTime;
  const byLabel = backups.filter((b) => b.label?.trim().toLowerCase() === ref.toLowerCase());
  if (byLabel.length === 1) return byLabel[0]!.backupPointDateTime;
  const known = backups
    .slice(0, 10)
    .map((b) => `"${b.label}" (${b.backupPointDateTime}, id ${b.id})`)
    .join(', ');
  if (byLabel.length > 1)
    throw new ToolError(
      `${name} has ${byLabel.length} backups labelled "${ref}": ${known}. Nothing was changed.`,
      'Pass the backup id instead.',
    );
  throw new ToolError(
    `${name} has no backup "${ref}". Nothing was changed.`,
    backups.length ? `Backups of ${name}: ${known}.` : `${name} has no manual backups; use pointInTime instead.`,
  );
}
