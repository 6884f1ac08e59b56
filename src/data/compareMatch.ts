import { ToolError } from '../callerError';
import type { DataverseClient } from '../platform/dataverse';
import { PlatformError } from '../platform/errors';
import { queryPath } from '../platform/odata';
import { mapLimited } from '../solutions/parallel';
import { readDataBatches } from './cmtDataReader';
import type { CmtEvent } from './cmtRecords';
import { CmtFormatError, type CmtField } from './cmtSchema';
import { compareColumn, conditionOf, groupsByLength, keyOf, sameByCollation, type Scalar } from './compareValues';
import { PAGE_PREFER } from './fetchPaging';
import type { DataSource } from './dataPackage';
import type { ImportProgress, SavedMatches } from './importProgress';
import type { ImportPlan, TablePlan } from './importPlan';
import { LookupResolver, type PendingBind } from './lookups';
import { LOOKUP_TYPES, firstPass } from './recordBody';

/**
 * The schema's `updateCompare` fields (the tool's "uniqueness condition"): an import updates the
 * environment's record whose values in those fields are the file record's, whatever its id, and
 * creates the record only where none has them (docs/service-notes.md#data-configuration-migration).
 * Where they are the primary key alone, as the tool sets them to match by id, records match by id.
 */
export interface CompareMatches {
  /** A file record's id → the id of the environment's record it matched, where the two differ. */
  ids: Map<string, string>;
  /** A file record's id → why it is not imported. */
  refused: Map<string, string>;
  /** Per table (the schema's name) with a record matched: how many, and how many have the environment's id, not the file's. */
  tables: Map<string, TableMatches>;
  notes: string[];
  requests: number;
}

/** Types a filter cannot compare as the file gives them (dates have a time zone, lists and images no equality). */
const NOT_COMPARED = new Set(['datetime', 'optionsetvaluecollection', 'partylist', 'imagedata']);
/** Queries at once: they run before any record is written, beside nothing else. */
const QUERIES_AT_ONCE = 8;

type TableComparison = { plan: TablePlan; fields: CmtField[] };
/** A table's records matched, those under the environment's id, and those matched by id for being circular. */
type TableMatches = { matched: number; newIds: number; circular: number; fields: string[] };

/** A record of a compared table: its compare values as the file gives them, a lookup's as its target. */
interface Candidate {
  table: string;
  id: string;
  values: Array<Scalar | PendingBind>;
  /** A lookup among its values points at itself, or at records that point back at it: it cannot wait for them. */
  circular: boolean;
}

/** The fields a table's records are matched on, or why they cannot be (a note); undefined where they match by id. */
export function compareFieldsOf(plan: TablePlan): CmtField[] | { why: string } | undefined {
  const fields = plan.entity.fields.filter((f) => f.updateCompare && f.name !== plan.meta.primaryId);
  if (!fields.length) return undefined;
  const unusable = fields.filter((f) => NOT_COMPARED.has(f.type) || plan.missing.has(f.name) || plan.systemSet.has(f.name));
  if (!unusable.length) return fields;
  const why = (f: CmtField) => (plan.missing.has(f.name) ? 'not a column here' : plan.systemSet.has(f.name) ? 'set by Dataverse' : f.type);
  return {
    why:
      `${plan.entity.name}: its records were matched by id alone, since updateCompare names ` +
      `${unusable.map((f) => `${f.name} (${why(f)})`).join(', ')}, which the import cannot compare.`,
  };
}

