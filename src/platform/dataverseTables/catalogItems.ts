import type { DataverseClient } from '../dataverse';
import { rowPath } from '../odata';
import { allRows, followableId } from './query';
import type { HttpResponse } from '../http';

/** An item of the Power Platform catalog (mspcat_applications, in the catalog's environment). */
export interface CatalogItemRow {
  mspcat_applicationsid: string;
  mspcat_tpsid: string;
  mspcat_name: string;
  mspcat_version?: string;
}

/** What the catalog answers to an install or a submission: the row to follow, when it made one. */
export interface CatalogStart {
  id?: string;
  correlationId?: string;
}

/** The Power Platform catalog's tables and messages, in the environment that hosts the catalog. */
export class CatalogItems {
  constructor(private readonly dv: DataverseClient) {}

  async list(signal?: AbortSignal): Promise<CatalogItemRow[]> {
    return await allRows(
      this.dv,
      'mspcat_applications',
      { select: ['mspcat_applicationsid', 'mspcat_tpsid', 'mspcat_name', 'mspcat_version'] },
      signal,
    );
  }

  /**
   * Starts installing an item (`tpsid`, or `tpsid@version`) into another environment; sent once.
   * `settings` are the package's runtime settings as `name=value|name=value`.
   */
  async install(cid: string, deployToOrganizationUrl: string, settings?: string): Promise<CatalogStart> {
    const response: HttpResponse<{ InstallHistoryReferance?: string; InstallHistoryReference?: string } | undefined> = await this.dv.action(
      'mspcat_InstallCatalogItemByCID',
      {
        CID: cid,
        DeployToOrganizationUrl: deployToOrganizationUrl,
        ...(settings ? { Settings: settings } : {}),
      },
    );
    // The documented response name is misspelt (docs/service-notes.md#catalog-in-power-platform); the correct spelling is read too.
    const id = response.body?.InstallHistoryReferance ?? response.body?.InstallHistoryReference;
    return { id, correlationId: response.correlationId };
  }

  /** Submits an item for certification (the submission.json, base64-encoded); sent once. */
  async submit(encodedApprovalRequest: string): Promise<CatalogStart> {
    const response: HttpResponse<{ CertificationRequestId?: string } | undefined> = await this.dv.action(
      'mspcat_SubmitCatalogApprovalRequest',
      { EncodedApprovalRequest: encodedApprovalRequest },
    );
    return { id: response.body?.CertificationRequestId, correlationId: response.correlationId };
  }

  /** The URL the tracker reads an install's status from. */
  installStatusUrl(installHistoryId: string): string {
    return this.dv.url(
      rowPath('mspcat_installhistories', followableId(installHistoryId, 'catalog install'), ['statuscode', 'mspcat_errordetails']),
    );
  }

  /** The URL the tracker reads a submission's certification status from. */
  certificationStatusUrl(certificationRequestId: string): string {
    return this.dv.url(
      rowPath('mspcat_certificationrequests', followableId(certificationRequestId, 'catalog submission'), [
        'statuscode',
        '_mspcat_application_value',
        'mspcat_message',
      ]),
    );
  }
}
