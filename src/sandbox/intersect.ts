import { createHash } from 'node:crypto';
import { orgData, type ManyToMany, type OrgData } from './dataModel';
import { answerFetch } from './fetchPaging';
import type { Reply, SandboxRequest } from './http';
import type { DataverseReplies } from './solutions/api';
import type { SandboxOrg } from './state';

/**
 * The intersect tables of N:N relationships: one row per associated pair, with each side's id. As in
 * Dataverse, their entity set is the table's name with "collection", and their rows are read with
 * FetchXML only; they are written through the relationship ($ref), never directly.
 */
export function intersectSet(relationship: ManyToMany): string {
  return `${relationship.IntersectEntityName}collection`;
}

export function intersectOf(data: OrgData, logicalName: string): ManyToMany | undefined {
  return data.manyToMany.find((r) => r.IntersectEntityName === logicalName);
}

/** EntityDefinitions(LogicalName='<intersect>'), as much of it as a caller needs to query the table. */
export function intersectDefinition(relationship: ManyToMany): Record<string, unknown> {
  const name = relationship.IntersectEntityName;
  return {
    MetadataId: uuidFrom(`intersect:${name}`),
    LogicalName: name,
    SchemaName: name,
    EntitySetName: intersectSet(relationship),
    LogicalCollectionName: intersectSet(relationship),
    PrimaryIdAttribute: `${name}id`,
    PrimaryNameAttribute: null,
    IsIntersect: true,
    IsActivity: false,
    IsCustomEntity: relationship.SchemaName.includes('_'),
  };
}

/** GET <intersect set>?fetchXml=…: the pairs, a page at a time. Anything else on the set is refused. */
export function intersectQuery(org: SandboxOrg, set: string, request: SandboxRequest, reply: DataverseReplies): Reply | undefined {
  const data = orgData(org);
  const api = `${org.url}/api/data/v9.2`;
  const relationship = data.manyToMany.find((r) => intersectSet(r) === set.toLowerCase());
  if (!relationship) return undefined;
  const name = relationship.IntersectEntityName;
  const fetchXml = request.url.searchParams.get('fetchXml');
  if (request.method !== 'GET' || !fetchXml)
    return reply.error(
      400,
      '0x80040800',
      `The intersect entity ${name} can only be read with a FetchXML query; its rows are written by associating records.`,
    );
  const rows = [...relationship.pairs].map((pair) => {
    const [first, second] = pair.split('|') as [string, string];
    return {
      [`${name}id`]: uuidFrom(`${name}:${pair}`),
      [relationship.Entity1IntersectAttribute]: first,
      [relationship.Entity2IntersectAttribute]: second,
    };
  });
  const answer = answerFetch({ fetchXml, entity: name, set, key: `${name}id` }, rows, request, org.simplePagingLimit, reply);
  if ('refusal' in answer) return answer.refusal;
  const { fetch, page, annotations } = answer;
  const columns = fetch.attributes;
  return reply.ok({
    '@odata.context': `${api}/$metadata#${set}`,
    ...annotations,
    value: page.map((row) => (columns ? Object.fromEntries(columns.map((c) => [c, row[c] ?? null])) : row)),
  });
}

/** A stable id for a name: an intersect row keeps the same id on every read. */
function uuidFrom(text: string): string {
  const hex = createHash('sha1').update(text).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
