import type { DataverseClient } from '../dataverse';
import { eq, literal, rowId, rowPath } from '../odata';
import { firstRow, linkPath, rowReference } from './query';

/** A systemusers row with the roles it holds directly. */
export interface SystemUserRow {
  systemuserid: string;
  fullname?: string | null;
  domainname?: string | null;
  azureactivedirectoryobjectid?: string | null;
  _businessunitid_value: string;
  systemuserroles_association?: Array<{ roleid: string; name: string }>;
}

/** What pp_whoami shows of the signed-in user. */
export interface SystemUserProfile {
  fullname?: string | null;
  domainname?: string | null;
  applicationid?: string | null;
  azureactivedirectoryobjectid?: string | null;
}

const WITH_ROLES = {
  select: ['systemuserid', 'fullname', 'domainname', 'azureactivedirectoryobjectid', '_businessunitid_value'],
  expand: { systemuserroles_association: ['roleid', 'name'] },
} as const;

export class SystemUsers {
  constructor(private readonly dv: DataverseClient) {}

  /** The user whose sign-in name (domainname, the UPN) this is, or undefined. */
  async findBySignInName(signInName: string, signal?: AbortSignal): Promise<SystemUserRow | undefined> {
    return await firstRow(this.dv, 'systemusers', { ...WITH_ROLES, where: [eq('domainname', signInName)] }, signal);
  }

  /** The user synced from this Entra object, or undefined while the sync has not brought it. */
  async findByObjectId(objectId: string, signal?: AbortSignal): Promise<SystemUserRow | undefined> {
    return await firstRow(this.dv, 'systemusers', { ...WITH_ROLES, where: [eq('azureactivedirectoryobjectid', rowId(objectId))] }, signal);
  }

  async profile(userId: string, signal?: AbortSignal): Promise<SystemUserProfile> {
    return await this.dv.get(
      rowPath('systemusers', userId, ['fullname', 'domainname', 'applicationid', 'azureactivedirectoryobjectid']),
      signal,
    );
  }

  /** Whether the user holds a privilege (by name, such as prvBypassCustomPlugins) through any of their roles. */
  async hasPrivilege(userId: string, privilegeName: string, signal?: AbortSignal): Promise<boolean> {
    const call = `Microsoft.Dynamics.CRM.RetrieveUserPrivilegeByPrivilegeName(PrivilegeName=${literal(privilegeName)})`;
    const answer = await this.dv.get<{ RolePrivileges?: unknown[] }>(`systemusers(${rowId(userId).value})/${call}`, signal);
    return Boolean(answer.RolePrivileges?.length);
  }

  /** Gives the user a role (of the user's own business unit). */
  async addRole(userId: string, roleId: string, signal?: AbortSignal): Promise<void> {
    await this.dv.action(linkPath('systemusers', userId, 'systemuserroles_association'), rowReference(this.dv, 'roles', roleId), {
      signal,
    });
  }
}
