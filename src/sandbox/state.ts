import { randomBytes, randomUUID } from 'node:crypto';
import { bapEnvironmentRecord, linkedEnvironmentMetadata, type SandboxBapRecord } from './seed/bapEnvironment';
import { ORGANIZATION_COLUMNS } from './seed/organization';
import { SYSTEM_USER_COLUMNS, nameParts } from './seed/systemUser';

/** An app registration the sandbox's identity service knows. */
export interface SandboxApp {
  clientId: string;
  /** Object id of its service principal, the `oid` of its tokens. */
  objectId: string;
  displayName: string;
  secret?: string;
  /** SHA-256 thumbprint (hex, upper case) and PEM of a registered certificate. */
  certificate?: { thumbprintSha256: string; pem: string };
  /** The external token accepted as a federated credential (workload identity). */
  federatedToken?: string;
  /**
   * Registered as Power Platform management application, so BAP admin calls are allowed (docs/service-notes.md#sign-in-hosts-and-clouds).
   */
  managementApp: boolean;
}

export interface SandboxUser {
  objectId: string;
  userPrincipalName: string;
  displayName: string;
  /** Power Platform administrator: may call the BAP admin API. */
  admin: boolean;
  /** Has a Power Platform licence; BAP refuses to add unlicensed users to environments. Default true. */
  licensed?: boolean;
}

/** An Entra security group, which a Dataverse group team can stand for. */
export interface SandboxGroup {
  objectId: string;
  displayName: string;
}

export interface SandboxRole {
  roleid: string;
  name: string;
  businessunitid: string;
  /** The root business unit's copy, shared by every copy of the role (roles are copied per business unit). */
  parentrootroleid: string;
}

export interface SandboxTeam {
  teamid: string;
  name: string;
  azureactivedirectoryobjectid: string | null;
  /** 0 members and guests, 1 members, 2 owners, 3 guests. */
  membershiptype: number;
  /** 0 owner, 1 access, 2 Entra security group, 3 Entra Microsoft 365 group. */
  teamtype: number;
  businessunitid: string;
  roles: string[];
}

export interface SandboxSystemUser {
  systemuserid: string;
  azureactivedirectoryobjectid: string;
  fullname: string;
  domainname: string;
  applicationid: string | null;
  businessunitid: string;
  isdisabled: boolean;
  /** Role ids (systemuserroles_association). */
  roles: string[];
}

export interface SandboxPublisher {
  publisherid: string;
  uniquename: string;
  friendlyname: string;
  customizationprefix: string;
  customizationoptionvalueprefix: number;
}

/** A component of a solution: its type code (solutioncomponent.componenttype) and id or schema name. */
export interface SandboxComponent {
  componenttype: number;
  objectid: string;
  schemaname?: string;
  rootcomponentbehavior: number;
}

export interface SandboxSolution {
  solutionid: string;
  uniquename: string;
  friendlyname: string;
  version: string;
  ismanaged: boolean;
  isvisible: boolean;
  description: string | null;
  createdon: string;
  installedon: string;
  modifiedon: string;
  publisher: SandboxPublisher;
  components: SandboxComponent[];
  /** Unique names of the solutions this one needs (its package's MissingDependencies). */
  requires: string[];
  /** The zip it was imported from, kept so an export gives its files back. */
  package?: Uint8Array;
}

/**
 * A connection in the environment, which connection references point at
 * (docs/service-notes.md#connection-references-and-environment-variables).
 */
export interface SandboxConnection {
  connectionid: string;
  connectorid: string;
  displayname: string;
}

