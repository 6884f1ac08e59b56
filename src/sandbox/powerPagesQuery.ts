import type { SandboxRequest } from './http';

type Row = Record<string, unknown>;

/**
 * The query options the Power Pages tables answer: $filter with `eq` clauses joined by `and` (a
 * lookup as `_name_value` or by its name) and Microsoft.Dynamics.CRM.In; paging by
 * odata.maxpagesize with a $skiptoken in the next link.
 */
export function filterRows(rows: Row[], filter: string | null): Row[] | string {
  if (!filter) return rows;
  const tests: Array<(row: Row) => boolean> = [];
  for (const clause of filter.split(/\s+and\s+/i)) {
    const inMatch = /^\s*Microsoft\.Dynamics\.CRM\.In\(PropertyName='(\w+)',PropertyValues=\[(.*)\]\)\s*$/i.exec(clause);
    if (inMatch) {
      const values = new Set([...inMatch[2]!.matchAll(/'((?:[^']|'')*)'/g)].map((m) => m[1]!.replace(/''/g, "'").toLowerCase()));
      const column = inMatch[1]!;
      tests.push((row) => values.has(String(valueOf(row, column) ?? '').toLowerCase()));
      continue;
    }
    const eq = /^\s*(\w+)\s+eq\s+(?:'((?:[^']|'')*)'|([0-9a-f]{8}-[0-9a-f-]{27})|(true|false|null|-?\d+))\s*$/i.exec(clause);
    if (!eq) return `The query option $filter has a clause this service does not understand: ${clause.trim()}`;
    const expected =
      eq[2] !== undefined
        ? eq[2].replace(/''/g, "'")
        : (eq[3] ?? (eq[4] === 'null' ? null : eq[4] === 'true' ? true : eq[4] === 'false' ? false : Number(eq[4])));
    const column = eq[1]!;
    tests.push((row) => {
      const actual = valueOf(row, column);
      return typeof expected === 'string' && typeof actual === 'string'
        ? actual.toLowerCase() === expected.toLowerCase()
        : (actual ?? null) === expected;
    });
  }
  return rows.filter((row) => tests.every((test) => test(row)));
}

/** A column of a stored row by its name or its `_name_value` form. */
function valueOf(row: Row, column: string): unknown {
  const lookup = /^_(\w+)_value$/.exec(column);
  return row[lookup ? lookup[1]! : column];
}

/** The columns of $select, or undefined for all. */
export function selected(request: SandboxRequest): string[] | undefined {
  return request.url.searchParams
    .get('$select')
    ?.split(',')
    .map((c) => c.trim())
    .filter(Boolean);
}

/** The id in an @odata.bind value (/adx_webpages(id) or a full URL), if it names that entity set. */
export function boundId(value: unknown, entitySet: string): string | undefined {
  return new RegExp(`${entitySet}\\(([0-9a-f-]{36})\\)$`, 'i').exec(String(value ?? ''))?.[1]?.toLowerCase();
}
