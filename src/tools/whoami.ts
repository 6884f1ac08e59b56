import { z } from 'zod';
import { tablesOf } from '../platform/dataverseTables';
import { resolveDataverseTarget } from './dataverseTarget';
import { environmentRef } from './schemas';
import { READ_ONLY_CLOUD, defineTool } from './types';

export const whoAmI = defineTool({
  name: 'pp_whoami',
  toolset: 'diagnostics',
  title: 'Who am I in an environment',
  description:
    'Checks sign-in to one Dataverse environment: returns the user, business unit, organization, URL and version. Call it first. ' +
    'Reads only.',
  input: z.strictObject({ environment: environmentRef.optional() }),
  output: z.object({
    environmentId: z.string().nullable().describe('Null when the environment was given by URL and not looked up.'),
    environmentName: z.string().nullable(),
    environmentUrl: z.string(),
    userId: z.string(),
    userName: z.string().nullable(),
    userPrincipalName: z.string().nullable(),
    isApplicationUser: z.boolean().describe('True for a service principal (application user).'),
    businessUnitId: z.string(),
    businessUnitName: z.string().nullable(),
    organizationId: z.string(),
    organizationName: z.string().nullable(),
    version: z.string(),
    signedInAs: z.string().describe('How the server signs in (method and account or app), without secrets.'),
  }),
  annotations: READ_ONLY_CLOUD,
  ui: { environments: { environment: { dataverse: true } } },
  async handler(args, context) {
    const target = await resolveDataverseTarget(args.environment, context);
    const dataverse = target.dataverse;
    const tables = tablesOf(dataverse);
    const who = await dataverse.whoAmI(context.signal);
    const [user, businessUnitName, organizationName, version] = await Promise.all([
      tables.systemUsers.profile(who.UserId, context.signal),
      tables.businessUnits.nameOf(who.BusinessUnitId, context.signal),
      tables.organizations.nameOf(who.OrganizationId, context.signal),
      dataverse.retrieveVersion(context.signal),
    ]);
    const result = {
      environmentId: target.environmentId,
      environmentName: target.environment ? target.displayName : null,
      environmentUrl: dataverse.resource,
      userId: who.UserId,
      userName: user.fullname ?? null,
      userPrincipalName: user.domainname || null,
      isApplicationUser: Boolean(user.applicationid),
      businessUnitId: who.BusinessUnitId,
      businessUnitName: businessUnitName ?? null,
      organizationId: who.OrganizationId,
      organizationName: organizationName ?? null,
      version,
      signedInAs: context.tokens.description,
    };
    const account = result.userPrincipalName ?? result.userName ?? result.userId;
    return {
      result,
      summary: `Signed in to ${result.environmentName ?? result.environmentUrl} (${result.environmentUrl}) as ${account}${result.isApplicationUser ? ' (application user)' : ''}, business unit ${result.businessUnitName ?? result.businessUnitId}, Dataverse ${version}.`,
    };
  },
});
