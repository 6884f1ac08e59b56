import type { DataverseClient } from '../platform/dataverse';
import { PlatformError } from '../platform/errors';
import { groupsOf, mapLimited } from '../solutions/parallel';
import type { CmtLinks } from './cmtDataWriter';
import { escapeAttribute } from './cmtXml';
import { PAGE_PREFER, PAGE_SIZE, fetchXmlPages, type FetchPageAt } from './fetchPaging';
import type { ManyToManyMetadata } from './tableMetadata';

/** One N:N relationship of an exported table, from that table's side. */
export interface ExportedRelationship {
  name: string;
  navigation: string;
  other: string;
  otherKey: string;
  metadata: ManyToManyMetadata;
  /** Whether the exported table is the relationship's first side (always, for a table with itself). */
  first: boolean;
}

/** Records whose links one intersect query asks for: their ids keep the request's URL far under Dataverse's 32 KB. */
const IDS_A_QUERY = 200;
/** Requests at once, per record or per group of records. */
const AT_ONCE = 8;

/**
 * The N:N links of the exported records through one relationship, in the records' order: from the
 * relationship's intersect table, with FetchXML, the links of 200 records a request, 8 requests at
 * once (docs/service-notes.md#data-configuration-migration); where the environment refuses that
 * query, each record's related records, 8 at a time.
 */
export async function readLinks(
  dv: DataverseClient,
  table: { entitySet: string },
  relationship: ExportedRelationship,
  ids: string[],
  signal: AbortSignal,
): Promise<{ links: CmtLinks[]; requests: number }> {
  if (!ids.length) return { links: [], requests: 0 };
  const tried = { requests: 0 };
  try {
    const read = await linksFromIntersect(dv, relationship, ids, tried, signal);
    if (read) return read;
  } catch (error) {
    // Only a refusal of the query itself falls back; throttling, sign-in and outages go to the caller.
    if (!(error instanceof PlatformError) || ![400, 403, 404].includes(error.status) || signal.aborted) throw error;
  }
  const read = await linksPerRecord(dv, table, relationship, ids, signal);
  return { links: read.links, requests: read.requests + tried.requests };
}

function linksOf(relationship: ExportedRelationship, sourceId: string, targetIds: string[]): CmtLinks {
  return {
    sourceId,
    relationship: relationship.name,
    targetEntity: relationship.other,
    targetIdField: relationship.otherKey,
    targetIds,
  };
}

async function linksPerRecord(
  dv: DataverseClient,
  table: { entitySet: string },
  relationship: ExportedRelationship,
  ids: string[],
  signal: AbortSignal,
): Promise<{ links: CmtLinks[]; requests: number }> {
  const { navigation, otherKey } = relationship;
  let requests = 0;
  const found = await mapLimited(ids, AT_ONCE, async (id) => {
    const targets: string[] = [];
    // A record's related records come a page at a time, like any collection.
    const path = `${table.entitySet}(${id})/${navigation}?$select=${otherKey}`;
    for await (const rows of dv.pages<Record<string, string>>(path, PAGE_PREFER, signal)) {
      requests++;
      for (const v of rows) targets.push(String(v[otherKey]).toLowerCase());
    }
    return linksOf(relationship, id, targets);
  });
  return { links: found.filter((l) => l.targetIds.length), requests };
}

const NAME = /^[a-z0-9_]+$/i;

/** The links of the exported records, read from the intersect table; undefined when its metadata does not allow the query. */
async function linksFromIntersect(
  dv: DataverseClient,
  relationship: ExportedRelationship,
  ids: string[],
  counted: { requests: number },
  signal: AbortSignal,
): Promise<{ links: CmtLinks[]; requests: number } | undefined> {
  const { metadata, first } = relationship;
  const intersect = metadata.IntersectEntityName?.toLowerCase() ?? '';
  const [source, target] = first
    ? [metadata.Entity1IntersectAttribute, metadata.Entity2IntersectAttribute]
    : [metadata.Entity2IntersectAttribute, metadata.Entity1IntersectAttribute];
  if (![intersect, source, target].every((name) => name && NAME.test(name))) return undefined;
  counted.requests++;
  const definition = await dv.get<{ EntitySetName?: string | null; PrimaryIdAttribute?: string | null }>(
    `EntityDefinitions(LogicalName='${intersect}')?$select=EntitySetName,PrimaryIdAttribute`,
    signal,
  );
  const key = definition.PrimaryIdAttribute;
  if (!definition.EntitySetName || !key || !NAME.test(key)) return undefined;
  const chunks = groupsOf(ids, IDS_A_QUERY);
  const query = { set: definition.EntitySetName, intersect, source, target, key };
  const read = await mapLimited(chunks, AT_ONCE, (chunk) => linksOfChunk(dv, query, chunk, counted, signal));
  const targets = new Map(read.flatMap((found) => [...found]));
  const links = ids.filter((id) => targets.has(id)).map((id) => linksOf(relationship, id, [...targets.get(id)!]));
  return { links, requests: counted.requests };
}

/** The targets of some records, each set of targets in the order the pages gave them. */
async function linksOfChunk(
  dv: DataverseClient,
  query: { set: string; intersect: string; source: string; target: string; key: string },
  ids: string[],
  counted: { requests: number },
  signal: AbortSignal,
): Promise<Map<string, Set<string>>> {
  const { intersect, source, target, key } = query;
  const values = ids.map((id) => `<value>${id}</value>`).join('');
  const targets = new Map<string, Set<string>>();
  // Ordered by the intersect table's key, so pages neither repeat nor skip a row.
  const fetchAt = ({ page, cookie }: FetchPageAt) =>
    `<fetch page="${page}" count="${PAGE_SIZE}"${cookie === undefined ? '' : ` paging-cookie="${escapeAttribute(cookie)}"`}>` +
    `<entity name="${intersect}"><attribute name="${source}" /><attribute name="${target}" /><order attribute="${key}" />` +
    `<filter><condition attribute="${source}" operator="in">${values}</condition></filter></entity></fetch>`;
  const pages = fetchXmlPages<Record<string, string | null>>(dv, query.set, fetchAt, signal);
  // A page is one request, counted as it is sent: a refused one counts too.
  for (let more = true; more;) {
    counted.requests++;
    const { value } = await pages.next();
    if (!value) break;
    for (const row of value.rows) {
      const from = (row[source] ?? '').toLowerCase();
      const to = (row[target] ?? '').toLowerCase();
      if (!from || !to) continue;
      const set = targets.get(from);
      if (set) set.add(to);
      else targets.set(from, new Set([to]));
    }
    more = value.more;
  }
  return targets;
}
