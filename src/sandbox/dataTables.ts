import { randomUUID } from 'node:crypto';
import { orgData, type BulkMessage, type DataTable, type ManyToMany, type Row } from './dataModel';
import { partyRows, recordContext, recordExists, tableBySet, webRow, writeRow, type Problem, type RecordContext } from './dataRecords';
import { answerFetch } from './fetchPaging';
import { jsonBody, pageOf, type Reply, type SandboxRequest } from './http';
import { intersectQuery } from './intersect';
import { FilterError, parseFilter } from './odataFilter';
import type { DataverseReplies } from './solutions/api';
import type { SandboxOrg, SandboxSystemUser } from './state';

export type { DataColumn, DataTable, ManyToMany } from './dataModel';

/** The org's tables, by logical name (rows included), for tests that look at what was written. */
export function dataTables(org: SandboxOrg): Map<string, DataTable> {
  return orgData(org).tables;
}

/** The org's N:N relationships with their associated pairs. */
export function manyToMany(org: SandboxOrg): ManyToMany[] {
  return orgData(org).manyToMany;
}

const BYPASS_PRIVILEGE = 'prvBypassCustomPlugins';

/** Whether a user's roles carry a privilege; System Administrators have them all. */
export function hasPrivilege(org: SandboxOrg, user: SandboxSystemUser, privilege: string): boolean {
  return privilege.startsWith('prv') && org.roles.some((r) => user.roles.includes(r.roleid) && r.name === 'System Administrator');
}

/**
 * Records of the data tables: queries (paged, $select, $filter, FetchXML, party lists expanded),
 * create, upsert by id, delete, the bulk messages a table has, and N:N associations (docs/service-notes.md#data-configuration-migration).
 */
export function handleDataTables(
  request: SandboxRequest,
  segment: string,
  org: SandboxOrg,
  reply: DataverseReplies,
  caller: SandboxSystemUser,
): Reply | undefined {
  const context = recordContext(org, caller);
  const match = /^([A-Za-z0-9_]+)(?:\(([0-9a-f-]{36})\))?(?:\/(.+))?$/i.exec(segment);
  if (!match) return undefined;
  const table = tableBySet(context.data, match[1]!);
  if (!table && !match[2] && !match[3]) return intersectQuery(org, match[1]!, request, reply);
  if (!table || table.external) return undefined;
  const id = match[2]?.toLowerCase();
  const rest = match[3];
  const method = request.method;
  const writes = method !== 'GET';
  if (writes && /^true$/i.test(String(request.headers['mscrm.bypasscustompluginexecution'] ?? ''))) {
    if (!hasPrivilege(org, caller, BYPASS_PRIVILEGE)) {
      return reply.error(
        403,
        '0x80040220',
        `Principal user (Id=${caller.systemuserid}, type=8) is missing ${BYPASS_PRIVILEGE} privilege (Id=${randomUUIDFor(BYPASS_PRIVILEGE)}) on OTC=${table.objectTypeCode} for entity '${table.logicalName}'.`,
      );
    }
    context.data.pluginBypassWrites++;
  }
  if (!id && !rest) {
    if (method === 'GET') return query(context, table, request, reply, org);
    if (method === 'POST') return create(context, table, request, reply, org);
    return undefined;
  }
  if (!id && rest) {
    const bulk = /^Microsoft\.Dynamics\.CRM\.(UpsertMultiple|CreateMultiple|UpdateMultiple)$/.exec(rest);
    return method === 'POST' && bulk ? multiple(context, table, bulk[1] as BulkMessage, request, reply) : undefined;
  }
  if (id && !rest) {
    if (method === 'GET') {
      const row = table.rows.get(id);
      if (!row) return reply.error(404, '0x80040217', `${table.logicalName} With Id = ${id} Does Not Exist`);
      return reply.ok({
        '@odata.context': `${org.url}/api/data/v9.2/$metadata#${table.entitySet}/$entity`,
        ...rowWithExpand(context, table, row, request),
      });
    }
    if (method === 'PATCH') return upsert(context, table, id, request, reply, org);
    if (method === 'DELETE') {
      if (!table.rows.delete(id)) return reply.error(404, '0x80040217', `${table.logicalName} With Id = ${id} Does Not Exist`);
      return { status: 204 };
    }
    return undefined;
  }
  return associations(context, table, id!, rest!, request, reply, org);
}

