import { dataverseResource } from './endpoints';
import type { HttpClient } from './http';

export interface WhoAmIResponse {
  UserId: string;
  BusinessUnitId: string;
  OrganizationId: string;
}

const ODATA_HEADERS = {
  'odata-maxversion': '4.0',
  'odata-version': '4.0',
  // Without it a cached response can hide a just-changed expand (§1.6).
  'if-none-match': 'null',
};

/** The Dataverse Web API v9.2 of one organization. */
export class DataverseClient {
  readonly resource: string;
  private readonly apiBase: string;

  constructor(
    private readonly http: HttpClient,
    instanceUrl: string,
  ) {
    this.resource = dataverseResource(instanceUrl);
    this.apiBase = `${this.resource}/api/data/v9.2`;
  }

  whoAmI(signal?: AbortSignal): Promise<WhoAmIResponse> {
    return this.get<WhoAmIResponse>('WhoAmI', signal);
  }

  async retrieveVersion(signal?: AbortSignal): Promise<string> {
    return (await this.get<{ Version: string }>('RetrieveVersion()', signal)).Version;
  }

  /** One row by entity set and id, with the given columns. */
  retrieve<T>(entitySet: string, id: string, columns: string[], signal?: AbortSignal): Promise<T> {
    return this.get<T>(`${entitySet}(${id})?$select=${columns.join(',')}`, signal);
  }

  /** A GET relative to /api/data/v9.2/. */
  async get<T>(path: string, signal?: AbortSignal): Promise<T> {
    const { body } = await this.http.send<T>({ service: 'dataverse', method: 'GET', url: `${this.apiBase}/${path}`, resource: this.resource, headers: ODATA_HEADERS, signal });
    return body;
  }
}
