import type { DataverseClient } from '../dataverse';
import { rowPath } from '../odata';
import { firstRow } from './query';

/** The organization table: one row per environment, whose columns are many of its settings. */
export class Organizations {
  constructor(private readonly dv: DataverseClient) {}

  /** The organization row with all its columns. */
  async current(signal?: AbortSignal): Promise<Record<string, unknown>> {
    const row = await firstRow<Record<string, unknown>>(this.dv, 'organizations', {}, signal);
    if (!row) throw new Error(`${this.dv.resource} answered no organization row.`);
    return row;
  }

  async nameOf(organizationId: string, signal?: AbortSignal): Promise<string | undefined> {
    return (await this.dv.get<{ name?: string }>(rowPath('organizations', organizationId, ['name']), signal)).name;
  }

  async update(organizationId: string, columns: Record<string, unknown>, signal?: AbortSignal): Promise<void> {
    return await this.dv.update('organizations', organizationId, columns, signal);
  }
}

/** A setting definition of the environment, with its present value (RetrieveSettingList). */
export interface SettingDefinition {
  Name: string;
  Value: string;
  /** 0 number, 1 text, 2 yes/no. */
  DataType: number;
}

/** The environment's setting definitions (the settings that are not organization columns). */
export class OrgSettings {
  constructor(private readonly dv: DataverseClient) {}

  async list(signal?: AbortSignal): Promise<SettingDefinition[]> {
    const body = await this.dv.get<{ SettingDetailCollection?: SettingDefinition[] }>('RetrieveSettingList()', signal);
    return body.SettingDetailCollection ?? [];
  }

  /** Sets one setting's value for the environment; setting a value again is harmless. */
  async save(name: string, value: string, signal?: AbortSignal): Promise<void> {
    await this.dv.action('SaveSettingValue', { SettingName: name, Value: value }, { signal, idempotent: true });
  }
}
