import { randomUUID } from 'node:crypto';
import { parseFetch } from './fetchXml';
import { jsonBody, type Reply, type SandboxRequest } from './http';
import type { DataverseReplies } from './solutions/api';
import type { SandboxOrg } from './state';

/** A column of a data table: its Web API type and, for lookups, the table it points to and the navigation property. */
export interface DataColumn {
  name: string;
  type: 'String' | 'Integer' | 'Decimal' | 'Boolean' | 'DateTime' | 'Picklist' | 'Lookup' | 'Uniqueidentifier';
  target?: string;
  navigation?: string;
  required?: boolean;
}

/** An N:N relationship: its schema name (also the collection navigation property on both sides) and its two tables. */
export interface ManyToMany {
  SchemaName: string;
  Entity1LogicalName: string;
  Entity2LogicalName: string;
  Entity1NavigationPropertyName: string;
  Entity2NavigationPropertyName: string;
  /** Associated pairs, "entity1id|entity2id". */
  pairs: Set<string>;
}

export interface DataTable {
  logicalName: string;
  entitySet: string;
  primaryId: string;
  primaryName: string;
  objectTypeCode: number;
  columns: DataColumn[];
  rows: Map<string, Record<string, unknown>>;
}

/** The tables the sandbox keeps records for, with the real shapes of their common columns. */
function tableDefinitions(): DataTable[] {
  const table = (logicalName: string, entitySet: string, objectTypeCode: number, primaryName: string, columns: DataColumn[]): DataTable => ({
    logicalName,
    entitySet,
    primaryId: `${logicalName}id`,
    primaryName,
    objectTypeCode,
    columns: [{ name: `${logicalName}id`, type: 'Uniqueidentifier' }, ...columns],
    rows: new Map(),
  });
  return [
    table('account', 'accounts', 1, 'name', [
      { name: 'name', type: 'String', required: true },
      { name: 'accountnumber', type: 'String' },
      { name: 'revenue', type: 'Decimal' },
      { name: 'numberofemployees', type: 'Integer' },
      { name: 'industrycode', type: 'Picklist' },
      { name: 'donotemail', type: 'Boolean' },
      { name: 'primarycontactid', type: 'Lookup', target: 'contact', navigation: 'primarycontactid' },
    ]),
    table('contoso_tag', 'contoso_tags', 10_010, 'contoso_name', [{ name: 'contoso_name', type: 'String', required: true }]),
    table('contact', 'contacts', 2, 'fullname', [
      { name: 'firstname', type: 'String' },
      { name: 'lastname', type: 'String', required: true },
      { name: 'emailaddress1', type: 'String' },
      { name: 'birthdate', type: 'DateTime' },
      { name: 'parentcustomerid', type: 'Lookup', target: 'account', navigation: 'parentcustomerid_account' },
    ]),
  ];
}

/** Each org's tables, made on first use and seeded with a few records in every org. */
const tablesByOrg = new WeakMap<SandboxOrg, Map<string, DataTable>>();
const relationshipsByOrg = new WeakMap<SandboxOrg, ManyToMany[]>();

/** The org's N:N relationships: accounts and tags. */
export function manyToMany(org: SandboxOrg): ManyToMany[] {
  let relationships = relationshipsByOrg.get(org);
  if (!relationships) {
    relationships = [{ SchemaName: 'contoso_account_tag', Entity1LogicalName: 'account', Entity2LogicalName: 'contoso_tag', Entity1NavigationPropertyName: 'contoso_account_tag', Entity2NavigationPropertyName: 'contoso_account_tag', pairs: new Set() }];
    relationshipsByOrg.set(org, relationships);
  }
  return relationships;
}

export function dataTables(org: SandboxOrg): Map<string, DataTable> {
  let tables = tablesByOrg.get(org);
  if (!tables) {
    tables = new Map(tableDefinitions().map((t) => [t.logicalName, t]));
    tablesByOrg.set(org, tables);
    seed(tables);
  }
  return tables;
}