/**
 * Reads data.xml once for the values of the compare fields, then asks the environment for the
 * records holding them. A lookup among the fields compares with the id its target has in the
 * environment: matched first where the target is a compared record of the file (in rounds, so a
 * record waits for the records it points at), found by id or name where it is outside the file.
 * Undefined when no table compares anything but its key.
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
  const { candidates, inFile } = await readCandidates(plan, comparisons, data, signal);
  const resolver = new LookupResolver(plan.tables, inFile, new Set());
  const outside = candidates.flatMap((c) => c.values.filter((v): v is PendingBind => isBind(v) && !inFile.has(v.id)));
  await resolver.resolve(
    dv,
    outside.map((b) => ({ table: b.entity ?? '', id: b.id, name: b.name })),
    QUERIES_AT_ONCE,
    signal,
  );
  matches.requests += resolver.requests;
  const run = new MatchRun(dv, matches, resolver, inFile, signal);
  for (const round of rounds(candidates))
    for (const [name, comparison] of comparisons) {
      const these = round.filter((c) => c.table === name);
      if (these.length) await run.matchTable(comparison, these);
    }
  for (const [name, table] of run.tables) if (table.matched || table.circular) matches.tables.set(name, table);
  return matches;
}

function isBind(value: Scalar | PendingBind): value is PendingBind {
  return typeof value === 'object' && value !== null;
}

/** Every record's table (for lookups), and the compared records' values. */
async function readCandidates(
  plan: ImportPlan,
  comparisons: Map<string, TableComparison>,
  data: AsyncIterable<CmtEvent[]>,
  signal: AbortSignal,
): Promise<{ candidates: Candidate[]; inFile: Map<string, string> }> {
  const candidates: Candidate[] = [];
  const inFile = new Map<string, string>();
  for await (const events of data) {
    signal.throwIfAborted();
    for (const event of events) {
      if (event.kind !== 'record') continue;
      const table = plan.tables.get(event.entity);
      if (table) inFile.set(event.record.id, table.meta.logicalName);
      const comparison = comparisons.get(event.entity);
      if (!comparison) continue;
      const built = firstPass(comparison.plan, event.record);
      // A record whose values cannot be read is refused by the import itself.
      if ('problem' in built) continue;
      const values = comparison.fields.map((field): Scalar | PendingBind => {
        if (LOOKUP_TYPES.has(field.type)) return built.binds.find((b) => b.field === field.name) ?? null;
        if (field.type === 'state') return built.state?.statecode ?? (built.body.statecode as number | undefined) ?? null;
        if (field.type === 'status') return built.state?.statuscode ?? (built.body.statuscode as number | undefined) ?? null;
        // Dataverse keeps no empty text: "" is null there.
        const value = built.body[field.name] as Scalar | undefined;
        return value === '' || value === undefined ? null : value;
      });
      candidates.push({ table: event.entity, id: event.record.id, values, circular: false });
    }
  }
  return { candidates, inFile };
}

/**
 * The candidates in rounds: each after the compared records its lookups point at. A record whose
 * lookup points at itself, or into a circle of records pointing at each other, is marked circular.
 */
function* rounds(candidates: Candidate[]): Generator<Candidate[]> {
  const waiting = new Set(candidates.map((c) => c.id));
  for (const c of candidates) if (c.values.some((v) => isBind(v) && v.id === c.id)) c.circular = true;
  let pending = candidates;
  while (pending.length) {
    const ready = pending.filter((c) => c.values.every((v) => !isBind(v) || v.id === c.id || !waiting.has(v.id)));
    if (!ready.length) for (const c of pending) c.circular = true;
    const round = ready.length ? ready : pending;
    yield round;
    for (const c of round) waiting.delete(c.id);
    pending = pending.filter((c) => waiting.has(c.id));
  }
}

class MatchRun {
  readonly tables = new Map<string, TableMatches>();
  /** The environment's records matched so far → the file record that matched each first. */
  private readonly claimed = new Map<string, string>();

  constructor(
    private readonly dv: DataverseClient,
    private readonly matches: CompareMatches,
    private readonly resolver: LookupResolver,
    private readonly inFile: Map<string, string>,
    private readonly signal: AbortSignal,
  ) {}

