/**
 * Service endpoints per sovereign cloud (docs/service-notes.md#sign-in-hosts-and-clouds). Dataverse URLs come from
 * each environment's record; only the domains they may be on are here.
 */
export type CloudName = 'Public' | 'GCC' | 'GCCHigh' | 'DoD' | 'China';

export interface Endpoints {
  cloud: CloudName;
  /** Entra ID login host, e.g. https://login.microsoftonline.com (no tenant, no trailing slash). */
  authorityHost: string;
  /** BAP admin API base URL. */
  bapUrl: string;
  /** Token audience (resource) for BAP. */
  bapResource: string;
  /** Power Platform API base URL. */
  powerPlatformUrl: string;
  /** Token audience (resource) for the Power Platform API. */
  powerPlatformResource: string;
  /** Solution checker (PowerApps Advisor) geography used when an environment names none. */
  checkerUrl: string;
  /** Token audience of the checker (docs/service-notes.md#sign-in-hosts-and-clouds). */
  checkerResource: string;
  /** Host suffix every geography of the checker shares in this cloud; other hosts never get a token. */
  checkerHostSuffix: string;
  /**
   * Domains the cloud's Dataverse orgs live on (org.crm4.dynamics.com is on crm4.dynamics.com). An entry
   * with a port (the sandbox's 127.0.0.1:port) matches that host exactly.
   */
  dataverseDomains: string[];
  /** Azure Storage domains of the cloud, where SAS links (checker results, catalog packages) point. */
  storageDomains: string[];
}

/** Microsoft's list of Dataverse datacenter regions: crm.dynamics.com (NAM), crm2 (SAM) … crm21; crm9 is GCC. */
const PUBLIC_DATAVERSE = [
  'crm.dynamics.com',
  ...Array.from({ length: 20 }, (_, i) => i + 2)
    .filter((n) => n !== 9)
    .map((n) => `crm${n}.dynamics.com`),
];

const DATAVERSE_DOMAINS: Record<CloudName, string[]> = {
  Public: PUBLIC_DATAVERSE,
  GCC: ['crm9.dynamics.com'],
  GCCHigh: ['crm.microsoftdynamics.us'],
  DoD: ['crm.appsplatform.us'],
  China: ['crm.dynamics.cn'],
};

const STORAGE_DOMAINS: Record<CloudName, string[]> = {
  Public: ['blob.core.windows.net'],
  GCC: ['blob.core.windows.net', 'blob.core.usgovcloudapi.net'],
  GCCHigh: ['blob.core.usgovcloudapi.net'],
  DoD: ['blob.core.usgovcloudapi.net'],
  China: ['blob.core.chinacloudapi.cn'],
};

const CLOUDS: Record<CloudName, Omit<Endpoints, 'cloud' | 'dataverseDomains' | 'storageDomains'>> = {
  Public: {
    authorityHost: 'https://login.microsoftonline.com',
    bapUrl: 'https://api.bap.microsoft.com',
    bapResource: 'https://service.powerapps.com/',
    powerPlatformUrl: 'https://api.powerplatform.com',
    powerPlatformResource: 'https://api.powerplatform.com',
    checkerUrl: 'https://unitedstates.api.advisor.powerapps.com',
    checkerResource: 'https://api.advisor.powerapps.com',
    checkerHostSuffix: '.api.advisor.powerapps.com',
  },
  GCC: {
    authorityHost: 'https://login.microsoftonline.com',
    bapUrl: 'https://gov.api.bap.microsoft.us',
    bapResource: 'https://gov.service.powerapps.us/',
    powerPlatformUrl: 'https://api.gov.powerplatform.microsoft.us',
    powerPlatformResource: 'https://api.gov.powerplatform.microsoft.us',
    checkerUrl: 'https://gov.api.advisor.powerapps.us',
    checkerResource: 'https://gov.api.advisor.powerapps.us',
    checkerHostSuffix: '.api.advisor.powerapps.us',
  },
  GCCHigh: {
    authorityHost: 'https://login.microsoftonline.us',
    bapUrl: 'https://high.api.bap.microsoft.us',
    bapResource: 'https://high.service.powerapps.us/',
    powerPlatformUrl: 'https://api.high.powerplatform.microsoft.us',
    powerPlatformResource: 'https://api.high.powerplatform.microsoft.us',
    checkerUrl: 'https://high.api.advisor.powerapps.us',
    checkerResource: 'https://high.api.advisor.powerapps.us',
    checkerHostSuffix: '.api.advisor.powerapps.us',
  },
  DoD: {
    authorityHost: 'https://login.microsoftonline.us',
    bapUrl: 'https://api.bap.appsplatform.us',
    bapResource: 'https://service.apps.appsplatform.us/',
    powerPlatformUrl: 'https://api.appsplatform.us',
    powerPlatformResource: 'https://api.appsplatform.us',
    checkerUrl: 'https://mil.api.advisor.appsplatform.us',
    checkerResource: 'https://mil.api.advisor.appsplatform.us',
    checkerHostSuffix: '.api.advisor.appsplatform.us',
  },
  China: {
    authorityHost: 'https://login.chinacloudapi.cn',
    bapUrl: 'https://api.bap.partner.microsoftonline.cn',
    bapResource: 'https://service.powerapps.cn/',
    powerPlatformUrl: 'https://api.powerplatform.partner.microsoftonline.cn',
    powerPlatformResource: 'https://api.powerplatform.partner.microsoftonline.cn',
    checkerUrl: 'https://china.api.advisor.powerapps.cn',
    checkerResource: 'https://china.api.advisor.powerapps.cn',
    checkerHostSuffix: '.api.advisor.powerapps.cn',
  },
};

