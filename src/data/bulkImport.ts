import type { DataverseClient } from '../platform/dataverse';
import { PlatformError } from '../platform/errors';
import { mapLimited } from '../solutions/parallel';

export interface RecordFailure {
  table: string;
  id: string;
  message: string;
  correlationId: string | null;
}

export interface BulkOutcome {
  written: number;
  failures: RecordFailure[];
  requests: number;
}

/**
 * Writes records with UpsertMultiple in batches, several batches at once. Standard tables take a
 * batch all or nothing, so a refused batch is split in halves until the records the service refuses
 * are found; every other record is still written. 429s are waited out by the HTTP client.
 */
export async function upsertMultiple(
  dv: DataverseClient,
  table: { logicalName: string; entitySet: string; primaryId: string },
  targets: Array<Record<string, unknown>>,
  options: { batchSize: number; parallelism: number; signal: AbortSignal; onBatch?: (written: number) => void },
): Promise<BulkOutcome> {
  const outcome: BulkOutcome = { written: 0, failures: [], requests: 0 };
  const send = async (batch: Array<Record<string, unknown>>): Promise<void> => {
    outcome.requests++;
    try {
      await dv.action(`${table.entitySet}/Microsoft.Dynamics.CRM.UpsertMultiple`, { Targets: batch }, { signal: options.signal, idempotent: true });
      outcome.written += batch.length;
      options.onBatch?.(outcome.written);
    } catch (error) {
      const refused = error instanceof PlatformError && error.status >= 400 && error.status < 500 && error.status !== 429;
      if (!refused) throw error;
      if (batch.length === 1) {
        outcome.failures.push({ table: table.logicalName, id: String(batch[0]![table.primaryId]), message: error.message.replace(/^Targets\[\d+\] \([^)]*\): /, ''), correlationId: error.correlationId ?? null });
        return;
      }
      const half = Math.ceil(batch.length / 2);
      await send(batch.slice(0, half));
      await send(batch.slice(half));
    }
  };
  const batches: Array<Array<Record<string, unknown>>> = [];
  for (let i = 0; i < targets.length; i += options.batchSize) batches.push(targets.slice(i, i + options.batchSize));
  await mapLimited(batches, options.parallelism, send);
  return outcome;
}
