import type { DataverseClient } from '../platform/dataverse';
import { PlatformError } from '../platform/errors';
import { mapLimited } from '../solutions/parallel';
import type { CmtLinks } from './cmtDataWriter';
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

/** Up to this many records, their links are read one record at a time: fewer requests than paging every link. */
const PER_RECORD_UP_TO = 50;
const PER_RECORD_AT_ONCE = 8;
const PAGE_SIZE = 5000;

/**
 * The N:N links of the exported records through one relationship, in the records' order. Many records
 * page the relationship's intersect table with FetchXML, a page per 5,000 links (docs/service-notes.md#data-configuration-migration);
 * a few, or an environment that refuses that query, read each record's related records.
 */
export async function readLinks(
  dv: DataverseClient,
  table: { entitySet: string },
  relationship: ExportedRelationship,
  ids: string[],
  signal: AbortSignal,
): Promise<{ links: CmtLinks[]; requests: number }> {
  const tried = { requests: 0 };
  if (ids.length > PER_RECORD_UP_TO) {
    try {
      const read = await linksFromIntersect(dv, relationship, ids, tried, signal);
      if (read) return read;
    } catch (error) {
      // Only a refusal of the query itself falls back; throttling, sign-in and outages go to the caller.
      if (!(error instanceof PlatformError) || ![400, 403, 404].includes(error.status) || signal.aborted) throw error;
    }
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
  const found = await mapLimited(ids, PER_RECORD_AT_ONCE, async (id) => {
    const page = await dv.get<{ value: Array<Record<string, string>> }>(
      `${table.entitySet}(${id})/${navigation}?$select=${otherKey}`,
      signal,
    );
    return linksOf(
      relationship,
      id,
      page.value.map((v) => String(v[otherKey]).toLowerCase()),
    );
  });
  return { links: found.filter((l) => l.targetIds.length), requests: ids.length };
}

/** Every pair of the intersect table, kept for the exported records; undefined when the Web API has no entity set for it. */
async function linksFromIntersect(
  dv: DataverseClient,
  relationship: ExportedRelationship,
  ids: string[],
  counted: { requests: number },
  signal: AbortSignal,
): Promise<{ links: CmtLinks[]; requests: number } | undefined> {
  const { metadata, first } = relationship;
  const intersect = metadata.IntersectEntityName.toLowerCase();
  counted.requests++;
  const definition = await dv.get<{ EntitySetName?: string | null }>(
    `EntityDefinitions(LogicalName='${intersect}')?$select=EntitySetName`,
    signal,
  );
  if (!definition.EntitySetName) return undefined;
  const [source, target] = first
    ? [metadata.Entity1IntersectAttribute, metadata.Entity2IntersectAttribute]
    : [metadata.Entity2IntersectAttribute, metadata.Entity1IntersectAttribute];
  const wanted = new Set(ids);
  const targets = new Map<string, string[]>();
  for (let page = 1, more = true; more; page++) {
    const fetch =
      `<fetch page="${page}" count="${PAGE_SIZE}" no-lock="true"><entity name="${intersect}">` +
      `<attribute name="${source}" /><attribute name="${target}" /><order attribute="${source}" /></entity></fetch>`;
    counted.requests++;
    const body = await dv.page<{ value: Array<Record<string, string | null>>; '@Microsoft.Dynamics.CRM.morerecords'?: boolean }>(
      `${definition.EntitySetName}?fetchXml=${encodeURIComponent(fetch)}`,
      `odata.maxpagesize=${PAGE_SIZE}`,
      signal,
    );
    for (const row of body.value) {
      const from = (row[source] ?? '').toLowerCase();
      if (!wanted.has(from)) continue;
      const list = targets.get(from);
      const to = (row[target] ?? '').toLowerCase();
      if (list) list.push(to);
      else targets.set(from, [to]);
    }
    more = body['@Microsoft.Dynamics.CRM.morerecords'] === true;
  }
  const links = ids.filter((id) => targets.has(id)).map((id) => linksOf(relationship, id, targets.get(id)!));
  return { links, requests: counted.requests };
}
