import { followEnvironment } from '../../operations/completion';
import type { OperationKind, OperationRecord } from '../../operations/record';
import type { StartOutcome } from '../../operations/tracker';
import { bapPollUrl, type BapEnvironment } from '../../platform/bap';
import { PlatformError } from '../../platform/errors';
import type { HttpResponse } from '../../platform/http';
import { powerPlatformPollUrl, type PowerPlatformOperation } from '../../platform/powerPlatform';
import { parseRetryAfter } from '../../platform/retry';
import type { ToolContext } from '../types';
import { displayName } from './targets';

/** What a BAP start answered: 202 with a lifecycle operation to poll, or 201/200 with the environment. */
export function bapStartOutcome(response: HttpResponse<unknown>, context: ToolContext): StartOutcome | undefined {
  const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
  if (response.status === 202) {
    const url = bapPollUrl(response.headers);
    return url ? { kind: 'poll', style: 'bap-lifecycle', url, correlationId: response.correlationId, retryAfterMs } : undefined;
  }
  const env = response.body as BapEnvironment | undefined;
  if (env?.name) return { ...followEnvironment(env, context.endpoints), correlationId: response.correlationId };
  return undefined;
}

/**
 * Starts a Power Platform API operation (restore, copy, reset) and finds its status URL: the
 * Operation-Location or Location header, or the operation id in the body (docs/service-notes.md#long-running-operations). An answer without
 * either, or a lost answer, leaves the start in state unknown: the tracker looks for it among the
 * environment's operations and never sends it again.
 */
export async function startPowerPlatformOperation(
  context: ToolContext,
  environmentId: string,
  operationName: string,
  send: () => Promise<HttpResponse<PowerPlatformOperation | undefined>>,
): Promise<StartOutcome> {
  const response = await send();
  const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
  const operationId = response.body?.operationId;
  const url =
    powerPlatformPollUrl(response.headers) ?? (operationId ? context.powerPlatform.operationUrl(environmentId, operationId) : undefined);
  if (!url) {
    throw new PlatformError({
      service: 'powerplatform',
      status: response.status,
      code: 'NoStatusUrl',
      message: `The service accepted the ${operationName.toLowerCase()} but gave no way to follow it.`,
      correlationId: response.correlationId,
      outcomeUnknown: true,
      hint: 'Check the environment with pp_get_environment in a few minutes; do not start it again before that.',
    });
  }
  return {
    kind: 'poll',
    style: 'ppapi-operation',
    url,
    correlationId: response.correlationId,
    serviceOperationId: operationId,
    retryAfterMs,
  };
}

export interface EnvironmentOperation {
  kind: OperationKind;
  title: string;
  /** The environment the operation changes. */
  target: BapEnvironment;
  source?: BapEnvironment;
  /** The operation's name in the service's operations list (Restore, Copy, Reset). */
  operationName: string;
  notes?: string[];
  send: () => Promise<HttpResponse<PowerPlatformOperation | undefined>>;
}

/** Records and starts a Power Platform API operation on an environment with Dataverse (restore, copy, reset). */
export function beginEnvironmentOperation(context: ToolContext, operation: EnvironmentOperation): Promise<OperationRecord> {
  const { target, source } = operation;
  return context.operations.begin({
    kind: operation.kind,
    title: operation.title,
    environment: { id: target.name, displayName: displayName(target) },
    source: source && { id: source.name, displayName: displayName(source) },
    // The operation's name finds it among the environment's operations after a lost answer.
    details: { dataverse: true, operationName: operation.operationName },
    notes: operation.notes,
    start: () => startPowerPlatformOperation(context, target.name, operation.operationName, operation.send),
  });
}