export interface SandboxOrg {
  organizationId: string;
  /**
   * The degree of parallelism the service recommends on every response (x-ms-dop-hint): 4 here, 16
   * for the production environment (the service gives environments with more servers more). Null sends none.
   */
  parallelismHint: number | null;
  /** How many records FetchXML paging by page number alone can reach (the service's 50,000; tests lower it). */
  simplePagingLimit: number;
  /** Power Pages tables installed (a new environment has none until Power Pages is provisioned). */
  portalSchemas: Set<'adx' | 'mspp'>;
  name: string;
  /** Root URL, also the token audience: <sandbox>/orgs/<domain>. */
  url: string;
  version: string;
  /** The root business unit. */
  businessUnit: { businessunitid: string; name: string };
  /** Every business unit, the root first. */
  businessUnits: Array<{ businessunitid: string; name: string; parentbusinessunitid: string | null }>;
  users: SandboxSystemUser[];
  roles: SandboxRole[];
  teams: SandboxTeam[];
  /** Entra users added with BAP addUser whose Dataverse row is still being made (it shows a moment later). */
  pendingUsers: Array<{ at: number; user: SandboxSystemUser }>;
  solutions: SandboxSolution[];
  /** Tables that exist outside any custom solution: logical name and MetadataId. */
  entities: Array<{ logicalname: string; metadataid: string }>;
  connections: SandboxConnection[];
  /**
   * connectionreferences rows: made by imports, their connection set by ComponentParameters or PATCH
   * (docs/service-notes.md#connection-references-and-environment-variables).
   */
  connectionReferences: Array<{
    connectionreferenceid: string;
    connectionreferencelogicalname: string;
    connectionreferencedisplayname: string;
    connectorid: string;
    connectionid: string | null;
  }>;
  environmentVariableDefinitions: Array<{
    environmentvariabledefinitionid: string;
    schemaname: string;
    displayname: string;
    type: number;
    defaultvalue: string | null;
  }>;
  environmentVariableValues: Array<{
    environmentvariablevalueid: string;
    schemaname: string;
    value: string;
    environmentvariabledefinitionid: string;
  }>;
  /** Organization columns changed from their seeded values (PATCH organizations). */
  organizationSettings: Record<string, unknown>;
  /** Setting-definition values changed from their seeded ones (SaveSettingValue). */
  settingValues: Record<string, string>;
  /** Times PublishAllXml or PublishXml ran, with what was published. */
  publishes: Array<{ at: string; parameterXml: string | null }>;
  /** The solutions as they were after each change, for point-in-time restores. */
  history: Array<{ at: number; solutions: SandboxSolution[] }>;
}

/** A manual backup as the Power Platform API returns it (docs/service-notes.md#power-platform-api). */
export interface SandboxBackup {
  id: string;
  label: string;
  backupPointDateTime: string;
  backupExpiryDateTime: string;
  createdBy: { userId: string; displayName: string; type: string; tenantId: string };
}

export interface SandboxEnvironment {
  record: SandboxBapRecord;
  org?: SandboxOrg;
  /** The database of an environment being created, not reachable until its metadata shows. */
  pendingOrg?: SandboxOrg;
  backups: SandboxBackup[];
  /** Application package states by unique name (InstancePackageState); absent means None. */
  applicationStates: Record<string, string>;
}

export interface SandboxTenant {
  tenantId: string;
  tenantDomain: string;
  apps: SandboxApp[];
  users: SandboxUser[];
  groups: SandboxGroup[];
  environments: Map<string, SandboxEnvironment>;
  /** Dataverse database capacity of the tenant, in GB; each database takes 1 GB in the sandbox. */
  databaseCapacityGb: number;
}

export interface Seed {
  displayName: string;
  sku: string;
  location: string;
  azureRegion: string;
  domainName?: string;
  isDefault?: boolean;
  protectionLevel?: string;
  createdTime?: string;
  /** Solutions besides the system ones. */
  solutions?: Array<Pick<SandboxSolution, 'uniquename' | 'version' | 'ismanaged'> & { requires?: string[] }>;
  /** Power Pages tables the org has: `adx` (standard data model), `mspp` (the enhanced model's views). */
  portalSchemas?: Array<'adx' | 'mspp'>;
}

const SEEDS: Seed[] = [
  {
    displayName: 'Contoso (default)',
    sku: 'Default',
    location: 'unitedstates',
    azureRegion: 'westus',
    domainName: 'contoso',
    isDefault: true,
  },
  {
    displayName: 'Contoso Dev',
    sku: 'Sandbox',
    location: 'europe',
    azureRegion: 'westeurope',
    domainName: 'contoso-dev',
    portalSchemas: ['mspp'],
    solutions: [
      { uniquename: 'ContosoCore', version: '1.2.0.0', ismanaged: false },
      { uniquename: 'ContosoPortal', version: '1.0.0.3', ismanaged: false, requires: ['ContosoCore'] },
    ],
  },
  {
    displayName: 'Contoso Test',
    sku: 'Sandbox',
    location: 'europe',
    azureRegion: 'northeurope',
    domainName: 'contoso-test',
    portalSchemas: ['adx'],
    solutions: [{ uniquename: 'ContosoCore', version: '1.1.0.0', ismanaged: true }],
  },
  {
    displayName: 'Contoso Production',
    sku: 'Production',
    location: 'unitedstates',
    azureRegion: 'eastus',
    domainName: 'contoso-prod',
    portalSchemas: ['adx', 'mspp'],
    protectionLevel: 'Standard',
    solutions: [{ uniquename: 'ContosoCore', version: '1.0.0.0', ismanaged: true }],
  },
  { displayName: 'Field Trial', sku: 'Trial', location: 'unitedkingdom', azureRegion: 'uksouth' },
];

