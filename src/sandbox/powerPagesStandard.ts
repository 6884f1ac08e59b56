import { randomUUID } from 'node:crypto';
import { jsonBody, pageOf, type Reply, type SandboxRequest } from './http';
import { expandedCollections } from './metadata';
import { orgData } from './dataModel';
import { seedStandardSite } from './powerPagesSeed';
import { boundId, filterRows, selected } from './powerPagesQuery';
import {
  ANNOTATION_COLUMNS,
  SANDBOX_RELATIONSHIPS,
  SANDBOX_TABLES,
  tableBySet,
  type SandboxColumn,
  type SandboxTable,
} from './powerPagesSchema';
import type { DataverseReplies } from './solutions/api';
import type { SandboxOrg } from './state';

type Row = Record<string, unknown>;

/** The standard data model's rows of one org: adx_ tables, the links between them, and notes. */
export interface StandardPortal {
  tables: Map<string, Map<string, Row>>;
  /** Relationship name → "fromId|toId". */
  links: Map<string, Set<string>>;
  notes: Map<string, Row>;
}

const byOrg = new WeakMap<SandboxOrg, StandardPortal>();

/** The org's standard-model rows; Contoso Test has a site, Fabrikam Partners. */
export function standardPortal(org: SandboxOrg): StandardPortal {
  let portal = byOrg.get(org);
  if (!portal) {
    portal = {
      tables: new Map([...SANDBOX_TABLES.keys()].map((t) => [t, new Map<string, Row>()])),
      links: new Map(SANDBOX_RELATIONSHIPS.map((r) => [r.name, new Set<string>()])),
      notes: new Map(),
    };
    if (org.name === 'contoso-test') seedStandardSite(portal);
    byOrg.set(org, portal);
  }
  return portal;
}

/** Table metadata (EntityDefinitions) of the adx_ tables and of the enhanced model's mspp_ views over them. */
export function handlePortalMetadata(
  request: SandboxRequest,
  segment: string,
  org: SandboxOrg,
  reply: DataverseReplies,
): Reply | undefined {
  const match =
    /^EntityDefinitions\(LogicalName='((?:adx|mspp)_\w+)'\)(?:\/(Attributes(?:\/Microsoft\.Dynamics\.CRM\.DateTimeAttributeMetadata)?|ManyToOneRelationships|ManyToManyRelationships))?$/i.exec(
      segment,
    );
  if (request.method !== 'GET' || !match) return undefined;
  const name = match[1]!.toLowerCase();
  // Tables of a schema the org lacks, or made through the metadata API, are answered elsewhere.
  if (!org.portalSchemas.has(name.startsWith('mspp_') ? 'mspp' : 'adx') || orgData(org).tables.has(name)) return undefined;
  const prefix = name.startsWith('mspp_') ? 'mspp_' : 'adx_';
  const table = SANDBOX_TABLES.get(`adx_${name.slice(prefix.length)}`);
  if (!table || (prefix === 'mspp_' && table.logicalName === 'adx_websitebinding'))
    return reply.error(404, '0x80060888', `Could not find entity with name '${name}'.`);
  const rename = (column: string) => (prefix === 'mspp_' ? column.replace(/^adx_/, 'mspp_') : column);
  const collections: Record<string, () => Array<Record<string, unknown>>> = {
    Attributes: () => table.columns.map((c) => ({ LogicalName: rename(c.name), AttributeType: c.type })),
    ManyToOneRelationships: () =>
      table.columns
        .filter((c) => c.type === 'Lookup')
        .map((c) => ({
          ReferencingAttribute: rename(c.name),
          ReferencingEntityNavigationPropertyName: rename(c.name),
          ReferencedEntity: rename(c.target!),
        })),
    ManyToManyRelationships: () =>
      SANDBOX_RELATIONSHIPS.filter((r) => r.from === table.logicalName || r.to === table.logicalName).map((r) => ({
        SchemaName: r.name,
        IntersectEntityName: r.name,
        Entity1LogicalName: rename(r.from),
        Entity2LogicalName: rename(r.to),
        Entity1NavigationPropertyName: r.name,
        Entity2NavigationPropertyName: r.name,
      })),
  };
  const part = match[2];
  if (part?.toLowerCase().startsWith('attributes/')) {
    const dates = table.columns.filter((c) => c.type === 'DateTime');
    return reply.ok({
      value: dates.map((c) => ({ LogicalName: rename(c.name), Format: 'DateAndTime', DateTimeBehavior: { Value: 'UserLocal' } })),
    });
  }
  const named = part && Object.keys(collections).find((key) => key.toLowerCase() === part.toLowerCase());
  if (named) return reply.ok({ value: collections[named]!() });
  const expanded = expandedCollections(request.url.searchParams.get('$expand'), (name) =>
    Object.hasOwn(collections, name) ? collections[name]!() : undefined,
  );
  if ('problem' in expanded) return reply.error(400, '0x80060888', expanded.problem);
  const set = prefix === 'mspp_' ? table.entitySet.replace(/^adx_/, 'mspp_') : table.entitySet;
  return reply.ok({
    '@odata.context': `${org.url}/api/data/v9.2/$metadata#EntityDefinitions/$entity`,
    LogicalName: name,
    EntitySetName: set,
    PrimaryIdAttribute: rename(table.primaryId),
    PrimaryNameAttribute: rename(table.primaryName),
    ...expanded.parts,
  });
}

