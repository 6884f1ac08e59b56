import type { DataverseClient } from '../dataverse';
import { PlatformError } from '../errors';
import { GUID, queryPath, rowId, type TableQuery } from '../odata';

// Reading and linking rows for the typed table methods; the query text itself is written by ../odata.ts.
// The table methods are async throughout, so a value refused there (an id that is not a GUID) rejects
// the returned promise like a service failure instead of throwing past a caller's .catch().

/** The path of a row's collection-valued navigation property's links, to associate a related row. */
export function linkPath(entitySet: string, id: string, navigation: string): string {
  return `${entitySet}(${rowId(id).value})/${navigation}/$ref`;
}

/** The body that names a related row in an association. */
export function rowReference(dv: DataverseClient, entitySet: string, id: string): { '@odata.id': string } {
  return { '@odata.id': dv.url(`${entitySet}(${rowId(id).value})`) };
}

interface Page<T> {
  value: T[];
  '@odata.nextLink'?: string;
}

/** The first row a query answers, or undefined. */
export async function firstRow<T>(dv: DataverseClient, entitySet: string, query: TableQuery, signal?: AbortSignal): Promise<T | undefined> {
  return (await dv.get<Page<T>>(queryPath(entitySet, query), signal)).value[0];
}

/** Every row a query answers, following the service's next-page links. */
export async function allRows<T>(dv: DataverseClient, entitySet: string, query: TableQuery, signal?: AbortSignal): Promise<T[]> {
  let page = await dv.get<Page<T>>(queryPath(entitySet, query), signal);
  const rows = [...page.value];
  while (page['@odata.nextLink']) {
    page = await dv.page<Page<T>>(page['@odata.nextLink'], 'odata.include-annotations="*"', signal);
    rows.push(...page.value);
  }
  return rows;
}

/**
 * The id a start was answered with, checked before a status URL is made of it. The service has taken
 * the work in by then, so an id that is not a GUID makes the outcome unknown (the tracker then looks for
 * the work), never a failure.
 */
export function followableId(id: string, what: string): string {
  if (GUID.test(id)) return id;
  throw new PlatformError({
    service: 'dataverse',
    status: 0,
    code: 'UnfollowableId',
    message: `The service took in the ${what} but answered with an id that is not a GUID (${JSON.stringify(id.slice(0, 60))}), so its status cannot be read.`,
    outcomeUnknown: true,
  });
}
