import { fileStem, folderName, PathClaims } from './fileNames';
import { stringifyPacYaml, type YamlRecord } from './pacYaml';
import { byId, languageCode, nameOf, recordYaml } from './recordYaml';
import { text, type SiteRecord, type SiteRecords } from './siteRecord';
import { SITE_TABLES, type SiteTable } from './siteTables';

/** The files of a site in pac's aggregate layout (`pac pages download`), by path relative to the folder. */
export function aggregateFiles(records: SiteRecords): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const put = (path: string, data: string | Buffer) => out.set(path, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
  const claims = new PathClaims();
  const putRecord = (record: SiteRecord, stemPath: string, suffix: string) => {
    put(`${stemPath}.${suffix}.yml`, stringifyPacYaml(recordYaml(record)));
    putTexts(record, `${stemPath}.${suffix}`, put);
  };
  const putChildren = (parent: SiteRecord, stemPath: string, suffix: string) => {
    for (const child of childTables(parent.table)) {
      const rows = childrenOf(records, child, parent);
      if (rows.length) put(`${stemPath}.${suffix}.${childSuffix(child)}.yml`, stringifyPacYaml(rows.map(recordYaml)));
    }
  };

  for (const table of SITE_TABLES) {
    const rows = records.of(table.name).sort(byId);
    if (!rows.length) continue;
    const place = table.aggregate;
    if (table.name === 'adx_portallanguage' || table.name === 'adx_websitebinding') {
      put(`.portalconfig/${table.name.slice(4)}.yml`, stringifyPacYaml(rows.map(recordYaml)));
    } else if (place.kind === 'website') {
      put('website.yml', stringifyPacYaml(recordYaml(rows[0]!)));
    } else if (place.kind === 'list') {
      put(place.file, stringifyPacYaml(rows.map(recordYaml)));
    } else if (place.kind === 'files' && table.name === 'adx_webfile') {
      const files = clashAware(rows, place.folder);
      for (const record of rows) {
        const path = files.claim(`${place.folder}/${fileStem(nameOf(record))}`, record.id, record.id, true);
        put(`${path}.webfile.yml`, stringifyPacYaml(recordYaml(record)));
        if (record.file) put(path, record.file);
      }
    } else if (place.kind === 'files') {
      const files = clashAware(rows, place.folder);
      for (const record of rows)
        putRecord(record, files.claim(`${place.folder}/${fileStem(nameOf(record))}`, record.id, record.id), place.suffix);
    } else if (place.kind === 'folders' && table.name === 'adx_webpage') {
      const roots = rows.filter((r) => !isContentPage(records, r));
      for (const root of roots) {
        const stem = fileStem(nameOf(root));
        const folder = claims.claim(`${place.folder}/${folderName(nameOf(root))}`, root.id, root.id);
        putRecord(root, claims.claim(`${folder}/${stem}`, root.id, root.id), place.suffix);
        for (const page of rows.filter((r) => r.values.adx_rootwebpageid === root.id)) {
          const lang = languageCode(records, page.values.adx_webpagelanguageid);
          putRecord(page, claims.claim(`${folder}/content-pages/${stem}${lang ? `.${lang}` : ''}`, page.id, page.id), place.suffix);
        }
      }
    } else if (place.kind === 'folders') {
      for (const record of rows) {
        const name = nameOf(record);
        const folder = claims.claim(`${place.folder}/${folderName(name)}`, `name:${name.toLowerCase()}`, record.id);
        const lang = table.language ? languageCode(records, record.values[table.language]) : undefined;
        const stemPath = claims.claim(`${folder}/${fileStem(name)}${lang ? `.${lang}` : ''}`, record.id, record.id);
        putRecord(record, stemPath, place.suffix);
        putChildren(record, stemPath, place.suffix);
        for (const step of stepsOf(records, record)) {
          const stepName = nameOf(step);
          const stepFolder = claims.claim(`${folder}/advanced-form-steps/${folderName(stepName)}`, step.id, step.id);
          const stepStem = claims.claim(`${stepFolder}/${fileStem(stepName)}`, step.id, step.id);
          putRecord(step, stepStem, 'advancedformstep');
          putChildren(step, stepStem, 'advancedformstep');
        }
      }
    }
  }
  return out;
}

/** Claims for the records of one folder, where every record of a name clash gets a suffix, as pac does. */
export function clashAware(rows: SiteRecord[], folder: string): PathClaims {
  return new PathClaims(PathClaims.clashes(rows.map((r) => `${folder}/${fileStem(nameOf(r))}`)));
}

/** A content page is one language's copy of a root page. */
export function isContentPage(records: SiteRecords, page: SiteRecord): boolean {
  return Boolean(records.get('adx_webpage', text(page.values.adx_rootwebpageid)));
}

export function putTexts(record: SiteRecord, base: string, put: (path: string, data: string) => void): void {
  for (const [column, suffix] of Object.entries(tableOf(record).texts ?? {})) {
    const value = record.values[column];
    if (typeof value === 'string') put(`${base}.${suffix}`, value);
  }
}

const tableOf = (record: SiteRecord) => SITE_TABLES.find((t) => t.name === record.table)!;

export function childTables(parent: string): SiteTable[] {
  return SITE_TABLES.filter((t) => typeof t.scope === 'object' && t.scope.parent === parent && t.aggregate.kind === 'children');
}

export function childSuffix(table: SiteTable): string {
  return table.aggregate.kind === 'children' ? table.aggregate.suffix : '';
}

export function childrenOf(records: SiteRecords, child: SiteTable, parent: SiteRecord): SiteRecord[] {
  const column = typeof child.scope === 'object' ? child.scope.column : '';
  return records
    .of(child.name)
    .filter((r) => r.values[column] === parent.id)
    .sort(byId);
}

export function stepsOf(records: SiteRecords, form: SiteRecord): SiteRecord[] {
  return form.table === 'adx_webform'
    ? records
        .of('adx_webformstep')
        .filter((s) => s.values.adx_webform === form.id)
        .sort(byId)
    : [];
}

export type { YamlRecord };
