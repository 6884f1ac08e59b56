import type { DataverseClient } from '../dataverse';
import { eq } from '../odata';
import { firstRow } from './query';

export interface ConnectionReferenceRow {
  connectionreferenceid: string;
  connectionid: string | null;
}

export class ConnectionReferences {
  constructor(private readonly dv: DataverseClient) {}

  findByLogicalName(logicalName: string, signal?: AbortSignal): Promise<ConnectionReferenceRow | undefined> {
    return firstRow(
      this.dv,
      'connectionreferences',
      { select: ['connectionreferenceid', 'connectionid'], where: [eq('connectionreferencelogicalname', logicalName)] },
      signal,
    );
  }

  setConnection(connectionReferenceId: string, connectionId: string, signal?: AbortSignal): Promise<void> {
    return this.dv.update('connectionreferences', connectionReferenceId, { connectionid: connectionId }, signal);
  }
}
