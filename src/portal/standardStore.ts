import { tableMetadata, type TableMetadata } from '../data/tableMetadata';
import type { DataverseClient } from '../platform/dataverse';
import { PlatformError } from '../platform/errors';
import { sameValue, toFolderText, toServiceValue } from './columnValues';
import type { FieldText, SiteRecord } from './siteRecord';
import { allRows, findSiteRow, siteNames, inFilters, type IsPending, type SiteRef, type SiteStore } from './siteStore';
import { idColumn, NOTE_COLUMNS, SITE_TABLES, siteTable, type SiteTable } from './siteTables';

/** Columns every row has that are about the row, not the site: pac leaves them out, and so do we. */
const SYSTEM_COLUMNS = new Set([
  'createdon',
  'createdby',
  'createdonbehalfby',
  'modifiedon',
  'modifiedby',
  'modifiedonbehalfby',
  'ownerid',
  'owningbusinessunit',
  'owninguser',
  'owningteam',
  'organizationid',
  'versionnumber',
  'utcconversiontimezonecode',
  'overriddencreatedon',
  'adx_websiteid',
  'solutionid',
  'supportingsolutionid',
  'componentstate',
  'overwritetime',
  'ismanaged',
  'iscustomizable',
  'componentidunique',
  'documentbody',
  'filesize',
]);

const NOTE_SELECT = 'annotationid,filename,mimetype,isdocument,subject,notetext,objecttypecode,_objectid_value,documentbody';

interface Diff {
  columns: string[];
  note: boolean;
  links: Record<string, { add: string[]; remove: string[] }>;
}

/** The standard data model: one adx_ table per kind of record, a web file's bytes in a note attached to it. */
export class StandardStore implements SiteStore {
  readonly model = 'standard' as const;
  private readonly metadata = new Map<string, Promise<TableMetadata | undefined>>();

  constructor(
    private readonly dv: DataverseClient,
    private readonly signal: AbortSignal,
  ) {}

  find(ref: string): Promise<SiteRef | undefined> {
    return findSiteRow(this.dv, 'adx_websites', 'adx_websiteid', 'adx_name', ref, this.signal);
  }

  names(): Promise<string[]> {
    return siteNames(this.dv, 'adx_websites', 'adx_name', this.signal);
  }

  /** A table's metadata, or undefined when the environment has no such table (an older portal solution). */
  private meta(table: string): Promise<TableMetadata | undefined> {
    let entry = this.metadata.get(table);
    if (!entry) {
      entry = tableMetadata(this.dv, table, this.signal, { dates: false }).catch((error: unknown) => {
        if (error instanceof PlatformError && error.status === 404) return undefined;
        if (error instanceof Error && /No table/.test(error.message)) return undefined;
        throw error;
      });
      this.metadata.set(table, entry);
    }
    return entry;
  }

  private async typeOf(table: string, column: string): Promise<string | undefined> {
    return (await this.meta(table))?.columns.get(column)?.type;
  }

  async read(site: SiteRef): Promise<SiteRecord[]> {
    const records: SiteRecord[] = [];
    const ids = (table: string) => records.filter((r) => r.table === table).map((r) => r.id);
    // Portal languages belong to the environment: those the site's languages name, read last.
    for (const table of [...SITE_TABLES.filter((t) => t.name !== 'adx_portallanguage'), siteTable('adx_portallanguage')]) {
      const meta = await this.meta(table.name);
      if (!meta) continue;
      const expand = Object.entries(table.manyToMany ?? {}).map(([relationship, target]) => `${relationship}($select=${idColumn(target)})`);
      const query = (filter: string) => `${meta.entitySet}?$filter=${filter}${expand.length ? `&$expand=${expand.join(',')}` : ''}`;
      for (const filter of this.scopeFilters(table, site, records, ids)) {
        for (const row of await allRows<Record<string, unknown>>(this.dv, query(filter), this.signal))
          records.push(await this.toRecord(table, row));
      }
    }
    await this.readNotes(records.filter((r) => r.table === 'adx_webfile'));
    return records;
  }

  /** The filters that find a table's rows of the site: its own, its parents' children, the languages its languages name. */
  private scopeFilters(table: SiteTable, site: SiteRef, records: SiteRecord[], ids: (table: string) => string[]): string[] {
    if (table.name === 'adx_website') return [`adx_websiteid eq ${site.id}`];
    if (table.name === 'adx_portallanguage') {
      const named = records.filter((r) => r.table === 'adx_websitelanguage').map((r) => r.values.adx_portallanguageid);
      return inFilters('adx_portallanguageid', [...new Set(named.filter((v): v is string => typeof v === 'string'))]);
    }
    if (table.scope === 'site') return [`_adx_websiteid_value eq ${site.id}`];
    if (typeof table.scope === 'object') return inFilters(table.scope.column, ids(table.scope.parent));
    return [];
  }

