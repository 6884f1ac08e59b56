// The BAP error envelope and the wording the sandbox uses for the BAP errors clients branch on.

export interface BapErrorBody {
  error: { code: string; message: string; detailUrlType: string };
}

export function bapErrorBody(code: string, message: string): BapErrorBody {
  return { error: { code, message, detailUrlType: 'NotSpecified' } };
}

/** 404: no environment with this id in the tenant. */
export function environmentNotFound(environmentId: string, tenantId: string): BapErrorBody {
  return bapErrorBody('EnvironmentNotFound', `No environment '${environmentId}' exists in tenant '${tenantId}'.`);
}

/** 409, final: the tenant has no database capacity left for another Dataverse database. */
export function insufficientCapacity(): BapErrorBody {
  const message = 'The tenant has less than 1 GB of Dataverse database capacity left, which a new database needs.';
  return bapErrorBody('InsufficientCapacity_StorageDriven', message);
}

/** 409, retryable: another lifecycle operation is still running on the environment. */
export function operationNotStartable(environmentId: string): BapErrorBody {
  const message = `Environment ${environmentId} has an active lifecycle operation; start this one after it ends.`;
  return bapErrorBody('OperationNotStartable', message);
}
