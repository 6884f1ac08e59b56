import type { DataverseClient } from '../platform/dataverse';
import { PlatformError } from '../platform/errors';
import { mapLimited } from '../solutions/parallel';
import type { RecordFailure } from './bulkImport';
import type { CmtAssociation } from './cmt';

export interface AssociationOutcome {
  created: number;
  existing: number;
  failures: RecordFailure[];
  requests: number;
}

interface Relationship {
  SchemaName: string;
  Entity1LogicalName: string;
  Entity2LogicalName: string;
  Entity1NavigationPropertyName: string;
  Entity2NavigationPropertyName: string;
}

/**
 * Associates records through their N:N relationships (§7.3): POST {set}({id})/{navigation}/$ref per
 * pair, several at once. The navigation property comes from the relationship's metadata; a pair that
 * is already associated counts as done, so importing twice is harmless.
 */
export async function associate(dv: DataverseClient, associations: CmtAssociation[], options: { parallelism: number; signal: AbortSignal; entitySets?: Map<string, string> }): Promise<AssociationOutcome> {
  const outcome: AssociationOutcome = { created: 0, existing: 0, failures: [], requests: 0 };
  const relationships = new Map<string, Relationship[]>();
  // Entity sets already read for the records are not read again.
  const entitySets = new Map(options.entitySets);
  const setOf = async (table: string) => {
    if (!entitySets.has(table)) entitySets.set(table, (await dv.get<{ EntitySetName: string }>(`EntityDefinitions(LogicalName='${table}')?$select=EntitySetName`, options.signal)).EntitySetName);
    return entitySets.get(table)!;
  };
  const pairs: Array<{ association: CmtAssociation; targetId: string; url: string; target: string }> = [];
  for (const association of associations) {
    if (!relationships.has(association.entity)) {
      relationships.set(association.entity, (await dv.get<{ value: Relationship[] }>(`EntityDefinitions(LogicalName='${association.entity}')/ManyToManyRelationships?$select=SchemaName,Entity1LogicalName,Entity2LogicalName,Entity1NavigationPropertyName,Entity2NavigationPropertyName`, options.signal)).value);
    }
    const relationship = relationships.get(association.entity)!.find((r) => r.SchemaName.toLowerCase() === association.relationship.toLowerCase());
    if (!relationship) {
      for (const targetId of association.targetIds) outcome.failures.push({ table: association.relationship, id: `${association.sourceId} → ${targetId}`, message: `${association.entity} has no N:N relationship ${association.relationship} in this environment`, correlationId: null });
      continue;
    }
    const navigation = relationship.Entity1LogicalName === association.entity ? relationship.Entity1NavigationPropertyName : relationship.Entity2NavigationPropertyName;
    const source = await setOf(association.entity);
    const target = await setOf(association.targetEntity);
    for (const targetId of association.targetIds) pairs.push({ association, targetId, url: `${source}(${association.sourceId})/${navigation}/$ref`, target: dv.url(`${target}(${targetId})`) });
  }
  await mapLimited(pairs, options.parallelism, async (pair) => {
    outcome.requests++;
    try {
      await dv.action(pair.url, { '@odata.id': pair.target }, { signal: options.signal });
      outcome.created++;
    } catch (error) {
      if (!(error instanceof PlatformError) || error.status >= 500 || error.status === 0) throw error;
      if (/duplicate key/i.test(error.message) || error.code === '0x80040237') outcome.existing++;
      else outcome.failures.push({ table: pair.association.relationship, id: `${pair.association.sourceId} → ${pair.targetId}`, message: error.message, correlationId: error.correlationId ?? null });
    }
  });
  return outcome;
}
