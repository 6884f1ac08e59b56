/**
 * The paging cookie of the next page of a FetchXML query, from the Web API's
 * `@Microsoft.Dynamics.CRM.fetchxmlpagingcookie` annotation: the `pagingcookie` attribute of its
 * `<cookie>`, percent-encoded twice. Paging by page number alone stops at 50,000 records
 * (docs/service-notes.md#data-configuration-migration).
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

/** The annotations a FetchXML page is read with: whether another follows, and its paging cookie. */
export interface FetchPageAnnotations {
  '@Microsoft.Dynamics.CRM.morerecords'?: boolean;
  '@Microsoft.Dynamics.CRM.fetchxmlpagingcookie'?: string;
}
