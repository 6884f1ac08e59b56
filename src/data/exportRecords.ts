import { xmldom } from '../solutions/xmldom';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataverseClient } from '../platform/dataverse';
import { elements, parseXml } from '../solutions/xml';
import { ToolError } from '../callerError';
import { findRelationship, navigationFrom } from './associate';
import type { CmtRecord, CmtValue } from './cmtRecords';
import { CmtDataWriter, type CmtLinks } from './cmtDataWriter';
import { readLinks, type ExportedRelationship } from './exportLinks';
import { byDisplayName, writeSchema, type CmtEntity, type CmtField, type CmtRelationship, type CmtSchema } from './cmtSchema';
import { toCmtValue } from './cmtValues';
import { writeDataZip } from './dataPackage';
import { PAGE_PREFER, PAGE_SIZE, SIMPLE_PAGING_LIMIT, fetchXmlPages, type FetchPageAt } from './fetchPaging';
import { metadataRequests, tableKeys, tableMetadata, type ColumnMetadata, type TableMetadata } from './tableMetadata';

/** The participation type of each party-list column of an activity. */
export const PARTY_MASKS: Record<string, number> = {
  from: 1,
  to: 2,
  cc: 3,
  bcc: 4,
  requiredattendees: 5,
  optionalattendees: 6,
  organizer: 7,
  resources: 10,
  customers: 11,
  partners: 12,
};

/** A column's type as the Configuration Migration tool names it; undefined for columns it does not export. */
export function cmtType(column: ColumnMetadata): string | undefined {
  const types: Record<string, string> = {
    Uniqueidentifier: 'guid',
    String: 'string',
    Memo: 'string',
    EntityName: 'string',
    Integer: 'number',
    BigInt: 'bigint',
    Decimal: 'decimal',
    Double: 'float',
    Money: 'money',
    Boolean: 'bool',
    DateTime: 'datetime',
    Picklist: 'optionsetvalue',
    State: 'state',
    Status: 'status',
    Lookup: 'entityreference',
    Customer: 'entityreference',
    Owner: 'owner',
    PartyList: 'partylist',
  };
  if (column.type === 'Virtual')
    return column.typeName === 'MultiSelectPicklistType'
      ? 'optionsetvaluecollection'
      : column.typeName === 'ImageType'
        ? 'imagedata'
        : undefined;
  return types[column.type];
}

/**
 * What to export of one table: its columns (all when absent), the N:N relationships whose links to
 * take, and whether an import of the file is to turn custom plug-ins off for it.
 */
export interface ExportRequest {
  table: string;
  columns?: string[];
  relationships?: string[];
  disablePlugins?: boolean;
}

export interface ExportResult {
  entities: Array<{ name: string; records: number }>;
  requests: number;
}

interface TableExport {
  entity: CmtEntity;
  meta: TableMetadata;
  relationships: ExportedRelationship[];
}

/**
 * Exports records to a Configuration Migration data zip (docs/service-notes.md#data-configuration-migration): a given schema is kept as it
 * is (its bytes), otherwise the schema is written from the tables' metadata with every attribute the
 * tool writes. Records are paged and written to data.xml as they come, lookups with their target
 * table and name, party lists with their parties, N:N links after each table's records.
 */
