import type { DataverseClient } from '../dataverse';
import { eq } from '../odata';
import { firstRow } from './query';

export interface ConnectionReferenceRow {
  connectionreferenceid: string;
  connectionid: string | null;
}

export class ConnectionReferences {
  constructor(private readonly dv: DataverseClient) {}

  async findByLogicalName(logicalName: string, signal?: AbortSignal): Promise<ConnectionReferenceRow | undefined> {
    return await firstRow(
      this.dv,
      'connectionreferences',
      { select: ['connectionreferenceid', 'connectionid'], where: [eq('connectionreferencelogicalname', logicalName)] },
      signal,
    );
  }

  async setConnection(connectionReferenceId: string, connectionId: string, signal?: AbortSignal): Promise<void> {
    return await this.dv.update('connectionreferences', connectionReferenceId, { connectionid: connectionId }, signal);
  }
}