/** Queries, creates, updates, deletes and links of the adx_ tables, and the notes that hold web files' bytes. */
export function handleStandardPortal(
  request: SandboxRequest,
  segment: string,
  org: SandboxOrg,
  reply: DataverseReplies,
): Reply | undefined {
  const isNote = /^annotations\b/i.test(segment);
  if (!isNote && !org.portalSchemas.has('adx')) return undefined;
  const portal = standardPortal(org);
  const api = `${org.url}/api/data/v9.2`;
  let match: RegExpExecArray | null;
  if ((match = /^annotations(?:\(([0-9a-f-]{36})\))?$/i.exec(segment))) return notes(request, match[1]?.toLowerCase(), portal, api, reply);
  if ((match = /^(adx_\w+)\(([0-9a-f-]{36})\)\/(\w+)(?:\(([0-9a-f-]{36})\))?\/\$ref$/i.exec(segment))) {
    const table = tableBySet(match[1]!);
    const relationship = SANDBOX_RELATIONSHIPS.find((r) => r.name === match![3] && r.from === table?.logicalName);
    if (!table || !relationship) return reply.error(404, '0x80060888', `Resource not found for the segment '${match[3]}'.`);
    return link(request, portal, table, relationship.name, match[2]!.toLowerCase(), match[4]?.toLowerCase(), reply);
  }
  if (!(match = /^(adx_\w+)(?:\(([0-9a-f-]{36})\))?$/i.exec(segment))) return undefined;
  const table = tableBySet(match[1]!);
  if (!table) return reply.error(404, '0x80060888', `Resource not found for the segment '${match[1]}'.`);
  const rows = portal.tables.get(table.logicalName)!;
  const id = match[2]?.toLowerCase();
  if (request.method === 'GET' && !id) {
    const filtered = filterRows([...rows.values()], request.url.searchParams.get('$filter'));
    if (typeof filtered === 'string') return reply.error(400, '0x80060888', filtered);
    const page = pageOf(request, filtered, `${api}/${table.entitySet}`);
    const expand = request.url.searchParams.get('$expand');
    return reply.ok({
      '@odata.context': `${api}/$metadata#${table.entitySet}`,
      ...page,
      value: page.value.map((row) => webRow(portal, table, row, selected(request), expand)),
    });
  }
  if (request.method === 'GET') {
    const row = rows.get(id!);
    return row
      ? reply.ok({
          '@odata.context': `${api}/$metadata#${table.entitySet}/$entity`,
          ...webRow(portal, table, row, selected(request), null),
        })
      : notFound(table.logicalName, id!, reply);
  }
  if (request.method === 'POST' && !id) {
    const body = (jsonBody(request) ?? {}) as Row;
    const newId = String(body[table.primaryId] ?? randomUUID()).toLowerCase();
    if (rows.has(newId))
      return reply.error(412, '0x80040237', `A record with the specified key values already exists (${table.logicalName} ${newId}).`);
    const row: Row = { [table.primaryId]: newId, statecode: 0, statuscode: 1 };
    const problem = apply(portal, table, row, body, true);
    if (problem) return reply.error(400, problem.code, problem.message);
    rows.set(newId, row);
    return { status: 204, headers: { 'odata-entityid': `${api}/${table.entitySet}(${newId})` } };
  }
  if (request.method === 'PATCH' && id) {
    const row = rows.get(id);
    if (!row) return notFound(table.logicalName, id, reply);
    const staged = { ...row };
    const problem = apply(portal, table, staged, (jsonBody(request) ?? {}) as Row, false);
    if (problem) return reply.error(400, problem.code, problem.message);
    Object.assign(row, staged);
    return { status: 204 };
  }
  if (request.method === 'DELETE' && id) {
    if (!rows.delete(id)) return notFound(table.logicalName, id, reply);
    for (const pairs of portal.links.values()) for (const pair of [...pairs]) if (pair.split('|').includes(id)) pairs.delete(pair);
    for (const [noteId, note] of portal.notes) if (note.objectid === id) portal.notes.delete(noteId);
    return { status: 204 };
  }
  return reply.error(405, '0x80060888', `The HTTP method '${request.method}' is not allowed for '${segment}'.`);
}

