// The values of updateCompare fields: the queries that find them in the environment, and which
// returned row holds which record's values.
import { GUID, anyOf, eq, rowId, type Comparison } from '../platform/odata';
import type { CmtField } from './cmtSchema';
import { LOOKUP_TYPES } from './recordBody';

/** A value in Web API form: text, a number, a boolean, an id, or none. */
export type Scalar = string | number | boolean | null;

/** Characters of $filter per query, well under the URL length Dataverse accepts (32 KB). */
const FILTER_LENGTH = 4000;

/** The column a field is compared in: a lookup by its `_<name>_value`. */
export function compareColumn(field: CmtField): string {
  return LOOKUP_TYPES.has(field.type) ? `_${field.name}_value` : field.name;
}

/** The comparisons that find a record holding these values; undefined when an id among them is no GUID. */
export function conditionOf(fields: CmtField[], values: Scalar[]): Comparison[] | undefined {
  const comparisons: Comparison[] = [];
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i]!;
    const value = values[i]!;
    const isId = field.type === 'guid' || LOOKUP_TYPES.has(field.type);
    if (isId && value !== null && !GUID.test(String(value))) return undefined;
    comparisons.push(eq(compareColumn(field), isId && value !== null ? rowId(String(value)) : value));
  }
  return comparisons;
}

/** The conditions' indexes in groups whose `$filter`, joined by `or`, stays under FILTER_LENGTH. */
export function groupsByLength(conditions: Comparison[][]): number[][] {
  const groups: number[][] = [];
  let length = Infinity;
  conditions.forEach((condition, i) => {
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

/** Letters the database's Windows collations compare as two. */
const EXPANDED: Record<string, string> = { ß: 'ss', æ: 'ae', œ: 'oe' };

/** Text as the database compares it under its default collation (Latin1_General_CI_AI), as near as a key can. */
function folded(text: string): string {
  // SQL's `=` ignores trailing spaces (spaces alone, not tabs or line breaks).
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[ßæœ]/g, (letter) => EXPANDED[letter]!)
    .replace(/ +$/, '');
}

/** Values in one string: text folded (ids are text too), numbers by value, none as null. */
export function keyOf(values: readonly unknown[]): string {
  return JSON.stringify(
    values.map((value) => {
      if (value === null || value === undefined) return null;
      if (typeof value === 'string') return folded(value);
      return typeof value === 'number' ? value : value === true;
    }),
  );
}

const COLLATION = new Intl.Collator('en', { sensitivity: 'base' });

/**
 * Whether a row's values are a record's, text compared letter by letter as a collation does (ø and
 * o, ł and l, which a key does not fold): for a row the service returned whose key is no record's.
 */
export function sameByCollation(row: readonly unknown[], values: readonly Scalar[]): boolean {
  return values.every((value, i) => {
    const actual = row[i];
    if (typeof value === 'string' && typeof actual === 'string')
      return COLLATION.compare(actual.replace(/ +$/, ''), value.replace(/ +$/, '')) === 0;
    return keyOf([actual]) === keyOf([value]);
  });
}