  private async toRecord(table: SiteTable, row: Record<string, unknown>): Promise<SiteRecord> {
    const values: Record<string, FieldText> = {};
    for (const [key, value] of Object.entries(row)) {
      if (key.includes('@') || value === null || (typeof value === 'object' && !Array.isArray(value))) continue;
      const column = /^_(.+)_value$/.exec(key)?.[1] ?? key;
      if ((SYSTEM_COLUMNS.has(column) && column !== idColumn(table.name)) || table.manyToMany?.[column] || Array.isArray(value)) continue;
      values[column] = toFolderText(value, await this.typeOf(table.name, column));
    }
    for (const [relationship, target] of Object.entries(table.manyToMany ?? {})) {
      const related = row[relationship];
      const linked = Array.isArray(related)
        ? related.map((r) => String((r as Record<string, unknown>)[idColumn(target)]).toLowerCase()).sort()
        : [];
      if (linked.length) values[relationship] = linked;
    }
    if (values.statecode === '0') {
      delete values.statecode;
      delete values.statuscode;
    }
    const id = String(row[idColumn(table.name)]).toLowerCase();
    values[idColumn(table.name)] = id;
    return { table: table.name, id, values };
  }

  /** Each web file's note: its columns join the web file's, its document is the file. */
  private async readNotes(files: SiteRecord[]): Promise<void> {
    const byId = new Map(files.map((f) => [f.id, f]));
    for (const filter of inFilters('objectid', [...byId.keys()])) {
      for (const note of await allRows<Record<string, unknown>>(
        this.dv,
        `annotations?$select=${NOTE_SELECT}&$filter=${filter}`,
        this.signal,
      )) {
        const file = byId.get(String(note._objectid_value).toLowerCase());
        if (!file || file.values.annotationid) continue;
        for (const column of NOTE_COLUMNS) {
          const value = column === 'objectid' ? note._objectid_value : note[column];
          if (value !== null && value !== undefined) file.values[column] = toFolderText(value, undefined);
        }
        if (typeof note.documentbody === 'string') file.file = Buffer.from(note.documentbody, 'base64');
      }
    }
  }

  async differs(local: SiteRecord, remote: SiteRecord): Promise<boolean> {
    // Portal languages belong to the environment: created when missing, never changed by a site's upload.
    if (local.table === 'adx_portallanguage') return false;
    const diff = await this.diff(local, remote);
    return diff.columns.length > 0 || diff.note || Object.values(diff.links).some((l) => l.add.length || l.remove.length);
  }

  private async diff(local: SiteRecord, remote: SiteRecord | undefined): Promise<Diff> {
    const table = siteTable(local.table);
    const own = (key: string) =>
      key !== idColumn(table.name) && !table.manyToMany?.[key] && !(local.table === 'adx_webfile' && NOTE_COLUMNS.includes(key));
    const keys = [...new Set([...Object.keys(local.values), ...Object.keys(remote?.values ?? {})])].filter(own);
    const columns: string[] = [];
    for (const key of keys) if (!sameValue(local.values[key], remote?.values[key], await this.typeOf(table.name, key))) columns.push(key);
    // A note's column or a web file's bytes that the folder leaves out are left as they are.
    const note =
      local.table === 'adx_webfile' &&
      (NOTE_COLUMNS.some(
        (c) => c !== 'annotationid' && local.values[c] !== undefined && !sameValue(local.values[c], remote?.values[c], undefined),
      ) ||
        (local.file !== undefined && !local.file.equals(remote?.file ?? Buffer.alloc(0))) ||
        (local.file !== undefined && remote?.file === undefined));
    const links: Diff['links'] = {};
    for (const relationship of Object.keys(table.manyToMany ?? {})) {
      const want = new Set(list(local.values[relationship]));
      const have = new Set(list(remote?.values[relationship]));
      links[relationship] = { add: [...want].filter((id) => !have.has(id)), remove: [...have].filter((id) => !want.has(id)) };
    }
    return { columns, note: Boolean(note), links };
  }

  async write(site: SiteRef, local: SiteRecord, remote: SiteRecord | undefined, pending: IsPending): Promise<string[]> {
    const table = siteTable(local.table);
    const meta = await this.requireMeta(table.name);
    if (table.name === 'adx_portallanguage' && !remote && (await this.exists(meta.entitySet, table.name, local.id))) return [];
    const diff = await this.diff(local, remote);
    const { body, deferred } = await this.body(local, diff.columns, pending, !remote);
    if (!remote) {
      if (table.scope === 'site') body[`${await this.navigation(table.name, 'adx_websiteid')}@odata.bind`] = `/adx_websites(${site.id})`;
      await this.dv.action(meta.entitySet, { [idColumn(table.name)]: local.id, ...body }, { signal: this.signal });
    } else if (Object.keys(body).length) {
      await this.dv.update(meta.entitySet, local.id, body, this.signal);
    }
    if (diff.note) await this.writeNote(local, remote);
    for (const [relationship, change] of Object.entries(diff.links)) {
      const target = table.manyToMany![relationship]!;
      if (change.add.some((id) => pending(target, id))) deferred.push(relationship);
      else await this.link(meta.entitySet, local.id, relationship, target, change.add);
      for (const id of change.remove) await this.dv.delete(`${meta.entitySet}(${local.id})/${relationship}(${id})/$ref`, this.signal);
    }
    return deferred;
  }

