import type { DataverseClient } from '../platform/dataverse';
import { PlatformError } from '../platform/errors';
import { ToolError } from '../tools/errors';

export interface TableMetadata {
  logicalName: string;
  entitySet: string;
  primaryId: string;
  primaryName: string;
  attributes: Array<{ LogicalName: string; AttributeType: string }>;
  /** Lookup column → its navigation property per target table (§7.3: not the column's name; polymorphic lookups have one per target). */
  lookups: Map<string, Array<{ navigation: string; target: string }>>;
}

/** A table's entity set, keys, columns and lookup navigation properties, read once per table. */
export async function tableMetadata(dv: DataverseClient, logicalName: string, signal: AbortSignal): Promise<TableMetadata> {
  const name = logicalName.toLowerCase();
  try {
    const [definition, attributes, relationships] = await Promise.all([
      dv.get<{ EntitySetName: string; PrimaryIdAttribute: string; PrimaryNameAttribute: string }>(`EntityDefinitions(LogicalName='${name}')?$select=EntitySetName,PrimaryIdAttribute,PrimaryNameAttribute,ObjectTypeCode`, signal),
      dv.get<{ value: Array<{ LogicalName: string; AttributeType: string }> }>(`EntityDefinitions(LogicalName='${name}')/Attributes?$select=LogicalName,AttributeType`, signal),
      dv.get<{ value: Array<{ ReferencingAttribute: string; ReferencingEntityNavigationPropertyName: string; ReferencedEntity: string }> }>(`EntityDefinitions(LogicalName='${name}')/ManyToOneRelationships?$select=ReferencingAttribute,ReferencingEntityNavigationPropertyName,ReferencedEntity`, signal),
    ]);
    return {
      logicalName: name,
      entitySet: definition.EntitySetName,
      primaryId: definition.PrimaryIdAttribute,
      primaryName: definition.PrimaryNameAttribute,
      attributes: attributes.value,
      lookups: relationships.value.reduce((map, r) => map.set(r.ReferencingAttribute, [...(map.get(r.ReferencingAttribute) ?? []), { navigation: r.ReferencingEntityNavigationPropertyName, target: r.ReferencedEntity }]), new Map<string, Array<{ navigation: string; target: string }>>()),
    };
  } catch (error) {
    if (error instanceof PlatformError && error.status === 404) throw new ToolError(`No table "${logicalName}" exists in this environment. Nothing was done.`, 'Use the table logical name (lower case, with its prefix), such as account or contoso_project.');
    throw error;
  }
}
