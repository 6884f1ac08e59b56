import { jsonBodyWithFile, saveBase64Field, type SavedFile } from './base64Stream';
import { dataverseResource } from './endpoints';
import { PlatformError } from './errors';
import { parallelismHint } from '../observability/metrics';
import { collectBody, type HttpClient, type HttpRequest, type HttpResponse } from './http';
import { rowPath } from './odata';

export interface WhoAmIResponse {
  UserId: string;
  BusinessUnitId: string;
  OrganizationId: string;
}

const ODATA_HEADERS = {
  'odata-maxversion': '4.0',
  'odata-version': '4.0',
  // Without it a cached response can hide a just-changed expand (docs/service-notes.md#sign-in-hosts-and-clouds).
  'if-none-match': 'null',
  // Errors then carry a plug-in's trace text, the help link and the sub-code (docs/service-notes.md#errors-limits-and-retries).
  prefer: 'odata.include-annotations="*"',
};

/** The Dataverse Web API v9.2 of one organization. */
export class DataverseClient {
  readonly resource: string;
  private readonly apiBase: string;
  private lastParallelismHint: number | undefined;

  constructor(
    private readonly http: HttpClient,
    private readonly instanceUrl: string,
    /** Throttling is waited out until then (epoch ms); see `patientUntil`. */
    private readonly throttleDeadline?: number,
  ) {
    this.resource = dataverseResource(instanceUrl);
    this.apiBase = `${this.resource}/api/data/v9.2`;
  }

  /**
   * The same environment, its requests waiting out throttling until `deadline` (epoch ms): for long
   * reads that would rather wait than start again.
   */
  patientUntil(deadline: number): DataverseClient {
    return new DataverseClient(this.http, this.instanceUrl, deadline);
  }

  /**
   * The degree of parallelism the environment recommends for its load now (x-ms-dop-hint), from the
   * last response that gave it; undefined before any did (docs/service-notes.md#errors-limits-and-retries).
   */
  get parallelismHint(): number | undefined {
    return this.lastParallelismHint;
  }

  private async send<T>(request: HttpRequest): Promise<HttpResponse<T>> {
    const response = await this.http.send<T>(
      this.throttleDeadline === undefined ? request : { ...request, throttleDeadline: this.throttleDeadline },
    );
    this.lastParallelismHint = parallelismHint(response.headers) ?? this.lastParallelismHint;
    return response;
  }

  whoAmI(signal?: AbortSignal): Promise<WhoAmIResponse> {
    return this.get<WhoAmIResponse>('WhoAmI', signal);
  }

  async retrieveVersion(signal?: AbortSignal): Promise<string> {
    return (await this.get<{ Version: string }>('RetrieveVersion()', signal)).Version;
  }

  /** One row by entity set and id, with the given columns. */
  retrieve<T>(entitySet: string, id: string, columns: readonly string[], signal?: AbortSignal): Promise<T> {
    return this.get<T>(rowPath(entitySet, id, columns), signal);
  }

  /** A GET relative to /api/data/v9.2/. */
  async get<T>(path: string, signal?: AbortSignal): Promise<T> {
    const { body } = await this.send<T>({
      service: 'dataverse',
      method: 'GET',
      url: this.url(path),
      resource: this.resource,
      headers: ODATA_HEADERS,
      signal,
    });
    return body;
  }

  /**
   * An unbound action (POST /api/data/v9.2/<name>). Not repeated after a failure whose outcome is
   * unknown unless `idempotent` says it is harmless (docs/service-notes.md#errors-limits-and-retries): most actions start or change
   * something.
   */
  action<T>(
    name: string,
    body: Record<string, unknown>,
    options: { signal?: AbortSignal; idempotent?: boolean; headers?: Record<string, string> } = {},
  ): Promise<HttpResponse<T>> {
    return this.send<T>({
      service: 'dataverse',
      method: 'POST',
      url: this.url(name),
      resource: this.resource,
      headers: { ...ODATA_HEADERS, ...options.headers },
      body,
      idempotent: options.idempotent ?? false,
      signal: options.signal,
    });
  }

  /** An action whose JSON body is already written (a bulk request built from records serialized one by one). */
  actionJson<T>(
    name: string,
    json: string | Buffer,
    options: { signal?: AbortSignal; idempotent?: boolean; headers?: Record<string, string> } = {},
  ): Promise<HttpResponse<T>> {
    const bytes = typeof json === 'string' ? Buffer.from(json, 'utf8') : json;
    const headers = { ...ODATA_HEADERS, ...options.headers, 'content-type': 'application/json' };
    return this.send<T>({
      service: 'dataverse',
      method: 'POST',
      url: this.url(name),
      resource: this.resource,
      headers,
      bytes,
      idempotent: options.idempotent ?? false,
      signal: options.signal,
    });
  }

  /**
   * POST $batch with a multipart body (requests and change sets); returns the multipart answer as
   * text. Marked idempotent: callers send only upserts and updates, which are safe to repeat.
   */
  batch(
    body: string,
    boundary: string,
    options: { signal?: AbortSignal; headers?: Record<string, string> } = {},
  ): Promise<HttpResponse<string>> {
    const bytes = Buffer.from(body, 'utf8');
    const headers = {
      ...ODATA_HEADERS,
      ...options.headers,
      'content-type': `multipart/mixed; boundary=${boundary}`,
      prefer: 'odata.continue-on-error',
    };
    return this.send<string>({
      service: 'dataverse',
      method: 'POST',
      url: this.url('$batch'),
      resource: this.resource,
      headers,
      bytes,
      idempotent: true,
      signal: options.signal,
    });
  }