  /**
   * A candidate's values in Web API form, lookups as their targets' ids here; undefined when a
   * target is nowhere, or is a record of the file that is not imported (the candidate is refused).
   */
  private valuesOf(candidate: Candidate, fields: CmtField[]): Scalar[] | undefined {
    const values: Scalar[] = [];
    for (const [i, value] of candidate.values.entries()) {
      if (!isBind(value)) values.push(value);
      else if (this.matches.refused.has(value.id)) {
        this.matches.refused.set(
          candidate.id,
          `not imported: its updateCompare field ${fields[i]!.name} points at record ${value.id} of the file, which is not imported, so the record it would update cannot be told.`,
        );
        return undefined;
      } else if (this.inFile.has(value.id)) values.push(this.matches.ids.get(value.id) ?? value.id);
      else {
        const target = this.resolver.target(value);
        if ('why' in target) return undefined;
        values.push(target.id);
      }
    }
    return values;
  }

  async matchTable({ plan, fields }: TableComparison, candidates: Candidate[]): Promise<void> {
    const table = this.tables.get(plan.entity.name) ?? { matched: 0, newIds: 0, circular: 0, fields: fields.map((f) => f.name) };
    this.tables.set(plan.entity.name, table);
    // A record with none of the values, pointing at a record found nowhere, or circular, is matched by id.
    const asked = candidates.flatMap((candidate) => {
      if (candidate.circular) {
        table.circular++;
        return [];
      }
      const values = this.valuesOf(candidate, fields);
      const condition = values?.some((v) => v !== null) ? conditionOf(fields, values) : undefined;
      return values && condition ? [{ candidate, values, condition }] : [];
    });
    const columns = fields.map(compareColumn);
    const select = [...new Set([plan.meta.primaryId, ...columns])];
    const groups = groupsByLength(asked.map((a) => a.condition)).map((group) => group.map((i) => asked[i]!));
    const rowsOf = await mapLimited(groups, QUERIES_AT_ONCE, async (group) => {
      const rows: Array<Record<string, unknown>> = [];
      const query = queryPath(plan.meta.entitySet, { select, whereAny: group.map((a) => a.condition) });
      for await (const page of this.dv.pages<Record<string, unknown>>(query, PAGE_PREFER, this.signal)) {
        this.matches.requests++;
        rows.push(...page);
      }
      return rows;
    });
    groups.forEach((group, g) => {
      // Which records each returned row holds the values of: by key, else letter by letter.
      const byKey = new Map<string, number[]>();
      group.forEach((a, k) => {
        const key = keyOf(a.values);
        byKey.set(key, [...(byKey.get(key) ?? []), k]);
      });
      const found = group.map(() => new Set<string>());
      for (const row of rowsOf[g]!) {
        const values = columns.map((c) => row[c]);
        const holders = byKey.get(keyOf(values)) ?? group.flatMap((a, k) => (sameByCollation(values, a.values) ? [k] : []));
        for (const k of holders) found[k]!.add(String(row[plan.meta.primaryId]).toLowerCase());
      }
      group.forEach((a, k) => this.decide(a.candidate, found[k]!, fields, table));
    });
  }

  /** Matches a record to the one record holding its values, or refuses it where that is unclear. */
  private decide(candidate: Candidate, found: Set<string>, fields: CmtField[], table: TableMatches): void {
    if (!found.size) return;
    const values = fields.map((f, i) => `${f.name} ${describe(candidate.values[i]!)}`).join(', ');
    // Of several, the record with the file's own id is the one (a file imported again).
    if (found.size > 1 && !found.has(candidate.id)) {
      const ids = [...found].slice(0, 3).join(', ');
      this.matches.refused.set(
        candidate.id,
        `not imported: ${found.size} records of this environment (${ids}${found.size > 3 ? ', …' : ''}) have its updateCompare values (${values}), so which one to update is unclear. Make them differ there, or mark more fields updateCompare in data_schema.xml.`,
      );
      return;
    }
    const match = found.has(candidate.id) ? candidate.id : [...found][0]!;
    if (match !== candidate.id && this.inFile.has(match)) {
      this.matches.refused.set(
        candidate.id,
        `not imported: its updateCompare values (${values}) match record ${match} of this environment, which the file gives as a record of its own; writing both there would make one record of two.`,
      );
      return;
    }
    const first = this.claimed.get(match);
    if (first !== undefined && first !== candidate.id) {
      this.matches.refused.set(
        candidate.id,
        `not imported: its updateCompare values (${values}) match the same record of this environment (${match}) as record ${first} earlier in the file, which was written there.`,
      );
      return;
    }
    this.claimed.set(match, candidate.id);
    table.matched++;
    if (match === candidate.id) return;
    table.newIds++;
    this.matches.ids.set(candidate.id, match);
  }
}

