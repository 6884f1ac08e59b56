/** A column's value as the site folder holds it: text (or null), or a list (many-to-many ids, multi-select choices). */
export type FieldText = string | null | string[];

/** One record of a site, whatever the data model or the folder layout. */
export interface SiteRecord {
  /** The standard-model table (adx_webpage); enhanced-model components are named by it too. */
  table: string;
  /** Lower-case GUID. */
  id: string;
  /** Columns by their adx_ names as the aggregate layout writes them, long texts included, the id included. */
  values: Record<string, FieldText>;
  /** A web file's bytes: the note's document in the standard model, the file column in the enhanced one. */
  file?: Buffer;
  /** Where the record was read from, so a new id can be written back. */
  source?: { file: string; index?: number };
}

/** The records of one site, by table and by id. */
export class SiteRecords {
  readonly byId = new Map<string, SiteRecord>();

  constructor(readonly all: SiteRecord[]) {
    for (const record of all) this.byId.set(`${record.table}:${record.id}`, record);
  }

  of(table: string): SiteRecord[] {
    return this.all.filter((r) => r.table === table);
  }

  get(table: string, id: string | null | undefined): SiteRecord | undefined {
    return id ? this.byId.get(`${table}:${id.toLowerCase()}`) : undefined;
  }
}

export const text = (value: FieldText | undefined): string | undefined => (typeof value === 'string' ? value : undefined);