export async function exportRecords(
  dv: DataverseClient,
  wanted: ExportRequest[],
  options: { given?: { schema: CmtSchema; bytes: Buffer }; target: string; signal: AbortSignal },
): Promise<ExportResult> {
  let requests = 0;
  const tables: TableExport[] = [];
  for (const item of wanted) {
    const meta = await tableMetadata(dv, item.table, options.signal);
    requests += metadataRequests();
    const givenEntity = options.given?.schema.entities.find((e) => e.name === meta.logicalName);
    const entity = givenEntity ?? describeEntity(meta, item);
    const unknown = entity.fields.filter((f) => !meta.columns.has(f.name)).map((f) => f.name);
    if (unknown.length)
      throw new ToolError(
        `${givenEntity ? 'schemaFile' : 'tables'}: ${meta.logicalName} has no column ${unknown.join(', ')} in this environment. Nothing was exported.`,
      );
    tables.push({ entity, meta, relationships: [] });
  }
  // N:N relationships: the table on the other side and its key, read once for all.
  const others = new Set<string>();
  for (const t of tables)
    for (const r of t.entity.relationships.filter((r) => r.manyToMany)) {
      const relationship = findRelationship(t.meta.manyToMany, r.name);
      if (!relationship)
        throw new ToolError(
          `${options.given ? 'schemaFile' : 'tables'}: ${t.meta.logicalName} has no N:N relationship ${r.name} in this environment. Nothing was exported.`,
        );
      others.add(navigationFrom(relationship, t.meta.logicalName).other);
    }
  const keys = others.size ? await tableKeys(dv, [...others], options.signal) : new Map<string, { primaryId: string }>();
  requests += Math.ceil(others.size / 20);
  for (const t of tables) {
    for (const r of t.entity.relationships.filter((r) => r.manyToMany)) {
      const relationship = findRelationship(t.meta.manyToMany, r.name)!;
      const { navigation, other, first } = navigationFrom(relationship, t.meta.logicalName);
      const otherKey = keys.get(other)?.primaryId ?? `${other}id`;
      t.relationships.push({ name: r.name, navigation, other, otherKey, metadata: relationship, first });
      if (!options.given)
        Object.assign(r, {
          relatedEntityName: relationship.IntersectEntityName || r.name,
          m2mTargetEntity: other,
          m2mTargetEntityPrimaryKey: otherKey,
        });
    }
  }

  const dir = await mkdtemp(join(tmpdir(), 'power-agent-export-'));
  try {
    const dataFile = join(dir, 'data.xml');
    const writer = new CmtDataWriter(createWriteStream(dataFile));
    await writer.begin();
    const entities: ExportResult['entities'] = [];
    for (const t of tables) {
      const out = writer.entity(t.entity.name, t.entity.displayname);
      const ids: string[] = [];
      for await (const page of pages(
        dv,
        t,
        options.given?.schema.entities.find((e) => e.name === t.meta.logicalName)?.filter,
        options.signal,
      )) {
        requests++;
        for (const row of page) {
          const record = toRecord(row, t);
          ids.push(record.id);
          await out.record(record);
        }
      }
      const links: CmtLinks[] = [];
      for (const r of t.relationships) {
        const read = await readLinks(dv, t.meta, r, ids, options.signal);
        requests += read.requests;
        links.push(...read.links);
      }
      // As the tool writes them: a record's links together, relationship after relationship, records in order.
      const place = new Map(ids.map((id, index) => [id, index]));
      links.sort((a, b) => (place.get(a.sourceId) ?? ids.length) - (place.get(b.sourceId) ?? ids.length));
      await out.end(links);
      entities.push({ name: t.entity.name, records: ids.length });
    }
    await writer.end();
    const schema = options.given?.bytes ?? writeSchema({ entities: tables.map((t) => t.entity) });
    await writeDataZip(options.target, dataFile, schema);
    return { entities, requests };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A table's schema entry from its metadata, with every attribute the tool writes; fields by display name. */
function describeEntity(meta: TableMetadata, item: ExportRequest): CmtEntity {
  const names = item.columns?.length
    ? [...new Set([meta.primaryId, ...item.columns.map((c) => c.toLowerCase())])]
    : [...meta.columns.values()].filter((c) => !c.attributeOf || c.type === 'Money').map((c) => c.name);
  const fields: CmtField[] = [];
  for (const name of names) {
    const column = meta.columns.get(name);
    if (!column) {
      fields.push({ name, displayname: name, type: 'string' });
      continue;
    }
    const type = cmtType(column);
    if (!type) {
      if (item.columns?.length)
        throw new ToolError(
          `tables: ${meta.logicalName}.${name} is a ${column.type} column, which the Configuration Migration format cannot hold. Nothing was exported.`,
        );
      continue;
    }
    const targets = type === 'entityreference' ? [...new Set((meta.lookups.get(name) ?? []).map((l) => l.target))].sort() : [];
    fields.push({
      displayname: column.displayName,
      name,
      type,
      ...(targets.length ? { lookupType: targets.join('|') } : {}),
      ...(column.custom ? { customfield: true } : {}),
      ...(column.primaryId ? { primaryKey: true } : {}),
    });
  }
  const relationships: CmtRelationship[] = (item.relationships ?? []).map((name) => {
    const relationship = findRelationship(meta.manyToMany, name);
    const reflexive = relationship ? relationship.Entity1LogicalName === relationship.Entity2LogicalName : false;
    return { name: relationship?.IntersectEntityName || name, manyToMany: true, isreflexive: reflexive };
  });
  return {
    name: meta.logicalName,
    displayname: meta.displayName,
    etc: meta.objectTypeCode,
    primaryidfield: meta.primaryId,
    primarynamefield: meta.primaryName,
    disableplugins: item.disablePlugins === true,
    fields: fields.sort(byDisplayName),
    relationships,
  };
}

/** The Web API query of a table's records: lookups as _x_value, party lists expanded. */
async function* pages(
  dv: DataverseClient,
  t: TableExport,
  filter: string | undefined,
  signal: AbortSignal,
): AsyncGenerator<Array<Record<string, unknown>>> {
  const selected = t.entity.fields.filter((f) => f.type !== 'partylist' && hasValue(f));
  const columns = selected.map((f) => (['entityreference', 'owner'].includes(f.type) ? `_${f.name}_value` : f.name));
  if (!columns.includes(t.meta.primaryId)) columns.unshift(t.meta.primaryId);
  const parties = t.entity.fields.some((f) => f.type === 'partylist')
    ? `&$expand=${t.meta.logicalName}_activity_parties($select=activitypartyid,participationtypemask,addressused,_partyid_value)`
    : '';
  if (filter) {
    // The schema's FetchXML filter, with our columns, paged with the paging cookie (docs/service-notes.md#data-configuration-migration).
    const fetchAt = (at: FetchPageAt) =>
      fetchFor(
        filter,
        selected.map((f) => f.name),
        at,
        t.meta.logicalName,
      );
    for await (const { rows, page, more, cookie } of fetchXmlPages<Record<string, unknown>>(dv, t.meta.entitySet, fetchAt, signal)) {
      yield rows;
      if (more && cookie === undefined && (page + 1) * PAGE_SIZE > SIMPLE_PAGING_LIMIT)
        throw new ToolError(
          `schemaFile: the filter of ${t.meta.logicalName} matches more than ${SIMPLE_PAGING_LIMIT.toLocaleString('en-US')} records, and Dataverse gave no paging cookie for it, without which it returns no more. Nothing was exported.`,
          'Split the filter into parts of fewer records, or order it by the columns of the table itself (queries ordered by a linked table get no paging cookie).',
        );
    }
    return;
  }
  yield* dv.pages<Record<string, unknown>>(`${t.meta.entitySet}?$select=${columns.join(',')}${parties}`, PAGE_PREFER, signal);
}

function lookupValue(row: Record<string, unknown>, property: string, name: string): CmtValue | undefined {
  // A lookup column's value is its id; the annotations are the table's logical name and the record's name.
  const id = row[property] as string | undefined;
  if (!id) return undefined;
  const value: CmtValue = {
    name,
    value: String(id).toLowerCase(),
    lookupentity: String((row[`${property}@Microsoft.Dynamics.CRM.lookuplogicalname`] as string | undefined) ?? ''),
  };
  const label = row[`${property}@OData.Community.Display.V1.FormattedValue`] as string | null | undefined;
  if (label !== undefined && label !== null) value.lookupentityname = String(label);
  return value;
}

/** Whether the tool writes values of a schema field: not the row version, which it lists but leaves to the service. */
function hasValue(field: CmtField): boolean {
  return field.name !== 'versionnumber';
}

/** A Web API row as the tool writes a record: fields in schema order, nulls left out, the key included. */
function toRecord(row: Record<string, unknown>, t: TableExport): CmtRecord {
  const id = String(row[t.meta.primaryId]).toLowerCase();
  const fields: CmtValue[] = [];
  for (const field of t.entity.fields) {
    if (!hasValue(field)) continue;
    if (field.type === 'entityreference' || field.type === 'owner') {
      const value = lookupValue(row, `_${field.name}_value`, field.name);
      if (value) fields.push(value);
      continue;
    }
    if (field.type === 'partylist') {
      const mask = PARTY_MASKS[field.name];
      const parties = ((row[`${t.meta.logicalName}_activity_parties`] as Array<Record<string, unknown>> | undefined) ?? []).filter(
        (p) => p.participationtypemask === mask,
      );
      if (!parties.length) continue;
      fields.push({
        name: field.name,
        value: '',
        lookupentity: '',
        lookupentityname: '',
        parties: parties.map((p) => ({
          id: String(p.activitypartyid).toLowerCase(),
          fields: [
            lookupValue(p, '_partyid_value', 'partyid'),
            { name: 'activityid', value: id, lookupentity: 'activitypointer' },
            { name: 'participationtypemask', value: String(p.participationtypemask) },
            p.addressused ? { name: 'addressused', value: String(p.addressused as string) } : undefined,
            { name: 'activitypartyid', value: String(p.activitypartyid).toLowerCase() },
          ].filter((f): f is CmtValue => f !== undefined),
        })),
      });
      continue;
    }
    const value = row[field.name];
    if (value === null || value === undefined) continue;
    fields.push({ name: field.name, value: toCmtValue(field.type, value, t.meta.columns.get(field.name)?.date) });
  }
  return { id, fields };
}

/** The schema's FetchXML with our columns as its attributes and the page asked for; 5000 records a page. */
function fetchFor(filter: string, columns: string[], at: FetchPageAt, table: string): string {
  let document;
  try {
    document = parseXml(filter, `the FetchXML filter of ${table}`);
  } catch (error) {
    throw new ToolError(`schemaFile: the filter of ${table} is not valid FetchXML (${(error as Error).message}). Nothing was exported.`);
  }
  const fetch = document.documentElement!;
  const entity = elements(fetch).find((e) => e.nodeName === 'entity');
  if (fetch.nodeName !== 'fetch' || !entity)
    throw new ToolError(`schemaFile: the filter of ${table} is not a <fetch> with an <entity>. Nothing was exported.`);
  for (const old of elements(entity).filter((e) => e.nodeName === 'attribute' || e.nodeName === 'all-attributes')) entity.removeChild(old);
  for (const column of columns) {
    const attribute = document.createElement('attribute');
    attribute.setAttribute('name', column);
    entity.insertBefore(attribute, entity.firstChild);
  }
  fetch.setAttribute('page', String(at.page));
  fetch.setAttribute('count', String(PAGE_SIZE));
  if (at.cookie === undefined) fetch.removeAttribute('paging-cookie');
  else fetch.setAttribute('paging-cookie', at.cookie);
  return new (xmldom().XMLSerializer)().serializeToString(document);
}