const notFound = (table: string, id: string, reply: DataverseReplies) =>
  reply.error(404, '0x80040217', `${table} With Id = ${id} Does Not Exist`);

/** A row as the Web API returns it: every column (null when empty), lookups as _name_value, system columns too; expanded links. */
function webRow(portal: StandardPortal, table: SandboxTable, row: Row, select: string[] | undefined, expand: string | null): Row {
  const out: Row = {
    '@odata.etag': 'W/"1000001"',
    createdon: '2026-01-05T09:30:00Z',
    modifiedon: '2026-01-05T09:30:00Z',
    versionnumber: 1000001,
    _organizationid_value: 'f0000000-0000-4000-8000-000000000001',
  };
  for (const column of table.columns) {
    const name = column.type === 'Lookup' ? `_${column.name}_value` : column.name;
    if (select && !select.includes(column.name) && !select.includes(name) && column.name !== table.primaryId) continue;
    out[name] = row[column.name] ?? null;
  }
  for (const part of (expand ?? '').split(/,(?![^(]*\))/).filter(Boolean)) {
    const name = /^(\w+)/.exec(part)?.[1];
    const relationship = SANDBOX_RELATIONSHIPS.find((r) => r.name === name && r.from === table.logicalName);
    if (!relationship) continue;
    const target = SANDBOX_TABLES.get(relationship.to)!;
    const id = String(row[table.primaryId]);
    out[relationship.name] = [...portal.links.get(relationship.name)!]
      .filter((p) => p.startsWith(`${id}|`))
      .map((p) => ({ [target.primaryId]: p.split('|')[1] }));
  }
  return out;
}

/** Writes a create or update body into a row as the service checks it: known columns, right types, lookups bound to rows that exist. */
function apply(
  portal: StandardPortal,
  table: SandboxTable,
  row: Row,
  body: Row,
  create: boolean,
): { code: string; message: string } | undefined {
  for (const [key, value] of Object.entries(body)) {
    if (key === table.primaryId) continue;
    const bind = /^(\w+)@odata\.bind$/.exec(key);
    const column = table.columns.find((c) => c.name === (bind ? bind[1] : key));
    if (!column || (column.type === 'Lookup') !== Boolean(bind)) {
      const type = `Microsoft.Dynamics.CRM.${table.logicalName}`;
      return {
        code: '0x80060888',
        message: `An undeclared property '${key}' was found on '${type}'${column ? ': set a lookup with @odata.bind' : ''}.`,
      };
    }
    if (bind) {
      if (value === null) {
        row[column.name] = null;
        continue;
      }
      const target = SANDBOX_TABLES.get(column.target!)!;
      const id = boundId(value, target.entitySet);
      if (!id) return { code: '0x80060888', message: `${key} must name a row of ${target.entitySet}, as /${target.entitySet}(<id>).` };
      if (!portal.tables.get(target.logicalName)!.has(id))
        return { code: '0x80040217', message: `${target.logicalName} With Id = ${id} Does Not Exist` };
      row[column.name] = id;
      continue;
    }
    const problem = typeProblem(column, value);
    if (problem)
      return { code: '0x80048d19', message: `Cannot convert the literal '${String(value)}' to the expected type '${problem}' of ${key}.` };
    row[column.name] = value;
  }
  if (create && table.siteScoped && !row.adx_websiteid)
    return {
      code: '0x80040203',
      message: `adx_websiteid is required: bind the ${table.logicalName} to its website (adx_websiteid@odata.bind).`,
    };
  return undefined;
}

function typeProblem(column: SandboxColumn, value: unknown): string | undefined {
  if (value === null) return undefined;
  switch (column.type) {
    case 'Boolean':
      return typeof value === 'boolean' ? undefined : 'Edm.Boolean';
    case 'Integer':
    case 'Picklist':
    case 'State':
    case 'Status':
      return Number.isInteger(value) ? undefined : 'Edm.Int32';
    case 'DateTime':
      return typeof value === 'string' && !Number.isNaN(Date.parse(value)) ? undefined : 'Edm.DateTimeOffset';
    case 'MultiSelectPicklist':
      return typeof value === 'string' && /^(\d+(,\d+)*)?$/.test(value) ? undefined : 'Edm.String (choices separated by commas)';
    default:
      return typeof value === 'string' ? undefined : 'Edm.String';
  }
}

