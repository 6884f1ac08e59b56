import type { DataverseClient } from '../platform/dataverse';
import type { ProgressUpdate } from '../tools/types';
import { associate } from './associate';
import { upsertMultiple, type RecordFailure } from './bulkImport';
import { fromCmtValue, type CmtAssociation, type CmtEntity, type CmtRecord, type CmtSchema } from './cmt';
import { tableMetadata } from './tableMetadata';

export interface ImportOptions {
  batchSize: number;
  parallelism: number;
  signal: AbortSignal;
  progress: (update: ProgressUpdate) => Promise<void>;
}

export interface ImportSummary {
  entities: Array<{ name: string; records: number; imported: number; failed: number }>;
  /** Refused records, then refused N:N associations. */
  failures: RecordFailure[];
  requests: number;
  associations: { created: number; existing: number; failed: number };
}

/** A Configuration Migration file as read: its schema, records and N:N associations. */
export interface DataFile {
  schema: CmtSchema;
  data: Map<string, CmtRecord[]>;
  associations: CmtAssociation[];
}

/**
 * Imports the records of a Configuration Migration file (§7.3): tables in the schema's order, records
 * with UpsertMultiple keeping their ids, then their lookups in a second pass, so records may point at
 * ones imported later, and the N:N associations last. Records that cannot be written are returned with
 * the reason; the rest are written.
 */
export async function importRecords(dv: DataverseClient, file: DataFile, options: ImportOptions): Promise<ImportSummary> {
  const { schema, data } = file;
  const order = [...schema.importOrder, ...schema.entities.map((e) => e.name).filter((n) => !schema.importOrder.includes(n))];
  const plans = [];
  for (const name of order) {
    const entity = schema.entities.find((e) => e.name === name);
    if (entity) plans.push({ entity, records: data.get(name) ?? [], meta: await tableMetadata(dv, name, options.signal) });
  }
  // Lookups bind to the target's entity set, read from its metadata rather than guessed from its name.
  const entitySets = new Map(plans.map((p) => [p.meta.logicalName, p.meta.entitySet]));
  for (const target of new Set(plans.flatMap((p) => [...p.meta.lookups.values()].flat().map((l) => l.target)))) {
    if (!entitySets.has(target)) entitySets.set(target, (await dv.get<{ EntitySetName: string }>(`EntityDefinitions(LogicalName='${target}')?$select=EntitySetName`, options.signal)).EntitySetName);
  }
  const total = plans.reduce((sum, p) => sum + p.records.length * 2, 0);
  let done = 0;
  const progress = (count: number) => void options.progress({ progress: (done += count), total, message: `${done} of ${total} record writes` });
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
      const outcome = await upsertMultiple(dv, meta, targets, { batchSize: options.batchSize, parallelism: options.parallelism, signal: options.signal, onBatch });
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
  // N:N associations go last, when both sides exist; those of records that were not imported are left out.
  const associations = file.associations
    .filter((a) => !failedIds.has(a.sourceId))
    .map((a) => ({ ...a, targetIds: a.targetIds.filter((t) => !failedIds.has(t)) }));
  const linked = await associate(dv, associations, { parallelism: options.parallelism, signal: options.signal, entitySets });
  return {
    entities: [...summaries.values()],
    failures: [...failures, ...linked.failures],
    requests: requests + linked.requests,
    associations: { created: linked.created, existing: linked.existing, failed: linked.failures.length },
  };
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

