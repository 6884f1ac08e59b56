import { aggregateFiles } from './aggregateLayout';
import { codeSiteFiles } from './codeSiteLayout';
import { readSiteFolder, type FolderSite } from './folderRead';
import { deletedInManifest, manifestYaml } from './manifest';
import { parsePacYaml, stringifyPacYaml } from './pacYaml';
import { codeSiteYaml, recordYaml } from './recordYaml';
import { SafeFolder } from './safeFolder';
import { SiteRecords, type SiteRecord } from './siteRecord';

export const CODE_SITE_FOLDER = '.powerpages-site';

/** A site folder on disk: where its records are (the folder, or its .powerpages-site) and how they are laid out. */
export interface OpenedFolder extends FolderSite {
  files: SafeFolder;
  /** Records the download manifests mark as deleted. */
  deleted: Array<{ table: string; id: string }>;
}

/** A folder that is not a site folder pac (or pp_download_portal) wrote. */
export class NotASiteFolderError extends Error {}

/**
 * Opens a folder pac wrote: the aggregate layout (website.yml with adx_ keys at the top), a code
 * site (its .powerpages-site folder, or that folder itself).
 */
export async function openSiteFolder(root: string): Promise<OpenedFolder> {
  const top = await SafeFolder.at(root);
  const paths = await top.files();
  let files = top;
  let layout: 'aggregate' | 'code';
  if (paths.includes('website.yml')) {
    const website = parsePacYaml((await top.read('website.yml')).toString('utf8'));
    layout = !Array.isArray(website) && ('id' in website || !('adx_websiteid' in website || 'adx_name' in website)) ? 'code' : 'aggregate';
  } else if (paths.includes(`${CODE_SITE_FOLDER}/website.yml`)) {
    files = await SafeFolder.at(`${root}/${CODE_SITE_FOLDER}`);
    layout = 'code';
  } else {
    throw new NotASiteFolderError(
      `${root} has no website.yml (nor ${CODE_SITE_FOLDER}/website.yml), so it is not a site folder pac or pp_download_portal wrote.`,
    );
  }
  const folderPaths = files === top ? paths : await files.files();
  const site = await readSiteFolder({ paths: folderPaths, read: (path) => files.read(path) }, layout);
  const deleted: OpenedFolder['deleted'] = [];
  for (const path of folderPaths.filter((p) => /^\.portalconfig\/[^/]+-manifest\.yml$/.test(p)))
    deleted.push(...deletedInManifest((await files.read(path)).toString('utf8'), path));
  return { ...site, files, deleted };
}

/** The files of a download: the aggregate layout with pac's two manifests, or a code site's folder. */
export function downloadFiles(records: SiteRecords, layout: 'aggregate' | 'code', host: string): Map<string, Buffer> {
  if (layout === 'code') return new Map([...codeSiteFiles(records)].map(([path, data]) => [`${CODE_SITE_FOLDER}/${path}`, data]));
  const files = aggregateFiles(records);
  files.set('.portalconfig/manifest.yml', Buffer.from('{}\n'));
  files.set(`.portalconfig/${host}-manifest.yml`, Buffer.from(manifestYaml(records)));
  return files;
}

/** Writes the ids of records that were created into the files they came from, as pac would have written them. */
export async function writeBackIds(opened: OpenedFolder, added: SiteRecord[]): Promise<string[]> {
  const files = [...new Set(added.map((r) => r.source?.file).filter((f): f is string => Boolean(f)))];
  for (const file of files) {
    const records = opened.records.filter((r) => r.source?.file === file).sort((a, b) => (a.source?.index ?? 0) - (b.source?.index ?? 0));
    const yaml = records.map((r) => (opened.layout === 'code' ? codeSiteYaml(r) : recordYaml(r)));
    const list = Array.isArray(parsePacYaml((await opened.files.read(file)).toString('utf8')));
    await opened.files.write(file, Buffer.from(stringifyPacYaml(list ? yaml : yaml[0]!)));
  }
  return files;
}