function link(
  request: SandboxRequest,
  portal: StandardPortal,
  table: SandboxTable,
  name: string,
  id: string,
  relatedId: string | undefined,
  reply: DataverseReplies,
): Reply {
  if (!portal.tables.get(table.logicalName)!.has(id)) return notFound(table.logicalName, id, reply);
  const relationship = SANDBOX_RELATIONSHIPS.find((r) => r.name === name)!;
  const target = SANDBOX_TABLES.get(relationship.to)!;
  const pairs = portal.links.get(name)!;
  if (request.method === 'DELETE' && relatedId) {
    if (!pairs.delete(`${id}|${relatedId}`))
      return reply.error(404, '0x80040217', `The ${name} link from ${id} to ${relatedId} does not exist.`);
    return { status: 204 };
  }
  if (request.method !== 'POST' || relatedId)
    return reply.error(405, '0x80060888', `The HTTP method '${request.method}' is not allowed here.`);
  const other = boundId(jsonBody(request)?.['@odata.id'], target.entitySet);
  if (!other || !portal.tables.get(target.logicalName)!.has(other))
    return reply.error(404, '0x80040217', `${target.logicalName} With Id = ${other ?? '(none)'} Does Not Exist`);
  if (pairs.has(`${id}|${other}`)) return reply.error(412, '0x80040237', 'Cannot insert duplicate key.');
  pairs.add(`${id}|${other}`);
  return { status: 204 };
}

function notes(request: SandboxRequest, id: string | undefined, portal: StandardPortal, api: string, reply: DataverseReplies): Reply {
  const view = (note: Row) => {
    const out: Row = { '@odata.etag': 'W/"1000001"' };
    for (const column of ANNOTATION_COLUMNS)
      out[column.type === 'Lookup' ? `_${column.name}_value` : column.name] = note[column.name] ?? null;
    return out;
  };
  const body = (jsonBody(request) ?? {}) as Row;
  if (request.method === 'GET' && !id) {
    const filtered = filterRows([...portal.notes.values()], request.url.searchParams.get('$filter'));
    if (typeof filtered === 'string') return reply.error(400, '0x80060888', filtered);
    const page = pageOf(request, filtered, `${api}/annotations`);
    return reply.ok({ '@odata.context': `${api}/$metadata#annotations`, ...page, value: page.value.map(view) });
  }
  if (request.method === 'POST' && !id) {
    const fileId = boundId(body['objectid_adx_webfile@odata.bind'], 'adx_webfiles');
    if (!fileId || !portal.tables.get('adx_webfile')!.has(fileId))
      return reply.error(400, '0x80040217', `adx_webfile With Id = ${fileId ?? '(none)'} Does Not Exist`);
    const { 'objectid_adx_webfile@odata.bind': _, ...columns } = body;
    const problem = noteProblem(columns);
    if (problem) return reply.error(400, '0x80060888', problem);
    const noteId = String(columns.annotationid ?? randomUUID()).toLowerCase();
    portal.notes.set(noteId, {
      isdocument: typeof columns.documentbody === 'string',
      ...columns,
      annotationid: noteId,
      objectid: fileId,
      objecttypecode: 'adx_webfile',
    });
    return { status: 204, headers: { 'odata-entityid': `${api}/annotations(${noteId})` } };
  }
  const note = id ? portal.notes.get(id) : undefined;
  if (!note) return reply.error(404, '0x80040217', `annotation With Id = ${id} Does Not Exist`);
  if (request.method === 'PATCH') {
    const problem = noteProblem(body);
    if (problem) return reply.error(400, '0x80060888', problem);
    Object.assign(note, body);
    return { status: 204 };
  }
  if (request.method === 'DELETE') {
    portal.notes.delete(id!);
    return { status: 204 };
  }
  return reply.error(405, '0x80060888', `The HTTP method '${request.method}' is not allowed for annotations.`);
}

function noteProblem(columns: Row): string | undefined {
  for (const [key, value] of Object.entries(columns)) {
    const column = ANNOTATION_COLUMNS.find((c) => c.name === key && c.type !== 'Lookup');
    if (!column) return `An undeclared property '${key}' was found on 'Microsoft.Dynamics.CRM.annotation'.`;
    if (typeProblem(column, value)) return `${key} has the wrong type.`;
  }
  if (typeof columns.documentbody === 'string' && !/^[A-Za-z0-9+/]*={0,2}$/.test(columns.documentbody))
    return 'documentbody must be base64.';
  return undefined;
}
