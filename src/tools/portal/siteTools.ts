import type { DataverseClient } from '../../platform/dataverse';
import { EnhancedStore } from '../../portal/enhancedStore';
import { FolderFormatError } from '../../portal/folderRead';
import { nameOf } from '../../portal/recordYaml';
import { UnsafePathError } from '../../portal/safeFolder';
import { NotASiteFolderError } from '../../portal/siteFolderFiles';
import type { SiteRecord } from '../../portal/siteRecord';
import type { SiteRef, SiteStore } from '../../portal/siteStore';
import { StandardStore } from '../../portal/standardStore';
import { ToolError } from '../errors';

/** The site and the store of its data model: the enhanced model is tried first, as new sites use it. */
export async function findSite(
  dv: DataverseClient,
  ref: string,
  signal: AbortSignal,
): Promise<{ site?: SiteRef; store: SiteStore; stores: SiteStore[] }> {
  const stores = [new EnhancedStore(dv, signal), new StandardStore(dv, signal)];
  for (const store of stores) {
    const site = await store.find(ref);
    if (site) return { site, store, stores };
  }
  return { store: stores[0]!, stores };
}

export const label = (record: SiteRecord) => `${record.table.replace(/^adx_/, '')} ${nameOf(record)}`;

/** Folder problems as tool errors: what is wrong with which file, and that nothing happened. */
export function folderError(error: unknown, field: string, nothing: string): never {
  if (error instanceof UnsafePathError || error instanceof FolderFormatError || error instanceof NotASiteFolderError)
    throw new ToolError(`${field}: ${error.message} ${nothing}`);
  const { code, path } = error as NodeJS.ErrnoException;
  const problem = { ENOENT: 'does not exist', ENOTDIR: 'is not a folder', EACCES: 'cannot be read or written (permission denied)' }[
    code ?? ''
  ];
  if (problem)
    throw new ToolError(
      `${field}: ${path ?? 'the folder'} ${problem}. ${nothing}`,
      'Give the folder of a site downloaded by pac or pp_download_portal.',
    );
  throw error;
}
