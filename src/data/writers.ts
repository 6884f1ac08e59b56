import type { DataverseClient } from '../platform/dataverse';
import { PlatformError } from '../platform/errors';
import { answerMessage, buildBatch, readBatchAnswers } from './batchRequest';
import type { ResponseHeaders } from '../platform/responseHeaders';

/**
 * One record to write: its place in the file (for resuming), its id and its Web API body, already
 * serialized, so what waits for an answer is one string rather than a graph of objects.
 */
export interface WriteTarget {
  ordinal: number;
  id: string;
  json: string;
  /** The body without the lookups set in the first pass, to write the record alone when the service refuses it with them. */
  plain?: string;
}

export interface Refusal {
  target: WriteTarget;
  message: string;
  correlationId: string | null;
}

export interface WriteResult {
  written: WriteTarget[];
  refused: Refusal[];
  /** Written without their first-pass lookups, which the service refused (also in `written`). */
  lookupsRefused: Refusal[];
  /** Headers of the last answer, for the rate-limit budget. */
  headers?: ResponseHeaders;
  requests: number;
}

/** `create-or-update` writes records by id; `update` only changes records that exist. */
export type WriteMode = 'upsert' | 'update';

export type WriteMethod = 'UpsertMultiple' | 'UpdateMultiple' | '$batch';

export interface TableTarget {
  logicalName: string;
  entitySet: string;
  /** Headers every write of this table carries (MSCRM.BypassCustomPluginExecution). */
  headers: Record<string, string>;
}

/**
 * `{"Targets":[…]}` of the records, written as UTF-8 straight into one buffer: joining them first
 * would build a string of several hundred KB (V8's large-object space) only to encode it.
 */
function targetsBody(part: WriteTarget[]): Buffer {
  let size = '{"Targets":[]}'.length + Math.max(0, part.length - 1);
  for (const target of part) size += Buffer.byteLength(target.json);
  const body = Buffer.allocUnsafe(size);
  let at = body.write('{"Targets":[');
  for (let index = 0; index < part.length; index++) {
    if (index) at += body.write(',', at);
    at += body.write(part[index]!.json, at);
  }
  body.write(']}', at);
  return body;
}

/** A failure that is about the records sent (not throttling, sign-in, privileges or the network). */
function refusedByService(error: unknown): error is PlatformError {
  return error instanceof PlatformError && error.status >= 400 && error.status < 500 && ![401, 403, 408, 429].includes(error.status);
}

/** The method a table's writes use: the bulk message it has, or single upserts in $batch change sets. */
export function writeMethod(available: Set<string>, mode: WriteMode): WriteMethod {
  if (mode === 'update' && available.has('UpdateMultiple')) return 'UpdateMultiple';
  return available.has('UpsertMultiple') ? 'UpsertMultiple' : '$batch';
}

/**
 * Writes records with a bulk message. Standard tables take a request all or nothing, so a refused
 * one is split in halves until the refused records are found; every other record is still written.
 * Throttling and other failures are thrown, for the dispatcher to retry the whole set.
 */
async function writeBulk(
  dv: DataverseClient,
  table: TableTarget,
  message: 'UpsertMultiple' | 'UpdateMultiple',
  targets: WriteTarget[],
  signal: AbortSignal,
): Promise<WriteResult> {
  const result: WriteResult = { written: [], refused: [], lookupsRefused: [], requests: 0 };
  const send = async (part: WriteTarget[]): Promise<void> => {
    result.requests++;
    try {
      const response = await dv.actionJson(`${table.entitySet}/Microsoft.Dynamics.CRM.${message}`, targetsBody(part), {
        signal,
        idempotent: true,
        headers: table.headers,
      });
      result.headers = response.headers;
      result.written.push(...part);
    } catch (error) {
      if (!refusedByService(error)) throw error;
      if (part.length === 1) {
        const target = part[0]!;
        const refusal = {
          target,
          message: error.message.replace(/^Targets\[\d+\] \([^)]*\): /, ''),
          correlationId: error.correlationId ?? null,
        };
        if (target.plain === undefined) result.refused.push(refusal);
        else if (await sendPlain(target)) result.lookupsRefused.push(refusal);
        return;
      }
      const half = Math.ceil(part.length / 2);
      await send(part.slice(0, half));
      await send(part.slice(half));
    }
  };
  // A record refused with its first-pass lookups is written once more without them: the record goes in, its lookups are reported.
  const sendPlain = async (target: WriteTarget): Promise<boolean> => {
    const before = result.refused.length;
    await send([{ ordinal: target.ordinal, id: target.id, json: target.plain! }]);
    const written = result.refused.length === before;
    if (written) result.written[result.written.length - 1] = target;
    else result.refused[before]!.target = target;
    return written;
  };
  await send(targets);
  return result;
}

/**
 * Writes records as single PATCH requests in one $batch, each in a change set of its own, for tables
 * without the bulk messages. Requests the batch did not reach (it stops at a failure when the service
 * ignores continue-on-error) are sent again in another batch.
 */
async function writeBatch(
  dv: DataverseClient,
  table: TableTarget,
  mode: WriteMode,
  targets: WriteTarget[],
  signal: AbortSignal,
): Promise<WriteResult> {
  const result: WriteResult = { written: [], refused: [], lookupsRefused: [], requests: 0 };
  let pending = targets;
  while (pending.length) {
    const operations = pending.map((t) => {
      const { '@odata.type': _, ...body } = JSON.parse(t.json) as Record<string, unknown>;
      return {
        method: 'PATCH' as const,
        path: `${table.entitySet}(${t.id})`,
        headers: { ...table.headers, ...(mode === 'update' ? { 'If-Match': '*' } : {}) },
        body,
      };
    });
    const { boundary, body } = buildBatch(operations, dv.url('').replace(/\/$/, ''));
    result.requests++;
    const response = await dv.batch(body, boundary, { signal, headers: table.headers });
    result.headers = response.headers;
    const answers = readBatchAnswers(response.body, response.headers.get('content-type'));
    if (!answers.length)
      throw new PlatformError({
        service: 'dataverse',
        status: 502,
        code: 'BatchUnreadable',
        message: 'The $batch answer held no responses.',
        correlationId: response.correlationId,
      });
    for (const [index, answer] of answers.entries()) {
      const target = pending[index]!;
      if (answer.status < 300) result.written.push(target);
      else if (answer.status === 429 || answer.status >= 500)
        throw new PlatformError({
          service: 'dataverse',
          status: answer.status,
          code: '',
          message: answerMessage(answer),
          correlationId: response.correlationId,
        });
      else result.refused.push({ target, message: answerMessage(answer), correlationId: response.correlationId ?? null });
    }
    pending = pending.slice(answers.length);
  }
  return result;
}

export function writeRecords(
  dv: DataverseClient,
  table: TableTarget,
  method: WriteMethod,
  mode: WriteMode,
  targets: WriteTarget[],
  signal: AbortSignal,
): Promise<WriteResult> {
  return method === '$batch' ? writeBatch(dv, table, mode, targets, signal) : writeBulk(dv, table, method, targets, signal);
}
