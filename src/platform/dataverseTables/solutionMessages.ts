import type { DataverseClient } from '../dataverse';
import type { HttpResponse } from '../http';

/** What a *Async solution message answers: the job to follow, and the import or export job it made. */
export interface SolutionJobAnswer {
  AsyncOperationId?: string;
  ImportJobKey?: string;
  ExportJobId?: string;
}

/** The messages that import a solution zip: a plain or holding import, or an import that upgrades at once. */
export type ImportMessage = 'ImportSolutionAsync' | 'StageAndUpgradeAsync';

/** What StageSolution answers (Web API StageSolutionResults), the parts the import plan reads. */
export interface StageSolutionResults {
  StageSolutionUploadId?: string;
  StageSolutionStatus?: string;
  SolutionDetails?: {
    SolutionVersion?: string;
    IsManaged?: boolean;
    PreviousSolutionVersion?: string | null;
    PreviousIsManaged?: boolean;
    HasPendingUpgrade?: boolean;
  };
  MissingDependencies?: Array<Record<string, string | null | boolean>>;
  SolutionValidationResults?: Array<{ SolutionValidationResultType?: string; Message?: string; ErrorCode?: number }>;
  SolutionComponentsDetails?: Array<{ ComponentName?: string; ComponentTypeName?: string; IsPresentInOrg?: string }>;
}

/**
 * The solution messages. The *Async ones start a job and are sent once: a repeat after a lost answer
 * would start a second job, so the tracker finds the first one instead (src/operations/locate.ts).
 */
export class SolutionMessages {
  constructor(private readonly dv: DataverseClient) {}

  exportAsync(parameters: Record<string, unknown>, signal?: AbortSignal): Promise<HttpResponse<SolutionJobAnswer>> {
    return this.dv.action('ExportSolutionAsync', parameters, { signal });
  }

  /** Uploads the zip (streamed from disk) with the import's parameters. */
  importAsync(message: ImportMessage, parameters: Record<string, unknown>, zipFile: string): Promise<HttpResponse<SolutionJobAnswer>> {
    return this.dv.actionWithFile(message, parameters, 'CustomizationFile', zipFile);
  }

  uninstallAsync(uniqueName: string): Promise<HttpResponse<SolutionJobAnswer>> {
    return this.dv.action('UninstallSolutionAsync', { SolutionUniqueName: uniqueName });
  }

  /** Applies a staged upgrade: the base solution is replaced by its <name>_Upgrade holding solution. */
  deleteAndPromoteAsync(uniqueName: string): Promise<HttpResponse<SolutionJobAnswer>> {
    return this.dv.action('DeleteAndPromoteAsync', { UniqueName: uniqueName });
  }

  /** Uploads the zip to be checked against the org without importing it. */
  async stage(zipFile: string): Promise<StageSolutionResults> {
    const response = await this.dv.actionWithFile<{ StageSolutionResults?: StageSolutionResults }>(
      'StageSolution',
      {},
      'CustomizationFile',
      zipFile,
    );
    return response.body.StageSolutionResults ?? {};
  }

  // Publishing twice publishes the same thing, so a lost answer may be asked again; both can take minutes.

  async publishAll(signal?: AbortSignal): Promise<void> {
    await this.dv.action('PublishAllXml', {}, { signal, idempotent: true });
  }

  /** Publishes the components the ParameterXml (<importexportxml>) lists. */
  async publish(parameterXml: string, signal?: AbortSignal): Promise<void> {
    await this.dv.action('PublishXml', { ParameterXml: parameterXml }, { signal, idempotent: true });
  }
}
