/**
 * The comparisons joined by `and` that the tools send to system tables (dates and `gt`/`ge`/`lt`/`le`
 * included), for the sandbox's fixed tables; its data tables use the fuller ./odataFilter.
 */

/** Supports the simple filters the tools send: `a eq 'x'`, `a eq true`, `createdon ge 2025-01-01T00:00:00Z` (eq, ne, gt, ge, lt, le), joined by `and`. */
export function matchesFilter(row: Record<string, unknown>, filter: string): boolean {
  return clauses(filter).every((clause) => {
    const m =
      /^\s*(\w+)\s+(eq|ne|gt|ge|lt|le)\s+(?:'((?:[^']|'')*)'|(\d{4}-\d\d-\d\dT[\d:.]+Z)|([0-9a-f]{8}-[0-9a-f-]{27})|(true|false|null|[\d.-]+))\s*$/i.exec(
        clause,
      );
    if (!m) return false;
    const [, column, operator, text, date, guid, literal] = m;
    const actual = row[column!];
    if (date !== undefined) return compare(typeof actual === 'string' ? Date.parse(actual) : NaN, Date.parse(date), operator!);
    const expected =
      text !== undefined
        ? text.replace(/''/g, "'")
        : guid !== undefined
          ? guid.toLowerCase()
          : literal === 'null'
            ? null
            : literal === 'true'
              ? true
              : literal === 'false'
                ? false
                : Number(literal);
    if (typeof expected === 'string' && typeof actual === 'string')
      return compare(actual.toLowerCase().localeCompare(expected.toLowerCase()), 0, operator!);
    if (typeof expected === 'number' && typeof actual === 'number') return compare(actual, expected, operator!);
    return operator!.toLowerCase() === 'ne' ? actual !== expected : operator!.toLowerCase() === 'eq' && actual === expected;
  });
}

function compare(a: number, b: number, operator: string): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return false;
  switch (operator.toLowerCase()) {
    case 'eq':
      return a === b;
    case 'ne':
      return a !== b;
    case 'gt':
      return a > b;
    case 'ge':
      return a >= b;
    case 'lt':
      return a < b;
    default:
      return a <= b;
  }
}

/** The clauses of a filter joined by `and`, splitting only outside quoted text ('' is a quote inside it). */
function clauses(filter: string): string[] {
  const found: string[] = [];
  let quoted = false;
  let start = 0;
  for (let i = 0; i < filter.length; i++) {
    if (filter[i] === "'") quoted = !quoted;
    if (quoted) continue;
    const and = /^\s+and\s+/i.exec(filter.slice(i));
    if (!and) continue;
    found.push(filter.slice(start, i));
    i += and[0].length - 1;
    start = i + 1;
  }
  found.push(filter.slice(start));
  return found;
}
