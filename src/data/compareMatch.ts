import type { DataverseClient } from '../platform/dataverse';
import { GUID, anyOf, eq, queryPath, rowId, type Comparison } from '../platform/odata';
import { mapLimited } from '../solutions/parallel';
import { normalizeId, type CmtEvent } from './cmtRecords';
import type { CmtField } from './cmtSchema';
import { PAGE_PREFER } from './fetchPaging';
import type { ImportPlan, TablePlan } from './importPlan';
import { firstPass } from './recordBody';

/**
 * The schema's `updateCompare` fields (the tool's "uniqueness condition"): an import updates the
 * environment's record whose values in those fields are the file record's, whatever its id, and
 * creates the record only where none has them (docs/service-notes.md#data-configuration-migration).
 * Where they are the primary key alone, as the tool sets them by default, records match by id.
 */
export interface CompareMatches {
  /** A file record's id → the id of the environment's record it matched, where the two differ. */
  ids: Map<string, string>;
  /** A file record's id → why it is not imported: several of the environment's records match it. */
  refused: Map<string, string>;
  /** Per table (the schema's name) with a record matched: how many, and how many have the environment's id, not the file's. */
  tables: Map<string, { matched: number; newIds: number; fields: string[] }>;
  notes: string[];
  requests: number;
}

const LOOKUP_TYPES = new Set(['entityreference', 'owner', 'customer']);
/** Types a filter cannot compare as the file gives them (dates have a time zone, lists and images no equality). */
const NOT_COMPARED = new Set(['datetime', 'optionsetvaluecollection', 'partylist', 'imagedata']);
/** Characters of $filter per query, well under the URL length Dataverse accepts. */
const FILTER_LENGTH = 4000;
/** Queries at once: they run before any record is written, beside nothing else. */
const QUERIES_AT_ONCE = 8;

type TableComparison = { plan: TablePlan; fields: CmtField[] };
/** A value in Web API form: text, a number, a boolean, an id, or none. */
type Scalar = string | number | boolean | null;
type Candidate = { id: string; values: Scalar[] };

/** The fields a table's records are matched on, or why they cannot be (a note); undefined where they match by id. */
export function compareFieldsOf(plan: TablePlan): CmtField[] | { why: string } | undefined {
  const fields = plan.entity.fields.filter((f) => f.updateCompare && f.name !== plan.meta.primaryId);
  if (!fields.length) return undefined;
  const unusable = fields.filter((f) => NOT_COMPARED.has(f.type) || plan.missing.has(f.name) || plan.systemSet.has(f.name));
  if (!unusable.length) return fields;
  return {
    why:
      `${plan.entity.name}: its records were matched by id alone, since updateCompare names ` +
      `${unusable.map((f) => `${f.name} (${plan.missing.has(f.name) ? 'not a column here' : plan.systemSet.has(f.name) ? 'set by Dataverse' : f.type})`).join(', ')}, ` +
      'which the import cannot compare.',
  };
}

/**
 * Reads data.xml once for the values of the compare fields, then asks the environment, table by
 * table in import order, for the records holding them: a lookup among the fields compares with the
 * id its target was matched to. Undefined when no table compares anything but its key.
 */
export async function matchByCompareFields(
  dv: DataverseClient,
  plan: ImportPlan,
  data: AsyncIterable<CmtEvent[]>,
  signal: AbortSignal,
): Promise<CompareMatches | undefined> {
  const comparisons = new Map<string, TableComparison>();
  const matches: CompareMatches = { ids: new Map(), refused: new Map(), tables: new Map(), notes: [], requests: 0 };
  for (const name of plan.order) {
    const table = plan.tables.get(name);
    const fields = table && compareFieldsOf(table);
    if (!fields) continue;
    if ('why' in fields) matches.notes.push(fields.why);
    else comparisons.set(name, { plan: table, fields });
  }
  if (!comparisons.size) return matches.notes.length ? matches : undefined;
  const records = new Map<string, Array<{ id: string; built: ReturnType<typeof firstPass> }>>();
  for (const name of comparisons.keys()) records.set(name, []);
  for await (const events of data)
    for (const event of events) {
      const comparison = event.kind === 'record' ? comparisons.get(event.entity) : undefined;
      if (!comparison || event.kind !== 'record') continue;
      const built = firstPass(comparison.plan, event.record);
      // A record whose values cannot be read is refused by the import itself.
      if (!('problem' in built)) records.get(event.entity)!.push({ id: event.record.id, built });
    }
  for (const [name, comparison] of comparisons) {
    // In import order: a lookup among the fields compares with the id its target was matched to.
    const candidates = records.get(name)!.map(({ id, built }) => ({
      id,
      values: comparison.fields.map((field) => compareValue(field, built, matches.ids)),
    }));
    if (candidates.length) await matchTable(dv, comparison, candidates, matches, signal);
  }
  return matches;
}

/** A field's value as the Web API holds it: lookups as the id they point at (matched already where it was). */
function compareValue(field: CmtField, built: ReturnType<typeof firstPass>, ids: Map<string, string>): Scalar {
  if (LOOKUP_TYPES.has(field.type)) {
    const id = built.binds.find((b) => b.field === field.name)?.id;
    return id === undefined ? null : (ids.get(id) ?? id);
  }
  if (field.type === 'state') return built.state?.statecode ?? (built.body.statecode as number | undefined) ?? null;
  if (field.type === 'status') return built.state?.statuscode ?? (built.body.statuscode as number | undefined) ?? null;
  return (built.body[field.name] as Scalar | undefined) ?? null;
}

