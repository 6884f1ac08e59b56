import type { DataverseClient } from '../dataverse';
import { rowPath } from '../odata';
import { allRows } from './query';

/** An item of the Power Platform catalog (mspcat_applications, in the catalog's environment). */
export interface CatalogItemRow {
  mspcat_applicationsid: string;
  mspcat_tpsid: string;
  mspcat_name: string;
  mspcat_version?: string;
}

/** The Power Platform catalog's tables, in the environment that hosts the catalog. */
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

  /** The URL the tracker reads an install's status from. */
  installStatusUrl(installHistoryId: string): string {
    return this.dv.url(rowPath('mspcat_installhistories', installHistoryId, ['statuscode', 'mspcat_errordetails']));
  }

  /** The URL the tracker reads a submission's certification status from. */
  certificationStatusUrl(certificationRequestId: string): string {
    return this.dv.url(
      rowPath('mspcat_certificationrequests', certificationRequestId, ['statuscode', '_mspcat_application_value', 'mspcat_message']),
    );
  }
}