function seed(tables: Map<string, DataTable>): void {
  for (const [i, name] of ['Gold', 'Silver', 'Partner'].entries()) tables.get('contoso_tag')!.rows.set(`70000000-0000-4000-8000-00000000000${i + 1}`, { contoso_tagid: `70000000-0000-4000-8000-00000000000${i + 1}`, contoso_name: name });
  const accounts = tables.get('account')!;
  const contacts = tables.get('contact')!;
  for (let i = 1; i <= 3; i++) {
    const accountid = `a0000000-0000-4000-8000-00000000000${i}`;
    accounts.rows.set(accountid, { accountid, name: `Contoso Customer ${i}`, accountnumber: `C-${1000 + i}`, revenue: 1_000_000 * i, numberofemployees: 10 * i, industrycode: i, donotemail: false, primarycontactid: null });
    const contactid = `c0000000-0000-4000-8000-00000000000${i}`;
    contacts.rows.set(contactid, { contactid, firstname: `Pat${i}`, lastname: 'Doe', fullname: `Pat${i} Doe`, emailaddress1: `pat${i}@customer${i}.example`, birthdate: null, parentcustomerid: accountid });
  }
}

/** The Web API row: lookups as `_name_value` with the annotations clients read (§7.2). */
function webRow(table: DataTable, row: Record<string, unknown>, tables: Map<string, DataTable>, select?: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = { '@odata.etag': 'W/"1000001"' };
  for (const column of table.columns) {
    if (select && !select.includes(column.name) && !select.includes(`_${column.name}_value`) && column.name !== table.primaryId) continue;
    const value = row[column.name] ?? null;
    if (column.type !== 'Lookup') {
      out[column.name] = value;
      continue;
    }
    out[`_${column.name}_value`] = value;
    if (value) {
      const target = tables.get(column.target!)!;
      out[`_${column.name}_value@Microsoft.Dynamics.CRM.lookuplogicalname`] = target.logicalName;
      out[`_${column.name}_value@OData.Community.Display.V1.FormattedValue`] = String(target.rows.get(String(value))?.[target.primaryName] ?? '');
    }
  }
  if (!select || select.includes(table.primaryName)) out[table.primaryName] = row[table.primaryName] ?? null;
  return out;
}

/**
 * Records of the data tables: metadata (EntityDefinitions, attributes, many-to-one relationships),
 * paged queries, upsert by id, and UpsertMultiple/CreateMultiple, all-or-nothing on standard tables (§7).
 */
