import type { DataverseClient } from '../dataverse';
import { eq, rowId } from '../odata';
import { firstRow, linkPath, rowReference } from './query';

/** A team with the roles it holds. */
export interface TeamRow {
  teamid: string;
  name: string;
  _businessunitid_value: string;
  teamroles_association?: Array<{ roleid: string }>;
}

/** teams.teamtype of a team whose members are those of an Entra security group. */
const ENTRA_SECURITY_GROUP = 2;

export interface NewGroupTeam {
  groupObjectId: string;
  /** teams.membershiptype: 0 members and guests, 1 members, 2 owners, 3 guests. */
  membershipType: number;
  /** The service names the team after the group when left out. */
  name?: string;
  businessUnitId: string;
}

export class Teams {
  constructor(private readonly dv: DataverseClient) {}

  /** The team of an Entra group for one kind of membership, or undefined. */
  async findGroupTeam(groupObjectId: string, membershipType: number, signal?: AbortSignal): Promise<TeamRow | undefined> {
    return await firstRow(
      this.dv,
      'teams',
      {
        select: ['teamid', 'name', '_businessunitid_value'],
        expand: { teamroles_association: ['roleid'] },
        where: [eq('azureactivedirectoryobjectid', rowId(groupObjectId)), eq('membershiptype', membershipType)],
      },
      signal,
    );
  }

  async createGroupTeam(team: NewGroupTeam, signal?: AbortSignal): Promise<void> {
    await this.dv.action(
      'teams',
      {
        azureactivedirectoryobjectid: team.groupObjectId,
        membershiptype: team.membershipType,
        teamtype: ENTRA_SECURITY_GROUP,
        ...(team.name ? { name: team.name } : {}),
        'businessunitid@odata.bind': `/businessunits(${rowId(team.businessUnitId).value})`,
      },
      { signal },
    );
  }

  /** Gives the team a role (of the team's own business unit). */
  async addRole(teamId: string, roleId: string, signal?: AbortSignal): Promise<void> {
    await this.dv.action(linkPath('teams', teamId, 'teamroles_association'), rowReference(this.dv, 'roles', roleId), { signal });
  }
}
