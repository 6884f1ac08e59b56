import type { FetchQuery } from './fetchXml';
import { annotationAsked, type SandboxRequest } from './http';

/**
 * One page of a FetchXML query's rows and its annotations, as the Web API pages them: by page number,
 * or after the last row of the page before when the query carries that page's paging cookie. The
 * annotations come only to a caller whose Prefer asks for them.
 */
export function fetchPage<T extends Record<string, unknown>>(
  rows: T[],
  fetch: FetchQuery,
  key: string,
  request: SandboxRequest,
  simplePagingLimit: number,
): { page: T[]; annotations: Record<string, unknown> } | { refused: string } {
  let start = (fetch.page - 1) * fetch.count;
  let cookieUsed = false;
  if (fetch.pagingCookie) {
    // The sandbox's own cookie: <cookie page="n"><key last="{id}" first="{id}" /></cookie>.
    const cookie = new RegExp(`^<cookie page="(\\d+)"><${key} last="\\{([0-9A-F-]{36})\\}" first="\\{[0-9A-F-]{36}\\}" /></cookie>$`).exec(
      fetch.pagingCookie,
    );
    if (!cookie) return { refused: 'The paging cookie is not valid.' };
    // As the service does, a cookie from any page but the one before is ignored.
    if (Number(cookie[1]) === fetch.page - 1) {
      const last = cookie[2]!.toLowerCase();
      const after = rows.findIndex((row) => String(row[key]).toLowerCase() === last);
      if (after >= 0) {
        start = after + 1;
        cookieUsed = true;
      }
    }
  }
  if (!cookieUsed && fetch.page > 1 && start + fetch.count > simplePagingLimit)
    return { refused: 'Paging cookie is required when trying to retrieve a set of records on any high pages.' };
  const page = rows.slice(start, start + fetch.count);
  const more = start + fetch.count < rows.length;
  const annotations: Record<string, unknown> = {};
  if (annotationAsked(request, 'Microsoft.Dynamics.CRM.morerecords')) annotations['@Microsoft.Dynamics.CRM.morerecords'] = more;
  // Queries ordered by a linked table's column get no cookie ("Page results using FetchXml"): simple paging alone.
  if (more && page.length && !fetch.orderedByLink && annotationAsked(request, 'Microsoft.Dynamics.CRM.fetchxmlpagingcookie')) {
    const id = (row: T) => `{${String(row[key]).toUpperCase()}}`;
    const cookie = `<cookie page="${fetch.page}"><${key} last="${id(page[page.length - 1]!)}" first="${id(page[0]!)}" /></cookie>`;
    const encoded = encodeURIComponent(encodeURIComponent(cookie));
    annotations['@Microsoft.Dynamics.CRM.fetchxmlpagingcookie'] =
      `<cookie pagenumber="${fetch.page + 1}" pagingcookie="${encoded}" istracking="False" />`;
  }
  return { page, annotations };
}