  async complete(_site: SiteRef, local: SiteRecord, remote: SiteRecord | undefined, columns: string[]): Promise<void> {
    const table = siteTable(local.table);
    const meta = await this.requireMeta(table.name);
    const lookups = columns.filter((c) => !table.manyToMany?.[c]);
    if (lookups.length)
      await this.dv.update(meta.entitySet, local.id, (await this.body(local, lookups, () => false, false)).body, this.signal);
    for (const relationship of columns.filter((c) => table.manyToMany?.[c])) {
      const have = new Set(list(remote?.values[relationship]));
      await this.link(
        meta.entitySet,
        local.id,
        relationship,
        table.manyToMany![relationship]!,
        list(local.values[relationship]).filter((id) => !have.has(id)),
      );
    }
  }

  async remove(_site: SiteRef, record: SiteRecord): Promise<void> {
    const meta = await this.requireMeta(record.table);
    await this.dv.delete(`${meta.entitySet}(${record.id})`, this.signal).catch((error: unknown) => {
      if (!(error instanceof PlatformError && error.status === 404)) throw error;
    });
  }

  /**
   * The request body for these columns: values by type, lookups bound by navigation property;
   * lookups to records still pending are left for later.
   */
  private async body(
    local: SiteRecord,
    columns: string[],
    pending: IsPending,
    create: boolean,
  ): Promise<{ body: Record<string, unknown>; deferred: string[] }> {
    const meta = await this.requireMeta(local.table);
    const body: Record<string, unknown> = {};
    const deferred: string[] = [];
    for (const column of columns) {
      const value = local.values[column] ?? null;
      const lookup = meta.lookups.get(column);
      if (!lookup) {
        if (create && value === null) continue;
        body[column] = toServiceValue(
          value ?? (column === 'statecode' ? '0' : column === 'statuscode' ? '1' : null),
          await this.typeOf(local.table, column),
        );
        continue;
      }
      if (value === null || Array.isArray(value)) {
        if (!create) body[`${lookup[0]!.navigation}@odata.bind`] = null;
        continue;
      }
      const target = lookup.find((l) => SITE_TABLES.some((t) => t.name === l.target)) ?? lookup[0]!;
      if (pending(target.target, value.toLowerCase())) {
        deferred.push(column);
        continue;
      }
      body[`${target.navigation}@odata.bind`] = `/${(await this.requireMeta(target.target)).entitySet}(${value})`;
    }
    return { body, deferred };
  }

  private async writeNote(local: SiteRecord, remote: SiteRecord | undefined): Promise<void> {
    const note: Record<string, unknown> = {};
    for (const column of ['filename', 'mimetype', 'isdocument', 'subject', 'notetext']) {
      if (local.values[column] !== undefined)
        note[column] = toServiceValue(local.values[column], column === 'isdocument' ? 'Boolean' : 'String');
    }
    if (local.file) note.documentbody = local.file.toString('base64');
    const existing = typeof remote?.values.annotationid === 'string' ? remote.values.annotationid : undefined;
    // A web file added by hand may name no file: its new note takes the web file's name.
    if (!existing) note.filename ??= typeof local.values.adx_name === 'string' ? local.values.adx_name : local.id;
    if (existing) {
      await this.dv.update('annotations', existing, note, this.signal);
      return;
    }
    const id = typeof local.values.annotationid === 'string' ? { annotationid: local.values.annotationid } : {};
    await this.dv.action(
      'annotations',
      { ...id, ...note, 'objectid_adx_webfile@odata.bind': `/adx_webfiles(${local.id})` },
      { signal: this.signal },
    );
  }

  private async link(entitySet: string, id: string, relationship: string, target: string, ids: string[]): Promise<void> {
    const targetSet = (await this.requireMeta(target)).entitySet;
    for (const related of ids) {
      await this.dv.action(
        `${entitySet}(${id})/${relationship}/$ref`,
        { '@odata.id': this.dv.url(`${targetSet}(${related})`) },
        { signal: this.signal, idempotent: true },
      );
    }
  }

  private async navigation(table: string, column: string): Promise<string> {
    return (await this.requireMeta(table)).lookups.get(column)?.[0]?.navigation ?? column;
  }

  private async exists(entitySet: string, table: string, id: string): Promise<boolean> {
    try {
      await this.dv.get(`${entitySet}(${id})?$select=${idColumn(table)}`, this.signal);
      return true;
    } catch (error) {
      if (error instanceof PlatformError && error.status === 404) return false;
      throw error;
    }
  }

  private async requireMeta(table: string): Promise<TableMetadata> {
    const meta = await this.meta(table);
    if (!meta)
      throw new Error(`This environment has no ${table} table, so its records cannot be uploaded to a site on the standard data model.`);
    return meta;
  }
}

const list = (value: FieldText | undefined): string[] => (Array.isArray(value) ? value.map((v) => v.toLowerCase()) : []);
