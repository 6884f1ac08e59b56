/**
 * Values between the Configuration Migration format and the Web API. The tool writes invariant
 * numbers, True/False, multi-select values as `[-1,v1,v2,-1]` and dates as ISO 8601 with seven
 * fractional digits (its 2019 versions: US culture, `1/29/2014 5:00:00 AM`); date-only and
 * time-zone-independent columns without the `Z`.
 */

/** How a date-time column stores its values (DateTimeAttributeMetadata). */
export interface DateColumn {
  dateOnly: boolean;
  /** Time-zone independent or date-only: written without the Z. */
  floating: boolean;
}

export type Converted = { value: unknown } | { problem: string };

const US_DATE = /^(\d{1,2})\/(\d{1,2})\/(\d{4}) (\d{1,2}):(\d{2}):(\d{2}) ?(AM|PM)?$/i;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?(Z|[+-]\d{2}:\d{2})?$/;

/** A date of the file as a UTC instant, from either format; undefined when it is neither. */
export function parseCmtDate(text: string): Date | undefined {
  const trimmed = text.trim();
  const us = US_DATE.exec(trimmed);
  if (us) {
    let hour = Number(us[4]);
    if (us[7]) hour = (hour % 12) + (us[7].toUpperCase() === 'PM' ? 12 : 0);
    const date = new Date(Date.UTC(Number(us[3]), Number(us[1]) - 1, Number(us[2]), hour, Number(us[5]), Number(us[6])));
    return Number.isNaN(date.getTime()) ? undefined : date;
  }
  const iso = ISO_DATE.exec(trimmed);
  if (!iso) return undefined;
  const offset = iso[8] && iso[8] !== 'Z' ? iso[8] : 'Z';
  const date = new Date(
    `${iso[1]}-${iso[2]}-${iso[3]}T${iso[4] ?? '00'}:${iso[5] ?? '00'}:${iso[6] ?? '00'}${(iso[7] ?? '').slice(0, 4)}${offset}`,
  );
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.000Z$/, 'Z');
}

const GUID = /^\{?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}?$/i;
const WHOLE = /^-?\d+$/;
const NUMBER = /^-?(\d+\.?\d*|\.\d+)(E[+-]?\d+)?$/i;
/** The tool's own date form, `2014-01-29T17:00:00.0000000` with or without a Z: read without a Date. */
const TOOL_DATE = /^(\d{4}-\d{2}-\d{2})T((?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d)(?:\.0+)?Z?$/;

const bad = (raw: string, expected: string): Converted => ({ problem: `"${raw}" is not ${expected}` });

/** A value of the file as the Web API wants it for a column of `type`. */
export function fromCmtValue(type: string, raw: string, date?: DateColumn): Converted {
  const text = raw.trim();
  switch (type) {
    case 'string':
    case 'memo':
    case 'imagedata':
      return { value: raw };
    case 'guid':
      return GUID.test(text) ? { value: text.replace(/[{}]/g, '').toLowerCase() } : bad(raw, 'a GUID');
    case 'bool':
      // The tool writes True and False; anything else goes through the lenient reading.
      if (text === 'True' || text === 'False') return { value: text === 'True' };
      return /^(true|1)$/i.test(text) ? { value: true } : /^(false|0)$/i.test(text) ? { value: false } : bad(raw, 'True or False');
    case 'number':
    case 'bigint':
    case 'optionsetvalue':
    case 'state':
    case 'status':
      return WHOLE.test(text)
        ? { value: Number(text) }
        : bad(raw, type === 'number' || type === 'bigint' ? 'a whole number' : 'an option value');
    case 'decimal':
    case 'float':
    case 'money':
      return text !== '' && NUMBER.test(text) ? { value: Number(text) } : bad(raw, 'a number');
    case 'optionsetvaluecollection': {
      const values = text
        .replace(/^\[|\]$/g, '')
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v !== '' && v !== '-1');
      if (values.some((v) => !WHOLE.test(v))) return bad(raw, 'a list of option values');
      return { value: values.length ? values.join(',') : null };
    }
    case 'datetime':
      return fromCmtDate(text, raw, date);
    default:
      return { problem: `the column type "${type}" is not one this importer writes` };
  }
}

function fromCmtDate(text: string, raw: string, date: DateColumn | undefined): Converted {
  const own = TOOL_DATE.exec(text);
  // Whole seconds in UTC or without a zone (which this file format means as UTC): as written.
  if (own && validDay(own[1]!)) return { value: date?.dateOnly ? own[1]! : `${own[1]}T${own[2]}Z` };
  const parsed = parseCmtDate(text);
  if (!parsed) return bad(raw, 'a date');
  if (date?.dateOnly) return { value: parsed.toISOString().slice(0, 10) };
  return { value: isoSeconds(parsed) };
}

const DAYS_IN_MONTH: readonly number[] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Whether `yyyy-mm-dd` is a day of the calendar (Date would roll 2014-02-30 over to March). */
function validDay(day: string): boolean {
  const month = Number(day.slice(5, 7));
  const dayOfMonth = Number(day.slice(8, 10));
  if (month < 1 || month > 12 || dayOfMonth < 1) return false;
  const year = Number(day.slice(0, 4));
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return dayOfMonth <= (month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!);
}

/** Decimal places in a number's shortest form (`1.5e-11` has 12). */
function decimalsIn(value: number): number {
  const [mantissa = '', exponent = '0'] = String(Math.abs(value)).split('e');
  return Math.max(0, (mantissa.split('.')[1]?.length ?? 0) - Number(exponent));
}

/** A Web API value as the tool writes it for a column of `type`. */
export function toCmtValue(type: string, value: unknown, date?: DateColumn): string {
  switch (type) {
    case 'bool':
      return value ? 'True' : 'False';
    case 'money':
      return Number(value).toFixed(4);
    case 'decimal': {
      // Ten places as the tool writes them, and every place past ten the value has (an exchange rate can have twelve).
      const number = Number(value);
      return number.toFixed(Math.min(20, Math.max(10, decimalsIn(number))));
    }
    case 'optionsetvaluecollection':
      return `[-1,${String(value).split(',').filter(Boolean).join(',')}${String(value) ? ',' : ''}-1]`;
    case 'datetime': {
      const text = String(value);
      const parsed = parseCmtDate(text);
      if (!parsed) return text;
      const iso = parsed.toISOString().replace(/\.(\d{3})Z$/, '.$10000Z');
      return date?.floating || date?.dateOnly ? iso.slice(0, -1) : iso;
    }
    case 'guid':
      return String(value).toLowerCase();
    default:
      return String(value);
  }
}
