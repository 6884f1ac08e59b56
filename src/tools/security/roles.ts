import { z } from 'zod';
import type { DataverseClient } from '../../platform/dataverse';
import { GUID, odataString } from '../../platform/odata';
import { ToolError } from '../errors';

export const roleArgument = z.string().trim().min(1).max(200).describe('Security role name or id, e.g. Basic User.');
export const businessUnitArgument = z.string().trim().min(1).max(200).optional().describe('Business unit name or id (default: root).');

export interface Role {
  roleid: string;
  name: string;
  _businessunitid_value: string;
}

/**
 * The copy of a role in one business unit: roles are copied per business unit, and only the copy of
 * the principal's own unit can be assigned to it (docs/service-notes.md#users-teams-and-roles). A role id from another unit is mapped
 * to its copy by name.
 */
export async function roleInBusinessUnit(dv: DataverseClient, role: string, businessUnitId: string, signal: AbortSignal): Promise<Role> {
  let name = role;
  if (GUID.test(role)) {
    const byId = await dv.get<{ value: Role[] }>(`roles?$select=roleid,name,_businessunitid_value&$filter=roleid eq ${role}`, signal);
    if (!byId.value[0]) throw new ToolError(`role: no security role has the id ${role}. Nothing was changed.`);
    name = byId.value[0].name;
  }
  const found = await dv.get<{ value: Role[] }>(
    `roles?$select=roleid,name,_businessunitid_value&$filter=name eq ${odataString(name)} and _businessunitid_value eq ${businessUnitId}`,
    signal,
  );
  if (found.value[0]) return found.value[0];
  const available = await dv.get<{ value: Role[] }>(`roles?$select=name&$filter=_businessunitid_value eq ${businessUnitId}`, signal);
  throw new ToolError(
    `role: there is no security role "${name}" in the business unit. Nothing was changed.`,
    `Roles there: ${[...new Set(available.value.map((r) => r.name))].sort().join(', ')}.`,
  );
}

/** A business unit id from a name or id; the root business unit when none is given. */
export async function businessUnitId(
  dv: DataverseClient,
  ref: string | undefined,
  signal: AbortSignal,
): Promise<{ id: string; name: string } | undefined> {
  if (!ref) return undefined;
  const units = await dv.get<{ value: Array<{ businessunitid: string; name: string }> }>(
    'businessunits?$select=businessunitid,name',
    signal,
  );
  const unit = units.value.find((u) => u.businessunitid.toLowerCase() === ref.toLowerCase() || u.name.toLowerCase() === ref.toLowerCase());
  if (!unit)
    throw new ToolError(
      `businessUnit: no business unit is named "${ref}". Nothing was changed.`,
      `Business units: ${units.value.map((u) => u.name).join(', ')}.`,
    );
  return { id: unit.businessunitid, name: unit.name };
}

export function rootBusinessUnit(dv: DataverseClient, signal: AbortSignal): Promise<{ id: string; name: string }> {
  return dv
    .get<{ value: Array<{ businessunitid: string; name: string }> }>(
      'businessunits?$select=businessunitid,name&$filter=_parentbusinessunitid_value eq null',
      signal,
    )
    .then((b) => ({ id: b.value[0]!.businessunitid, name: b.value[0]!.name }));
}
