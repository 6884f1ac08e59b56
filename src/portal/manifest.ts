import { createHash } from 'node:crypto';
import { parsePacYaml, stringifyPacYaml, type YamlRecord } from './pacYaml';
import { recordYaml } from './recordYaml';
import type { SiteRecord, SiteRecords } from './siteRecord';
import { siteTable } from './siteTables';

interface Entry {
  RecordId: string;
  DisplayName: string;
  CheckSum: string;
  IsDeleted: string;
}

/**
 * pac's download manifest (`.portalconfig/<org host>-manifest.yml`): per table, each record's id,
 * name, checksum and deletion flag; many-to-many links and web file notes as tables of their own.
 * The checksum is a SHA-256 of the record as the folder holds it (pac's own is a SHA-256 of its
 * own making, which the downloads do not show how to compute).
 */
export function manifestYaml(records: SiteRecords): string {
  const tables = new Map<string, Entry[]>();
  const add = (table: string, entry: Omit<Entry, 'IsDeleted'>) =>
    (tables.get(table) ?? tables.set(table, []).get(table)!).push({ ...entry, IsDeleted: 'false' });
  for (const record of records.all) {
    const table = siteTable(record.table);
    const name = record.values[table.primaryName];
    add(record.table, {
      RecordId: record.id,
      DisplayName: typeof name === 'string' && name ? name : record.id,
      CheckSum: checksum(record),
    });
    // pac lists one link per record and relationship: the first related id.
    for (const [relationship, target] of Object.entries(table.manyToMany ?? {})) {
      const related = record.values[relationship];
      const first = Array.isArray(related) ? [...related].sort()[0] : undefined;
      if (!first) continue;
      const displayName = `$RELATIONSHIP$${record.table}:${record.id}:${target}`;
      add(relationship, {
        RecordId: first,
        DisplayName: displayName,
        CheckSum: sha256(`${displayName}:${(related as string[]).join(',')}`),
      });
    }
    const note = record.values.annotationid;
    if (record.table === 'adx_webfile' && typeof note === 'string') {
      const fileName = record.values.filename;
      add('annotation', {
        RecordId: note,
        DisplayName: typeof fileName === 'string' ? fileName : note,
        CheckSum: sha256(record.file ?? Buffer.alloc(0)),
      });
    }
  }
  const doc: YamlRecord = {};
  for (const name of [...tables.keys()].sort((a, b) => a.localeCompare(b, 'en'))) {
    doc[name] = tables
      .get(name)!
      .sort((a, b) => (a.RecordId < b.RecordId ? -1 : a.RecordId > b.RecordId ? 1 : 0))
      .map((e) => ({ ...e }));
  }
  return stringifyPacYaml(doc);
}

function checksum(record: SiteRecord): string {
  const hash = createHash('sha256').update(stringifyPacYaml(recordYaml(record)));
  for (const column of Object.keys(siteTable(record.table).texts ?? {})) hash.update(`\0${String(record.values[column] ?? '')}`);
  if (record.file) hash.update(record.file);
  return hash.digest('hex');
}

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/** The records a download manifest marks as deleted (IsDeleted: true), by table. */
export function deletedInManifest(text: string, file: string): Array<{ table: string; id: string }> {
  let doc: ReturnType<typeof parsePacYaml>;
  try {
    doc = parsePacYaml(text);
  } catch (error) {
    throw new Error(`${file} is not YAML as pac writes it: ${(error as Error).message}`, { cause: error });
  }
  if (Array.isArray(doc)) throw new Error(`${file} should map table names to their records.`);
  const deleted: Array<{ table: string; id: string }> = [];
  for (const [table, entries] of Object.entries(doc)) {
    for (const entry of Array.isArray(entries) ? entries : []) {
      if (
        typeof entry === 'object' &&
        typeof entry.IsDeleted === 'string' &&
        entry.IsDeleted.toLowerCase() === 'true' &&
        typeof entry.RecordId === 'string'
      )
        deleted.push({ table, id: entry.RecordId.toLowerCase() });
    }
  }
  return deleted;
}
