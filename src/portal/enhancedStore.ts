import { tableMetadata, type TableMetadata } from '../data/tableMetadata';
import type { DataverseClient } from '../platform/dataverse';
import { PlatformError } from '../platform/errors';
import { sameValue, toFolderText, toServiceValue } from './columnValues';
import { SiteRecords, type FieldText, type SiteRecord } from './siteRecord';
import { allRows, findSiteRow, siteNames, type SiteRef, type SiteStore } from './siteStore';
import { idColumn, NOTE_COLUMNS, prefixed, SITE_TABLES, STATE_COLUMNS, siteTable, unprefixed } from './siteTables';

interface ComponentRow {
  powerpagecomponentid: string;
  name: string | null;
  powerpagecomponenttype: number;
  content: string | null;
  statecode?: number;
  statuscode?: number;
  filecontent_name?: string | null;
}

const LANGUAGE_COLUMNS = 'powerpagesitelanguageid,name,languagecode,lcid,displayname,content';

interface LanguageRow {
  powerpagesitelanguageid: string;
  name: string | null;
  languagecode: string | null;
  lcid: number | null;
  displayname: string | null;
  content: string | null;
}

/**
 * The enhanced data model: the site (powerpagesite), its languages (powerpagesitelanguage) and its
 * components (powerpagecomponent: a type, a name and JSON content; web file bytes in `filecontent`).
 * Column types for the JSON come from the metadata of the matching mspp_ table.
 */
export class EnhancedStore implements SiteStore {
  readonly model = 'enhanced' as const;
  private readonly metadata = new Map<string, Promise<TableMetadata | undefined>>();
  private folder = new SiteRecords([]);

  constructor(
    private readonly dv: DataverseClient,
    private readonly signal: AbortSignal,
  ) {}

  /** The folder's records: a site language is written with the portal language it names. */
  useFolder(records: SiteRecords): void {
    this.folder = records;
  }

  find(ref: string): Promise<SiteRef | undefined> {
    return findSiteRow(this.dv, 'powerpagesites', 'powerpagesiteid', 'name', ref, this.signal);
  }

  names(): Promise<string[]> {
    return siteNames(this.dv, 'powerpagesites', 'name', this.signal);
  }

  async read(site: SiteRef): Promise<SiteRecord[]> {
    const row = await this.dv.get<{ powerpagesiteid: string; name: string; content: string | null }>(
      `powerpagesites(${site.id})?$select=powerpagesiteid,name,content`,
      this.signal,
    );
    const records: SiteRecord[] = [this.fromContent('adx_website', row.powerpagesiteid, row.name, row.content)];
    const portals = new Map<string, SiteRecord>();
    for (const language of await allRows<LanguageRow>(
      this.dv,
      `powerpagesitelanguages?$select=${LANGUAGE_COLUMNS}&$filter=_powerpagesiteid_value eq ${site.id}`,
      this.signal,
    )) {
      const { portallanguage, ...content } = parseContent(language.content, `site language ${language.powerpagesitelanguageid}`);
      const record = this.fromContent('adx_websitelanguage', language.powerpagesitelanguageid, language.name, JSON.stringify(content));
      records.push(record);
      const portal = portalRecord(language, portallanguage, record);
      if (!portals.has(portal.id)) portals.set(portal.id, portal);
    }
    records.push(...portals.values());
    const select = 'powerpagecomponentid,name,powerpagecomponenttype,content,statecode,statuscode,filecontent_name';
    for (const component of await allRows<ComponentRow>(
      this.dv,
      `powerpagecomponents?$select=${select}&$filter=_powerpagesiteid_value eq ${site.id}`,
      this.signal,
    )) {
      const table = SITE_TABLES.find((t) => t.componentType === component.powerpagecomponenttype);
      if (!table) continue;
      const record = this.fromContent(table.name, component.powerpagecomponentid, component.name, component.content);
      if (component.statecode)
        Object.assign(record.values, { statecode: String(component.statecode), statuscode: String(component.statuscode ?? '') });
      if (component.filecontent_name)
        record.file = (await this.dv.download(`powerpagecomponents(${record.id})/filecontent/$value`, this.signal))?.bytes;
      records.push(record);
    }
    return records;
  }