export function handleDataTables(request: SandboxRequest, segment: string, org: SandboxOrg, reply: DataverseReplies): Reply | undefined {
  const tables = dataTables(org);
  const api = `${org.url}/api/data/v9.2`;
  const bySet = (set: string) => [...tables.values()].find((t) => t.entitySet === set.toLowerCase());
  let match: RegExpExecArray | null;

  if (request.method === 'GET' && (match = /^EntityDefinitions\(LogicalName='([^']+)'\)(?:\/(Attributes|ManyToOneRelationships|ManyToManyRelationships))?$/i.exec(segment))) {
    const table = tables.get(match[1]!.toLowerCase());
    if (!table) return undefined;
    if (match[2]?.toLowerCase() === 'manytomanyrelationships') {
      return reply.ok({ value: manyToMany(org).filter((r) => r.Entity1LogicalName === table.logicalName || r.Entity2LogicalName === table.logicalName).map(({ pairs: _, ...r }) => r) });
    }
    if (match[2]?.toLowerCase() === 'attributes') return reply.ok({ value: table.columns.map((c) => ({ LogicalName: c.name, AttributeType: c.type, IsValidForUpdate: c.type !== 'Uniqueidentifier' })) });
    if (match[2]) return reply.ok({ value: table.columns.filter((c) => c.type === 'Lookup').map((c) => ({ ReferencingAttribute: c.name, ReferencingEntityNavigationPropertyName: c.navigation, ReferencedEntity: c.target })) });
    const metadataId = org.entities.find((e) => e.logicalname === table.logicalName)?.metadataid;
    return reply.ok({ '@odata.context': `${api}/$metadata#EntityDefinitions/$entity`, MetadataId: metadataId, LogicalName: table.logicalName, EntitySetName: table.entitySet, PrimaryIdAttribute: table.primaryId, PrimaryNameAttribute: table.primaryName, ObjectTypeCode: table.objectTypeCode });
  }
  if (request.method === 'GET' && (match = /^(\w+)\(([0-9a-f-]{36})\)\/(\w+)$/i.exec(segment))) {
    const table = bySet(match[1]!);
    const relationship = table && manyToMany(org).find((r) => (r.Entity1LogicalName === table.logicalName ? r.Entity1NavigationPropertyName : r.Entity2NavigationPropertyName) === match![3]);
    if (!table || !relationship) return undefined;
    const first = relationship.Entity1LogicalName === table.logicalName;
    const other = tables.get(first ? relationship.Entity2LogicalName : relationship.Entity1LogicalName)!;
    const ids = [...relationship.pairs].map((p) => p.split('|')).filter(([a, b]) => (first ? a : b) === match![2]!.toLowerCase()).map(([a, b]) => (first ? b : a)!);
    return reply.ok({ value: ids.map((id) => ({ [other.primaryId]: id })) });
  }
  if (request.method === 'POST' && (match = /^(\w+)\(([0-9a-f-]{36})\)\/(\w+)\/\$ref$/i.exec(segment))) {
    const table = bySet(match[1]!);
    const relationship = table && manyToMany(org).find((r) => (r.Entity1LogicalName === table.logicalName ? r.Entity1NavigationPropertyName : r.Entity2NavigationPropertyName) === match![3] && (r.Entity1LogicalName === table.logicalName || r.Entity2LogicalName === table.logicalName));
    if (!table || !relationship) return undefined;
    const sourceId = match[2]!.toLowerCase();
    if (!table.rows.has(sourceId)) return reply.error(404, '0x80040217', `${table.logicalName} With Id = ${sourceId} Does Not Exist`);
    const other = tables.get(relationship.Entity1LogicalName === table.logicalName ? relationship.Entity2LogicalName : relationship.Entity1LogicalName)!;
    const targetId = new RegExp(`${other.entitySet}\\(([0-9a-f-]{36})\\)`, 'i').exec(String(jsonBody(request)?.['@odata.id'] ?? ''))?.[1]?.toLowerCase();
    if (!targetId || !other.rows.has(targetId)) return reply.error(404, '0x80040217', `${other.logicalName} With Id = ${targetId ?? '(none)'} Does Not Exist`);
    const pair = relationship.Entity1LogicalName === table.logicalName ? `${sourceId}|${targetId}` : `${targetId}|${sourceId}`;
    if (relationship.pairs.has(pair)) return reply.error(412, '0x80040237', 'Cannot insert duplicate key.');
    relationship.pairs.add(pair);
    return { status: 204 };
  }
  if (request.method === 'GET' && (match = /^(accounts|contacts|contoso_tags)$/i.exec(segment))) {
    const table = bySet(match[1]!)!;
    const fetchXml = request.url.searchParams.get('fetchXml');
    if (fetchXml) {
      let query;
      try {
        query = parseFetch(fetchXml);
      } catch (error) {
        return reply.error(400, '0x80041103', `The FetchXML is not valid: ${(error as Error).message}`);
      }
      if (query.entity !== table.logicalName) return reply.error(400, '0x80041103', `The FetchXML entity ${query.entity} does not match the entity set ${table.entitySet}.`);
      const rows = [...table.rows.values()].filter((row) => query.matches(row));
      const page = rows.slice((query.page - 1) * query.count, query.page * query.count);
      const select = query.attributes?.map((a) => (table.columns.find((c) => c.name === a)?.type === 'Lookup' ? `_${a}_value` : a));
      return reply.ok({ '@odata.context': `${api}/$metadata#${table.entitySet}`, '@Microsoft.Dynamics.CRM.morerecords': query.page * query.count < rows.length, value: page.map((r) => webRow(table, r, tables, select)) });
    }
    const select = request.url.searchParams.get('$select')?.split(',').filter(Boolean);
    const pageSize = Math.min(5000, Number(/odata\.maxpagesize=(\d+)/.exec(String(request.headers.prefer ?? ''))?.[1] ?? 5000));
    const skip = Number(request.url.searchParams.get('$skiptoken') ?? 0);
    const rows = [...table.rows.values()].slice(skip, skip + pageSize);
    const next = skip + pageSize < table.rows.size ? `${api}/${table.entitySet}?${new URLSearchParams({ ...(select ? { $select: select.join(',') } : {}), $skiptoken: String(skip + pageSize) })}` : undefined;
    return reply.ok({ '@odata.context': `${api}/$metadata#${table.entitySet}`, value: rows.map((r) => webRow(table, r, tables, select)), ...(next ? { '@odata.nextLink': next } : {}) });
  }
  if (request.method === 'PATCH' && (match = /^(accounts|contacts|contoso_tags)\(([0-9a-f-]{36})\)$/i.exec(segment))) {
    const table = bySet(match[1]!)!;
    const problem = upsert(table, tables, { ...(jsonBody(request) ?? {}), [table.primaryId]: match[2]!.toLowerCase() });
    return problem ? reply.error(400, problem.code, problem.message) : { status: 204 };
  }
  if (request.method === 'POST' && (match = /^(accounts|contacts|contoso_tags)\/Microsoft\.Dynamics\.CRM\.(UpsertMultiple|CreateMultiple)$/i.exec(segment))) {
    const table = bySet(match[1]!)!;
    const targets = (jsonBody(request)?.Targets ?? []) as Array<Record<string, unknown>>;
    if (!Array.isArray(targets) || !targets.length) return reply.error(400, '0x80040203', 'Targets must hold at least one record.');
    // Standard tables are all-or-nothing: check every target, then write them all.
    const staged = new Map([...table.rows].map(([id, row]) => [id, { ...row }]));
    const probe = { ...table, rows: staged };
    for (const [index, target] of targets.entries()) {
      if (target['@odata.type'] !== `Microsoft.Dynamics.CRM.${table.logicalName}`) return reply.error(400, '0x80040203', `Targets[${index}]: @odata.type must be Microsoft.Dynamics.CRM.${table.logicalName}.`);
      const create = match[2]!.toLowerCase() === 'createmultiple';
      if (create && target[table.primaryId] && staged.has(String(target[table.primaryId]).toLowerCase())) return reply.error(412, '0x80040237', `Targets[${index}]: a record with id ${target[table.primaryId]} already exists.`);
      const problem = upsert(probe, tables, { ...target, [table.primaryId]: String(target[table.primaryId] ?? randomUUID()).toLowerCase() });
      if (problem) return reply.error(400, problem.code, `Targets[${index}] (${target[table.primaryId] ?? 'new record'}): ${problem.message}`);
    }
    table.rows = staged;
    return match[2]!.toLowerCase() === 'createmultiple' ? reply.ok({ Ids: targets.map((t) => t[table.primaryId]) }) : { status: 204 };
  }
  return undefined;
}