/** The client id the sandbox's own service principal uses. */
export const SANDBOX_CLIENT_ID = '51f0c3a4-6a1e-4b1e-9a43-5a0dbf0c0a11';

/** A tenant with a few environments, an admin user and a service principal that is an application user everywhere. */
export function seedTenant(baseUrl: string, seedIndex = 1): SandboxTenant {
  const tenantId = guid(0xa0, seedIndex);
  const app: SandboxApp = {
    clientId: SANDBOX_CLIENT_ID,
    objectId: guid(0xb0, seedIndex),
    displayName: 'Power Agent MCP sandbox app',
    secret: randomBytes(24).toString('base64url'),
    managementApp: true,
  };
  const admin: SandboxUser = {
    objectId: guid(0xc0, seedIndex),
    userPrincipalName: 'admin@contoso.sandbox',
    displayName: 'Sandbox Admin',
    admin: true,
  };
  const people: SandboxUser[] = [
    { objectId: guid(0xc1, seedIndex), userPrincipalName: 'megan@contoso.sandbox', displayName: 'Megan Bowen', admin: false },
    { objectId: guid(0xc2, seedIndex), userPrincipalName: 'adele@contoso.sandbox', displayName: 'Adele Vance', admin: false },
    {
      objectId: guid(0xc3, seedIndex),
      userPrincipalName: 'unlicensed@contoso.sandbox',
      displayName: 'Lee Gu',
      admin: false,
      licensed: false,
    },
  ];
  const groups: SandboxGroup[] = [
    { objectId: guid(0xd1, seedIndex), displayName: 'Contoso Makers' },
    { objectId: guid(0xd2, seedIndex), displayName: 'Contoso Support' },
  ];
  const tenant: SandboxTenant = {
    tenantId,
    tenantDomain: 'contoso.sandbox',
    apps: [app],
    users: [admin, ...people],
    groups,
    environments: new Map(),
    databaseCapacityGb: 10,
  };
  SEEDS.forEach((seed, index) => addEnvironment(tenant, baseUrl, { ...seed, id: guid(0xe0, index + 1) }));
  return tenant;
}

/**
 * Adds `count` environments without Dataverse ("Bulk 00001", ...) after the seeded ones: only a BAP
 * record each, so a tenant of thousands costs a few megabytes and no org.
 */
export function addBulkEnvironments(tenant: SandboxTenant, baseUrl: string, count: number): void {
  for (let n = 1; n <= count; n++) {
    const displayName = `Bulk ${String(n).padStart(5, '0')}`;
    addEnvironment(tenant, baseUrl, {
      id: guid(0xf0, n),
      displayName,
      sku: n % 4 ? 'Sandbox' : 'Developer',
      location: 'unitedstates',
      azureRegion: 'eastus',
    });
  }
}

