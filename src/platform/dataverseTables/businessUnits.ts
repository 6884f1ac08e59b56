import type { DataverseClient } from '../dataverse';
import { eq, rowPath } from '../odata';
import { allRows, firstRow } from './query';

export interface BusinessUnitRow {
  businessunitid: string;
  name: string;
}

const COLUMNS = ['businessunitid', 'name'];

export class BusinessUnits {
  constructor(private readonly dv: DataverseClient) {}

  async list(signal?: AbortSignal): Promise<BusinessUnitRow[]> {
    return await allRows(this.dv, 'businessunits', { select: COLUMNS }, signal);
  }

  /** The root business unit: the one without a parent. */
  async root(signal?: AbortSignal): Promise<BusinessUnitRow | undefined> {
    return await firstRow(this.dv, 'businessunits', { select: COLUMNS, where: [eq('_parentbusinessunitid_value', null)] }, signal);
  }

  async nameOf(businessUnitId: string, signal?: AbortSignal): Promise<string | undefined> {
    return (await this.dv.get<{ name?: string }>(rowPath('businessunits', businessUnitId, ['name']), signal)).name;
  }
}
