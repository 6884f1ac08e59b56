import type { Endpoints } from './endpoints';
import type { HttpClient, HttpResponse } from './http';
import type { ResponseHeaders } from './responseHeaders';

const API_VERSION = '2024-10-01';

/** A manual backup: a labelled point on the continuous backups (docs/service-notes.md#power-platform-api). */
export interface EnvironmentBackup {
  id: string;
  label?: string;
  backupPointDateTime: string;
  backupExpiryDateTime?: string;
  createdBy?: { userId?: string; displayName?: string; type?: string };
}

/** A backup as the tools report it. */
export function backupSummary(body: Partial<EnvironmentBackup> | null | undefined): {
  id: string;
  label: string | null;
  backupPointDateTime: string;
  backupExpiryDateTime: string | null;
  createdBy: string | null;
} {
  return {
    id: String(body?.id ?? ''),
    label: body?.label ?? null,
    backupPointDateTime: String(body?.backupPointDateTime ?? ''),
    backupExpiryDateTime: body?.backupExpiryDateTime ?? null,
    createdBy: body?.createdBy?.displayName ?? null,
  };
}

/** `OperationExecutionResult` (docs/service-notes.md#long-running-operations), as far as this product reads it. */
export interface PowerPlatformOperation {
  operationId: string;
  name?: string;
  status: string;
  startTime?: string;
  endTime?: string;
}

/** An application package as appmanagement lists it. */
export interface ApplicationPackage {
  id: string;
  uniqueName: string;
  version?: string;
  localizedName?: string;
  applicationName?: string;
  publisherName?: string;
  /** None, Installed, Installing, InstallFailed, … (InstancePackageState). */
  state?: string;
  errorDetails?: unknown;
}

export interface RestoreBody {
  sourceEnvironmentId: string;
  /** RFC 3339 with an offset (docs/service-notes.md#power-platform-api). */
  restorePointDateTime: string;
  restoreOptions?: { environmentNameToOverride?: string; securityGroupIdToOverride?: string; skipAuditData?: boolean };
}

export interface CopyBody {
  sourceEnvironmentId: string;
  /** Minimal or Full; never the legacy MinimalCopy/FullCopy (docs/service-notes.md#power-platform-api). */
  copyType: 'Minimal' | 'Full';
  copyOptions?: { environmentNameToOverride?: string; securityGroupIdToOverride?: string; skipAuditData?: boolean };
}

export interface ResetBody {
  displayName?: string;
  domainName?: string;
  baseLanguageCode?: number;
  currency?: { code: string };
  templates?: string[];
}

/** The Power Platform API's environment management operations (api.powerplatform.com). */
export class PowerPlatformClient {
  constructor(
    private readonly http: HttpClient,
    private readonly endpoints: Endpoints,
  ) {}

  async createBackup(environmentId: string, label: string, signal?: AbortSignal): Promise<HttpResponse<EnvironmentBackup>> {
    return this.send('POST', `${this.environment(environmentId)}/backups`, { label }, signal);
  }

  /** Every backup of the environment, following continuation tokens. */
  async listBackups(environmentId: string, signal?: AbortSignal): Promise<EnvironmentBackup[]> {
    const backups: EnvironmentBackup[] = [];
    let token: string | undefined;
    for (let page = 0; page < 100; page++) {
      const extra = token ? `&continuationToken=${encodeURIComponent(token)}` : '';
      const { body } = await this.http.send<{ collection?: EnvironmentBackup[]; value?: EnvironmentBackup[]; continuationToken?: string }>({
        service: 'powerplatform',
        method: 'GET',
        url: `${this.environment(environmentId)}/backups?api-version=${API_VERSION}${extra}`,
        resource: this.endpoints.powerPlatformResource,
        signal,
      });
      backups.push(...(body?.collection ?? body?.value ?? []));
      token = body?.continuationToken || undefined;
      if (!token) break;
    }
    return backups;
  }

  restore(targetEnvironmentId: string, body: RestoreBody, signal?: AbortSignal): Promise<HttpResponse<PowerPlatformOperation | undefined>> {
    return this.send('POST', `${this.environment(targetEnvironmentId)}/restore`, body, signal);
  }