/** Creates or updates one record, checking columns, types and lookups as the service does. */
function upsert(table: DataTable, tables: Map<string, DataTable>, body: Record<string, unknown>): { code: string; message: string } | undefined {
  const id = String(body[table.primaryId]);
  const row: Record<string, unknown> = { ...(table.rows.get(id) ?? { [table.primaryId]: id }) };
  for (const [key, value] of Object.entries(body)) {
    if (key === '@odata.type' || key === table.primaryId) continue;
    const bind = /^(.+)@odata\.bind$/.exec(key);
    if (bind) {
      const column = table.columns.find((c) => c.navigation === bind[1]);
      if (!column) return { code: '0x80060888', message: `An undeclared property '${bind[1]}' which only has property annotations in the payload but no property value was found in the payload. Use the navigation property name of the lookup.` };
      const target = tables.get(column.target!)!;
      const targetId = new RegExp(`^/?${target.entitySet}\\(([0-9a-f-]{36})\\)$`, 'i').exec(String(value))?.[1]?.toLowerCase();
      if (!targetId || !target.rows.has(targetId)) return { code: '0x80040217', message: `${target.logicalName} With Id = ${targetId ?? value} Does Not Exist` };
      row[column.name] = targetId;
      continue;
    }
    const column = table.columns.find((c) => c.name === key);
    if (!column || column.type === 'Lookup') return { code: '0x80060888', message: `The property '${key}' does not exist on type 'Microsoft.Dynamics.CRM.${table.logicalName}'.` };
    if (value !== null && !fits(column.type, value)) return { code: '0x80048d19', message: `Error identified in Payload provided by the user for Entity :'${table.entitySet}', Cannot convert the literal '${String(value)}' to the expected type for '${key}'.` };
    row[key] = value;
  }
  for (const column of table.columns.filter((c) => c.required)) {
    if (row[column.name] === undefined || row[column.name] === null || row[column.name] === '') return { code: '0x80040203', message: `${column.name} is required.` };
  }
  if (table.logicalName === 'contact') row.fullname = [row.firstname, row.lastname].filter(Boolean).join(' ');
  table.rows.set(id, row);
  return undefined;
}

function fits(type: DataColumn['type'], value: unknown): boolean {
  if (type === 'String') return typeof value === 'string';
  if (type === 'Integer' || type === 'Picklist') return Number.isInteger(value);
  if (type === 'Decimal') return typeof value === 'number';
  if (type === 'Boolean') return typeof value === 'boolean';
  if (type === 'DateTime') return typeof value === 'string' && !Number.isNaN(Date.parse(value));
  return true;
}
