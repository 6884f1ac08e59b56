import type { DataverseClient } from '../platform/dataverse';
import { tablesOf } from '../platform/dataverseTables';
import { mapLimited } from '../solutions/parallel';
import { ToolError } from '../callerError';
import { importOrder, type CmtEntity, type CmtField, type CmtSchema } from './cmtSchema';
import {
  bulkMessages,
  metadataRequests,
  tableMetadata,
  type ColumnMetadata,
  type MetadataOptions,
  type TableMetadata,
} from './tableMetadata';
import { writeMethod, type TableTarget, type WriteMethod } from './writers';

/** How one table of the file is written: its metadata, its write methods and the columns left out. */
export interface TablePlan {
  entity: CmtEntity;
  meta: TableMetadata;
  fields: Map<string, CmtField>;
  /** Creates or updates records (first pass). */
  method: WriteMethod;
  /** Updates records that exist (lookups, states). */
  updateMethod: WriteMethod;
  target: TableTarget;
  /** Columns of the file Dataverse sets itself (created on, version number, …): not written. */
  systemSet: Set<string>;
  /** Columns of the file this environment's table does not have. */
  missing: Set<string>;
}

export interface ImportPlan {
  tables: Map<string, TablePlan>;
  order: string[];
  requests: number;
}

const BYPASS = { 'MSCRM.BypassCustomPluginExecution': 'true' };

/** Whether a column of the file is written in the first pass (its value) rather than later or never. */
export function writable(column: ColumnMetadata | undefined): boolean {
  return Boolean(column && (column.validForCreate || column.validForUpdate));
}

/** A table's date columns are read only when the file has dates for it: they are what converting them needs. */
function readOptions(entity: CmtEntity): MetadataOptions {
  return { dates: entity.fields.some((field) => field.type === 'datetime') };
}

/**
 * Reads what the import needs before writing anything: each table's metadata and bulk messages
 * (sdkmessagefilters), in one round (one or two reads a table, one for every twenty tables' messages);
 * refuses missing tables all at once; and checks the privilege to bypass custom plug-ins when the
 * schema asks for it.
 */
export async function planImport(
  dv: DataverseClient,
  schema: CmtSchema,
  options: { signal: AbortSignal; bypassPlugins: 'asSchema' | 'never' },
): Promise<ImportPlan> {
  const order = importOrder(schema);
  let requests = 0;
  // Eight tables at a time, up to two reads each, beside at most four reads of bulk messages (twenty
  // tables each): well under the service's 52 requests at once.
  const [bulk, read] = await Promise.all([
    bulkMessages(dv, order, options.signal),
    mapLimited(order, 8, async (name) => {
      const entity = schema.entities.find((e) => e.name === name)!;
      const reading = readOptions(entity);
      requests += metadataRequests(reading);
      try {
        return { entity, meta: await tableMetadata(dv, name, options.signal, reading) };
      } catch (error) {
        if (error instanceof ToolError && /^No table/.test(error.message)) return { entity, missing: true as const };
        throw error;
      }
    }),
  ]);
  requests += bulk.requests;
  const missing = read.filter((r) => 'missing' in r).map((r) => r.entity.name);
  if (missing.length) {
    throw new ToolError(
      `The data file's schema names tables this environment does not have: ${missing.join(', ')}. Nothing was imported.`,
      'Import the solution that holds these tables first (or create them), then import the data.',
    );
  }
  const bypass = options.bypassPlugins === 'asSchema' && schema.entities.some((e) => e.disableplugins);
  if (bypass) requests += await checkBypassPrivilege(dv, schema, options.signal);
  const tables = new Map<string, TablePlan>();
  for (const r of read) {
    if ('missing' in r) continue;
    const fields = new Map(r.entity.fields.map((f) => [f.name, f]));
    const systemSet = new Set<string>();
    const absent = new Set<string>();
    for (const field of r.entity.fields) {
      if (field.name === r.meta.primaryId) continue;
      const column = r.meta.columns.get(field.name);
      if (!column) absent.add(field.name);
      else if (!writable(column) && field.type !== 'partylist') systemSet.add(field.name);
    }
    const messages = bulk.messages.get(r.entity.name.toLowerCase()) ?? new Set<string>();
    tables.set(r.entity.name, {
      entity: r.entity,
      meta: r.meta,
      fields,
      method: writeMethod(messages, 'upsert'),
      updateMethod: writeMethod(messages, 'update'),
      target: { logicalName: r.meta.logicalName, entitySet: r.meta.entitySet, headers: bypass && r.entity.disableplugins ? BYPASS : {} },
      systemSet,
      missing: absent,
    });
  }
  return { tables, order, requests };
}

/** The file turns plug-ins off for some tables: only a user with prvBypassCustomPlugins may do that. */
async function checkBypassPrivilege(dv: DataverseClient, schema: CmtSchema, signal: AbortSignal): Promise<number> {
  const me = await dv.whoAmI(signal);
  if (await tablesOf(dv).systemUsers.hasPrivilege(me.UserId, 'prvBypassCustomPlugins', signal)) return 2;
  const tables = schema.entities.filter((e) => e.disableplugins).map((e) => e.name);
  throw new ToolError(
    `The data file asks to turn custom plug-ins off while importing ${tables.join(', ')} (disableplugins="true"), which needs the prvBypassCustomPlugins privilege; the signed-in user (${me.UserId}) does not have it. Nothing was imported.`,
    'Ask an administrator for a role with prvBypassCustomPlugins (System Administrators have it), or call again with bypassPlugins: "never" to import with the plug-ins running.',
  );
}
