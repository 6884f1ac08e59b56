import { existsSync, readFileSync, statSync } from 'node:fs';
import { z } from 'zod';
import { CmtFormatError } from '../../data/cmtSchema';
import { readSchema } from '../../data/cmtSchemaReader';
import { exportRecords } from '../../data/exportRecords';
import { PlatformError } from '../../platform/errors';
import { SolutionFileError } from '../../solutions/errors';
import { resolveDataverseTarget } from '../dataverseTarget';
import { ToolError } from '../errors';
import { fileLink } from '../lifecycle/operationReport';
import { resolveLocalPath } from '../localPaths';
import { environmentRef } from '../schemas';
import { IDEMPOTENT_CLOUD, defineTool } from '../types';

export const exportData = defineTool({
  name: 'pp_export_data',
  toolset: 'data',
  title: 'Export data',
  description:
    'Exports records to a Configuration Migration data zip (as pac data export writes it), by tables or a data_schema.xml. ' +
    'Reads only from the environment.',
  input: z.strictObject({
    environment: environmentRef.optional(),
    tables: z
      .array(
        z.object({
          table: z.string().trim().min(1).max(100).describe('Table logical name.'),
          columns: z.array(z.string().min(1).max(100)).optional().describe('Column logical names (default: all).'),
          relationships: z.array(z.string().min(1).max(200)).optional().describe('N:N relationships whose links to export.'),
          disablePlugins: z
            .boolean()
            .optional()
            .describe('Mark the table disableplugins="true": importing the file turns custom plug-ins off for it.'),
        }),
      )
      .max(100)
      .optional()
      .describe('Tables in import order.'),
    schemaFile: z.string().min(1).optional().describe('Or a data_schema.xml to export by.'),
    dataFile: z.string().min(1).describe('Data zip to write.'),
    overwrite: z.boolean().default(false).describe('Replace dataFile if it exists.'),
    timeBudgetSeconds: z
      .number()
      .int()
      .min(5)
      .max(3600)
      .default(300)
      .describe('Seconds from the start during which throttling is waited out, however long.'),
  }),
  output: z.object({
    dataFile: z.string(),
    bytes: z.number(),
    entities: z.array(z.object({ name: z.string(), records: z.number() })),
    requests: z.number(),
  }),
  annotations: IDEMPOTENT_CLOUD,
  ui: {
    environments: { environment: { dataverse: true } },
    paths: {
      dataFile: { dialog: 'save', filters: { 'Data zip': ['zip'] } },
      schemaFile: { dialog: 'open', filters: { 'Data schema': ['xml'] } },
    },
    ask: ['schemaFile', 'tables'],
  },
  async handler(args, context) {
    if (Boolean(args.tables?.length) === Boolean(args.schemaFile))
      throw new ToolError('Give either tables or schemaFile (not both, not neither). Nothing was exported.');
    const dataFile = resolveLocalPath('dataFile', args.dataFile, context.settings);
    if (existsSync(dataFile) && !args.overwrite)
      throw new ToolError(
        `dataFile: ${args.dataFile} exists already. Nothing was exported.`,
        'Choose another path, or pass overwrite: true.',
      );
    let given;
    if (args.schemaFile) {
      const bytes = readFileSync(resolveLocalPath('schemaFile', args.schemaFile, context.settings));
      try {
        given = { schema: readSchema(bytes, args.schemaFile), bytes };
      } catch (error) {
        if (error instanceof CmtFormatError || error instanceof SolutionFileError)
          throw new ToolError(`schemaFile: ${error.message} Nothing was exported.`);
        throw error;
      }
    }
    const wanted = given ? given.schema.entities.map((e) => ({ table: e.name })) : args.tables!;
    const target = await resolveDataverseTarget(args.environment, context);
    // Throttling is waited out within the budget: an export stopped part way leaves nothing to resume from.
    const patient = target.dataverse.patientUntil(Date.now() + args.timeBudgetSeconds * 1000);
    let exported;
    try {
      exported = await exportRecords(patient, wanted, { given, target: dataFile, signal: context.signal });
    } catch (error) {
      if (!(error instanceof PlatformError) || error.status !== 429) throw error;
      const wait = error.retryAfterMs === undefined ? '' : ` It asks to wait ${Math.ceil(error.retryAfterMs / 1000)} s.`;
      throw new ToolError(
        `Dataverse throttled the export for longer than its time budget (timeBudgetSeconds: ${args.timeBudgetSeconds}).${wait}` +
          `${error.correlationId ? ` Correlation id ${error.correlationId}.` : ''} Nothing was exported.`,
        'Run it again later, or with a larger timeBudgetSeconds.',
      );
    }
    const { entities, requests } = exported;
    const bytes = statSync(dataFile).size;
    return {
      result: { dataFile, bytes, entities, requests },
      summary: `Exported ${entities.map((e) => `${e.records} ${e.name}`).join(', ')} from ${target.displayName} to ${dataFile} (${requests} requests).`,
      links: [fileLink(dataFile, `Data from ${target.displayName}: ${bytes} bytes`)],
    };
  },
});
