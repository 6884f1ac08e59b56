import type { DataverseClient } from '../dataverse';
import { eq, rowId } from '../odata';
import { firstRow } from './query';

export interface EnvironmentVariableValueRow {
  environmentvariablevalueid: string;
  value: string;
}

/** Environment variables: a definition (by schema name) and at most one value row for this environment. */
export class EnvironmentVariables {
  constructor(private readonly dv: DataverseClient) {}

  /** The definition's id, or undefined when the environment has no variable of this schema name. */
  async definitionId(schemaName: string, signal?: AbortSignal): Promise<string | undefined> {
    const row = await firstRow<{ environmentvariabledefinitionid: string }>(
      this.dv,
      'environmentvariabledefinitions',
      { select: ['environmentvariabledefinitionid'], where: [eq('schemaname', schemaName)] },
      signal,
    );
    return row?.environmentvariabledefinitionid;
  }

  /** The value row of a definition, or undefined while it has only its default. */
  async currentValue(definitionId: string, signal?: AbortSignal): Promise<EnvironmentVariableValueRow | undefined> {
    return await firstRow(
      this.dv,
      'environmentvariablevalues',
      { select: ['environmentvariablevalueid', 'value'], where: [eq('_environmentvariabledefinitionid_value', rowId(definitionId))] },
      signal,
    );
  }

  async updateValue(valueId: string, value: string, signal?: AbortSignal): Promise<void> {
    return await this.dv.update('environmentvariablevalues', valueId, { value }, signal);
  }

  async createValue(definitionId: string, schemaName: string, value: string, signal?: AbortSignal): Promise<void> {
    await this.dv.action(
      'environmentvariablevalues',
      {
        schemaname: schemaName,
        value,
        'EnvironmentVariableDefinitionId@odata.bind': `/environmentvariabledefinitions(${rowId(definitionId).value})`,
      },
      { signal },
    );
  }
}
