import type { DataverseClient } from '../dataverse';
import { eq, ge, rowId, rowPath } from '../odata';
import { allRows } from './query';

export interface ImportJobRow {
  importjobid: string;
  /** 0-100 while the import runs. */
  progress?: number;
  /** The result XML, per component. */
  data?: string | null;
  completedon?: string | null;
}

/** The outcome of a solution import (RetrieveSolutionImportResult). */
export interface SolutionImportResult {
  Status?: string;
  ErrorMessages?: string[];
  WarningMessages?: string[];
}

/** Import jobs: one per solution import, named by the solution, holding its progress and result XML. */
export class ImportJobs {
  constructor(private readonly dv: DataverseClient) {}

  async progress(importJobId: string, signal?: AbortSignal): Promise<Pick<ImportJobRow, 'progress'>> {
    return await this.dv.get(rowPath('importjobs', importJobId, ['progress']), signal);
  }

  async results(importJobId: string, signal?: AbortSignal): Promise<Pick<ImportJobRow, 'data' | 'progress' | 'completedon'>> {
    return await this.dv.get(rowPath('importjobs', importJobId, ['data', 'progress', 'completedon']), signal);
  }

  /** The import jobs of a solution made since `after`, oldest first. */
  async forSolutionSince(solutionName: string, after: Date, signal?: AbortSignal): Promise<Array<Pick<ImportJobRow, 'importjobid'>>> {
    return await allRows(
      this.dv,
      'importjobs',
      { select: ['importjobid', 'createdon'], where: [eq('solutionname', solutionName), ge('createdon', after)], orderBy: 'createdon asc' },
      signal,
    );
  }

  async solutionImportResult(importJobId: string, signal?: AbortSignal): Promise<SolutionImportResult | undefined> {
    const body = await this.dv.get<{ SolutionOperationResult?: SolutionImportResult }>(
      `RetrieveSolutionImportResult(ImportJobId=${rowId(importJobId).value})`,
      signal,
    );
    return body.SolutionOperationResult;
  }
}