/** A stable id for a privilege name, as the message names one. */
function randomUUIDFor(name: string): string {
  const hex = Buffer.from(name).toString('hex').padEnd(32, '0').slice(0, 32);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

function problemReply(reply: DataverseReplies, problem: Problem, prefix = ''): Reply {
  return reply.error(problem.status, problem.code, `${prefix}${problem.message}`);
}

function entityIdHeader(org: SandboxOrg, table: DataTable, id: string): Record<string, string> {
  return { 'odata-entityid': `${org.url}/api/data/v9.2/${table.entitySet}(${id})` };
}

function create(context: RecordContext, table: DataTable, request: SandboxRequest, reply: DataverseReplies, org: SandboxOrg): Reply {
  const body = jsonBody(request) ?? {};
  const id = String(body[table.primaryId] ?? randomUUID()).toLowerCase();
  if (table.rows.has(id)) return reply.error(412, '0x80040237', `A record with id ${id} already exists. Cannot insert duplicate key.`);
  const result = writeRow(context, table, id, body);
  return 'row' in result ? { status: 204, headers: entityIdHeader(org, table, id) } : problemReply(reply, result);
}

/** PATCH by id: an upsert, unless If-Match: * (update only) or If-None-Match: * (create only) says otherwise. */
function upsert(
  context: RecordContext,
  table: DataTable,
  id: string,
  request: SandboxRequest,
  reply: DataverseReplies,
  org: SandboxOrg,
): Reply {
  const exists = table.rows.has(id);
  if (request.headers['if-match'] === '*' && !exists)
    return reply.error(404, '0x80040217', `${table.logicalName} With Id = ${id} Does Not Exist`);
  if (request.headers['if-none-match'] === '*' && exists)
    return reply.error(412, '0x80040237', `A record with id ${id} already exists. Cannot insert duplicate key.`);
  const result = writeRow(context, table, id, jsonBody(request) ?? {});
  return 'row' in result ? { status: 204, headers: entityIdHeader(org, table, id) } : problemReply(reply, result);
}

/** Rows written by a bulk request, kept apart until every target is accepted (standard tables are all or nothing). */
class Staged {
  readonly changed = new Map<string, Row>();
  constructor(private readonly table: DataTable) {}
  get(id: string): Row | undefined {
    return this.changed.get(id) ?? this.table.rows.get(id);
  }
  set(id: string, row: Row): void {
    this.changed.set(id, row);
  }
}

/** How an error names a bulk request's target. */
function targetLabel(index: number, given: unknown): string {
  return `Targets[${index}] (${String(given ?? 'new record')}): `;
}

function multiple(context: RecordContext, table: DataTable, message: BulkMessage, request: SandboxRequest, reply: DataverseReplies): Reply {
  if (!table.bulkMessages.has(message)) {
    return reply.error(
      400,
      '0x80040800',
      `The '${message}' method does not support entities of type '${table.logicalName}'. MessageProcessorCache returned MessageProcessor.Empty.`,
    );
  }
  const targets = jsonBody(request)?.Targets as Array<Record<string, unknown>> | undefined;
  if (!Array.isArray(targets) || !targets.length) return reply.error(400, '0x80040203', 'Targets must hold at least one record.');
  const staged = new Staged(table);
  const ids: string[] = [];
  const type = `Microsoft.Dynamics.CRM.${table.logicalName}`;
  for (let index = 0; index < targets.length; index++) {
    const target = targets[index]!;
    if (target['@odata.type'] !== type) return reply.error(400, '0x80040203', `Targets[${index}]: @odata.type must be ${type}.`);
    const given = target[table.primaryId];
    const id = String(given ?? randomUUID()).toLowerCase();
    if (message === 'UpsertMultiple' && given === undefined)
      return reply.error(
        400,
        '0x80040203',
        `${targetLabel(index, given)}UpsertMultiple needs the primary key or an alternate key of each record.`,
      );
    if (message === 'CreateMultiple' && staged.get(id))
      return reply.error(412, '0x80040237', `${targetLabel(index, given)}a record with id ${id} already exists.`);
    if (message === 'UpdateMultiple' && !staged.get(id))
      return reply.error(404, '0x80040217', `${targetLabel(index, given)}${table.logicalName} With Id = ${id} Does Not Exist`);
    const result = writeRow(context, table, id, target, staged);
    if (!('row' in result)) return problemReply(reply, result, targetLabel(index, given));
    ids.push(id);
  }
  staged.changed.forEach((row, id) => table.rows.set(id, row));
  return message === 'CreateMultiple' ? reply.ok({ Ids: ids }) : { status: 204 };
}

/** The row with the party lists expanded when asked (`$expand=<table>_activity_parties`). */
function rowWithExpand(context: RecordContext, table: DataTable, row: Row, request: SandboxRequest): Record<string, unknown> {
  const select = request.url.searchParams
    .get('$select')
    ?.split(',')
    .map((c) => c.trim())
    .filter(Boolean);
  const out = webRow(context, table, row, select);
  const expand = request.url.searchParams.get('$expand') ?? '';
  if (new RegExp(`^${table.logicalName}_activity_parties(\\(|$)`).test(expand))
    out[`${table.logicalName}_activity_parties`] = partyRows(context, table, row);
  return out;
}

function query(context: RecordContext, table: DataTable, request: SandboxRequest, reply: DataverseReplies, org: SandboxOrg): Reply {
  const api = `${org.url}/api/data/v9.2`;
  const params = request.url.searchParams;
  const fetchXml = params.get('fetchXml');
  if (fetchXml) {
    const target = { fetchXml, entity: table.logicalName, set: table.entitySet, key: table.primaryId };
    const answer = answerFetch(target, [...table.rows.values()], request, org.simplePagingLimit, reply);
    if ('refusal' in answer) return answer.refusal;
    const { fetch, page, annotations } = answer;
    const select = fetch.attributes?.map((a) =>
      ['Lookup', 'Customer', 'Owner'].includes(table.columns.find((c) => c.name === a)?.type ?? '') ? `_${a}_value` : a,
    );
    return reply.ok({
      '@odata.context': `${api}/$metadata#${table.entitySet}`,
      ...annotations,
      value: page.map((r) => webRow(context, table, r, select)),
    });
  }
  let rows = [...table.rows.values()];
  const filter = params.get('$filter');
  if (filter) {
    let predicate;
    try {
      predicate = parseFilter(filter);
    } catch (error) {
      return reply.error(
        400,
        '0x80060888',
        `The query parameter $filter is not valid: ${error instanceof FilterError ? error.message : 'it could not be read'}.`,
      );
    }
    const column = (path: string) => (path.startsWith('_') && path.endsWith('_value') ? path.slice(1, -'_value'.length) : path);
    rows = rows.filter((row) => predicate((path) => row[column(path)]));
  }
  const top = Number(params.get('$top') ?? 0);
  if (top > 0) rows = rows.slice(0, top);
  const { value, ...next } = pageOf(request, rows, `${api}/${table.entitySet}`);
  return reply.ok({
    '@odata.context': `${api}/$metadata#${table.entitySet}`,
    value: value.map((r) => rowWithExpand(context, table, r, request)),
    ...next,
  });
}

/** The N:N relationship a collection-valued navigation property of this table stands for, and which side the table is. */
function navigationOf(
  context: RecordContext,
  table: DataTable,
  navigation: string,
): { relationship: ManyToMany; first: boolean } | undefined {
  for (const relationship of context.data.manyToMany) {
    if (relationship.Entity1LogicalName === table.logicalName && relationship.Entity1NavigationPropertyName === navigation)
      return { relationship, first: true };
    if (relationship.Entity2LogicalName === table.logicalName && relationship.Entity2NavigationPropertyName === navigation)
      return { relationship, first: false };
  }
  return undefined;
}

/** GET {set}(id)/{nav}, POST {set}(id)/{nav}/$ref and DELETE {set}(id)/{nav}(target)/$ref. */
function associations(
  context: RecordContext,
  table: DataTable,
  id: string,
  rest: string,
  request: SandboxRequest,
  reply: DataverseReplies,
  org: SandboxOrg,
): Reply | undefined {
  const match = /^(\w+)(?:\(([0-9a-f-]{36})\))?(\/\$ref)?$/i.exec(rest);
  const found = match && navigationOf(context, table, match[1]!);
  if (!match || !found) return undefined;
  const { relationship, first } = found;
  const other = context.data.tables.get(first ? relationship.Entity2LogicalName : relationship.Entity1LogicalName)!;
  const pairOf = (targetId: string) => (first ? `${id}|${targetId}` : `${targetId}|${id}`);
  if (!table.rows.has(id)) return reply.error(404, '0x80040217', `${table.logicalName} With Id = ${id} Does Not Exist`);
  if (request.method === 'GET' && !match[3]) {
    const ids = [...relationship.pairs]
      .map((p) => p.split('|'))
      .filter(([a, b]) => (first ? a : b) === id)
      .map(([a, b]) => (first ? b : a)!);
    // Paged as any collection is.
    const { value, ...next } = pageOf(request, ids, `${org.url}/api/data/v9.2/${table.entitySet}(${id})/${match[1]}`);
    return reply.ok({
      '@odata.context': `${org.url}/api/data/v9.2/$metadata#${other.entitySet}`,
      value: value.map((otherId) => ({ [other.primaryId]: otherId })),
      ...next,
    });
  }
  if (request.method === 'POST' && match[3] && !match[2]) {
    const targetId = new RegExp(`${other.entitySet}\\(([0-9a-f-]{36})\\)`, 'i')
      .exec(String(jsonBody(request)?.['@odata.id'] ?? ''))?.[1]
      ?.toLowerCase();
    if (!targetId || !recordExists(context, other.logicalName, targetId))
      return reply.error(404, '0x80040217', `${other.logicalName} With Id = ${targetId ?? '(none)'} Does Not Exist`);
    if (relationship.pairs.has(pairOf(targetId))) return reply.error(412, '0x80040237', 'Cannot insert duplicate key.');
    relationship.pairs.add(pairOf(targetId));
    return { status: 204 };
  }
  if (request.method === 'DELETE' && match[2] && match[3]) {
    relationship.pairs.delete(pairOf(match[2].toLowerCase()));
    return { status: 204 };
  }
  return undefined;
}