  private fromContent(tableName: string, id: string, name: string | null, content: string | null): SiteRecord {
    const table = siteTable(tableName);
    const values: Record<string, FieldText> = {};
    for (const [key, value] of Object.entries(parseContent(content, `${tableName} ${id}`))) {
      if (value !== null && value !== undefined) values[prefixed(key)] = toFolderText(value, undefined);
    }
    if (name !== null) values[table.primaryName] = name;
    values[idColumn(tableName)] = id.toLowerCase();
    return { table: tableName, id: id.toLowerCase(), values };
  }

  async differs(local: SiteRecord, remote: SiteRecord): Promise<boolean> {
    if (local.table === 'adx_portallanguage') return !(await this.sameColumns(local, remote));
    return !(await this.sameColumns(local, remote)) || !sameFile(local.file, remote.file);
  }

  private async sameColumns(local: SiteRecord, remote: SiteRecord): Promise<boolean> {
    const keys = new Set([...Object.keys(local.values), ...Object.keys(remote.values)]);
    for (const key of keys) if (!sameValue(local.values[key], remote.values[key], await this.typeOf(local.table, key))) return false;
    return true;
  }

  async write(site: SiteRef, local: SiteRecord, remote: SiteRecord | undefined): Promise<string[]> {
    const table = siteTable(local.table);
    if (table.name === 'adx_portallanguage') {
      // Kept in the site languages that name it: a new one goes in with them, a changed one is written into them.
      if (remote)
        for (const language of this.folder.of('adx_websitelanguage').filter((l) => l.values.adx_portallanguageid === local.id))
          await this.writeLanguage(site, language, true);
      return [];
    }
    if (table.name === 'adx_websitelanguage') {
      await this.writeLanguage(site, local, Boolean(remote));
      return [];
    }
    const name = local.values[table.primaryName];
    const content = JSON.stringify(await this.content(local));
    if (table.name === 'adx_website') {
      const body = { name: typeof name === 'string' ? name : null, content };
      if (remote) await this.dv.update('powerpagesites', local.id, body, this.signal);
      else await this.dv.action('powerpagesites', { powerpagesiteid: local.id, ...body }, { signal: this.signal });
      return [];
    }
    if (table.componentType === undefined)
      throw new Error(`${table.name} records (${local.source?.file ?? local.id}) have no place in a site on the enhanced data model.`);
    const state = local.values.statecode
      ? { statecode: Number(local.values.statecode), statuscode: Number(local.values.statuscode ?? 2) }
      : { statecode: 0, statuscode: 1 };
    const body = { name: typeof name === 'string' ? name : null, content, ...state };
    if (remote) await this.dv.update('powerpagecomponents', local.id, body, this.signal);
    else
      await this.dv.action(
        'powerpagecomponents',
        {
          powerpagecomponentid: local.id,
          powerpagecomponenttype: table.componentType,
          ...body,
          'powerpagesiteid@odata.bind': `/powerpagesites(${site.id})`,
        },
        { signal: this.signal },
      );
    if (local.file && !sameFile(local.file, remote?.file)) {
      const given = typeof local.values.filename === 'string' ? local.values.filename : String(name ?? local.id);
      // A header holds Latin-1 only; other names go percent-encoded (the folder keeps the name itself).
      const fileName = /^[\x20-\x7e]*$/.test(given) ? given : encodeURIComponent(given);
      await this.dv.uploadFile(`powerpagecomponents(${local.id})/filecontent`, fileName, local.file, this.signal);
    }
    return [];
  }

  async complete(): Promise<void> {
    // Lookups are ids inside the JSON content: nothing waits for another record.
  }

  async remove(_site: SiteRef, record: SiteRecord): Promise<void> {
    if (record.table === 'adx_website' || record.table === 'adx_portallanguage') return;
    const path = record.table === 'adx_websitelanguage' ? `powerpagesitelanguages(${record.id})` : `powerpagecomponents(${record.id})`;
    await this.dv.delete(path, this.signal).catch((error: unknown) => {
      if (!(error instanceof PlatformError && error.status === 404)) throw error;
    });
  }

