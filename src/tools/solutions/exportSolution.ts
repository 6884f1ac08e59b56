import { existsSync } from 'node:fs';
import { z } from 'zod';
import { tablesOf } from '../../platform/dataverseTables';
import { resolveDataverseTarget } from '../dataverseTarget';
import { ToolError } from '../errors';
import { operationOutput, waitAndReport, waitSecondsArgument } from '../lifecycle/operationReport';
import { resolveLocalPath } from '../localPaths';
import { environmentRef } from '../schemas';
import { IDEMPOTENT_CLOUD, defineTool } from '../types';
import { requireSolution, solutionNameArgument } from './shared';
import { beginSolutionJob } from './solutionJob';

/** The export settings flags of ExportSolution (docs/service-notes.md#solutions-in-dataverse), by the names people know from pac. */
const SETTINGS = {
  autoNumbering: 'ExportAutoNumberingSettings',
  calendar: 'ExportCalendarSettings',
  customization: 'ExportCustomizationSettings',
  emailTracking: 'ExportEmailTrackingSettings',
  general: 'ExportGeneralSettings',
  marketing: 'ExportMarketingSettings',
  outlookSynchronization: 'ExportOutlookSynchronizationSettings',
  relationshipRoles: 'ExportRelationshipRoles',
  isvConfig: 'ExportIsvConfig',
  sales: 'ExportSales',
} as const;

export const exportSolution = defineTool({
  name: 'pp_export_solution',
  toolset: 'solutions',
  title: 'Export solution',
  description:
    'Exports a solution to a local zip, unmanaged (source control) or managed (deployment). Changes nothing in the environment. ' +
    'Returns the operation, then a link to the zip.',
  input: z.strictObject({
    environment: environmentRef.optional(),
    solution: solutionNameArgument,
    zipFile: z.string().min(1).describe('Zip to write.'),
    managed: z.boolean().default(false).describe('Managed (to deploy), not unmanaged.'),
    overwrite: z.boolean().default(false).describe('Replace zipFile if it exists.'),
    settings: z
      .array(z.enum(Object.keys(SETTINGS) as [keyof typeof SETTINGS]))
      .default([])
      .describe('Organization settings to include.'),
    waitSeconds: waitSecondsArgument,
  }),
  output: operationOutput,
  annotations: IDEMPOTENT_CLOUD,
  ui: {
    environments: { environment: { dataverse: true } },
    paths: { zipFile: { dialog: 'save', filters: { 'Solution zip': ['zip'] } } },
    ask: ['managed'],
    retries: 'export_solution',
  },
  async handler(args, context) {
    const zipFile = resolveLocalPath('zipFile', args.zipFile, context.settings, 'write-file');
    if (!zipFile.toLowerCase().endsWith('.zip')) throw new ToolError(`zipFile: ${args.zipFile} must end in .zip.`);
    if (existsSync(zipFile) && !args.overwrite)
      throw new ToolError(
        `zipFile: ${args.zipFile} exists already. Nothing was exported.`,
        'Choose another path, or pass overwrite: true to replace it.',
      );
    const target = await resolveDataverseTarget(args.environment, context);
    const solution = await requireSolution(target, args.solution, context);
    if (solution.ismanaged) {
      throw new ToolError(
        `${solution.uniquename} is a managed solution in ${target.displayName}, and managed solutions cannot be exported. Nothing was exported.`,
        'Export it from the development environment where it is unmanaged.',
      );
    }
    const parameters: Record<string, unknown> = { SolutionName: solution.uniquename, Managed: args.managed };
    for (const [name, flag] of Object.entries(SETTINGS)) parameters[flag] = args.settings.includes(name as keyof typeof SETTINGS);
    const record = await beginSolutionJob(context, {
      kind: 'export_solution',
      title: `Export ${solution.uniquename} ${solution.version} (${args.managed ? 'managed' : 'unmanaged'}) from ${target.displayName}`,
      target,
      details: { solutionName: solution.uniquename, version: solution.version, managed: args.managed, file: zipFile },
      message: 'ExportSolutionAsync',
      send: () => tablesOf(target.dataverse).solutionMessages.exportAsync(parameters, context.signal),
    });
    return waitAndReport(context, record, args.waitSeconds);
  },
});
