// The one place where values become OData query text, for the typed tables (./dataverseTables) and the
// client's retrieve. Every value goes through `literal`: text is quoted with its quotes doubled and
// percent-encoded (so a name holding ', &, #, + or a space can end neither the literal nor the query
// option), a row id must be a GUID, a number finite, a date a Date. Table and column names are the
// callers' constants, never input.

/** A GUID as Dataverse and Entra write them (no braces). */
export const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A row id compared unquoted in a filter; anything but a GUID is refused here rather than sent. */
export class RowId {
  constructor(readonly value: string) {
    if (!GUID.test(value)) throw new TypeError(`Not a row id (GUID): ${JSON.stringify(value)}`);
  }
}

export function rowId(value: string): RowId {
  return new RowId(value);
}

export type FilterValue = string | number | boolean | null | RowId | Date;

/** A value as an OData literal, ready to stand in a URL's query. */
export function literal(value: FilterValue): string {
  if (value === null) return 'null';
  if (value instanceof RowId) return value.value;
  // Whole seconds, as the service writes them: a filter on createdon compares with what it stored.
  if (value instanceof Date) return value.toISOString().replace(/\.\d{3}Z$/, 'Z');
  if (typeof value === 'string') return encodeURIComponent(`'${value.replace(/'/g, "''")}'`);
  if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError(`Not a finite number: ${value}`);
  return String(value);
}

export interface Comparison {
  column: string;
  operator: 'eq' | 'ge';
  value: FilterValue;
}

export function eq(column: string, value: FilterValue): Comparison {
  return { column, operator: 'eq', value };
}

export function ge(column: string, value: FilterValue): Comparison {
  return { column, operator: 'ge', value };
}

export interface TableQuery {
  /** The columns to read; all of them when left out. */
  select?: readonly string[];
  /** Navigation properties to expand, each with the columns to read of the related rows. */
  expand?: Readonly<Record<string, readonly string[]>>;
  /** Comparisons that must all hold. */
  where?: readonly Comparison[];
  /** Instead of `where`: groups of comparisons of which one must hold in full (`(a and b) or (c and d)`). */
  whereAny?: ReadonlyArray<readonly Comparison[]>;
  orderBy?: string;
}

const condition = (comparisons: readonly Comparison[]) =>
  comparisons.map((c) => `${c.column} ${c.operator} ${literal(c.value)}`).join(' and ');

/** The `$filter` text of `whereAny`, ready to stand in a URL's query: its length is what a URL limit counts. */
export function anyOf(groups: ReadonlyArray<readonly Comparison[]>): string {
  return groups.map((group) => `(${condition(group)})`).join(' or ');
}

/** The path of a query on an entity set, relative to the Web API root. */
export function queryPath(entitySet: string, query: TableQuery): string {
  const options: string[] = [];
  if (query.select) options.push(`$select=${query.select.join(',')}`);
  const expand = Object.entries(query.expand ?? {}).map(([navigation, columns]) => `${navigation}($select=${columns.join(',')})`);
  if (expand.length) options.push(`$expand=${expand.join(',')}`);
  if (query.where?.length) options.push(`$filter=${condition(query.where)}`);
  else if (query.whereAny?.length) options.push(`$filter=${anyOf(query.whereAny)}`);
  if (query.orderBy) options.push(`$orderby=${query.orderBy}`);
  return options.length ? `${entitySet}?${options.join('&')}` : entitySet;
}

/** The path of one row by id, with the given columns. */
export function rowPath(entitySet: string, id: string, columns: readonly string[]): string {
  return `${entitySet}(${rowId(id).value})?$select=${columns.join(',')}`;
}
