import { randomUUID } from 'node:crypto';
import { bapError } from './bap';
import { json, jsonBody, type Reply, type SandboxRequest } from './http';
import { environmentNotFound } from './seed/bapErrors';
import type { DataverseReplies } from './solutions/api';
import { systemUser, type SandboxOrg, type SandboxTenant } from './state';

const ADD_USER = /^\/providers\/Microsoft\.BusinessAppPlatform\/scopes\/admin\/environments\/([^/]+)\/addUser$/i;
/**
 * How long a user added with addUser takes to show in Dataverse at time scale 1 (clients wait for it;
 * docs/service-notes.md#users-teams-and-roles).
 */
const SYNC_SECONDS = 5;

/** BAP addUser: syncs an Entra user into an environment's Dataverse (docs/service-notes.md#users-teams-and-roles). */
export function handleAddUser(request: SandboxRequest, tenant: SandboxTenant, timeScale: number): Reply | undefined {
  const match = ADD_USER.exec(request.url.pathname);
  if (!match || request.method !== 'POST') return undefined;
  const environment = tenant.environments.get(match[1]!.toLowerCase());
  if (!environment) return json(404, environmentNotFound(match[1]!, tenant.tenantId));
  const org = environment.org;
  if (!org) return bapError(400, 'InvalidRequestContent', 'The environment has no Dataverse database to add users to.');
  const objectId = String(jsonBody(request)?.objectId ?? '').toLowerCase();
  const user = tenant.users.find((u) => u.objectId === objectId);
  if (!user) return bapError(404, 'PrincipalNotFound', `No user with object id '${objectId}' exists in the tenant.`);
  if (user.licensed === false)
    return bapError(
      400,
      'userNotLicensed',
      `The user ${user.userPrincipalName} does not have a valid license for this environment. If one was just assigned, it can take a few minutes to apply.`,
    );
  const known =
    org.users.some((u) => u.azureactivedirectoryobjectid === objectId) ||
    org.pendingUsers.some((p) => p.user.azureactivedirectoryobjectid === objectId);
  if (!known) {
    org.pendingUsers.push({
      at: Date.now() + SYNC_SECONDS * 1000 * timeScale,
      user: systemUser(user.objectId, user.displayName, user.userPrincipalName, null, org.businessUnit.businessunitid),
    });
  }
  return json(200, {});
}

/** Users added with addUser show in Dataverse once their sync time has passed. */
export function syncPendingUsers(org: SandboxOrg, now = Date.now()): void {
  const ready = org.pendingUsers.filter((p) => p.at <= now);
  if (!ready.length) return;
  org.pendingUsers = org.pendingUsers.filter((p) => p.at > now);
  org.users.push(...ready.map((p) => p.user));
}

/** Roles of users and teams, and group teams (docs/service-notes.md#users-teams-and-roles). */
export function handleSecurity(
  request: SandboxRequest,
  segment: string,
  org: SandboxOrg,
  tenant: SandboxTenant,
  reply: DataverseReplies,
): Reply | undefined {
  if (request.method !== 'POST') return undefined;
  // Parsed only for its own routes: every POST to the org passes here, bulk writes of 1,000 records included.
  const body = () => jsonBody(request) ?? {};
  let match: RegExpExecArray | null;
  if ((match = /^systemusers\(([0-9a-f-]{36})\)\/systemuserroles_association\/\$ref$/i.exec(segment))) {
    const user = org.users.find((u) => u.systemuserid === match![1]!.toLowerCase());
    if (!user) return reply.error(404, '0x80040217', `systemuser With Id = ${match[1]} Does Not Exist`);
    return associate(org, user.businessunitid, user.roles, body(), reply);
  }
  if (segment.toLowerCase() === 'teams') {
    const created = createTeam(org, tenant, body(), reply);
    if ('status' in created) return created;
    return { status: 204, headers: { 'odata-entityid': `${org.url}/api/data/v9.2/teams(${created.teamid})` } };
  }
  if (
    (match =
      /^teams\((?:([0-9a-f-]{36})|azureactivedirectoryobjectid=([0-9a-f-]{36}),membershiptype=(\d))\)\/teamroles_association\/\$ref$/i.exec(
        segment,
      ))
  ) {
    let team = match[1]
      ? org.teams.find((t) => t.teamid === match![1]!.toLowerCase())
      : org.teams.find((t) => t.azureactivedirectoryobjectid === match![2]!.toLowerCase() && t.membershiptype === Number(match![3]));
    if (!team && match[2]) {
      // Assigning a role to a group without a team makes the team just in time (aad-group-team.md).
      const created = createTeam(org, tenant, { azureactivedirectoryobjectid: match[2], membershiptype: Number(match[3]) }, reply);
      if ('status' in created) return created;
      team = created;
    }
    if (!team) return reply.error(404, '0x80040217', `team With Id = ${match[1]} Does Not Exist`);
    return associate(org, team.businessunitid, team.roles, body(), reply);
  }
  return undefined;
}

/** Adds a role by `@odata.id`; the role must be the copy in the principal's business unit. */
function associate(org: SandboxOrg, businessunitid: string, roles: string[], body: any, reply: DataverseReplies): Reply {
  const roleId = /roles\(([0-9a-f-]{36})\)/i.exec(String(body['@odata.id'] ?? ''))?.[1]?.toLowerCase();
  const role = org.roles.find((r) => r.roleid === roleId);
  if (!role) return reply.error(404, '0x80040217', `role With Id = ${roleId ?? '(none)'} Does Not Exist`);
  if (role.businessunitid !== businessunitid) {
    return reply.error(
      400,
      '0x80060888',
      `The role ${role.name} (${role.roleid}) belongs to another business unit; assign the copy of the role from the principal's business unit.`,
    );
  }
  if (!roles.includes(role.roleid)) roles.push(role.roleid);
  return { status: 204 };
}

function createTeam(org: SandboxOrg, tenant: SandboxTenant, body: any, reply: DataverseReplies) {
  const objectId = String(body.azureactivedirectoryobjectid ?? '').toLowerCase();
  const group = tenant.groups.find((g) => g.objectId === objectId);
  if (!group) return reply.error(400, '0x80040203', `No Microsoft Entra group with object id '${objectId}' was found.`);
  const membershiptype = Number(body.membershiptype ?? 0);
  if (![0, 1, 2, 3].includes(membershiptype))
    return reply.error(400, '0x80040203', `membershiptype ${body.membershiptype} is not valid (0-3).`);
  if (org.teams.some((t) => t.azureactivedirectoryobjectid === objectId && t.membershiptype === membershiptype)) {
    return reply.error(412, '0x80040237', 'A team for this group and membership type already exists.');
  }
  const businessUnitId =
    /businessunits\(([0-9a-f-]{36})\)/i.exec(String(body['businessunitid@odata.bind'] ?? ''))?.[1]?.toLowerCase() ??
    org.businessUnit.businessunitid;
  if (!org.businessUnits.some((b) => b.businessunitid === businessUnitId))
    return reply.error(404, '0x80040217', `businessunit With Id = ${businessUnitId} Does Not Exist`);
  const team = {
    teamid: randomUUID(),
    name: String(body.name ?? group.displayName),
    azureactivedirectoryobjectid: objectId,
    membershiptype,
    teamtype: Number(body.teamtype ?? 2),
    businessunitid: businessUnitId,
    roles: [],
  };
  org.teams.push(team);
  return team;
}
