import { randomUUID } from 'node:crypto';
import { parsePacYaml, type YamlRecord } from './pacYaml';
import { fieldsOf, fromCodeSiteKeys } from './recordYaml';
import type { FieldText, SiteRecord } from './siteRecord';
import { idColumn, SITE_TABLES, type SiteTable } from './siteTables';

/** The regular files of a folder (relative paths with /) and a way to read them. */
export interface FolderFiles {
  paths: string[];
  read(path: string): Promise<Buffer>;
}

export interface FolderSite {
  layout: 'aggregate' | 'code';
  records: SiteRecord[];
  /** Records that had no id in the folder: they get one now, written back once created. */
  added: SiteRecord[];
  /** Files that belong to no record (README.md and the like), left alone. */
  ignored: string[];
}

/** A problem with one file of the folder, named by its path. */
export class FolderFormatError extends Error {}

interface RecordFile {
  table: SiteTable;
  list: boolean;
}

/** Which table a YAML file holds, from its name as pac writes it; undefined when it is none of pac's. */
function classify(path: string, layout: 'aggregate' | 'code'): RecordFile | undefined {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const topLevel = !path.includes('/');
  if (layout === 'aggregate') {
    if (path === '.portalconfig/portallanguage.yml') return { table: tableNamed('adx_portallanguage'), list: true };
    if (path === '.portalconfig/websitebinding.yml') return { table: tableNamed('adx_websitebinding'), list: true };
    if (path.startsWith('.portalconfig/')) return undefined;
    if (topLevel && base === 'website.yml') return { table: tableNamed('adx_website'), list: false };
    if (topLevel) {
      const table = SITE_TABLES.find((t) => t.aggregate.kind === 'list' && t.aggregate.file === base);
      return table && { table, list: true };
    }
  } else {
    if (topLevel && base === 'website.yml') return { table: tableNamed('adx_website'), list: false };
    if (path.startsWith('.portalconfig/'))
      return base.endsWith('.portallanguage.yml') ? { table: tableNamed('adx_portallanguage'), list: false } : undefined;
  }
  for (const table of SITE_TABLES) {
    const place = layout === 'aggregate' ? table.aggregate : table.code;
    if (place.kind === 'children' && typeof table.scope === 'object') {
      const parent = tableNamed(table.scope.parent);
      const parentSuffix = suffixOf(parent, layout);
      if (layout === 'aggregate' && base.endsWith(`.${parentSuffix}.${place.suffix}.yml`)) return { table, list: true };
      if (layout === 'code' && base.endsWith(`.${place.suffix}.yml`)) return { table, list: false };
    }
  }
  const table = SITE_TABLES.find((t) => {
    const suffix = suffixOf(t, layout);
    return suffix && base.endsWith(`.${suffix}.yml`);
  });
  return table && { table, list: false };
}

function suffixOf(table: SiteTable, layout: 'aggregate' | 'code'): string | undefined {
  const place = layout === 'aggregate' ? table.aggregate : table.code;
  return 'suffix' in place ? place.suffix : undefined;
}

const tableNamed = (name: string) => SITE_TABLES.find((t) => t.name === name)!;

/**
 * Reads a site folder as pac writes it: the aggregate layout, or a code site's `.powerpages-site`
 * (then `folder` is that folder). Long texts come from their files beside the YAML, a web file's
 * bytes from the file of its name.
 */
export async function readSiteFolder(folder: FolderFiles, layout: 'aggregate' | 'code'): Promise<FolderSite> {
  const records: SiteRecord[] = [];
  const added: SiteRecord[] = [];
  const used = new Set<string>();
  const present = new Set(folder.paths);
  for (const path of [...folder.paths].sort()) {
    if (!path.endsWith('.yml')) continue;
    const kind = classify(path, layout);
    if (!kind) continue;
    used.add(path);
    let parsed: ReturnType<typeof parsePacYaml>;
    try {
      parsed = parsePacYaml((await folder.read(path)).toString('utf8'));
    } catch (error) {
      throw new FolderFormatError(`${path} is not YAML as pac writes it: ${(error as Error).message}`);
    }
    const items = Array.isArray(parsed) ? parsed : [parsed];
    if (kind.list !== Array.isArray(parsed) && !(kind.list && !items.length)) {
      throw new FolderFormatError(`${path} should hold ${kind.list ? 'a list of records' : 'one record'} for ${kind.table.name}.`);
    }
    for (const [index, yaml] of items.entries()) {
      const record = toRecord(kind.table, yaml, layout, `${path}${kind.list ? ` (item ${index + 1})` : ''}`);
      record.source = { file: path, ...(kind.list ? { index } : {}) };
      if (!kind.list) await attachFiles(record, path, folder, present, used);
      if (!record.id) {
        record.id = randomUUID();
        record.values[idColumn(record.table)] = record.id;
        added.push(record);
      }
      records.push(record);
    }
  }
  const ignored = folder.paths.filter((p) => !used.has(p) && !p.startsWith('.portalconfig/'));
  return { layout, records, added, ignored };
}

function toRecord(table: SiteTable, yaml: YamlRecord, layout: 'aggregate' | 'code', where: string): SiteRecord {
  let values: Record<string, FieldText>;
  try {
    values = layout === 'code' ? fromCodeSiteKeys(table, yaml) : fieldsOf(yaml, where);
  } catch (error) {
    throw new FolderFormatError((error as Error).message);
  }
  const id = values[idColumn(table.name)];
  if (id !== undefined && id !== null && (typeof id !== 'string' || !/^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$/i.test(id))) {
    throw new FolderFormatError(`${where}: ${idColumn(table.name)} must be a GUID, not ${JSON.stringify(id)}.`);
  }
  const lower = typeof id === 'string' ? id.toLowerCase() : '';
  if (lower) values[idColumn(table.name)] = lower;
  return { table: table.name, id: lower, values };
}

/** The long texts beside a record's YAML, and a web file's bytes. */
async function attachFiles(record: SiteRecord, path: string, folder: FolderFiles, present: Set<string>, used: Set<string>): Promise<void> {
  const table = tableNamed(record.table);
  const base = path.slice(0, -'.yml'.length);
  for (const [column, suffix] of Object.entries(table.texts ?? {})) {
    const file = `${base}.${suffix}`;
    if (!present.has(file)) continue;
    record.values[column] = (await folder.read(file)).toString('utf8');
    used.add(file);
  }
  if (record.table === 'adx_webfile') {
    const content = path.slice(0, -'.webfile.yml'.length);
    if (present.has(content)) {
      record.file = await folder.read(content);
      used.add(content);
    }
  }
}