  /** An action whose body carries a local file as a base64 property (CustomizationFile), streamed from disk. */
  async actionWithFile<T>(
    name: string,
    params: Record<string, unknown>,
    field: string,
    file: string,
    signal?: AbortSignal,
  ): Promise<HttpResponse<T>> {
    const streamBody = await jsonBodyWithFile(params, field, file);
    return this.send<T>({
      service: 'dataverse',
      method: 'POST',
      url: this.url(name),
      resource: this.resource,
      headers: ODATA_HEADERS,
      streamBody,
      idempotent: false,
      signal,
      timeoutMs: 30 * 60_000,
    });
  }

  /** DownloadSolutionExportData, written to `file` as it arrives and checked by `check` first. Reading an export twice is harmless. */
  async downloadSolutionExport(
    exportJobId: string,
    file: string,
    signal?: AbortSignal,
    check?: (partial: string, bytes: number) => Promise<void>,
  ): Promise<SavedFile> {
    const response = await this.send<SavedFile>({
      service: 'dataverse',
      method: 'POST',
      url: this.url('DownloadSolutionExportData'),
      resource: this.resource,
      headers: ODATA_HEADERS,
      body: { ExportJobId: exportJobId },
      idempotent: true,
      consume: saveBase64Field('ExportSolutionFile', file, check),
      signal,
      timeoutMs: 30 * 60_000,
    });
    return response.body;
  }

  /** PATCH of one row; setting columns to values is safe to repeat. */
  async update(entitySet: string, id: string, columns: Record<string, unknown>, signal?: AbortSignal): Promise<void> {
    await this.send({
      service: 'dataverse',
      method: 'PATCH',
      url: this.url(`${entitySet}(${id})`),
      resource: this.resource,
      headers: { ...ODATA_HEADERS, 'if-match': '*' },
      body: columns,
      idempotent: true,
      signal,
    });
  }

  /** DELETE of a row or a link (…/$ref); deleting what is already gone answers 404, which the caller decides about. */
  async delete(path: string, signal?: AbortSignal): Promise<void> {
    await this.send({
      service: 'dataverse',
      method: 'DELETE',
      url: this.url(path),
      resource: this.resource,
      headers: ODATA_HEADERS,
      idempotent: true,
      signal,
    });
  }

  /** The pages of a collection (its rows, a page at a time), following `@odata.nextLink` as given. */
  async *pages<T>(path: string, prefer: string, signal?: AbortSignal): AsyncGenerator<T[], void, undefined> {
    for (let next: string | undefined = path; next;) {
      const page: { value: T[]; '@odata.nextLink'?: string } = await this.page(next, prefer, signal);
      yield page.value;
      next = page['@odata.nextLink'];
    }
  }

  /** A page of a query: the path relative to the API, or a nextLink verbatim, with a Prefer header (page size, annotations). */
  async page<T>(pathOrNextLink: string, prefer: string, signal?: AbortSignal): Promise<T> {
    const url = /^https?:\/\//i.test(pathOrNextLink) ? pathOrNextLink : this.url(pathOrNextLink);
    if (!url.toLowerCase().startsWith(`${this.resource.toLowerCase()}/api/data/`))
      throw new TypeError('a nextLink outside this organization');
    const { body } = await this.send<T>({
      service: 'dataverse',
      method: 'GET',
      url,
      resource: this.resource,
      headers: { ...ODATA_HEADERS, prefer },
      signal,
    });
    return body;
  }

  /** A file column's bytes (GET …/<column>/$value); undefined when the column holds no file. */
  async download(path: string, signal?: AbortSignal): Promise<{ bytes: Buffer; fileName?: string } | undefined> {
    try {
      const response = await this.send<Buffer>({
        service: 'dataverse',
        method: 'GET',
        url: this.url(path),
        resource: this.resource,
        signal,
        consume: collectBody,
      });
      return { bytes: response.body, fileName: response.headers.get('x-ms-file-name') ?? undefined };
    } catch (error) {
      if (error instanceof PlatformError && error.status === 404) return undefined;
      throw error;
    }
  }

  /** Sets a file column (PATCH …/<column> with the bytes); files over 16 MB need the chunked upload, not done here. */
  async uploadFile(path: string, fileName: string, bytes: Buffer, signal?: AbortSignal): Promise<void> {
    if (bytes.length > 16 * 1024 * 1024)
      throw new PlatformError({
        service: 'dataverse',
        status: 0,
        code: 'FileTooLarge',
        message: `${fileName} is over 16 MB, which needs a chunked upload this version does not do.`,
      });
    await this.send({
      service: 'dataverse',
      method: 'PATCH',
      url: this.url(path),
      resource: this.resource,
      headers: { 'content-type': 'application/octet-stream', 'x-ms-file-name': fileName },
      bytes,
      idempotent: true,
      signal,
    });
  }

  url(path: string): string {
    return `${this.apiBase}/${path}`;
  }
}
