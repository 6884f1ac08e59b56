// The BAP admin record of one environment (GET …/scopes/admin/environments/{id}), with the sandbox's own values.

/** What varies between the sandbox's environments. */
export interface BapEnvironmentSeed {
  id: string;
  tenantId: string;
  displayName: string;
  location: string;
  azureRegion: string;
  sku: string;
  isDefault: boolean;
  createdTime: string;
  protectionLevel: string;
  createdBy: { id: string; displayName: string; userPrincipalName: string };
}

/** The Dataverse part of the record, present once the environment has a database. */
export interface LinkedDatabaseSeed {
  organizationId: string;
  friendlyName: string;
  domainName: string;
  version: string;
  /** The org's root URL without a trailing slash. */
  url: string;
  createdTime: string;
}

/**
 * An environment as the BAP admin API sends it, whose properties the sandbox may change in place (state,
 * ongoing operation, metadata). The sandbox's own loose shape: it never uses the product's types.
 */
export interface SandboxBapRecord {
  id: string;
  name: string;
  location: string;
  type: string;
  properties: Record<string, any>;
}

export function bapEnvironmentRecord(seed: BapEnvironmentSeed): SandboxBapRecord {
  const { id, location } = seed;
  const retention = seed.sku === 'Production' ? 'P28D' : 'P7D';
  const properties: Record<string, any> = {
    tenantId: seed.tenantId,
    azureRegion: seed.azureRegion,
    displayName: seed.displayName,
    createdTime: seed.createdTime,
    createdBy: { ...seed.createdBy, email: seed.createdBy.userPrincipalName, type: 'User', tenantId: seed.tenantId },
    billingPolicy: { id: '' },
    lastModifiedTime: seed.createdTime,
    provisioningState: 'Succeeded',
    creationType: 'User',
    environmentSku: seed.sku,
    isDefault: seed.isDefault,
    capacity: [
      { capacityType: 'Database', actualConsumption: 412.5, ratedConsumption: 512, capacityUnit: 'MB', updatedOn: seed.createdTime },
      { capacityType: 'File', actualConsumption: 96.25, ratedConsumption: 96.25, capacityUnit: 'MB', updatedOn: seed.createdTime },
      { capacityType: 'Log', actualConsumption: 0, ratedConsumption: 0, capacityUnit: 'MB', updatedOn: seed.createdTime },
    ],
    addons: [],
    clientUris: {
      admin: `https://admin.powerplatform.microsoft.com/environments/environment/${id}/hub`,
      maker: `https://make.powerapps.com/environments/${id}/home`,
    },
    runtimeEndpoints: runtimeEndpoints(location),
    databaseType: 'None',
    trialScenarioType: 'None',
    notificationMetadata: { state: 'NotSpecified', branding: 'NotSpecific' },
    retentionPeriod: retention,
    states: {
      management: { id: 'Ready' },
      runtime: { runtimeReasonCode: 'NotSpecified', requestedBy: { displayName: 'SYSTEM', type: 'NotSpecified' }, id: 'Enabled' },
    },
    updateCadence: { id: 'Frequent' },
    retentionDetails: { retentionPeriod: retention, backupsAvailableFromDateTime: seed.createdTime },
    protectionStatus: { keyManagedBy: 'Microsoft' },
    connectedGroups: [],
    governanceConfiguration: { protectionLevel: seed.protectionLevel },
  };
  return {
    id: `/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments/${id}`,
    type: 'Microsoft.BusinessAppPlatform/scopes/environments',
    location,
    name: id,
    properties,
  };
}

/** `properties.linkedEnvironmentMetadata` of an environment with a Dataverse database. */
export function linkedEnvironmentMetadata(db: LinkedDatabaseSeed): Record<string, unknown> {
  return {
    resourceId: db.organizationId,
    friendlyName: db.friendlyName,
    uniqueName: `unq${db.organizationId.replace(/-/g, '').slice(0, 24)}`,
    domainName: db.domainName,
    version: db.version,
    instanceUrl: `${db.url}/`,
    instanceApiUrl: db.url,
    baseLanguage: 1033,
    instanceState: 'Ready',
    createdTime: db.createdTime,
    backgroundOperationsState: 'Enabled',
    platformSku: 'Standard',
    schemaType: 'Standard',
    securityGroupId: '',
  };
}

/** The regional hosts of the services an environment's location is served from. */
function runtimeEndpoints(location: string): Record<string, string> {
  return {
    'microsoft.BusinessAppPlatform': `https://${location}.api.bap.microsoft.com`,
    'microsoft.CommonDataModel': `https://${location}.api.cds.microsoft.com`,
    'microsoft.PowerApps': `https://${location}.api.powerapps.com`,
    'microsoft.PowerAppsAdvisor': `https://${location}.api.advisor.powerapps.com`,
    'microsoft.Flow': `https://${location}.api.flow.microsoft.com`,
  };
}
