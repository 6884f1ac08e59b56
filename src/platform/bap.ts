import type { Endpoints } from './endpoints';
import type { HttpClient, HttpResponse } from './http';
import type { ResponseHeaders } from './responseHeaders';

const API_VERSION = '2023-06-01';
/** validateDelete exists only in this older version (docs/service-notes.md#bap-environments). */
const VALIDATE_API_VERSION = '2021-04-01';
const PROVIDER = '/providers/Microsoft.BusinessAppPlatform';
const ADMIN_ENVIRONMENTS = `${PROVIDER}/scopes/admin/environments`;

/** The create request body (docs/service-notes.md#bap-environments). Note `templates` (plural) on create, `template` on read. */
export interface BapCreateEnvironmentBody {
  location: string;
  properties: {
    displayName: string;
    environmentSku: string;
    description?: string;
    azureRegion?: string;
    databaseType: 'CommonDataService' | 'None';
    linkedEnvironmentMetadata?: {
      baseLanguage: number;
      domainName?: string;
      currency: { code: string };
      securityGroupId: string;
      templates?: string[];
    };
  };
}

/** The BAP environment record, as far as this product reads it (docs/service-notes.md#bap-environments). */
export interface BapEnvironment {
  id?: string;
  name: string;
  location?: string;
  properties?: {
    displayName?: string;
    description?: string;
    environmentSku?: string;
    isDefault?: boolean;
    azureRegion?: string;
    provisioningState?: string;
    createdTime?: string;
    createdBy?: { id?: string; displayName?: string; userPrincipalName?: string; type?: string };
    databaseType?: string;
    states?: { management?: { id?: string }; runtime?: { id?: string } };
    linkedEnvironmentMetadata?: {
      resourceId?: string;
      friendlyName?: string;
      uniqueName?: string;
      domainName?: string;
      version?: string;
      instanceUrl?: string;
      instanceApiUrl?: string;
      baseLanguage?: number;
      instanceState?: string;
      securityGroupId?: string;
    };
    governanceConfiguration?: { protectionLevel?: string; settings?: { extendedSettings?: Record<string, string> } };
    ongoingOperation?: unknown;
    retentionPeriod?: string;
    updateCadence?: { id?: string };
    tenantId?: string;
    /** Regional service hosts of the environment, such as microsoft.PowerAppsAdvisor. */
    runtimeEndpoints?: Record<string, string>;
  };
}

interface BapList {
  value: BapEnvironment[];
  nextLink?: string;
  '@odata.nextLink'?: string;
}

/** The BAP admin API (api.bap.microsoft.com and its sovereign twins). */
export class BapClient {
  constructor(
    private readonly http: HttpClient,
    private readonly endpoints: Endpoints,
  ) {}

  /** Every environment in the tenant (admin scope), following next links when the service pages. */
  async listEnvironments(signal?: AbortSignal): Promise<BapEnvironment[]> {
    const environments: BapEnvironment[] = [];
    let url: string | undefined =
      `${this.endpoints.bapUrl}${ADMIN_ENVIRONMENTS}?api-version=${API_VERSION}&$expand=properties/billingPolicy`;
    for (let page = 0; url && page < 1000; page++) {
      const response: HttpResponse<BapList> = await this.http.send<BapList>({
        service: 'bap',
        method: 'GET',
        url,
        resource: this.endpoints.bapResource,
        signal,
      });
      const body = response.body;
      environments.push(...(body?.value ?? []));
      url = body?.nextLink ?? body?.['@odata.nextLink'];
    }
    return environments;
  }

  async getEnvironment(environmentId: string, signal?: AbortSignal): Promise<BapEnvironment> {
    // An empty id would silently turn this into the list call (docs/service-notes.md#bap-environments).
    if (!environmentId.trim()) throw new TypeError('environmentId must not be empty');
    const url = `${this.endpoints.bapUrl}${ADMIN_ENVIRONMENTS}/${encodeURIComponent(environmentId)}?api-version=${API_VERSION}&$expand=permissions,properties.capacity,properties/billingPolicy`;
    const { body } = await this.http.send<BapEnvironment>({
      service: 'bap',
      method: 'GET',
      url,
      resource: this.endpoints.bapResource,
      signal,
    });
    return body;
  }