/** What the summary says of the matches: tables matched by id alone, then each table's matches. */
export function matchNotes(matches: CompareMatches): string[] {
  const notes = [...matches.notes];
  for (const [name, table] of matches.tables) {
    if (table.matched)
      notes.push(
        `${name}: ${table.matched} record(s) were matched to records of this environment by ${table.fields.join(', ')} (updateCompare)` +
          (table.newIds
            ? `; ${table.newIds} of them are written under the environment's id, which lookups and links pointing at them use.`
            : '.'),
      );
    if (table.circular)
      notes.push(
        `${name}: ${table.circular} record(s) were matched by id alone, since an updateCompare lookup of theirs points at themselves or at records pointing back at them.`,
      );
  }
  return notes;
}

/** A value as a person reads it: text quoted, a lookup by the id the file gives. */
function describe(value: Scalar | PendingBind): string {
  if (isBind(value)) return value.id;
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/**
 * The records updateCompare fields match, worked out once an import: where they name more than
 * the key, data.xml is read a second time first, for those values; a resumed import is given them
 * back, so that every call writes the same records.
 */
export async function matchRecords(
  dv: DataverseClient,
  plan: ImportPlan,
  source: DataSource,
  fieldNames: string[],
  progress: ImportProgress,
  signal: AbortSignal,
): Promise<CompareMatches | undefined> {
  if (progress.matches) return restoredMatches(progress.matches);
  const again = async function* () {
    yield* readDataBatches(await source.openData(), 'data.xml', fieldNames);
  };
  let matches: CompareMatches | undefined;
  try {
    matches = await matchByCompareFields(dv, plan, again(), signal);
  } catch (error) {
    throw signal.aborted ? error : matchingFailed(error);
  }
  if (!matches) return undefined;
  progress.requests += matches.requests;
  progress.matches = savedMatches(matches);
  return matches;
}

/** A failure before anything is written, said as such: a data.xml that cannot be read, or a query the service refused. */
function matchingFailed(error: unknown): unknown {
  if (error instanceof CmtFormatError)
    return new ToolError(
      `dataFile: ${error.message} Nothing was imported.`,
      'Give a data zip written by the Configuration Migration tool, pac data export or pp_export_data, or the folder it unzips to.',
    );
  if (!(error instanceof PlatformError)) return error;
  return new ToolError(
    `Looking for this environment's records by the updateCompare fields of data_schema.xml failed: ${error.said()}. Nothing was imported.`,
    error.hint ??
      'Check that those fields are columns of this environment that a query can filter on, or take updateCompare off them in data_schema.xml; then call again.',
  );
}

/** What a partial result keeps of the matches, so that its resume writes the same records. */
function savedMatches(matches: CompareMatches): SavedMatches {
  return {
    ids: Object.fromEntries(matches.ids),
    refused: Object.fromEntries(matches.refused),
    tables: Object.fromEntries(matches.tables),
    notes: matches.notes,
  };
}

function restoredMatches(saved: SavedMatches): CompareMatches {
  return {
    ids: new Map(Object.entries(saved.ids)),
    refused: new Map(Object.entries(saved.refused)),
    tables: new Map(Object.entries(saved.tables)),
    notes: saved.notes,
    requests: 0,
  };
}
