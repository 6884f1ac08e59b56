import { z } from 'zod';
import { toEnvironmentSummary } from '../../platform/environment';
import { backupSummary } from '../../platform/powerPlatform';
import { ToolError } from '../errors';
import { environmentArgument, resolveEnvironment } from '../resolveEnvironment';
import { environmentRef } from '../schemas';
import { ADDITIVE_CLOUD, READ_ONLY_CLOUD, defineTool } from '../types';
import { operationOutput, waitAndReport, waitSecondsArgument } from './operationReport';
import { startPowerPlatformOperation } from './starts';

const backupOutput = z.object({
  id: z.string(),
  label: z.string().nullable(),
  backupPointDateTime: z.string().describe('The moment the backup stands for; pass it to pp_restore_environment as the restore point.'),
  backupExpiryDateTime: z.string().nullable(),
  createdBy: z.string().nullable(),
});

export const backupEnvironment = defineTool({
  name: 'pp_backup_environment',
  toolset: 'environments',
  title: 'Back up environment',
  description:
    "Takes a labelled manual backup of an environment's database (kept 7 days, 28 for production with Dynamics 365 apps). " +
    'Returns the operation.',
  input: z.strictObject({
    environment: environmentRef.optional(),
    label: z.string().trim().min(1).max(100).describe('A label to find the backup by, e.g. "before-release-42".'),
    waitSeconds: waitSecondsArgument,
  }),
  output: operationOutput,
  annotations: ADDITIVE_CLOUD,
  ui: { environments: { environment: { dataverse: true, notDefault: true } }, retries: 'backup_environment' },
  async handler(args, context) {
    const env = await resolveEnvironment(environmentArgument(args.environment, context), context);
    const summary = toEnvironmentSummary(env);
    if (summary.isDefault)
      throw new ToolError(`${summary.displayName} is the default environment; manual backups are not available for it. Nothing was done.`);
    if (!summary.hasDataverse) throw new ToolError(`${summary.displayName} has no Dataverse database, so there is nothing to back up.`);
    const record = await context.operations.begin({
      kind: 'backup_environment',
      title: `Back up ${summary.displayName} as "${args.label}"`,
      environment: { id: env.name, displayName: summary.displayName },
      details: { label: args.label },
      start: async () => {
        const response = await context.powerPlatform.createBackup(env.name, args.label);
        if (response.status === 202)
          return startPowerPlatformOperation(context, env.name, 'Backup', () => Promise.resolve(response as never));
        return { kind: 'done', result: { backup: backupSummary(response.body) }, correlationId: response.correlationId };
      },
    });
    return waitAndReport(context, record, args.waitSeconds);
  },
});

export const listBackups = defineTool({
  name: 'pp_list_backups',
  toolset: 'environments',
  title: 'List backups',
  description: "Lists an environment's manual backups, newest first, with label and time, for pp_restore_environment. Reads only.",
  input: z.strictObject({ environment: environmentRef.optional() }),
  output: z.object({ environmentId: z.string(), environmentName: z.string(), backups: z.array(backupOutput) }),
  annotations: READ_ONLY_CLOUD,
  ui: { environments: { environment: { dataverse: true, notDefault: true } } },
  async handler(args, context) {
    const env = await resolveEnvironment(environmentArgument(args.environment, context), context);
    const name = env.properties?.displayName ?? env.name;
    const backups = (await context.powerPlatform.listBackups(env.name, context.signal))
      .map(backupSummary)
      .sort((a, b) => b.backupPointDateTime.localeCompare(a.backupPointDateTime));
    const lines = backups.map(
      (b) =>
        `- ${b.label ?? '(no label)'}: ${b.backupPointDateTime}${b.backupExpiryDateTime ? `, kept until ${b.backupExpiryDateTime}` : ''}`,
    );
    return {
      result: { environmentId: env.name, environmentName: name, backups },
      summary: backups.length ? `${backups.length} backup(s) of ${name}:\n${lines.join('\n')}` : `${name} has no manual backups.`,
    };
  },
});
