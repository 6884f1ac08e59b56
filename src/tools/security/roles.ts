import { z } from 'zod';
import type { DataverseClient } from '../../platform/dataverse';
import { tablesOf } from '../../platform/dataverseTables';
import type { RoleRow } from '../../platform/dataverseTables/roles';
import { GUID } from '../../platform/odata';
import { ToolError } from '../errors';

export const roleArgument = z.string().trim().min(1).max(200).describe('Security role name or id, e.g. Basic User.');
export const businessUnitArgument = z.string().trim().min(1).max(200).optional().describe('Business unit name or id (default: root).');

/**
 * The copy of a role in one business unit: roles are copied per business unit, and only the copy of
 * the principal's own unit can be assigned to it (docs/service-notes.md#users-teams-and-roles). A role id from another unit is mapped
 * to its copy by name.
 */
export async function roleInBusinessUnit(dv: DataverseClient, role: string, businessUnitId: string, signal: AbortSignal): Promise<RoleRow> {
  const { roles } = tablesOf(dv);
  let name = role;
  if (GUID.test(role)) {
    const byId = await roles.byId(role, signal);
    if (!byId) throw new ToolError(`role: no security role has the id ${role}. Nothing was changed.`);
    name = byId.name;
  }
  const found = await roles.byName(name, businessUnitId, signal);
  if (found) return found;
  const available = await roles.namesIn(businessUnitId, signal);
  throw new ToolError(
    `role: there is no security role "${name}" in the business unit. Nothing was changed.`,
    `Roles there: ${available.join(', ')}.`,
  );
}

/** A business unit id from a name or id; the root business unit when none is given. */
export async function businessUnitId(
  dv: DataverseClient,
  ref: string | undefined,
  signal: AbortSignal,
): Promise<{ id: string; name: string } | undefined> {
  if (!ref) return undefined;
  const units = await tablesOf(dv).businessUnits.list(signal);
  const unit = units.find((u) => u.businessunitid.toLowerCase() === ref.toLowerCase() || u.name.toLowerCase() === ref.toLowerCase());
  if (!unit)
    throw new ToolError(
      `businessUnit: no business unit is named "${ref}". Nothing was changed.`,
      `Business units: ${units.map((u) => u.name).join(', ')}.`,
    );
  return { id: unit.businessunitid, name: unit.name };
}

export async function rootBusinessUnit(dv: DataverseClient, signal: AbortSignal): Promise<{ id: string; name: string }> {
  const root = await tablesOf(dv).businessUnits.root(signal);
  if (!root)
    throw new ToolError(`${dv.resource} has no root business unit to put the team in. Nothing was changed.`, 'Name a business unit.');
  return { id: root.businessunitid, name: root.name };
}
