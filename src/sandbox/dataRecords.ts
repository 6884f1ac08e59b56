import { randomUUID } from 'node:crypto';
import {
  PARTY_MASKS,
  PARTY_TABLES,
  oneToMany,
  orgData,
  type DataColumn,
  type DataTable,
  type OneToMany,
  type OrgData,
  type Party,
  type Row,
} from './dataModel';
import type { SandboxOrg, SandboxSystemUser } from './state';

export interface RecordContext {
  org: SandboxOrg;
  data: OrgData;
  caller: SandboxSystemUser;
  /** The request's time, to the second, as the service stamps rows. */
  now: string;
}

const LOOKUP_TYPES = new Set(['Lookup', 'Customer', 'Owner']);

/** Where written rows go: the table, or rows staged until a bulk request is accepted whole. */
export interface RowStore {
  get(id: string): Row | undefined;
  set(id: string, row: Row): unknown;
}

export interface Problem {
  status: number;
  code: string;
  message: string;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A table's columns looked up by name and kind, rebuilt when columns are added. */
interface TableIndex {
  size: number;
  columns: Map<string, DataColumn>;
  required: DataColumn[];
  moneyBases: DataColumn[];
  state?: DataColumn;
  status?: DataColumn;
  /** The property that sets an activity's party list. */
  partiesKey: string;
  /** The columns the service fills in itself, where the table has them. */
  has: Record<
    'createdon' | 'createdby' | 'ownerid' | 'organizationid' | 'transactioncurrencyid' | 'activitytypecode' | 'exchangerate',
    boolean
  >;
}

const indexes = new WeakMap<DataTable, TableIndex>();

function indexOf(table: DataTable): TableIndex {
  let index = indexes.get(table);
  if (!index || index.size !== table.columns.length) {
    const columns = new Map(table.columns.map((c) => [c.name, c]));
    index = {
      size: table.columns.length,
      columns,
      required: table.columns.filter((c) => c.required),
      moneyBases: table.columns.filter((c) => c.type === 'Money' && c.attributeOf),
      state: table.columns.find((c) => c.type === 'State'),
      status: table.columns.find((c) => c.type === 'Status'),
      partiesKey: `${table.logicalName}_activity_parties`,
      has: {
        createdon: columns.has('createdon'),
        createdby: columns.has('createdby'),
        ownerid: columns.has('ownerid'),
        organizationid: columns.has('organizationid'),
        transactioncurrencyid: columns.has('transactioncurrencyid'),
        activitytypecode: columns.has('activitytypecode'),
        exchangerate: columns.has('exchangerate'),
      },
    };
    indexes.set(table, index);
  }
  return index;
}

export function recordContext(org: SandboxOrg, caller: SandboxSystemUser): RecordContext {
  return { org, data: orgData(org), caller, now: new Date().toISOString().replace(/\.\d+Z$/, 'Z') };
}

/**
 * The many-to-one relationships of a table: those stored, and the ones Dataverse keeps for every
 * activity (regarding any table with activities) and every party list (to each table that can be a party).
 */
const relationshipCache = new WeakMap<DataTable, { key: string; value: OneToMany[] }>();

export function manyToOne(data: OrgData, table: DataTable): OneToMany[] {
  const key = `${data.oneToMany.length}:${data.tables.size}`;
  const cached = relationshipCache.get(table);
  if (cached?.key === key) return cached.value;
  const value = readManyToOne(data, table);
  relationshipCache.set(table, { key, value });
  return value;
}

function readManyToOne(data: OrgData, table: DataTable): OneToMany[] {
  const found = data.oneToMany.filter((r) => r.ReferencingEntity === table.logicalName);
  if (table.activity && table.columns.some((c) => c.name === 'regardingobjectid')) {
    for (const target of data.tables.values()) if (target.hasActivities) found.push(regarding(target.logicalName, table.logicalName));
  }
  return found;
}

const regardingRelationships = new Map<string, OneToMany>();

/** The relationship of an activity table's regardingobjectid to one table with activities (the same object each time). */
function regarding(target: string, activity: string): OneToMany {
  const key = `${target}|${activity}`;
  let found = regardingRelationships.get(key);
  if (!found)
    regardingRelationships.set(
      key,
      (found = oneToMany(`${target}_${activity}`, target, activity, 'regardingobjectid', `regardingobjectid_${target}_${activity}`)),
    );
  return found;
}

/** The tables a lookup column can point at, each with its navigation property. */
export function lookupTargets(data: OrgData, table: DataTable, column: string): Array<{ target: string; navigation: string }> {
  return manyToOne(data, table)
    .filter((r) => r.ReferencingAttribute === column)
    .map((r) => ({ target: r.ReferencedEntity, navigation: r.ReferencingEntityNavigationPropertyName }));
}

export function tableBySet(data: OrgData, set: string): DataTable | undefined {
  const wanted = set.toLowerCase();
  for (const table of data.tables.values()) if (table.entitySet === wanted) return table;
  return undefined;
}

/** Whether a record exists, for the tables whose rows the org keeps itself too (users, teams, business units, activities). */
export function recordExists(context: RecordContext, table: string, id: string): boolean {
  return recordName(context, table, id) !== undefined;
}

/** A record's primary name ('' when it has none), or undefined when there is no such record. */
export function recordName(context: RecordContext, table: string, id: string): string | undefined {
  const { org, data } = context;
  const key = id.toLowerCase();
  if (table === 'systemuser') return org.users.find((u) => u.systemuserid === key)?.fullname;
  if (table === 'team') return org.teams.find((t) => t.teamid === key)?.name;
  if (table === 'businessunit') return org.businessUnits.find((b) => b.businessunitid === key)?.name;
  if (table === 'organization') return key === org.organizationId ? org.name : undefined;
  if (table === 'activitypointer') {
    for (const activity of data.tables.values())
      if (activity.activity && activity.rows.has(key)) return String(activity.rows.get(key)![activity.primaryName] ?? '');
    return undefined;
  }
  const target = data.tables.get(table);
  const row = target?.rows.get(key);
  return row ? String(row[target!.primaryName] ?? '') : undefined;
}

/** The id in a bind value: `/accounts(id)` or an absolute URL ending so; undefined when it is not for `set`. */
function boundId(value: unknown, set: string): string | undefined {
  const match = /\/?([A-Za-z0-9_]+)\(([0-9a-f-]{36})\)$/i.exec(String(value ?? ''));
  return match && match[1]!.toLowerCase() === set && GUID.test(match[2]!) ? match[2]!.toLowerCase() : undefined;
}

const invalid = (message: string, code = '0x80048d19'): Problem => ({ status: 400, code, message });

/**
 * Creates or updates one row as the service does: columns must exist and be writable for the
 * operation; values must fit their type and options; lookups are set only through their navigation
 * property to records that exist; a record is created in its table's default state and moved to
 * another state by an update, with a status that belongs to that state.
 */
export function writeRow(
  context: RecordContext,
  table: DataTable,
  id: string,
  body: Record<string, unknown>,
  rows: RowStore = table.rows,
): { row: Row; created: boolean } | Problem {
  const { data } = context;
  const existing = rows.get(id);
  const creating = !existing;
  const row: Row = existing ? { ...existing } : { [table.primaryId]: id };
  const index = indexOf(table);
  for (const key in body) {
    const value = body[key];
    if (key.startsWith('@odata.') || key === table.primaryId) continue;
    if (key.endsWith('@odata.bind')) {
      const problem = setLookup(context, table, row, manyToOne(data, table), key.slice(0, -'@odata.bind'.length), value);
      if (problem) return problem;
      continue;
    }
    if (key === index.partiesKey) {
      const problem = setParties(context, table, row, value);
      if (problem) return problem;
      continue;
    }
    const column = index.columns.get(key);
    if (!column)
      return invalid(`The property '${key}' does not exist on type 'Microsoft.Dynamics.CRM.${table.logicalName}'.`, '0x80060888');
    if (LOOKUP_TYPES.has(column.type))
      return invalid(`'${key}' is a lookup: set it through its navigation property with @odata.bind.`, '0x80060888');
    if (column.type === 'PartyList')
      return invalid(`'${key}' is a party list: set it through ${table.logicalName}_activity_parties.`, '0x80060888');
    if (creating ? !column.validForCreate : !column.validForUpdate) {
      // A column that can be set only when creating is left as it is on update, as the service does.
      if (!creating && column.validForCreate) continue;
      return invalid(
        `The attribute '${key}' of ${table.logicalName} cannot be set on ${creating ? 'create' : 'update'}: Dataverse sets it.`,
        '0x80040203',
      );
    }
    const problem = value === null ? undefined : checkValue(table, column, value);
    if (problem) return problem;
    row[key] = value === null ? null : normalize(column, value);
  }
  const state = checkState(table, index, row, existing, body, id);
  if (state) return state;
  if (creating) applyCreateDefaults(context, table, index, row);
  for (const column of index.required) {
    if (row[column.name] === undefined || row[column.name] === null || row[column.name] === '')
      return invalid(`${column.name} is required.`, '0x80040203');
  }
  computeColumns(context, table, index, row);
  data.versionNumber++;
  row.versionnumber = data.versionNumber;
  row.modifiedon = context.now;
  row.modifiedby = context.caller.systemuserid;
  row['modifiedby@table'] = 'systemuser';
  rows.set(id, row);
  return { row, created: creating };
}

function setLookup(
  context: RecordContext,
  table: DataTable,
  row: Row,
  relationships: OneToMany[],
  navigation: string,
  value: unknown,
): Problem | undefined {
  // Navigation property names are case-sensitive, and a polymorphic lookup has one per target.
  const relationship = relationships.find((r) => r.ReferencingEntityNavigationPropertyName === navigation);
  const column = relationship && indexOf(table).columns.get(relationship.ReferencingAttribute);
  if (!relationship || !column) {
    return invalid(
      `An undeclared property '${navigation}' which only has property annotations in the payload but no property value was found in the payload. In OData, only declared navigation properties and declared named streams can be represented as properties without values.`,
      '0x80060888',
    );
  }
  if (!column.validForCreate && !column.validForUpdate)
    return invalid(`The lookup '${column.name}' of ${table.logicalName} cannot be set: Dataverse sets it.`, '0x80040203');
  const candidates = column.type === 'Owner' ? relationships.filter((r) => r.ReferencingAttribute === column.name) : [relationship];
  for (const candidate of candidates) {
    const target = context.data.tables.get(candidate.ReferencedEntity);
    const id = target?.entitySet ? boundId(value, target.entitySet) : undefined;
    if (!id) continue;
    if (!recordExists(context, candidate.ReferencedEntity, id))
      return { status: 404, code: '0x80040217', message: `${candidate.ReferencedEntity} With Id = ${id} Does Not Exist` };
    row[column.name] = id;
    row[`${column.name}@table`] = candidate.ReferencedEntity;
    return undefined;
  }
  return invalid(
    `The value '${String(value)}' of ${navigation}@odata.bind does not point at a ${candidates.map((c) => c.ReferencedEntity).join(' or ')} record.`,
    '0x80060888',
  );
}

function setParties(context: RecordContext, table: DataTable, row: Row, value: unknown): Problem | undefined {
  if (!table.activity || !Array.isArray(value))
    return invalid(`${table.logicalName}_activity_parties must be an array of activity parties of an activity.`, '0x80060888');
  const parties: Party[] = [];
  for (const item of value as Array<Record<string, unknown>>) {
    const mask = Number(item.participationtypemask);
    const columnName = Object.keys(PARTY_MASKS).find((name) => PARTY_MASKS[name] === mask);
    if (!columnName || !table.columns.some((c) => c.name === columnName && c.type === 'PartyList'))
      return invalid(`Participation type ${item.participationtypemask} is not valid for ${table.logicalName}.`, '0x80040203');
    const bindKey = Object.keys(item).find((k) => /^partyid_\w+@odata\.bind$/.test(k));
    let partyId: string | null = null;
    let partyTable: string | null = null;
    if (bindKey) {
      partyTable = /^partyid_(\w+)@/.exec(bindKey)![1]!;
      const target = context.data.tables.get(partyTable);
      if (!PARTY_TABLES.includes(partyTable) || !target?.entitySet)
        return invalid(`'${bindKey}' is not a navigation property of activityparty.`, '0x80060888');
      partyId = boundId(item[bindKey], target.entitySet) ?? null;
      if (!partyId || !recordExists(context, partyTable, partyId))
        return { status: 404, code: '0x80040217', message: `${partyTable} With Id = ${partyId ?? item[bindKey]} Does Not Exist` };
    } else if (!item.addressused) {
      return invalid('An activity party needs a partyid binding or an addressused.', '0x80040203');
    }
    const partyIdGiven =
      typeof item.activitypartyid === 'string' && GUID.test(item.activitypartyid) ? item.activitypartyid.toLowerCase() : randomUUID();
    parties.push({
      activitypartyid: partyIdGiven,
      participationtypemask: mask,
      partyId,
      partyTable,
      addressused: typeof item.addressused === 'string' ? item.addressused : null,
    });
  }
  row['@parties'] = parties;
  return undefined;
}

function checkValue(table: DataTable, column: DataColumn, value: unknown): Problem | undefined {
  const fits = fitsColumn(table, column, value);
  if (fits === true) return undefined;
  if (fits !== false) return fits;
  return invalid(
    `Error identified in Payload provided by the user for Entity :'${table.entitySet}', Cannot convert the literal '${String(value)}' to the expected type for '${column.name}'.`,
  );
}

/** Whether a value fits its column's type, or what is wrong with it other than its type (an option, a column it cannot set). */
function fitsColumn(table: DataTable, column: DataColumn, value: unknown): boolean | Problem {
  switch (column.typeName === 'MultiSelectPicklistType' ? 'MultiSelect' : column.typeName === 'ImageType' ? 'Image' : column.type) {
    case 'String':
    case 'Memo':
      return typeof value === 'string';
    case 'Integer':
      return Number.isInteger(value) && Math.abs(value as number) <= 2_147_483_647;
    case 'BigInt':
      return Number.isInteger(value);
    case 'Decimal':
    case 'Double':
    case 'Money':
      return typeof value === 'number' && Number.isFinite(value);
    case 'Boolean':
      return typeof value === 'boolean';
    case 'Uniqueidentifier':
      return typeof value === 'string' && GUID.test(value);
    case 'DateTime':
      if (typeof value !== 'string') return false;
      // Date-only columns are Edm.Date; the others Edm.DateTimeOffset, which needs its offset.
      if (column.dateFormat === 'DateOnly') return /^\d{4}-\d{2}-\d{2}$/.test(value);
      return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value) && !Number.isNaN(Date.parse(value));
    case 'Picklist':
    case 'State':
    case 'Status':
      if (!Number.isInteger(value)) return false;
      return optionProblem(table, column, [value as number]) ?? true;
    case 'MultiSelect': {
      if (typeof value !== 'string' || !/^-?\d+(,-?\d+)*$/.test(value)) return false;
      return optionProblem(table, column, value.split(',').map(Number)) ?? true;
    }
    case 'Image':
      return typeof value === 'string' && /^[A-Za-z0-9+/]*={0,2}$/.test(value);
    default:
      return invalid(`The attribute '${column.name}' of ${table.logicalName} cannot be set.`, '0x80040203');
  }
}

