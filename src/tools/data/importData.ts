import { existsSync } from 'node:fs';
import { z } from 'zod';
import { upsertMultiple, type RecordFailure } from '../../data/bulkImport';
import { fromCmtValue, readData, readSchema, type CmtEntity, type CmtRecord } from '../../data/cmt';
import { tableMetadata } from '../../data/tableMetadata';
import { SolutionFileError } from '../../solutions/errors';
import { ZipReader } from '../../solutions/zipReader';
import { resolveDataverseTarget } from '../dataverseTarget';
import { ToolError } from '../errors';
import { resolveLocalPath } from '../localPaths';
import { environmentRef } from '../schemas';
import { IDEMPOTENT_CLOUD, defineTool } from '../types';

export const importData = defineTool({
  name: 'pp_import_data',
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
  }),
  annotations: IDEMPOTENT_CLOUD,
  async handler(args, context) {
    const dataFile = resolveLocalPath('dataFile', args.dataFile, context.settings);
    if (!existsSync(dataFile)) throw new ToolError(`dataFile: ${args.dataFile} does not exist.`);
    const { schema, data } = await readDataZip(dataFile, args.dataFile);
    const target = await resolveDataverseTarget(args.environment, context);
    const dv = target.dataverse;
    const order = [...schema.importOrder, ...schema.entities.map((e) => e.name).filter((n) => !schema.importOrder.includes(n))];
    const plans = [];
    for (const name of order) {
      const entity = schema.entities.find((e) => e.name === name);
      if (entity) plans.push({ entity, records: data.get(name) ?? [], meta: await tableMetadata(dv, name, context.signal) });
    }
    // Lookups bind to the target's entity set, read from its metadata rather than guessed from its name.
    const entitySets = new Map(plans.map((p) => [p.meta.logicalName, p.meta.entitySet]));
    for (const target of new Set(plans.flatMap((p) => [...p.meta.lookups.values()].flat().map((l) => l.target)))) {
      if (!entitySets.has(target)) entitySets.set(target, (await dv.get<{ EntitySetName: string }>(`EntityDefinitions(LogicalName='${target}')?$select=EntitySetName`, context.signal)).EntitySetName);
    }
    const total = plans.reduce((sum, p) => sum + p.records.length * 2, 0);
    let done = 0;
    const progress = (count: number) => void context.progress({ progress: (done += count), total, message: `${done} of ${total} record writes` });
    const failures: RecordFailure[] = [];
    let requests = 0;
    const failedIds = new Set<string>();
    const summaries = new Map(plans.map((p) => [p.entity.name, { name: p.entity.name, records: p.records.length, imported: 0, failed: 0 }]));

    // Pass 1: the records without their lookups; pass 2: the lookups, once every record exists.
    for (const pass of ['fields', 'lookups'] as const) {
      for (const { entity, records, meta } of plans) {
        const targets: Array<Record<string, unknown>> = [];
        for (const record of records) {
          if (failedIds.has(record.id)) continue;
          const built = buildTarget(record, entity, meta, pass, entitySets, failedIds);
          if ('problem' in built) {
            failures.push({ table: entity.name, id: record.id, message: built.problem, correlationId: null });
            failedIds.add(record.id);
          } else if (built.target) targets.push(built.target);
        }
        if (!targets.length) continue;
        let reported = 0;
        const onBatch = (written: number) => {
          progress(written - reported);
          reported = written;
        };
        const outcome = await upsertMultiple(dv, meta, targets, { batchSize: args.batchSize, parallelism: args.parallelism, signal: context.signal, onBatch });
        requests += outcome.requests;
        for (const failure of outcome.failures) failedIds.add(failure.id);
        failures.push(...outcome.failures);
      }
    }
    for (const { entity, records } of plans) {
      const summary = summaries.get(entity.name)!;
      summary.failed = records.filter((r) => failedIds.has(r.id)).length;
      summary.imported = records.length - summary.failed;
    }
    const entities = [...summaries.values()];
    const lines = [`Imported into ${target.displayName}: ${entities.map((e) => `${e.imported} of ${e.records} ${e.name}`).join(', ')} (${requests} requests).`];
    for (const failure of failures.slice(0, 20)) lines.push(`- ${failure.table} ${failure.id}: ${failure.message}`);
    if (failures.length > 20) lines.push(`… and ${failures.length - 20} more refused records in the result.`);
    return { result: { entities, failures: failures.slice(0, 100), requests }, summary: lines.join('\n'), failed: failures.length > 0 };
  },
});

async function readDataZip(file: string, shownAs: string) {
  const zip = await ZipReader.open(file).catch((error) => {
    throw error instanceof SolutionFileError ? new ToolError(`dataFile: ${error.message}`, error.hint) : error;
  });
  try {
    if (!zip.has('data_schema.xml') || !zip.has('data.xml')) throw new ToolError(`dataFile: ${shownAs} is not a Configuration Migration data zip: it needs data_schema.xml and data.xml at its root. Nothing was imported.`);
    try {
      return { schema: readSchema(await zip.read('data_schema.xml'), 'data_schema.xml'), data: readData(await zip.read('data.xml'), 'data.xml') };
    } catch (error) {
      throw new ToolError(`dataFile: ${(error as Error).message} Nothing was imported.`);
    }
  } finally {
    zip.close();
  }
}

/** One UpsertMultiple target for a pass: the plain fields, or only the lookup bindings; undefined when there is nothing to send. */
function buildTarget(record: CmtRecord, entity: CmtEntity, meta: Awaited<ReturnType<typeof tableMetadata>>, pass: 'fields' | 'lookups', entitySets: Map<string, string>, failedIds: Set<string>): { target?: Record<string, unknown> } | { problem: string } {
  const target: Record<string, unknown> = { '@odata.type': `Microsoft.Dynamics.CRM.${meta.logicalName}`, [meta.primaryId]: record.id };
  let any = pass === 'fields';
  for (const value of record.fields) {
    const field = entity.fields.find((f) => f.name === value.name);
    if (!field || field.name === meta.primaryId) continue;
    if (field.type === 'entityreference' || field.type === 'owner') {
      if (pass !== 'lookups') continue;
      const candidates = meta.lookups.get(field.name) ?? [];
      const lookup = value.lookupentity ? candidates.find((c) => c.target === value.lookupentity) : candidates[0];
      const set = lookup && entitySets.get(lookup.target);
      if (!lookup || !set) return { problem: `written without its lookups: ${field.name} cannot point at ${value.lookupentity || 'that table'} in this environment` };
      if (failedIds.has(value.value.toLowerCase())) return { problem: `written without its lookups: ${field.name} points at ${value.lookupentity ?? 'a record'} ${value.value}, which was not imported` };
      target[`${lookup.navigation}@odata.bind`] = `/${set}(${value.value})`;
      any = true;
      continue;
    }
    if (pass !== 'fields') continue;
    const converted = fromCmtValue(field.type, value.value);
    if (converted === undefined) return { problem: `${field.name}: "${value.value}" is not a valid ${field.type}` };
    target[field.name] = converted;
  }
  return any ? { target } : {};
}

