import type { DataverseClient } from '../platform/dataverse';

/** Rows a page holds at most, OData or FetchXML. */
export const PAGE_SIZE = 5000;
/** Pages of that size, with every annotation: lookups' tables and names, and whether another FetchXML page follows, with its cookie. */
export const PAGE_PREFER = `odata.maxpagesize=${PAGE_SIZE}, odata.include-annotations="*"`;
/** Paging by page number alone stops here; past it, a FetchXML query needs the paging cookie. */
export const SIMPLE_PAGING_LIMIT = 50_000;

/**
 * The paging cookie of the next page of a FetchXML query, from the Web API's
 * `@Microsoft.Dynamics.CRM.fetchxmlpagingcookie` annotation: the `pagingcookie` attribute of its
 * `<cookie>`, percent-encoded twice (docs/service-notes.md#data-configuration-migration).
 */
export function nextPagingCookie(annotation: unknown): string | undefined {
  if (typeof annotation !== 'string') return undefined;
  const encoded = /\bpagingcookie="([^"]*)"/.exec(annotation)?.[1];
  if (!encoded) return undefined;
  try {
    return decodeURIComponent(decodeURIComponent(encoded));
  } catch {
    return undefined;
  }
}

/** Where a FetchXML page starts: its number, and the paging cookie of the page before. */
export interface FetchPageAt {
  page: number;
  cookie?: string;
}

/**
 * The pages of a FetchXML query (`GET <set>?fetchXml=`), each after the first asked for with the
 * paging cookie of the one before, as long as the service says another follows. With each page:
 * its number, whether another follows, and the cookie to ask for it with (undefined when the service
 * gave none, which limits the query to 50,000 rows).
 */
export async function* fetchXmlPages<T>(
  dv: DataverseClient,
  set: string,
  fetchAt: (at: FetchPageAt) => string,
  signal: AbortSignal,
): AsyncGenerator<{ rows: T[]; page: number; more: boolean; cookie: string | undefined }, void, undefined> {
  let cookie: string | undefined;
  for (let page = 1, more = true; more; page++) {
    const body = await dv.page<{
      value: T[];
      '@Microsoft.Dynamics.CRM.morerecords'?: boolean;
      '@Microsoft.Dynamics.CRM.fetchxmlpagingcookie'?: string;
    }>(`${set}?fetchXml=${encodeURIComponent(fetchAt({ page, cookie }))}`, PAGE_PREFER, signal);
    cookie = nextPagingCookie(body['@Microsoft.Dynamics.CRM.fetchxmlpagingcookie']);
    more = body['@Microsoft.Dynamics.CRM.morerecords'] === true;
    yield { rows: body.value, page, more, cookie };
  }
}