  copy(targetEnvironmentId: string, body: CopyBody, signal?: AbortSignal): Promise<HttpResponse<PowerPlatformOperation | undefined>> {
    return this.send('POST', `${this.environment(targetEnvironmentId)}/copy`, body, signal);
  }

  reset(environmentId: string, body: ResetBody, signal?: AbortSignal): Promise<HttpResponse<PowerPlatformOperation | undefined>> {
    return this.send('POST', `${this.environment(environmentId)}/reset`, body, signal);
  }

  /**
   * The environment's recent operations, newest first; the last resort for finding a poll URL
   * (docs/service-notes.md#long-running-operations).
   */
  async listEnvironmentOperations(environmentId: string, signal?: AbortSignal): Promise<PowerPlatformOperation[]> {
    const { body } = await this.http.send<{ value?: PowerPlatformOperation[]; collection?: PowerPlatformOperation[] }>({
      service: 'powerplatform',
      method: 'GET',
      url: `${this.environment(environmentId)}/operations?api-version=${API_VERSION}&limit=20`,
      resource: this.endpoints.powerPlatformResource,
      signal,
    });
    const operations = body?.value ?? body?.collection ?? [];
    return [...operations].sort((a, b) => String(b.startTime ?? '').localeCompare(String(a.startTime ?? '')));
  }

  /** The application packages an environment can install, with their state there (docs/service-notes.md#power-platform-api). */
  async listApplicationPackages(environmentId: string, signal?: AbortSignal): Promise<ApplicationPackage[]> {
    if (!environmentId.trim()) throw new TypeError('environmentId must not be empty');
    const url = `${this.endpoints.powerPlatformUrl}/appmanagement/environments/${encodeURIComponent(environmentId)}/applicationPackages?api-version=2022-03-01-preview`;
    const { body } = await this.http.send<{ value?: ApplicationPackage[] }>({
      service: 'powerplatform',
      method: 'GET',
      url,
      resource: this.endpoints.powerPlatformResource,
      signal,
    });
    return body?.value ?? [];
  }

  /** Starts an install: 202 with Operation-Location, or 200 with the package when it is installed already. */
  installApplicationPackage(
    environmentId: string,
    uniqueName: string,
    payloadValue?: string,
    signal?: AbortSignal,
  ): Promise<HttpResponse<ApplicationPackage | undefined>> {
    const path = `${this.endpoints.powerPlatformUrl}/appmanagement/environments/${encodeURIComponent(environmentId)}/applicationPackages/${encodeURIComponent(uniqueName)}/install`;
    return this.send(`POST`, path, payloadValue === undefined ? {} : { payloadValue }, signal);
  }

  /** The environment-scoped status URL of an operation (needs only environment-level rights). */
  operationUrl(environmentId: string, operationId: string): string {
    return `${this.environment(environmentId)}/operations/${encodeURIComponent(operationId)}?api-version=${API_VERSION}`;
  }

  private environment(environmentId: string): string {
    if (!environmentId.trim()) throw new TypeError('environmentId must not be empty');
    return `${this.endpoints.powerPlatformUrl}/environmentmanagement/environments/${encodeURIComponent(environmentId)}`;
  }

  private send<T>(method: 'POST', path: string, body: unknown, signal?: AbortSignal): Promise<HttpResponse<T>> {
    // Starts are never repeated after an unknown outcome (docs/service-notes.md#long-running-operations); the tools recover by listing
    // operations.
    return this.http.send<T>({
      service: 'powerplatform',
      method,
      url: `${path}?api-version=${API_VERSION}`,
      body,
      resource: this.endpoints.powerPlatformResource,
      idempotent: false,
      signal,
    });
  }
}

/** PPAPI puts the status URL in Operation-Location, some answers in Location (docs/service-notes.md#long-running-operations; read both). */
export function powerPlatformPollUrl(headers: ResponseHeaders): string | undefined {
  return headers.get('operation-location') ?? headers.get('location') ?? undefined;
}
