/** Links to Microsoft's own portals for an environment or a solution, per cloud. No VS Code types. */

const MAKER: Record<string, string> = {
  Public: 'https://make.powerapps.com',
  GCC: 'https://make.gov.powerapps.us',
  GCCHigh: 'https://make.high.powerapps.us',
  DoD: 'https://make.apps.appsplatform.us',
  China: 'https://make.powerapps.cn',
};

const ADMIN: Record<string, string> = {
  Public: 'https://admin.powerplatform.microsoft.com',
  GCC: 'https://gcc.admin.powerplatform.microsoft.us',
  GCCHigh: 'https://high.admin.powerplatform.microsoft.us',
  DoD: 'https://admin.appsplatform.us',
  China: 'https://admin.powerplatform.azure.cn',
};

/** The maker portal's page of a solution, or of the environment's solutions when no solution id is given. */
export function makerPortalUrl(cloud: string, environmentId: string, solutionId?: string): string {
  const base = MAKER[cloud] ?? MAKER.Public!;
  return `${base}/environments/${encodeURIComponent(environmentId)}/solutions${solutionId ? `/${encodeURIComponent(solutionId)}` : ''}`;
}

/** The admin center's page of an environment. */
export function adminCenterUrl(cloud: string, environmentId: string): string {
  const base = ADMIN[cloud] ?? ADMIN.Public!;
  return `${base}/environments/environment/${encodeURIComponent(environmentId)}/hub`;
}
