import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { BapEnvironment } from './bap';
import type { Endpoints } from './endpoints';
import { PlatformError } from './errors';
import type { HttpClient } from './http';
import { isCheckerHost } from './serviceHosts';

export const RULESETS = {
  solutionChecker: '0ad12346-e108-40b8-a956-9a8f95ea18c9',
  appSourceCertification: '083a2ef5-7e0e-4754-9d88-9455142dc08b',
} as const;
/** The service's upload limit; larger files need the caller's own blob storage (docs/service-notes.md#checker). */
export const MAX_UPLOAD_BYTES = 30 * 1024 * 1024;

/** One checker run: every call carries the run's correlation id and the tenant (docs/service-notes.md#checker). */
export interface CheckerRun {
  geography: string;
  correlationId: string;
  tenantId: string;
}

/** The PowerApps Checker Web API (docs/service-notes.md#checker). */
export class CheckerClient {
  constructor(
    private readonly http: HttpClient,
    private readonly endpoints: Endpoints,
  ) {}

  /** The environment's checker geography (runtimeEndpoints), when it is one of this cloud's checker hosts; else the cloud's default. */
  geography(env: BapEnvironment | undefined): string {
    const named = env?.properties?.runtimeEndpoints?.['microsoft.PowerAppsAdvisor'];
    return named && isCheckerUrl(named, this.endpoints) ? named.replace(/\/+$/, '') : this.endpoints.checkerUrl;
  }

  /** Uploads a solution zip as multipart/form-data; returns the SAS URI of the stored file. */
  async upload(run: CheckerRun, file: string, signal?: AbortSignal): Promise<string> {
    const size = (await stat(file)).size;
    const boundary = `power-agent-${run.correlationId}`;
    const name = basename(file).replace(/"/g, '');
    const head = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${name}"\r\nContent-Type: application/x-zip-compressed\r\n\r\n`,
    );
    const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
    const response = await this.http.send<string[]>({
      service: 'checker',
      method: 'POST',
      url: `${run.geography}/api/upload`,
      resource: this.endpoints.checkerResource,
      headers: { ...this.headers(run), 'content-type': `multipart/form-data; boundary=${boundary}` },
      streamBody: {
        length: head.length + size + tail.length,
        chunks: async function* () {
          yield head;
          for await (const chunk of createReadStream(file)) yield chunk as Buffer;
          yield tail;
        },
      },
      // Uploading the same file twice stores it twice and harms nothing.
      idempotent: true,
      signal,
    });
    const uri = response.body?.[0];
    if (!uri)
      throw new PlatformError({
        service: 'checker',
        status: response.status,
        code: 'NoUploadUri',
        message: 'The checker accepted the upload but returned no link to it.',
        correlationId: run.correlationId,
      });
    return uri;
  }

  /** Starts an analysis; returns the status URL (Location), opaque as the service gives it. */
  async analyze(run: CheckerRun, sasUri: string, ruleSet: string, fileExclusions: string[], signal?: AbortSignal): Promise<string> {
    const response = await this.http.send({
      service: 'checker',
      method: 'POST',
      url: `${run.geography}/api/analyze?api-version=1.0`,
      resource: this.endpoints.checkerResource,
      headers: this.headers(run),
      body: { ruleSets: [{ id: ruleSet }], sasUriList: [sasUri], ...(fileExclusions.length ? { fileExclusions } : {}) },
      idempotent: false,
      signal,
    });
    const location = response.headers.get('location');
    if (!location)
      throw new PlatformError({
        service: 'checker',
        status: response.status,
        code: 'NoStatusUrl',
        message: 'The checker accepted the analysis but gave no way to follow it.',
        correlationId: run.correlationId,
      });
    return location;
  }

  private headers(run: CheckerRun): Record<string, string> {
    return { 'x-ms-correlation-id': run.correlationId, 'x-ms-tenant-id': run.tenantId };
  }
}

/** A checker URL gets a token only on the cloud's checker hosts (a geography such as europe.api.advisor.powerapps.com). */
export function isCheckerUrl(url: string, endpoints: Endpoints): boolean {
  return isCheckerHost(url, endpoints);
}
