import { existsSync } from 'node:fs';
import { z } from 'zod';
import { readAssociations, readData, readSchema } from '../../data/cmt';
import { importRecords, type DataFile } from '../../data/importRecords';
import { SolutionFileError } from '../../solutions/errors';
import { ZipReader } from '../../solutions/zipReader';
import { resolveDataverseTarget } from '../dataverseTarget';
import { ToolError } from '../errors';
import { resolveLocalPath } from '../localPaths';
import { environmentRef } from '../schemas';
import { IDEMPOTENT_CLOUD, defineTool } from '../types';

export const importData = defineTool({
  name: 'pp_import_data',
  toolset: 'data',
  title: 'Import data',
  description:
    'Imports a Configuration Migration data zip (from the Configuration Migration tool, pac data export or pp_export_data) into an environment, keeping record ids: ' +
    'tables in the schema\'s import order, records with UpsertMultiple in batches, several at once, then the lookups in a second pass so records may point at ones imported later. ' +
    'Records the service refuses are listed with its message; the rest are imported. Importing twice updates the same records.',
  input: z.strictObject({
    environment: environmentRef.optional(),
    dataFile: z.string().min(1).describe('The data zip, inside the workspace or an allowed folder.'),
    batchSize: z.number().int().min(1).max(1000).default(500).describe('Records per UpsertMultiple request (up to 1000).'),
    parallelism: z.number().int().min(1).max(16).default(4).describe('Requests at once; the service allows 52 per user.'),
  }),
  output: z.object({
    entities: z.array(z.object({ name: z.string(), records: z.number(), imported: z.number(), failed: z.number() })),
    failures: z.array(z.object({ table: z.string(), id: z.string(), message: z.string(), correlationId: z.string().nullable() })).describe('The first 100 refused records.'),
    requests: z.number(),
    associations: z.object({ created: z.number(), existing: z.number(), failed: z.number() }).describe('N:N associations of the file.'),
  }),
  annotations: IDEMPOTENT_CLOUD,
  async handler(args, context) {
    const dataFile = resolveLocalPath('dataFile', args.dataFile, context.settings);
    if (!existsSync(dataFile)) throw new ToolError(`dataFile: ${args.dataFile} does not exist.`);
    const file = await readDataZip(dataFile, args.dataFile);
    const target = await resolveDataverseTarget(args.environment, context);
    const { entities, failures, requests, associations } = await importRecords(target.dataverse, file, { batchSize: args.batchSize, parallelism: args.parallelism, signal: context.signal, progress: context.progress });
    const lines = [`Imported into ${target.displayName}: ${entities.map((e) => `${e.imported} of ${e.records} ${e.name}`).join(', ')} (${requests} requests).`];
    for (const failure of failures.slice(0, 20)) lines.push(`- ${failure.table} ${failure.id}: ${failure.message}`);
    if (failures.length > 20) lines.push(`… and ${failures.length - 20} more refused records in the result.`);
    if (file.associations.length) lines.push(`N:N associations: ${associations.created} made, ${associations.existing} already there, ${associations.failed} refused.`);
    return { result: { entities, associations, failures: failures.slice(0, 100), requests }, summary: lines.join('\n'), failed: failures.length > 0 };
  },
});

export async function readDataZip(file: string, shownAs: string): Promise<DataFile> {
  const zip = await ZipReader.open(file).catch((error) => {
    throw error instanceof SolutionFileError ? new ToolError(`dataFile: ${error.message}`, error.hint) : error;
  });
  try {
    if (!zip.has('data_schema.xml') || !zip.has('data.xml')) throw new ToolError(`dataFile: ${shownAs} is not a Configuration Migration data zip: it needs data_schema.xml and data.xml at its root. Nothing was imported.`);
    try {
      const xml = await zip.read('data.xml');
      return { schema: readSchema(await zip.read('data_schema.xml'), 'data_schema.xml'), data: readData(xml, 'data.xml'), associations: readAssociations(xml, 'data.xml') };
    } catch (error) {
      throw new ToolError(`dataFile: ${(error as Error).message} Nothing was imported.`);
    }
  } finally {
    zip.close();
  }
}

