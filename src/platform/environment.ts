import type { BapEnvironment } from './bap';

/** An environment as the tools report it: flat, with the names people use. */
export interface EnvironmentSummary {
  id: string;
  displayName: string;
  type: string;
  region: string;
  azureRegion: string | null;
  state: string;
  isDefault: boolean;
  hasDataverse: boolean;
  url: string | null;
  domainName: string | null;
  version: string | null;
  organizationId: string | null;
  createdTime: string | null;
  protectionLevel: string | null;
}

export interface EnvironmentDetails extends EnvironmentSummary {
  description: string | null;
  createdBy: string | null;
  apiUrl: string | null;
  uniqueName: string | null;
  baseLanguage: number | null;
  instanceState: string | null;
  securityGroupId: string | null;
  updateCadence: string | null;
  retentionPeriod: string | null;
  ongoingOperation: boolean;
}

export function toEnvironmentSummary(env: BapEnvironment): EnvironmentSummary {
  const p = env.properties ?? {};
  const org = p.linkedEnvironmentMetadata;
  return {
    id: env.name,
    displayName: p.displayName ?? env.name,
    type: p.environmentSku ?? 'Unknown',
    region: env.location ?? 'unknown',
    azureRegion: p.azureRegion ?? null,
    state: p.states?.management?.id ?? p.provisioningState ?? 'Unknown',
    isDefault: p.isDefault ?? false,
    hasDataverse: Boolean(org?.instanceUrl),
    url: org?.instanceUrl ? org.instanceUrl.replace(/\/+$/, '') : null,
    domainName: org?.domainName ?? null,
    version: org?.version ?? null,
    organizationId: org?.resourceId ?? null,
    createdTime: p.createdTime ?? null,
    protectionLevel: p.governanceConfiguration?.protectionLevel ?? null,
  };
}

export function toEnvironmentDetails(env: BapEnvironment): EnvironmentDetails {
  const p = env.properties ?? {};
  const org = p.linkedEnvironmentMetadata;
  return {
    ...toEnvironmentSummary(env),
    description: p.description || null,
    createdBy: p.createdBy?.userPrincipalName ?? p.createdBy?.displayName ?? null,
    apiUrl: org?.instanceApiUrl ?? null,
    uniqueName: org?.uniqueName ?? null,
    baseLanguage: org?.baseLanguage ?? null,
    instanceState: org?.instanceState ?? null,
    securityGroupId: org?.securityGroupId || null,
    updateCadence: p.updateCadence?.id ?? null,
    retentionPeriod: p.retentionPeriod ?? null,
    ongoingOperation: Boolean(p.ongoingOperation),
  };
}
