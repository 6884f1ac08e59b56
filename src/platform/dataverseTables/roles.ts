import type { DataverseClient } from '../dataverse';
import { eq, rowId } from '../odata';
import { allRows, firstRow } from './query';

export interface RoleRow {
  roleid: string;
  name: string;
  _businessunitid_value: string;
}

const ROLE_COLUMNS = ['roleid', 'name', '_businessunitid_value'];

/** Security roles; each business unit holds its own copy of every role. */
export class Roles {
  constructor(private readonly dv: DataverseClient) {}

  async byId(roleId: string, signal?: AbortSignal): Promise<RoleRow | undefined> {
    return await firstRow(this.dv, 'roles', { select: ROLE_COLUMNS, where: [eq('roleid', rowId(roleId))] }, signal);
  }

  /** The copy of the role with this name in the business unit, or undefined. */
  async byName(name: string, businessUnitId: string, signal?: AbortSignal): Promise<RoleRow | undefined> {
    const where = [eq('name', name), eq('_businessunitid_value', rowId(businessUnitId))];
    return await firstRow(this.dv, 'roles', { select: ROLE_COLUMNS, where }, signal);
  }

  /** The names of the roles of a business unit, sorted, each once. */
  async namesIn(businessUnitId: string, signal?: AbortSignal): Promise<string[]> {
    const rows = await allRows<{ name: string }>(
      this.dv,
      'roles',
      { select: ['name'], where: [eq('_businessunitid_value', rowId(businessUnitId))] },
      signal,
    );
    return [...new Set(rows.map((r) => r.name))].sort();
  }
}
