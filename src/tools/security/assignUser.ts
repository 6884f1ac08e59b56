import { z } from 'zod';
import { PlatformError } from '../../platform/errors';
import { sleep } from '../../platform/retry';
import { ToolError } from '../errors';
import { assertDataverse, displayName } from '../lifecycle/targets';
import { resolveEnvironment } from '../resolveEnvironment';
import { environmentRef } from '../schemas';
import { IDEMPOTENT_CLOUD, defineTool } from '../types';
import { roleArgument, roleInBusinessUnit } from './roles';
import { tablesOf } from '../../platform/dataverseTables';
import { GUID } from '../../platform/odata';
import { toEnvironmentSummary } from '../../platform/environment';

/**
 * Waits between looks for the user's Dataverse row after addUser; it can take a while to show
 * (docs/service-notes.md#users-teams-and-roles).
 */
const SYNC_WAITS_MS = [500, 1000, 2000, 4000, 8000, 15_000, 15_000, 15_000, 30_000, 30_000];

export const assignUser = defineTool({
  name: 'pp_assign_user',
  toolset: 'security',
  title: 'Assign user to environment',
  description:
    'Adds a person to an environment with a security role (pac admin assign-user): syncs the Entra user into Dataverse, ' +
    'assigns the role. Held already: no change.',
  input: z.strictObject({
    environment: environmentRef,
    user: z.string().trim().min(3).max(320).describe('Entra object id, or sign-in name of a known user.'),
    role: roleArgument,
  }),
  output: z.object({
    environmentName: z.string(),
    userId: z.string().describe('The systemuser id in Dataverse.'),
    objectId: z.string(),
    userName: z.string().nullable(),
    businessUnitId: z.string(),
    role: z.string(),
    roleId: z.string(),
    alreadyAssigned: z.boolean(),
  }),
  annotations: IDEMPOTENT_CLOUD,
  ui: { environments: { environment: { dataverse: true } } },
  async handler(args, context) {
    const env = await resolveEnvironment(args.environment, context);
    assertDataverse(env);
    const dv = context.dataverse(toEnvironmentSummary(env).url!);
    const { systemUsers } = tablesOf(dv);
    const name = displayName(env);

    let objectId = args.user;
    if (!GUID.test(args.user)) {
      const known = await systemUsers.findBySignInName(args.user, context.signal);
      if (!known?.azureactivedirectoryobjectid) {
        throw new ToolError(
          `user: ${args.user} is not a user of ${name} yet, and a sign-in name cannot be turned into an Entra object id here. Nothing was changed.`,
          "Pass the user's Entra object id (Entra admin center, or az ad user show --id <name> --query id).",
        );
      }
      objectId = known.azureactivedirectoryobjectid;
    }
    objectId = objectId.toLowerCase();

    try {
      await context.bap.addUser(env.name, objectId, context.signal);
    } catch (error) {
      if (error instanceof PlatformError && /notlicensed/i.test(error.code)) {
        throw new ToolError(
          `${error.message} Nothing was changed.`,
          'Assign the user a Power Apps or Dynamics 365 licence; a new licence can take several minutes to apply. Then run this again.',
        );
      }
      throw error;
    }
    let user = await systemUsers.findByObjectId(objectId, context.signal);
    for (const wait of SYNC_WAITS_MS) {
      if (user) break;
      await sleep(wait, context.signal);
      user = await systemUsers.findByObjectId(objectId, context.signal);
    }
    if (!user) {
      throw new ToolError(
        `The user ${objectId} was added to ${name}, but Dataverse has not shown the user yet.`,
        'Run this again in a few minutes; the sync can be slow, and nothing is repeated twice.',
      );
    }
    const role = await roleInBusinessUnit(dv, args.role, user._businessunitid_value, context.signal);
    const alreadyAssigned = (user.systemuserroles_association ?? []).some((r) => r.roleid === role.roleid);
    if (!alreadyAssigned) {
      await systemUsers.addRole(user.systemuserid, role.roleid, context.signal);
    }
    const who = user.domainname || user.fullname || objectId;
    return {
      result: {
        environmentName: name,
        userId: user.systemuserid,
        objectId,
        userName: user.fullname ?? null,
        businessUnitId: user._businessunitid_value,
        role: role.name,
        roleId: role.roleid,
        alreadyAssigned,
      },
      summary: alreadyAssigned
        ? `${who} already has ${role.name} in ${name}; nothing changed.`
        : `${who} is a user of ${name} with the role ${role.name}.`,
    };
  },
});