/** Spellings people use for each cloud, lower-cased without spaces, dashes or underscores. */
const CLOUD_ALIASES: Record<string, CloudName> = {
  public: 'Public',
  commercial: 'Public',
  prod: 'Public',
  azurecloud: 'Public',
  gcc: 'GCC',
  usgov: 'GCC',
  gcchigh: 'GCCHigh',
  high: 'GCCHigh',
  usgovhigh: 'GCCHigh',
  dod: 'DoD',
  usgovdod: 'DoD',
  china: 'China',
  mooncake: 'China',
  azurechinacloud: 'China',
};

export class ConfigurationError extends Error {
  override name = 'ConfigurationError';
}

export function parseCloud(value: string | undefined): CloudName {
  if (!value) return 'Public';
  const cloud = CLOUD_ALIASES[value.toLowerCase().replace(/[\s_-]/g, '')];
  if (!cloud) {
    throw new ConfigurationError(`POWERPLATFORM_CLOUD "${value}" is not a known cloud. Use one of: ${Object.keys(CLOUDS).join(', ')}.`);
  }
  return cloud;
}

function overrideUrl(name: string, value: string | undefined): string | undefined {
  if (!value) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigurationError(`${name} must be an absolute URL, got "${value}".`);
  }
  if (url.protocol !== 'https:' && !isLoopbackHost(url.hostname)) {
    throw new ConfigurationError(`${name} must use https (plain http is accepted only for loopback addresses), got "${value}".`);
  }
  return value.replace(/\/+$/, '');
}

export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || hostname === '::1' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/** Endpoints for the cloud named in POWERPLATFORM_CLOUD, with the POWERAGENT_* URL overrides applied. */
export function resolveEndpoints(env: Record<string, string | undefined>): Endpoints {
  const cloud = parseCloud(env.POWERPLATFORM_CLOUD);
  const base = CLOUDS[cloud];
  const checkerOverride = overrideUrl('POWERAGENT_CHECKER_URL', env.POWERAGENT_CHECKER_URL);
  return {
    cloud,
    authorityHost: overrideUrl('POWERAGENT_AUTHORITY_HOST', env.POWERAGENT_AUTHORITY_HOST) ?? base.authorityHost,
    bapUrl: overrideUrl('POWERAGENT_BAP_URL', env.POWERAGENT_BAP_URL) ?? base.bapUrl,
    bapResource: base.bapResource,
    powerPlatformUrl: overrideUrl('POWERAGENT_POWERPLATFORM_URL', env.POWERAGENT_POWERPLATFORM_URL) ?? base.powerPlatformUrl,
    powerPlatformResource: base.powerPlatformResource,
    checkerUrl: checkerOverride ?? base.checkerUrl,
    checkerResource: base.checkerResource,
    // An override (the sandbox) is the only checker host then; environments' own geographies are not used.
    checkerHostSuffix: checkerOverride ? new URL(checkerOverride).host : base.checkerHostSuffix,
    dataverseDomains: [...extraDomains(env.POWERAGENT_DATAVERSE_DOMAINS), ...DATAVERSE_DOMAINS[cloud]],
    storageDomains: STORAGE_DOMAINS[cloud],
  };
}

/**
 * POWERAGENT_DATAVERSE_DOMAINS: comma-separated host names (or host:port for loopback) added to the
 * cloud's Dataverse domains: a region newer than this list, or an emulator such as the sandbox. Plain
 * names only: no scheme, no path.
 */
function extraDomains(value: string | undefined): string[] {
  const entries = (value ?? '')
    .split(',')
    .map((entry) => entry.trim().toLowerCase())
    .filter(Boolean);
  for (const entry of entries) {
    let url: URL | undefined;
    try {
      url = new URL(`https://${entry}`);
    } catch {
      url = undefined;
    }
    if (!url || url.host !== entry || (url.port && !isLoopbackHost(url.hostname))) {
      throw new ConfigurationError(
        `POWERAGENT_DATAVERSE_DOMAINS must list host names (a port only on loopback addresses), got "${entry}".`,
      );
    }
  }
  return entries;
}

export const CLOUD_NAMES = Object.keys(CLOUDS) as CloudName[];

/** The token audience of a Dataverse org: its root URL without a trailing slash. */
export function dataverseResource(instanceUrl: string): string {
  return instanceUrl.replace(/\/+$/, '');
}
