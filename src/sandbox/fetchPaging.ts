import { parseFetch, type FetchQuery } from './fetchXml';
import { annotationAsked, type Reply, type SandboxRequest } from './http';
import type { DataverseReplies } from './solutions/api';

/** What a FetchXML query asks of one table: the query text, the table and its entity set, its key. */
export interface FetchTarget {
  fetchXml: string;
  entity: string;
  set: string | null;
  key: string;
}

/**
 * A FetchXML query's page of the rows it matches, with its annotations; or the service's refusal of
 * a query that does not parse, names another table, or asks past the paging limit.
 */
export function answerFetch<T extends Record<string, unknown>>(
  target: FetchTarget,
  rows: T[],
  request: SandboxRequest,
  simplePagingLimit: number,
  reply: DataverseReplies,
): { fetch: FetchQuery; page: T[]; annotations: Record<string, unknown> } | { refusal: Reply } {
  let fetch: FetchQuery;
  try {
    fetch = parseFetch(target.fetchXml);
  } catch (error) {
    return { refusal: reply.error(400, '0x80041103', `The FetchXML is not valid: ${(error as Error).message}`) };
  }
  if (fetch.entity !== target.entity)
    return {
      refusal: reply.error(400, '0x80041103', `The FetchXML entity ${fetch.entity} does not match the entity set ${target.set}.`),
    };
  const paged = fetchPage(
    rows.filter((row) => fetch.matches(row)),
    fetch,
    target.key,
    request,
    simplePagingLimit,
  );
  if ('refused' in paged) return { refusal: reply.error(400, '0x80040203', paged.refused) };
  return { fetch, ...paged };
}

/**
 * One page of a FetchXML query's rows and its annotations, as the Web API pages them: by page number,
 * or after the last row of the page before when the query carries that page's paging cookie. The
 * annotations come only to a caller whose Prefer asks for them.
 */
function fetchPage<T extends Record<string, unknown>>(
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