function optionProblem(table: DataTable, column: DataColumn, values: number[]): Problem | undefined {
  if (!column.options || column.type === 'State' || column.type === 'Status') return undefined;
  const bad = values.find((v) => !column.options!.some((o) => o.value === v));
  return bad === undefined
    ? undefined
    : invalid(
        `A validation error occurred. The value ${bad} of '${column.name}' on record of type '${table.logicalName}' is outside the valid range.`,
        '0x80044331',
      );
}

function normalize(column: DataColumn, value: unknown): unknown {
  // Dataverse keeps no empty text: "" is stored, and read back, as null.
  if ((column.type === 'String' || column.type === 'Memo') && value === '') return null;
  if (column.type === 'DateTime' && column.dateFormat !== 'DateOnly') return new Date(String(value)).toISOString().replace(/\.000Z$/, 'Z');
  if (column.type === 'Uniqueidentifier') return String(value).toLowerCase();
  return value;
}

/** A record is created in its default state; a later update may move it, with a status of the new state. */
function checkState(
  table: DataTable,
  index: TableIndex,
  row: Row,
  existing: Row | undefined,
  body: Record<string, unknown>,
  id: string,
): Problem | undefined {
  const { state: stateColumn, status: statusColumn } = index;
  if (!stateColumn || !statusColumn) return undefined;
  const states = stateColumn.options ?? [];
  if (!existing && row.statecode !== undefined && row.statecode !== null && row.statecode !== 0) {
    return invalid(
      `${table.logicalName} records are created in state 0 (${states[0]?.label}); statecode ${row.statecode} can only be set by an update after the record exists.`,
      '0x80040203',
    );
  }
  const state = (row.statecode as number | undefined | null) ?? 0;
  const stateOption = states.find((s) => s.value === state);
  if (!stateOption) return invalid(`${state} is not a valid state code for ${table.logicalName}.`, '0x8004431a');
  // Entering a state without a status gives the state's default status.
  if ('statecode' in body && !('statuscode' in body) && existing?.statecode !== state) row.statuscode = stateOption.defaultStatus;
  if (row.statuscode === undefined || row.statuscode === null) row.statuscode = stateOption.defaultStatus;
  const status = statusColumn.options?.find((s) => s.value === row.statuscode);
  if (!status || status.state !== state) {
    return invalid(
      `${String(row.statuscode)} is not a valid status code for state code ${table.schemaName}State.${stateOption.label} on ${table.logicalName} with Id ${id}.`,
      '0x8004431a',
    );
  }
  row.statecode = state;
  return undefined;
}