  private async writeLanguage(site: SiteRef, language: SiteRecord, exists: boolean): Promise<void> {
    const portalId = typeof language.values.adx_portallanguageid === 'string' ? language.values.adx_portallanguageid : undefined;
    const portal = this.folder.get('adx_portallanguage', portalId);
    const content = await this.content(language);
    if (portal)
      content.portallanguage = Object.fromEntries(
        Object.entries(portal.values)
          .filter(([, v]) => v !== null)
          .map(([k, v]) => [
            unprefixed(siteTable('adx_portallanguage'), k),
            toServiceValue(v, k === 'adx_lcid' || k === 'adx_systemlanguage' ? 'Integer' : 'String'),
          ]),
      );
    const text = (key: string) => (typeof portal?.values[key] === 'string' ? portal.values[key] : null);
    const body = {
      name: typeof language.values.adx_name === 'string' ? language.values.adx_name : null,
      languagecode: text('adx_languagecode'),
      lcid: text('adx_lcid') === null ? null : Number(text('adx_lcid')),
      displayname: text('adx_displayname'),
      content: JSON.stringify(content),
    };
    if (exists) await this.dv.update('powerpagesitelanguages', language.id, body, this.signal);
    else
      await this.dv.action(
        'powerpagesitelanguages',
        { powerpagesitelanguageid: language.id, ...body, 'powerpagesiteid@odata.bind': `/powerpagesites(${site.id})` },
        { signal: this.signal },
      );
  }

  /** The JSON content of a record: every column but the id, the name and the state, typed by the mspp_ table's metadata. */
  private async content(record: SiteRecord): Promise<Record<string, unknown>> {
    const table = siteTable(record.table);
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(record.values).sort()) {
      const value = record.values[key];
      if (value === null || value === undefined || key === idColumn(table.name) || key === table.primaryName || STATE_COLUMNS.includes(key))
        continue;
      out[unprefixed(table, key)] = toServiceValue(value, await this.typeOf(record.table, key), { multiSelectAsList: true });
    }
    return out;
  }

  private async typeOf(table: string, column: string): Promise<string | undefined> {
    if (!column.startsWith('adx_')) return column === 'isdocument' ? 'Boolean' : NOTE_COLUMNS.includes(column) ? 'String' : undefined;
    const mspp = `mspp_${table.replace(/^adx_/, '')}`;
    let entry = this.metadata.get(mspp);
    if (!entry) {
      entry = tableMetadata(this.dv, mspp, this.signal, { dates: false }).catch(() => undefined);
      this.metadata.set(mspp, entry);
    }
    return (await entry)?.columns.get(`mspp_${column.replace(/^adx_/, '')}`)?.type;
  }
}

/** Whether two web files hold the same bytes; an empty file is a file too. */
const sameFile = (a: Buffer | undefined, b: Buffer | undefined) => (a === undefined || b === undefined ? a === b : a.equals(b));

function parseContent(content: string | null, what: string): Record<string, unknown> {
  if (!content) return {};
  try {
    const parsed = JSON.parse(content) as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new Error(`The content of ${what} is not a JSON object, so the site cannot be read.`);
}

/** The portal language a site language names: kept in its content, else made from its columns. */
function portalRecord(row: LanguageRow, stored: unknown, language: SiteRecord): SiteRecord {
  const values: Record<string, FieldText> = {};
  if (stored && typeof stored === 'object') {
    for (const [key, value] of Object.entries(stored)) if (value !== null) values[prefixed(key)] = toFolderText(value, undefined);
  } else {
    Object.assign(values, {
      adx_displayname: row.displayname,
      adx_languagecode: row.languagecode,
      adx_lcid: row.lcid === null ? null : String(row.lcid),
      adx_name: row.name,
      adx_systemlanguage: row.lcid === null ? null : String(row.lcid),
    });
  }
  const id = String(values.adx_portallanguageid ?? language.values.adx_portallanguageid ?? row.powerpagesitelanguageid).toLowerCase();
  values.adx_portallanguageid = id;
  return { table: 'adx_portallanguage', id, values };
}
