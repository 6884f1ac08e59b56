import type { DataverseClient } from '../dataverse';
import { PlatformError } from '../errors';
import { literal, queryPath } from '../odata';

/** A column's metadata, as far as the tools check a value against it. */
export interface AttributeDefinition {
  LogicalName: string;
  AttributeType: string;
  IsValidForUpdate?: boolean;
}

/** Table metadata (EntityDefinitions), addressed by a table's logical name. */
export class EntityDefinitions {
  constructor(private readonly dv: DataverseClient) {}

  /** The table's MetadataId (its id as a solution component), or undefined when no table has this name. */
  async metadataId(logicalName: string, signal?: AbortSignal): Promise<string | undefined> {
    try {
      return (await this.dv.get<{ MetadataId: string }>(queryPath(byName(logicalName), { select: ['MetadataId'] }), signal)).MetadataId;
    } catch (error) {
      if (error instanceof PlatformError && error.status === 404) return undefined;
      throw error;
    }
  }

  async attributes(logicalName: string, signal?: AbortSignal): Promise<AttributeDefinition[]> {
    const path = queryPath(`${byName(logicalName)}/Attributes`, { select: ['LogicalName', 'AttributeType', 'IsValidForUpdate'] });
    return (await this.dv.get<{ value: AttributeDefinition[] }>(path, signal)).value;
  }
}

function byName(logicalName: string): string {
  return `EntityDefinitions(LogicalName=${literal(logicalName)})`;
}
