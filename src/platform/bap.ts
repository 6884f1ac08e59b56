import type { Endpoints } from './endpoints';
import type { HttpClient, HttpResponse } from './http';

const API_VERSION = '2023-06-01';
const ADMIN_ENVIRONMENTS = '/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments';

/** The BAP environment record, as far as this product reads it (power-platform-apis.md §3.1). */
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
    governanceConfiguration?: { protectionLevel?: string };
    ongoingOperation?: unknown;
    retentionPeriod?: string;
    updateCadence?: { id?: string };
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
    let url: string | undefined = `${this.endpoints.bapUrl}${ADMIN_ENVIRONMENTS}?api-version=${API_VERSION}&$expand=properties/billingPolicy`;
    for (let page = 0; url && page < 1000; page++) {
      const response: HttpResponse<BapList> = await this.http.send<BapList>({ service: 'bap', method: 'GET', url, resource: this.endpoints.bapResource, signal });
      const body = response.body;
      environments.push(...(body?.value ?? []));
      url = body?.nextLink ?? body?.['@odata.nextLink'];
    }
    return environments;
  }

  async getEnvironment(environmentId: string, signal?: AbortSignal): Promise<BapEnvironment> {
    // An empty id would silently turn this into the list call (§3.2).
    if (!environmentId.trim()) throw new TypeError('environmentId must not be empty');
    const url = `${this.endpoints.bapUrl}${ADMIN_ENVIRONMENTS}/${encodeURIComponent(environmentId)}?api-version=${API_VERSION}&$expand=permissions,properties.capacity,properties/billingPolicy`;
    const { body } = await this.http.send<BapEnvironment>({ service: 'bap', method: 'GET', url, resource: this.endpoints.bapResource, signal });
    return body;
  }
}
