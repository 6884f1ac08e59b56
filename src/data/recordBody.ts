import { normalizeId, own, type CmtRecord } from './cmtRecords';
import { fromCmtValue, type DateColumn } from './cmtValues';
import type { TablePlan } from './importPlan';
import type { PendingBind, PendingParty } from './lookups';

export interface FirstPass {
  body: Record<string, unknown>;
  binds: PendingBind[];
  parties?: PendingParty[];
  state?: { statecode: number; statuscode: number | null };
}

/** What the first pass does with a column of the file. */
type ColumnRule =
  | { kind: 'lookup' | 'partylist' }
  | { kind: 'text' }
  | { kind: 'value'; type: string; date: DateColumn | undefined }
  | { kind: 'state' | 'status' };

/** The file's types of lookup columns. */
export const LOOKUP_TYPES = new Set(['entityreference', 'owner', 'customer']);
const TEXT_TYPES = new Set(['string', 'memo', 'imagedata']);

/** What the first pass needs of a table, worked out once per import rather than once per record or value. */
interface TableRules {
  odataType: string;
  columns: Map<string, ColumnRule>;
}

const rulesOfPlan = new WeakMap<TablePlan, TableRules>();

/**
 * The rule for each column the first pass reads: not the primary key, a column the table has, and
 * not one Dataverse sets itself (party lists aside, which the lookups pass writes).
 */
function rulesOf(plan: TablePlan): TableRules {
  let rules = rulesOfPlan.get(plan);
  if (rules) return rules;
  const columns = new Map<string, ColumnRule>();
  for (const field of plan.fields.values()) {
    if (field.name === plan.meta.primaryId || plan.missing.has(field.name)) continue;
    if (field.type === 'partylist') columns.set(field.name, { kind: 'partylist' });
    else if (plan.systemSet.has(field.name)) continue;
    else if (LOOKUP_TYPES.has(field.type)) columns.set(field.name, { kind: 'lookup' });
    else if (field.type === 'state' || field.type === 'status') columns.set(field.name, { kind: field.type });
    else if (TEXT_TYPES.has(field.type)) columns.set(field.name, { kind: 'text' });
    else columns.set(field.name, { kind: 'value', type: field.type, date: plan.meta.columns.get(field.name)?.date });
  }
  rules = { odataType: `Microsoft.Dynamics.CRM.${plan.meta.logicalName}`, columns };
  rulesOfPlan.set(plan, rules);
  return rules;
}

/** The start of a record's Web API body in any pass: its type and its id. */
export function bodyOf(plan: TablePlan, id: string): Record<string, unknown> {
  const body: Record<string, unknown> = { '@odata.type': rulesOf(plan).odataType };
  body[plan.meta.primaryId] = id;
  return body;
}

/**
 * A record's first-pass body: its plain columns converted for the Web API; its lookups and party
 * lists set aside for the second pass; a state other than the default set aside for the third.
 */
export function firstPass(plan: TablePlan, record: CmtRecord): FirstPass | (FirstPass & { problem: string }) {
  const rules = rulesOf(plan);
  const body = bodyOf(plan, record.id);
  const binds: PendingBind[] = [];
  let parties: PendingParty[] | undefined;
  let statecode: number | undefined;
  let statuscode: number | undefined;
  let problem: string | undefined;
  for (const value of record.fields) {
    const rule = rules.columns.get(value.name);
    if (!rule) continue;
    switch (rule.kind) {
      case 'text':
        body[value.name] = value.value;
        continue;
      case 'partylist':
        for (const party of value.parties ?? []) (parties ??= []).push(pendingParty(value.name, party.id, party.fields));
        continue;
      case 'lookup':
        if (value.value)
          binds.push({
            field: value.name,
            id: normalizeId(value.value),
            entity: value.lookupentity || undefined,
            name: value.lookupentityname ? own(value.lookupentityname) : undefined,
          });
        continue;
    }
    const converted = fromCmtValue(
      rule.kind === 'value' ? rule.type : rule.kind,
      value.value,
      rule.kind === 'value' ? rule.date : undefined,
    );
    if ('problem' in converted) problem ??= `${value.name}: ${converted.problem}`;
    else if (rule.kind === 'state') statecode = converted.value as number;
    else if (rule.kind === 'status') statuscode = converted.value as number;
    else body[value.name] = converted.value;
  }
  // Records are created in their table's default state (0); another state is set by update afterwards.
  let state: FirstPass['state'];
  if (statecode !== undefined && statecode !== 0) state = { statecode, statuscode: statuscode ?? null };
  else {
    if (statecode !== undefined) body.statecode = statecode;
    if (statuscode !== undefined) body.statuscode = statuscode;
  }
  const built: FirstPass & { problem?: string } = { body, binds };
  if (parties) built.parties = parties;
  if (state) built.state = state;
  if (problem) built.problem = problem;
  return built;
}

function pendingParty(field: string, id: string, fields: CmtRecord['fields']): PendingParty {
  const get = (name: string) => fields.find((f) => f.name === name);
  const partyid = get('partyid');
  const mask = Number(get('participationtypemask')?.value ?? NaN);
  return {
    activitypartyid: normalizeId(get('activitypartyid')?.value || id),
    mask,
    ...(partyid?.value
      ? {
          party: {
            field,
            id: normalizeId(partyid.value),
            entity: partyid.lookupentity || undefined,
            name: partyid.lookupentityname ? own(partyid.lookupentityname) : undefined,
          },
        }
      : {}),
    ...(get('addressused')?.value ? { addressused: own(get('addressused')!.value) } : {}),
  };
}