  /** Starts a create: 202 with a lifecycle operation in Location, or 201 with the environment. Never repeated on an unknown outcome. */
  createEnvironment(body: BapCreateEnvironmentBody, signal?: AbortSignal): Promise<HttpResponse<BapEnvironment | undefined>> {
    const url = `${this.endpoints.bapUrl}${PROVIDER}/environments?api-version=${API_VERSION}`;
    return this.http.send({ service: 'bap', method: 'POST', url, body, resource: this.endpoints.bapResource, idempotent: false, signal });
  }

  /**
   * Enables, updates or disables managed environments: 202 with a lifecycle operation (docs/service-notes.md#bap-environments). Must use
   * api-version 2021-04-01; every extended setting is a string.
   */
  setGovernanceConfiguration(
    environmentId: string,
    body: { protectionLevel: 'Standard' | 'Basic'; settings?: { extendedSettings: Record<string, string> } },
    signal?: AbortSignal,
  ): Promise<HttpResponse<unknown>> {
    const url = `${this.endpoints.bapUrl}${PROVIDER}/environments/${encodeURIComponent(environmentId)}/governanceConfiguration?api-version=2021-04-01`;
    return this.http.send({ service: 'bap', method: 'POST', url, body, resource: this.endpoints.bapResource, idempotent: false, signal });
  }

  /**
   * Syncs an Entra user into the environment's Dataverse (docs/service-notes.md#users-teams-and-roles). Adding a user twice is harmless.
   */
  async addUser(environmentId: string, objectId: string, signal?: AbortSignal): Promise<void> {
    const url = `${this.endpoints.bapUrl}${ADMIN_ENVIRONMENTS}/${encodeURIComponent(environmentId)}/addUser?api-version=${API_VERSION}`;
    await this.http.send({
      service: 'bap',
      method: 'POST',
      url,
      body: { objectId },
      resource: this.endpoints.bapResource,
      idempotent: true,
      signal,
    });
  }

  /** Whether the service would accept a delete now (`canInitiateDelete`). */
  async validateDelete(environmentId: string, signal?: AbortSignal): Promise<{ canInitiateDelete?: boolean; [key: string]: unknown }> {
    const url = `${this.endpoints.bapUrl}${ADMIN_ENVIRONMENTS}/${encodeURIComponent(environmentId)}/validateDelete?api-version=${VALIDATE_API_VERSION}`;
    // Validation changes nothing, so it may be repeated.
    const { body } = await this.http.send<{ canInitiateDelete?: boolean }>({
      service: 'bap',
      method: 'POST',
      url,
      body: {},
      resource: this.endpoints.bapResource,
      idempotent: true,
      signal,
    });
    return body ?? {};
  }

  /**
   * Starts a delete: 202 with a lifecycle operation, or 204 when done. The reason body is mandatory
   * (docs/service-notes.md#bap-environments).
   */
  deleteEnvironment(environmentId: string, signal?: AbortSignal): Promise<HttpResponse<unknown>> {
    if (!environmentId.trim()) throw new TypeError('environmentId must not be empty');
    const url = `${this.endpoints.bapUrl}${ADMIN_ENVIRONMENTS}/${encodeURIComponent(environmentId)}?api-version=${API_VERSION}`;
    return this.http.send({
      service: 'bap',
      method: 'DELETE',
      url,
      body: { code: '7', message: 'Deleted by Power Agent MCP' },
      resource: this.endpoints.bapResource,
      signal,
    });
  }
}

/** The status URL of a started operation: BAP puts it in Location (modifySku in Operation-Location). */
export function bapPollUrl(headers: ResponseHeaders): string | undefined {
  return headers.get('location') ?? headers.get('operation-location') ?? undefined;
}
