import { environmentUrl } from '../../operations/completion';
import type { OperationKind, OperationRecord } from '../../operations/record';
import type { StartOutcome } from '../../operations/tracker';
import { bapPollUrl, type BapEnvironment } from '../../platform/bap';
import { PlatformError } from '../../platform/errors';
import type { HttpResponse } from '../../platform/http';
import { powerPlatformPollUrl, type PowerPlatformOperation } from '../../platform/powerPlatform';
import { parseRetryAfter } from '../../platform/retry';
import type { ToolContext } from '../types';
import { displayName } from './targets';

/** Follows an environment that is already being worked on: its ongoing lifecycle operation, or the environment itself. */
export function followEnvironment(env: BapEnvironment, context: ToolContext): StartOutcome {
  const ongoing = env.properties?.ongoingOperation as { links?: { self?: { path?: string } } } | undefined;
  const path = ongoing?.links?.self?.path;
  if (path) return { kind: 'poll', style: 'bap-lifecycle', url: `${context.endpoints.bapUrl}${path}?api-version=2023-06-01`, environmentId: env.name, retryAfterMs: 0 };
  return { kind: 'poll', style: 'environment-ready', url: environmentUrl(context.endpoints, env.name), environmentId: env.name, retryAfterMs: 0 };
}

/** What a BAP start answered: 202 with a lifecycle operation to poll, or 201/200 with the environment. */
export function bapStartOutcome(response: HttpResponse<unknown>, context: ToolContext): StartOutcome | undefined {
  const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
  if (response.status === 202) {
    const url = bapPollUrl(response.headers);
    return url ? { kind: 'poll', style: 'bap-lifecycle', url, correlationId: response.correlationId, retryAfterMs } : undefined;
  }
  const env = response.body as BapEnvironment | undefined;
  if (env?.name) return { ...followEnvironment(env, context), correlationId: response.correlationId };
  return undefined;
}

/**
 * Starts a Power Platform API operation (restore, copy, reset) and finds its status URL: the
 * Operation-Location or Location header, the operation id in the body, or, as a last resort, the
 * environment's newest operation of this kind (§2.2). A start whose answer was lost is never sent
 * again: the environment's operations show whether it arrived.
 */
export async function startPowerPlatformOperation(
  context: ToolContext,
  environmentId: string,
  operationName: string,
  send: () => Promise<HttpResponse<PowerPlatformOperation | undefined>>,
): Promise<StartOutcome> {
  const startedAt = Date.now();
  let response: HttpResponse<PowerPlatformOperation | undefined>;
  try {
    response = await send();
  } catch (error) {
    if (error instanceof PlatformError && error.outcomeUnknown) {
      const found = await findRecentOperation(context, environmentId, operationName, startedAt).catch(() => undefined);
      if (found) return { kind: 'poll', style: 'ppapi-operation', url: context.powerPlatform.operationUrl(environmentId, found.operationId), serviceOperationId: found.operationId };
    }
    throw error;
  }
  const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
  const operationId = response.body?.operationId;
  const url =
    powerPlatformPollUrl(response.headers) ??
    (operationId ? context.powerPlatform.operationUrl(environmentId, operationId) : undefined) ??
    (await findRecentOperation(context, environmentId, operationName, startedAt).then((op) => op && context.powerPlatform.operationUrl(environmentId, op.operationId)));
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
  return { kind: 'poll', style: 'ppapi-operation', url, correlationId: response.correlationId, serviceOperationId: operationId, retryAfterMs };
}

async function findRecentOperation(context: ToolContext, environmentId: string, name: string, since: number): Promise<PowerPlatformOperation | undefined> {
  // No request signal: a start may run after the caller stopped waiting, and must still be traced.
  const operations = await context.powerPlatform.listEnvironmentOperations(environmentId);
  return operations.find((op) => op.name?.toLowerCase() === name.toLowerCase() && Date.parse(op.startTime ?? '') >= since - 60_000);
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
    details: { dataverse: true },
    notes: operation.notes,
    start: () => startPowerPlatformOperation(context, target.name, operation.operationName, operation.send),
  });
}
