import type { DataverseClient } from '../dataverse';
import { eq, ge, rowId, rowPath } from '../odata';
import { allRows, followableId } from './query';

/** asyncoperations.operationtype of a job started by a *Async solution message (ExportSolutionAsync, …). */
const SOLUTION_MESSAGE_JOB = 54;

/** Background jobs (asyncoperations), which the *Async messages start and the tracker follows. */
export class AsyncOperations {
  constructor(private readonly dv: DataverseClient) {}

  /** The URL the tracker reads a job's status from (docs/service-notes.md#long-running-operations). */
  statusUrl(asyncOperationId: string): string {
    return this.dv.url(
      rowPath('asyncoperations', followableId(asyncOperationId, 'job'), [
        'statecode',
        'statuscode',
        'errorcode',
        'message',
        'friendlymessage',
        'completedon',
        'startedon',
      ]),
    );
  }

  /** The jobs of one solution message that this user started since `after`, oldest first. */
  async solutionJobsSince(
    message: string,
    ownerId: string,
    after: Date,
    signal?: AbortSignal,
  ): Promise<Array<{ asyncoperationid: string }>> {
    return await allRows(
      this.dv,
      'asyncoperations',
      {
        select: ['asyncoperationid', 'createdon'],
        where: [
          eq('operationtype', SOLUTION_MESSAGE_JOB),
          eq('messagename', message),
          eq('_ownerid_value', rowId(ownerId)),
          ge('createdon', after),
        ],
        orderBy: 'createdon asc',
      },
      signal,
    );
  }
}
