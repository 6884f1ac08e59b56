import type { DataverseClient } from './dataverse';
import { odataString } from './odata';

/** The columns of a `solutions` row the tools read (docs/service-notes.md#solutions-in-dataverse). */
export const SOLUTION_COLUMNS =
  'solutionid,uniquename,friendlyname,version,ismanaged,isvisible,installedon,modifiedon,description,_publisherid_value';

export interface SolutionRow {
  solutionid: string;
  uniquename: string;
  friendlyname: string;
  version: string;
  ismanaged: boolean;
  isvisible: boolean;
  installedon?: string | null;
  modifiedon?: string | null;
  description?: string | null;
  publisherid?: { uniquename?: string; customizationprefix?: string } | null;
}

export interface SolutionSummary {
  id: string;
  uniqueName: string;
  displayName: string;
  version: string;
  managed: boolean;
  publisher: string | null;
  prefix: string | null;
  installedOn: string | null;
  modifiedOn: string | null;
  description: string | null;
}

export function solutionSummary(row: SolutionRow): SolutionSummary {
  return {
    id: row.solutionid,
    uniqueName: row.uniquename,
    displayName: row.friendlyname,
    version: row.version,
    managed: row.ismanaged,
    publisher: row.publisherid?.uniquename ?? null,
    prefix: row.publisherid?.customizationprefix ?? null,
    installedOn: row.installedon ?? null,
    modifiedOn: row.modifiedon ?? null,
    description: row.description ?? null,
  };
}

const EXPAND_PUBLISHER = '$expand=publisherid($select=uniquename,customizationprefix)';

/** Every solution of an org, or only the visible ones (hidden system solutions such as Active are left out). */
export async function listSolutionRows(
  dataverse: DataverseClient,
  options: { includeHidden: boolean; signal?: AbortSignal },
): Promise<SolutionRow[]> {
  const filter = options.includeHidden ? '' : '&$filter=isvisible eq true';
  const body = await dataverse.get<{ value: SolutionRow[] }>(
    `solutions?$select=${SOLUTION_COLUMNS}&${EXPAND_PUBLISHER}${filter}&$orderby=createdon desc`,
    options.signal,
  );
  return body.value;
}

/** One solution by unique name, or undefined. */
export async function findSolutionRow(
  dataverse: DataverseClient,
  uniqueName: string,
  signal?: AbortSignal,
): Promise<SolutionRow | undefined> {
  const body = await dataverse.get<{ value: SolutionRow[] }>(
    `solutions?$select=${SOLUTION_COLUMNS}&${EXPAND_PUBLISHER}&$filter=uniquename eq ${odataString(uniqueName)}`,
    signal,
  );
  return body.value[0];
}
