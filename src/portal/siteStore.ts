import { PlatformError } from '../platform/errors';
import type { DataverseClient } from '../platform/dataverse';
import { GUID, eq, queryPath, rowId } from '../platform/odata';
import type { SiteRecord } from './siteRecord';

export interface SiteRef {
  id: string;
  name: string;
}

/** Whether a record of the folder is still to be created (its id is not in the environment yet). */
export type IsPending = (table: string, id: string) => boolean;

/**
 * One of Power Pages' two data models, seen as the records a site folder holds: the standard one
 * (a table per kind of record, web file bytes in notes) and the enhanced one (site components with
 * JSON content, web file bytes in a file column).
 */
export interface SiteStore {
  readonly model: 'standard' | 'enhanced';
  find(ref: string): Promise<SiteRef | undefined>;
  names(): Promise<string[]>;
  /** Every record of the site that a download holds. */
  read(site: SiteRef): Promise<SiteRecord[]>;
  /** Whether the folder's record says something else than the environment's. */
  differs(local: SiteRecord, remote: SiteRecord): Promise<boolean>;
  /**
   * Creates the record (remote undefined) or writes what differs. Lookups and links to records still
   * pending are left out; their names are returned, to be written by `complete` once all exist.
   */
  write(site: SiteRef, local: SiteRecord, remote: SiteRecord | undefined, pending: IsPending): Promise<string[]>;
  complete(site: SiteRef, local: SiteRecord, remote: SiteRecord | undefined, columns: string[]): Promise<void>;
  remove(site: SiteRef, record: SiteRecord): Promise<void>;
}

export async function allRows<T>(dv: DataverseClient, path: string, signal: AbortSignal): Promise<T[]> {
  const rows: T[] = [];
  for await (const page of dv.pages<T>(path, 'odata.maxpagesize=5000', signal)) rows.push(...page);
  return rows;
}

/** An OData filter for rows whose column is one of the ids, in chunks short enough for a URL. */
export function inFilters(column: string, ids: string[]): string[] {
  const filters: string[] = [];
  for (let i = 0; i < ids.length; i += 50) {
    filters.push(
      `Microsoft.Dynamics.CRM.In(PropertyName='${column}',PropertyValues=[${ids
        .slice(i, i + 50)
        .map((id) => `'${id}'`)
        .join(',')}])`,
    );
  }
  return filters;
}

/** Runs `work` on every item, a few at a time. */
export async function eachLimited<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** The site row of this id or name in a site table (adx_websites, powerpagesites), and the names of all of them. */
export async function findSiteRow(
  dv: DataverseClient,
  set: string,
  id: string,
  name: string,
  ref: string,
  signal: AbortSignal,
): Promise<SiteRef | undefined> {
  const where = [GUID.test(ref) ? eq(id, rowId(ref)) : eq(name, ref)];
  const rows = await rowsUnlessNoTable(dv, queryPath(set, { select: [id, name], where }), signal);
  const site = rows[0];
  return site && { id: site[id]!.toLowerCase(), name: site[name]! };
}

export async function siteNames(dv: DataverseClient, set: string, name: string, signal: AbortSignal): Promise<string[]> {
  return (await rowsUnlessNoTable(dv, `${set}?$select=${name}`, signal)).map((s) => s[name]!);
}

/** An environment without a data model's tables (Power Pages never provisioned there) has no sites of it. */
async function rowsUnlessNoTable(dv: DataverseClient, path: string, signal: AbortSignal): Promise<Array<Record<string, string>>> {
  try {
    return (await dv.get<{ value: Array<Record<string, string>> }>(path, signal)).value;
  } catch (error) {
    if (error instanceof PlatformError && error.status === 404) return [];
    throw error;
  }
}
