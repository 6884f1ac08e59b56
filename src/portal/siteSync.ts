import { PlatformError } from '../platform/errors';
import type { SiteRecord } from './siteRecord';
import { eachLimited, type SiteRef, type SiteStore } from './siteStore';
import { SITE_TABLES } from './siteTables';

/** An upload that stopped at one record: which, why, and how far it had got. */
export class UploadStoppedError extends Error {}

export interface SyncResult {
  created: SiteRecord[];
  changed: SiteRecord[];
  deleted: SiteRecord[];
  unchanged: number;
}

/** Tables an upload never writes: a site's bindings belong to the environment it runs in. */
const NOT_UPLOADED = new Set(['adx_websitebinding']);

/**
 * Makes the environment's site say what the folder says: records missing there are created, records
 * that differ are written (only what differs), `deletions` are deleted. Tables go in dependency
 * order, a few records at a time; lookups and links to records not created yet are written last.
 */
export async function syncSite(
  store: SiteStore,
  site: SiteRef,
  local: SiteRecord[],
  remote: SiteRecord[],
  deletions: SiteRecord[],
  progress: (done: number, total: number) => Promise<void> = () => Promise.resolve(),
): Promise<SyncResult> {
  const key = (r: { table: string; id: string }) => `${r.table}:${r.id}`;
  const remoteById = new Map(remote.map((r) => [key(r), r]));
  const pendingIds = new Set(local.filter((r) => !remoteById.has(key(r))).map(key));
  const pending = (table: string, id: string) => pendingIds.has(`${table}:${id}`);
  const result: SyncResult = { created: [], changed: [], deleted: [], unchanged: 0 };
  const later: Array<{ record: SiteRecord; remote?: SiteRecord; columns: string[] }> = [];
  let done = 0;
  for (const table of SITE_TABLES) {
    if (NOT_UPLOADED.has(table.name)) continue;
    await eachLimited(
      local.filter((r) => r.table === table.name),
      6,
      async (record) => {
        const current = remoteById.get(key(record));
        if (current && !(await store.differs(record, current))) result.unchanged++;
        else {
          const columns = await stopped(record, result, () => store.write(site, record, current, pending));
          pendingIds.delete(key(record));
          (current ? result.changed : result.created).push(record);
          if (columns.length) later.push({ record, remote: current, columns });
        }
        await progress(++done, local.length);
      },
    );
  }
  for (const { record, remote: current, columns } of later)
    await stopped(record, result, () => store.complete(site, record, current, columns));
  const order = SITE_TABLES.map((t) => t.name).reverse();
  for (const record of [...deletions].sort((a, b) => order.indexOf(a.table) - order.indexOf(b.table))) {
    await stopped(record, result, () => store.remove(site, record));
    result.deleted.push(record);
  }
  return result;
}

/** Runs one record's writes; a failure names the record and its file, and says what was written before it. */
async function stopped<T>(record: SiteRecord, result: SyncResult, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const where = `${record.table} ${record.id}${record.source ? ` (${record.source.file})` : ''}`;
    const { created, changed, deleted } = result;
    const before = `${created.length} record(s) were created, ${changed.length} changed and ${deleted.length} deleted before it`;
    const hint = `Fix that record and upload again: the records already written are found and left as they are. ${before}.`;
    if (error instanceof PlatformError)
      throw new PlatformError({
        ...error.toJSON(),
        message: `${where}: ${error.message}`,
        hint: error.hint ? `${error.hint} ${hint}` : hint,
      });
    throw new UploadStoppedError(`${where}: ${(error as Error).message} ${before}; fix that record and upload again.`);
  }
}
