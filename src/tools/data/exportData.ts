import { existsSync, readFileSync, statSync } from 'node:fs';
import { z } from 'zod';
import { CmtFormatError, readSchema } from '../../data/cmtSchema';
import { exportRecords } from '../../data/exportRecords';
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
        }),
      )
      .max(100)
      .optional()
      .describe('Tables in import order.'),
    schemaFile: z.string().min(1).optional().describe('Or a data_schema.xml to export by.'),
    dataFile: z.string().min(1).describe('Data zip to write.'),
    overwrite: z.boolean().default(false).describe('Replace dataFile if it exists.'),
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
    const { entities, requests } = await exportRecords(target.dataverse, wanted, { given, target: dataFile, signal: context.signal });
    const bytes = statSync(dataFile).size;
    return {
      result: { dataFile, bytes, entities, requests },
      summary: `Exported ${entities.map((e) => `${e.records} ${e.name}`).join(', ')} from ${target.displayName} to ${dataFile} (${requests} requests).`,
      links: [fileLink(dataFile, `Data from ${target.displayName}: ${bytes} bytes`)],
    };
  },
});
