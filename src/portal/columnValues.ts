import type { FieldText } from './siteRecord';

/**
 * Between a column's text in the site folder and its value in Dataverse, by the column's
 * AttributeType. Without a type (a column the metadata does not list) the text is read as YAML
 * would read it: true/false, a whole number, or text.
 */
export function toServiceValue(text: FieldText, type: string | undefined, options: { multiSelectAsList?: boolean } = {}): unknown {
  if (text === null) return null;
  if (Array.isArray(text)) {
    const numbers = text.map(Number);
    if (type === 'MultiSelectPicklist') return options.multiSelectAsList ? numbers : text.join(',');
    return text;
  }
  switch (type) {
    case 'Boolean':
      return /^true$/i.test(text) ? true : /^false$/i.test(text) ? false : text;
    case 'Integer':
    case 'BigInt':
    case 'Picklist':
    case 'State':
    case 'Status':
      return /^-?\d+$/.test(text) ? Number(text) : text;
    case 'Decimal':
    case 'Double':
    case 'Money':
      return /^-?\d+(\.\d+)?(e-?\d+)?$/i.test(text) ? Number(text) : text;
    case 'MultiSelectPicklist':
      return options.multiSelectAsList ? text.split(',').map(Number) : text;
    case undefined:
      return /^(true|false)$/.test(text) ? text === 'true' : /^-?\d{1,15}$/.test(text) ? Number(text) : text;
    default:
      return text;
  }
}

/** A value from Dataverse as pac writes it: booleans in lower case, dates with seven decimals, multi-select choices as a list. */
export function toFolderText(value: unknown, type: string | undefined): FieldText {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return value.map(String);
  if (type === 'MultiSelectPicklist' && typeof value === 'string') return value === '' ? [] : value.split(',');
  if (type === 'DateTime' && typeof value === 'string') return dotNetDate(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'string') return value;
  return typeof value === 'number' ? String(value) : JSON.stringify(value);
}

/** 2023-09-14T14:05:47Z → 2023-09-14T14:05:47.0000000Z, the round-trip format .NET writes. */
function dotNetDate(value: string): string {
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,7}))?Z$/.exec(value);
  return match ? `${match[1]}.${(match[2] ?? '').padEnd(7, '0')}Z` : value;
}

/** Whether two folder texts mean the same value of a column of this type. */
export function sameValue(a: FieldText | undefined, b: FieldText | undefined, type: string | undefined): boolean {
  const left = normal(a ?? null, type);
  const right = normal(b ?? null, type);
  return JSON.stringify(left) === JSON.stringify(right);
}

function normal(text: FieldText, type: string | undefined): unknown {
  if (Array.isArray(text)) return text.length ? [...text].map((t) => t.toLowerCase()).sort() : null;
  if (type === 'DateTime' && text) return Number.isNaN(Date.parse(text)) ? text : new Date(text).toISOString();
  if (typeof text === 'string' && /^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$/i.test(text)) return text.toLowerCase();
  return toServiceValue(text, type);
}