/** Adds an environment with the sandbox's BAP record, and a Dataverse org when it has a domain. */
export function addEnvironment(tenant: SandboxTenant, baseUrl: string, seed: Seed & { id: string }): SandboxEnvironment {
  const creator = tenant.users[0]!;
  const createdTime = seed.createdTime ?? new Date(Date.UTC(2025, 0, 1)).toISOString();
  const record = bapEnvironmentRecord({
    id: seed.id,
    tenantId: tenant.tenantId,
    displayName: seed.displayName,
    location: seed.location,
    azureRegion: seed.azureRegion,
    sku: seed.sku,
    isDefault: seed.isDefault ?? false,
    createdTime,
    protectionLevel: seed.protectionLevel ?? 'Basic',
    createdBy: { id: creator.objectId, displayName: creator.displayName, userPrincipalName: creator.userPrincipalName },
  });
  const environment: SandboxEnvironment = { record, backups: [], applicationStates: {} };
  if (seed.domainName) {
    const org = makeOrg(tenant, baseUrl, seed.domainName, seed.displayName);
    org.portalSchemas = new Set(seed.portalSchemas);
    if (seed.sku === 'Production') org.parallelismHint = 16;
    const seeded = (seed.solutions ?? []).map((s) => ({ ...solution(s.uniquename, s.version, s.ismanaged), requires: s.requires ?? [] }));
    setSolutions(org, [...systemSolutions(), ...seeded], Date.parse(createdTime));
    record.properties.databaseType = 'CommonDataService';
    record.properties.linkedEnvironmentMetadata = linkedEnvironmentMetadata({
      organizationId: org.organizationId,
      friendlyName: seed.displayName,
      domainName: seed.domainName,
      version: org.version,
      url: org.url,
      createdTime,
    });
    environment.org = org;
  }
  tenant.environments.set(seed.id, environment);
  return environment;
}

function makeOrg(tenant: SandboxTenant, baseUrl: string, domainName: string, _name: string): SandboxOrg {
  const businessUnit = { businessunitid: randomUUID(), name: domainName };
  const sales = { businessunitid: randomUUID(), name: 'Sales', parentbusinessunitid: businessUnit.businessunitid };
  const roles = seedRoles([businessUnit.businessunitid, sales.businessunitid]);
  const administrator = roles.find((r) => r.name === 'System Administrator' && r.businessunitid === businessUnit.businessunitid)!.roleid;
  // Administrators and the service principal are users of every database; other people are added (pp_assign_user).
  const users: SandboxSystemUser[] = [
    ...tenant.users
      .filter((user) => user.admin)
      .map((user) =>
        systemUser(user.objectId, user.displayName, user.userPrincipalName, null, businessUnit.businessunitid, [administrator]),
      ),
    ...tenant.apps.map((app) =>
      systemUser(
        app.objectId,
        `# ${app.displayName}`,
        `${app.clientId}@${tenant.tenantDomain}`,
        app.clientId,
        businessUnit.businessunitid,
        [administrator],
      ),
    ),
  ];
  return {
    organizationId: randomUUID(),
    parallelismHint: 4,
    simplePagingLimit: 50_000,
    portalSchemas: new Set(),
    name: domainName,
    url: `${baseUrl}/orgs/${domainName}`,
    version: '9.2.25103.00210',
    businessUnit,
    businessUnits: [{ ...businessUnit, parentbusinessunitid: null }, sales],
    users,
    roles,
    teams: [],
    pendingUsers: [],
    solutions: [],
    entities: SYSTEM_TABLES.map((logicalname, index) => ({ logicalname, metadataid: guid(0x70, index + 1) })),
    connections: SEEDED_CONNECTORS.map((connector, index) => ({
      connectionid: guid(0x71, index + 1).replace(/-/g, ''),
      connectorid: `/providers/Microsoft.PowerApps/apis/${connector}`,
      displayname: `${connector.replace('shared_', '')} (${tenant.users[0]!.userPrincipalName})`,
    })),
    connectionReferences: [],
    environmentVariableDefinitions: [],
    environmentVariableValues: [],
    organizationSettings: {},
    settingValues: {},
    publishes: [],
    history: [],
  };
}

/** The solutions every new or reset Dataverse database has. */
export function systemSolutions(): SandboxSolution[] {
  return [
    { ...solution('Default', '1.0', false), friendlyname: 'Default Solution' },
    { ...solution('System', '9.2.25103.210', true), friendlyname: 'System Solution', isvisible: false },
    { ...solution('Active', '1.0', false), friendlyname: 'Active Solution', isvisible: false },
  ];
}

const SYSTEM_TABLES = ['account', 'contact', 'systemuser', 'team', 'businessunit', 'task', 'email'];
const SEEDED_CONNECTORS = ['shared_sharepointonline', 'shared_office365users', 'shared_office365groups', 'shared_commondataserviceforapps'];

/** The publisher of seeded solutions, and of solutions made in the environment without one. */
export const DEFAULT_PUBLISHER: SandboxPublisher = {
  publisherid: '00000001-0000-4000-8000-00000000d0b1',
  uniquename: 'DefaultPublisher',
  friendlyname: 'Default Publisher',
  customizationprefix: 'new',
  customizationoptionvalueprefix: 10000,
};