function applyCreateDefaults(context: RecordContext, table: DataTable, index: TableIndex, row: Row): void {
  const { has } = index;
  if (has.createdon) row.createdon = typeof row.overriddencreatedon === 'string' ? row.overriddencreatedon : context.now;
  if (has.createdby) {
    row.createdby = context.caller.systemuserid;
    row['createdby@table'] = 'systemuser';
  }
  if (has.ownerid && !row.ownerid) {
    row.ownerid = context.caller.systemuserid;
    row['ownerid@table'] = 'systemuser';
  }
  // An organization-owned table's rows belong to the organization.
  if (has.organizationid) {
    row.organizationid = context.org.organizationId;
    row['organizationid@table'] = 'organization';
  }
  if (has.transactioncurrencyid && !row.transactioncurrencyid) {
    row.transactioncurrencyid = context.data.baseCurrency;
    row['transactioncurrencyid@table'] = 'transactioncurrency';
  }
  if (has.activitytypecode) row.activitytypecode = table.logicalName;
}

/** Columns the service computes: owning user, team and business unit, base amounts, full names. */
function computeColumns(context: RecordContext, table: DataTable, index: TableIndex, row: Row): void {
  if (index.has.ownerid) {
    const user = row['ownerid@table'] === 'systemuser' ? context.org.users.find((u) => u.systemuserid === row.ownerid) : undefined;
    const team = row['ownerid@table'] === 'team' ? context.org.teams.find((t) => t.teamid === row.ownerid) : undefined;
    row.owninguser = user?.systemuserid ?? null;
    row.owningteam = team?.teamid ?? null;
    row.owningbusinessunit = user?.businessunitid ?? team?.businessunitid ?? context.org.businessUnit.businessunitid;
    row['owninguser@table'] = 'systemuser';
    row['owningteam@table'] = 'team';
    row['owningbusinessunit@table'] = 'businessunit';
  }
  if (index.has.exchangerate) row.exchangerate = 1;
  for (const base of index.moneyBases) {
    const value = row[base.attributeOf!];
    row[base.name] = typeof value === 'number' ? value : null;
  }
  if (table.logicalName === 'contact') {
    // Composed of the parts without their outer spaces, which the parts themselves keep.
    const parts = [row.firstname, row.lastname].map((part) => String(part ?? '').trim());
    row.fullname = parts.filter(Boolean).join(' ');
  }
}

