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
    'Exports records to a Configuration Migration data zip (data.xml, data_schema.xml, [Content_Types].xml) as the Configuration Migration tool and pac data export write it, ' +
    'paging through every record. Give the tables (with columns, or all columns, and the N:N relationships whose links to take), or a data_schema.xml, which is kept as given. ' +
    'The schema carries every attribute the tool writes (display names, type codes, keys, lookup targets, relationships); lookups keep their target table and name, ' +
    'party lists their parties, so pp_import_data or the tool can restore them. Reads only from the environment.',
  input: z.strictObject({
    environment: environmentRef.optional(),
    tables: z
      .array(
        z.object({
          table: z.string().trim().min(1).max(100),
          columns: z.array(z.string().min(1).max(100)).optional(),
          relationships: z
            .array(z.string().min(1).max(200))
            .optional()
            .describe('N:N relationships (schema or intersect name) whose links to export.'),
        }),
      )
      .max(100)
      .optional()
      .describe('Tables to export, in import order; columns default to all.'),
    schemaFile: z.string().min(1).optional().describe('A data_schema.xml to export by instead of `tables`; written into the zip as it is.'),
    dataFile: z.string().min(1).describe('The data zip to write, inside the workspace or an allowed folder.'),
    overwrite: z.boolean().default(false),
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
    paths: { dataFile: { dialog: 'save', filters: { 'Data zip': ['zip'] } }, schemaFile: { dialog: 'open', filters: { 'Data schema': ['xml'] } } },
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