export function solution(uniquename: string, version: string, ismanaged: boolean): SandboxSolution {
  const at = new Date(Date.UTC(2025, 0, 1)).toISOString();
  return {
    solutionid: randomUUID(),
    uniquename,
    friendlyname: uniquename.replace(/([a-z])([A-Z])/g, '$1 $2'),
    version,
    ismanaged,
    isvisible: true,
    description: null,
    createdon: at,
    installedon: at,
    modifiedon: at,
    publisher: { ...DEFAULT_PUBLISHER },
    components: [],
    requires: [],
  };
}

/** Replaces an org's solutions and remembers the change for point-in-time restores. */
export function setSolutions(org: SandboxOrg, solutions: SandboxSolution[], at = Date.now()): void {
  org.solutions = structuredClone(solutions);
  org.history.push({ at, solutions: structuredClone(solutions) });
}

/** The solutions an org had at a moment, or undefined before its first record. */
export function solutionsAt(org: SandboxOrg, at: number): SandboxSolution[] | undefined {
  const entry = [...org.history].reverse().find((h) => h.at <= at);
  return entry ? structuredClone(entry.solutions) : undefined;
}

/** Gigabytes of database capacity in use: one per Dataverse database. */
export function usedCapacityGb(tenant: SandboxTenant): number {
  return [...tenant.environments.values()].filter((e) => e.record.properties?.databaseType === 'CommonDataService').length;
}

export function systemUser(
  objectId: string,
  fullname: string,
  domainname: string,
  applicationid: string | null,
  businessunitid: string,
  roles: string[] = [],
): SandboxSystemUser {
  return {
    systemuserid: randomUUID(),
    azureactivedirectoryobjectid: objectId,
    fullname,
    domainname,
    applicationid,
    businessunitid,
    isdisabled: false,
    roles,
  };
}

const ROLE_NAMES = ['System Administrator', 'System Customizer', 'Environment Maker', 'Basic User', 'Sales Manager'];

/** Each role in each business unit, the copies sharing their root role's id (docs/service-notes.md#users-teams-and-roles). */
function seedRoles(businessUnitIds: string[]): SandboxRole[] {
  return ROLE_NAMES.flatMap((name) => {
    const root = randomUUID();
    return businessUnitIds.map((businessunitid, index) => ({
      roleid: index === 0 ? root : randomUUID(),
      name,
      businessunitid,
      parentrootroleid: root,
    }));
  });
}

/** A systemuser row: the user's own columns, the common ones of seed/systemUser.ts, and its roles. */
export function systemUserRow(user: SandboxSystemUser, org: SandboxOrg): Record<string, unknown> {
  // The business unit shows only as its lookup value, as in the service's rows.
  const { roles, businessunitid, ...columns } = user;
  return {
    ...SYSTEM_USER_COLUMNS,
    ...nameParts(user.fullname),
    ...columns,
    accessmode: user.applicationid ? 4 : 0,
    _businessunitid_value: businessunitid,
    organizationid: org.organizationId,
    internalemailaddress: user.domainname,
    windowsliveid: user.applicationid ? null : user.domainname,
    systemuserroles_association: org.roles
      .filter((r) => roles.includes(r.roleid))
      .map((r) => ({ roleid: r.roleid, name: r.name, _businessunitid_value: r.businessunitid })),
  };
}

/** The organization row: the seeded columns, this org's ids and names, and the changes made to it. */
export function organizationRow(org: SandboxOrg): Record<string, unknown> {
  const creator = org.users[0]?.systemuserid ?? null;
  return {
    ...ORGANIZATION_COLUMNS,
    ...org.organizationSettings,
    organizationid: org.organizationId,
    name: org.name,
    createdon: '2025-01-01T00:00:00Z',
    modifiedon: '2025-01-01T00:00:00Z',
    versionnumber: 1000001,
    _createdby_value: creator,
    _modifiedby_value: creator,
  };
}

/** Stable, readable GUIDs for seeded objects, so a sandbox id means the same thing in every run. */
function guid(kind: number, n: number): string {
  const hex = n.toString(16).padStart(12, '0');
  return `${kind.toString(16).padStart(8, '0')}-0000-4000-8000-${hex}`;
}
