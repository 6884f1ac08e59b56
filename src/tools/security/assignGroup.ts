import { z } from 'zod';
import { tablesOf } from '../../platform/dataverseTables';
import { GUID } from '../../platform/odata';
import { resolveDataverseTarget } from '../dataverseTarget';
import { environmentRef } from '../schemas';
import { IDEMPOTENT_CLOUD, defineTool } from '../types';
import { businessUnitArgument, businessUnitId, roleArgument, roleInBusinessUnit, rootBusinessUnit } from './roles';

const MEMBERSHIP = { membersAndGuests: 0, members: 1, owners: 2, guests: 3 } as const;

export const assignGroup = defineTool({
  name: 'pp_assign_group',
  toolset: 'security',
  title: 'Assign group to environment',
  description:
    'Gives an Entra security group a role in an environment through a group team (pac admin assign-group), made when missing. ' +
    'Members get it at next sign-in.',
  input: z.strictObject({
    environment: environmentRef.optional(),
    group: z.string().trim().regex(GUID, 'the Entra group object id (a GUID)').describe('Entra group object id.'),
    role: roleArgument,
    membershipType: z
      .enum(Object.keys(MEMBERSHIP) as [keyof typeof MEMBERSHIP])
      .default('membersAndGuests')
      .describe("Which of the group's people count."),
    teamName: z.string().trim().min(1).max(160).optional().describe("New team's name (default: the group's)."),
    businessUnit: businessUnitArgument.describe("New team's business unit (default: root)."),
  }),
  output: z.object({
    environmentName: z.string(),
    teamId: z.string(),
    teamName: z.string(),
    teamCreated: z.boolean(),
    role: z.string(),
    roleId: z.string(),
    alreadyAssigned: z.boolean(),
  }),
  annotations: IDEMPOTENT_CLOUD,
  ui: { environments: { environment: { dataverse: true } }, ask: ['membershipType'] },
  async handler(args, context) {
    const target = await resolveDataverseTarget(args.environment, context);
    const dv = target.dataverse;
    const { teams } = tablesOf(dv);
    const group = args.group.toLowerCase();
    const membershipType = MEMBERSHIP[args.membershipType];
    const findTeam = () => teams.findGroupTeam(group, membershipType, context.signal);
    let team = await findTeam();
    const teamCreated = !team;
    if (!team) {
      const unit = (await businessUnitId(dv, args.businessUnit, context.signal)) ?? (await rootBusinessUnit(dv, context.signal));
      await teams.createGroupTeam({ groupObjectId: group, membershipType, name: args.teamName, businessUnitId: unit.id }, context.signal);
      team = (await findTeam())!;
    }
    const role = await roleInBusinessUnit(dv, args.role, team._businessunitid_value, context.signal);
    const alreadyAssigned = (team.teamroles_association ?? []).some((r) => r.roleid === role.roleid);
    if (!alreadyAssigned) await teams.addRole(team.teamid, role.roleid, context.signal);
    return {
      result: {
        environmentName: target.displayName,
        teamId: team.teamid,
        teamName: team.name,
        teamCreated,
        role: role.name,
        roleId: role.roleid,
        alreadyAssigned,
      },
      summary: `${teamCreated ? 'Made the group team' : 'The group team'} ${team.name} in ${target.displayName} ${alreadyAssigned ? `already has ${role.name}; nothing changed.` : `has the role ${role.name}.`}`,
    };
  },
});
