import type { YamlRecord } from './pacYaml';
import type { FieldText, SiteRecord, SiteRecords } from './siteRecord';
import { prefixed, siteTable, unprefixed, type SiteTable } from './siteTables';

/** The columns pac writes into a record's YAML, in its order (ordinal by name); long texts and nulls left out. */
export function recordYaml(record: SiteRecord): YamlRecord {
  const table = siteTable(record.table);
  const out: YamlRecord = {};
  for (const key of Object.keys(record.values).sort()) {
    const value = record.values[key];
    if (value === null || value === undefined || table.texts?.[key]) continue;
    if (Array.isArray(value) && !value.length) continue;
    out[key] = value;
  }
  return out;
}

/**
 * A code site's keys: the adx_ prefix dropped and the id called `id`, ordered by that name, except
 * that many-to-many relationships keep their full name (they sort by the name without the prefix).
 */
export function codeSiteYaml(record: SiteRecord): YamlRecord {
  const table = siteTable(record.table);
  const entries = Object.entries(recordYaml(record)).map(([key, value]) => {
    if (key === `${table.name}id`) return { name: 'id', sortKey: 'id', value };
    return { name: unprefixed(table, key), sortKey: key.replace(/^adx_/, ''), value };
  });
  entries.sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0));
  return Object.fromEntries(entries.map((e) => [e.name, e.value]));
}

/** Back from a code site's keys to the adx_ names. */
export function fromCodeSiteKeys(table: SiteTable, yaml: YamlRecord): Record<string, FieldText> {
  const out: Record<string, FieldText> = {};
  for (const [key, value] of Object.entries(yaml)) {
    const name = key === 'id' ? `${table.name}id` : prefixed(key);
    out[name] = fieldText(value, key);
  }
  return out;
}

/** The YAML of one record as field texts; nested records are not part of pac's record files. */
export function fieldsOf(yaml: YamlRecord, where: string): Record<string, FieldText> {
  return Object.fromEntries(Object.entries(yaml).map(([key, value]) => [key, fieldText(value, `${where}, ${key}`)]));
}

function fieldText(value: YamlRecord[string], where: string): FieldText {
  if (Array.isArray(value)) {
    return value.map((item) => {
      if (typeof item !== 'string') throw new Error(`${where} holds records where a list of values belongs.`);
      return item;
    });
  }
  return value;
}

/** The name that names a record's files: its file-name column, its primary name, else its id. */
export function nameOf(record: SiteRecord): string {
  const table = siteTable(record.table);
  const value = record.values[table.fileName ?? table.primaryName];
  return typeof value === 'string' && value.trim() ? value : record.id;
}

/** The language code of a website language (en-US), through its portal language. */
export function languageCode(records: SiteRecords, websiteLanguageId: FieldText | undefined): string | undefined {
  if (typeof websiteLanguageId !== 'string') return undefined;
  const language = records.get('adx_websitelanguage', websiteLanguageId);
  const portalId = language?.values.adx_portallanguageid;
  const portal = records.get('adx_portallanguage', typeof portalId === 'string' ? portalId : websiteLanguageId);
  const code = portal?.values.adx_languagecode;
  return typeof code === 'string' ? code : undefined;
}

export const byId = (a: SiteRecord, b: SiteRecord) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