async function matchTable(
  dv: DataverseClient,
  { plan, fields }: TableComparison,
  candidates: Candidate[],
  matches: CompareMatches,
  signal: AbortSignal,
): Promise<void> {
  const columns = fields.map((f) => (LOOKUP_TYPES.has(f.type) ? `_${f.name}_value` : f.name));
  const conditions = candidates.map((c) => condition(fields, columns, c.values));
  // A candidate whose id values are not ids matches nothing here; the import reports the record itself.
  const groups = groupsByLength(conditions);
  const select = [...new Set([plan.meta.primaryId, ...columns])];
  // Each group's rows are compared with that group's records only.
  const rowsOf = await mapLimited(groups, QUERIES_AT_ONCE, async (group) => {
    const found: Array<Record<string, unknown>> = [];
    const query = queryPath(plan.meta.entitySet, { select, whereAny: group.map((i) => conditions[i]!) });
    for await (const page of dv.pages<Record<string, unknown>>(query, PAGE_PREFER, signal)) {
      matches.requests++;
      found.push(...page);
    }
    return found;
  });
  let matched = 0;
  let newIds = 0;
  groups.forEach((group, g) => {
    const idsByValues = new Map<string, Set<string>>();
    for (const row of rowsOf[g]!) {
      const key = keyOf(columns.map((c) => row[c]));
      if (!idsByValues.has(key)) idsByValues.set(key, new Set());
      idsByValues.get(key)!.add(String(row[plan.meta.primaryId]).toLowerCase());
    }
    for (const candidate of group.map((i) => candidates[i]!)) {
      const ids = idsByValues.get(keyOf(candidate.values)) ?? new Set<string>();
      // Of several, the record with the file's own id is the one (a file imported again).
      if (ids.size > 1 && !ids.has(candidate.id)) {
        matches.refused.set(candidate.id, ambiguous(ids.size, fields, candidate.values));
        continue;
      }
      const found = ids.has(candidate.id) ? candidate.id : [...ids][0];
      if (found === undefined) continue;
      matched++;
      if (found === candidate.id) continue;
      newIds++;
      matches.ids.set(candidate.id, found);
    }
  });
  if (matched) matches.tables.set(plan.entity.name, { matched, newIds, fields: fields.map((f) => f.name) });
}

function ambiguous(count: number, fields: CmtField[], values: Scalar[]): string {
  const given = fields.map((f, i) => `${f.name} ${JSON.stringify(values[i])}`).join(', ');
  return (
    `not imported: ${count} records of this environment have its updateCompare values (${given}), so which one to ` +
    'update is unclear. Make them unique there, or mark other fields updateCompare in data_schema.xml.'
  );
}

/** Candidates' indexes in groups whose conditions, joined, stay under FILTER_LENGTH; those that cannot be asked for left out. */
function groupsByLength(conditions: Array<Comparison[] | undefined>): number[][] {
  const groups: number[][] = [];
  let length = Infinity;
  conditions.forEach((condition, i) => {
    if (!condition) return;
    const more = anyOf([condition]).length + ' or '.length;
    if (length + more > FILTER_LENGTH) {
      groups.push([]);
      length = 0;
    }
    groups[groups.length - 1]!.push(i);
    length += more;
  });
  return groups;
}

/** The comparisons that find a record holding these values; undefined when an id among them is no GUID. */
function condition(fields: CmtField[], columns: string[], values: Scalar[]): Comparison[] | undefined {
  const comparisons: Comparison[] = [];
  for (let i = 0; i < fields.length; i++) {
    const value = values[i]!;
    const isId = fields[i]!.type === 'guid' || LOOKUP_TYPES.has(fields[i]!.type);
    if (isId && value !== null && !GUID.test(String(value))) return undefined;
    comparisons.push(eq(columns[i]!, isId && value !== null ? rowId(String(value)) : value));
  }
  return comparisons;
}

/**
 * Values as Dataverse's default collation (Latin1_General_CI_AI) tells them apart, in one string:
 * text without case, accents or trailing spaces (ids are text too), numbers by value, none as null.
 */
function keyOf(values: unknown[]): string {
  return JSON.stringify(
    values.map((value) => {
      if (value === null || value === undefined) return null;
      if (typeof value === 'string') return value.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().trimEnd();
      return typeof value === 'number' ? value : value === true;
    }),
  );
}

/** The events of data.xml with each matched record's id, and every lookup, party and link pointing at it, changed to its match's. */
export async function* withMatchedIds(
  data: AsyncIterable<CmtEvent[]>,
  ids: Map<string, string>,
  lookupFields: Map<string, Set<string>>,
): AsyncGenerator<CmtEvent[]> {
  const mapped = (id: string) => ids.get(normalizeId(id)) ?? id;
  for await (const events of data) {
    for (const event of events) {
      if (event.kind === 'association') {
        const link = event.association;
        link.sourceId = mapped(link.sourceId);
        link.targetIds = link.targetIds.map(mapped);
      } else if (event.kind === 'record') {
        const record = event.record;
        record.id = mapped(record.id);
        const lookups = lookupFields.get(event.entity);
        for (const field of record.fields) {
          if (lookups?.has(field.name) && field.value) field.value = mapped(field.value);
          for (const party of field.parties ?? [])
            for (const value of party.fields) if (value.name === 'partyid' && value.value) value.value = mapped(value.value);
        }
      }
    }
    yield events;
  }
}

/** Each table's lookup columns (the schema's names), for withMatchedIds. */
export function lookupFieldsOf(plan: ImportPlan): Map<string, Set<string>> {
  const fields = new Map<string, Set<string>>();
  for (const [name, table] of plan.tables)
    fields.set(name, new Set(table.entity.fields.filter((f) => LOOKUP_TYPES.has(f.type)).map((f) => f.name)));
  return fields;
}
