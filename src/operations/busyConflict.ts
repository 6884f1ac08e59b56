import type { PlatformError } from '../platform/errors';

/**
 * A 409 that means "another lifecycle operation is running here; try again later" (docs/service-notes.md#long-running-operations):
 * OperationNotStartable, or a 409 without a body. Other 409s, such as InsufficientCapacity_*, are final.
 */
export function isBusyConflict(error: PlatformError): boolean {
  if (error.status !== 409) return false;
  if (error.code === 'OperationNotStartable' || error.code === 'Conflict') return true;
  return /active lifecycle operation|another (lifecycle )?operation is (running|in progress)/i.test(error.message);
}
