import type { FetchQuery } from './fetchXml';
import { annotationAsked, type SandboxRequest } from './http';

/** Simple paging (page and count alone) cannot go past this many records: Dataverse asks for a paging cookie. */
export const SIMPLE_PAGING_LIMIT = 50_000;

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
): { page: T[]; annotations: Record<string, unknown> } | { refused: string } {
  let start = (fetch.page - 1) * fetch.count;
  if (fetch.pagingCookie) {
    // The sandbox's own cookie: <cookie page="n"><key last="{id}" first="{id}" /></cookie>.
    const last = new RegExp(`<${key} [^>]*last="\\{?([0-9a-fA-F-]{36})\\}?"`).exec(fetch.pagingCookie)?.[1]?.toLowerCase();
    const after = last === undefined ? -1 : rows.findIndex((row) => String(row[key]).toLowerCase() === last);
    if (after >= 0) start = after + 1;
  } else if (start + fetch.count > SIMPLE_PAGING_LIMIT && fetch.page > 1) {
    return {
      refused: `Paging by page number alone cannot return more than ${SIMPLE_PAGING_LIMIT} records; use the paging cookie of the page before.`,
    };
  }
  const page = rows.slice(start, start + fetch.count);
  const more = start + fetch.count < rows.length;
  const annotations: Record<string, unknown> = {};
  if (annotationAsked(request, 'Microsoft.Dynamics.CRM.morerecords')) annotations['@Microsoft.Dynamics.CRM.morerecords'] = more;
  if (more && page.length && annotationAsked(request, 'Microsoft.Dynamics.CRM.fetchxmlpagingcookie')) {
    const id = (row: T) => `{${String(row[key]).toUpperCase()}}`;
    const cookie = `<cookie page="${fetch.page}"><${key} last="${id(page[page.length - 1]!)}" first="${id(page[0]!)}" /></cookie>`;
    const encoded = encodeURIComponent(encodeURIComponent(cookie));
    annotations['@Microsoft.Dynamics.CRM.fetchxmlpagingcookie'] =
      `<cookie pagenumber="${fetch.page + 1}" pagingcookie="${encoded}" istracking="False" />`;
  }
  return { page, annotations };
}