/** The Web API form of a row: lookups as `_name_value` with the annotations clients read, party lists left out. */
export function webRow(context: RecordContext, table: DataTable, row: Row, select?: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = { '@odata.etag': `W/"${String(row.versionnumber ?? 1)}"` };
  for (const column of table.columns) {
    const lookup = LOOKUP_TYPES.has(column.type);
    const property = lookup ? `_${column.name}_value` : column.name;
    if (column.type === 'PartyList') continue;
    if (select && !select.includes(property) && !select.includes(column.name) && column.name !== table.primaryId) continue;
    const value = row[column.name] ?? null;
    out[property] = value;
    if (!lookup || !value) continue;
    const targetTable = String(row[`${column.name}@table`] ?? '');
    out[`${property}@Microsoft.Dynamics.CRM.lookuplogicalname`] = targetTable;
    out[`${property}@OData.Community.Display.V1.FormattedValue`] = recordName(context, targetTable, String(value)) ?? '';
  }
  return out;
}

/** The activity parties of an activity row, as `$expand=<table>_activity_parties` gives them. */
export function partyRows(context: RecordContext, table: DataTable, row: Row): Array<Record<string, unknown>> {
  const parties = (row['@parties'] as Party[] | undefined) ?? [];
  return parties.map((p) => ({
    activitypartyid: p.activitypartyid,
    participationtypemask: p.participationtypemask,
    addressused: p.addressused,
    _activityid_value: row[table.primaryId],
    _partyid_value: p.partyId,
    ...(p.partyId
      ? {
          '_partyid_value@Microsoft.Dynamics.CRM.lookuplogicalname': p.partyTable,
          '_partyid_value@OData.Community.Display.V1.FormattedValue': recordName(context, p.partyTable!, p.partyId) ?? '',
        }
      : {}),
  }));
}
