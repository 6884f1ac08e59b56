import { childrenOf, childTables, clashAware, isContentPage, putTexts, stepsOf } from './aggregateLayout';
import { fileStem, folderName, PathClaims } from './fileNames';
import { stringifyPacYaml } from './pacYaml';
import { byId, codeSiteYaml, languageCode, nameOf } from './recordYaml';
import type { SiteRecord, SiteRecords } from './siteRecord';
import { SITE_TABLES } from './siteTables';

/**
 * The files of a code site's `.powerpages-site` folder, by path relative to it: one file per record,
 * keys without the adx_ prefix, language folders for content pages, snippets and link sets.
 */
export function codeSiteFiles(records: SiteRecords): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const put = (path: string, data: string | Buffer) => out.set(path, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
  const claims = new PathClaims();
  const putRecord = (record: SiteRecord, stemPath: string, suffix: string) => {
    put(`${stemPath}.${suffix}.yml`, stringifyPacYaml(codeSiteYaml(record)));
    putTexts(record, `${stemPath}.${suffix}`, put);
  };
  const putChildren = (parent: SiteRecord, folder: string) => {
    for (const child of childTables(parent.table)) {
      const suffix = child.code.kind === 'children' ? child.code.suffix : '';
      for (const row of childrenOf(records, child, parent))
        putRecord(row, claims.claim(`${folder}/${fileStem(nameOf(row))}`, row.id, row.id), suffix);
    }
  };

  put('.portalconfig/manifest.yml', '{}\n');
  for (const table of SITE_TABLES) {
    const rows = records.of(table.name).sort(byId);
    const place = table.code;
    if (table.name === 'adx_portallanguage') {
      for (const record of rows)
        put(
          claims.claim(`.portalconfig/${fileStem(nameOf(record))}`, record.id, record.id) + '.portallanguage.yml',
          stringifyPacYaml(codeSiteYaml(record)),
        );
    } else if (place.kind === 'website' && rows.length) {
      put('website.yml', stringifyPacYaml(codeSiteYaml(rows[0]!)));
    } else if (place.kind === 'files' && table.name === 'adx_webfile') {
      const files = clashAware(rows, 'web-files');
      for (const record of rows) {
        const folder = files.claim(`web-files/${folderName(nameOf(record))}`, record.id, record.id);
        put(`${folder}/${fileStem(nameOf(record))}.webfile.yml`, stringifyPacYaml(codeSiteYaml(record)));
        if (record.file) put(`${folder}/${fileStem(nameOf(record))}`, record.file);
      }
    } else if (place.kind === 'files') {
      const files = clashAware(rows, place.folder);
      for (const record of rows)
        putRecord(record, files.claim(`${place.folder}/${fileStem(nameOf(record))}`, record.id, record.id), place.suffix);
    } else if (place.kind === 'folders' && table.name === 'adx_webpage') {
      for (const root of rows.filter((r) => !isContentPage(records, r))) {
        const stem = fileStem(nameOf(root));
        const folder = claims.claim(`${place.folder}/${folderName(nameOf(root))}`, root.id, root.id);
        putRecord(root, `${folder}/${stem}`, place.suffix);
        for (const page of rows.filter((r) => r.values.adx_rootwebpageid === root.id)) {
          const lang = languageCode(records, page.values.adx_webpagelanguageid) ?? 'default';
          putRecord(page, claims.claim(`${folder}/content-pages/${lang}/${stem}`, page.id, page.id), place.suffix);
        }
      }
    } else if (place.kind === 'folders') {
      for (const record of rows) {
        const name = nameOf(record);
        const folder = claims.claim(`${place.folder}/${folderName(name)}`, `name:${name.toLowerCase()}`, record.id);
        const lang = table.language ? languageCode(records, record.values[table.language]) : undefined;
        const recordFolder = lang ? `${folder}/${lang}` : folder;
        putRecord(record, claims.claim(`${recordFolder}/${fileStem(name)}`, record.id, record.id), place.suffix);
        putChildren(record, recordFolder);
        for (const step of stepsOf(records, record)) {
          const stepFolder = claims.claim(`${folder}/advanced-form-steps/${folderName(nameOf(step))}`, step.id, step.id);
          putRecord(step, `${stepFolder}/${fileStem(nameOf(step))}`, 'advancedformstep');
          putChildren(step, stepFolder);
        }
      }
    }
  }
  return out;
}
