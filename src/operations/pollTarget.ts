import type { ServiceName } from '../platform/errors';
import { PlatformError } from '../platform/errors';
import { isCheckerUrl } from '../platform/checker';
import { dataverseResource, type Endpoints } from '../platform/endpoints';
import type { OperationRecord, PollStyle } from './record';

/** The service and token audience for a status URL of this style. */
export function pollService(
  style: PollStyle,
  endpoints: Endpoints,
  record?: OperationRecord,
): { service: ServiceName; resource: string; headers?: Record<string, string> } {
  // The checker wants the run's correlation id and the tenant on every call of the run (docs/service-notes.md#checker).
  if (style === 'checker')
    return {
      service: 'checker',
      resource: endpoints.checkerResource,
      headers: {
        'x-ms-correlation-id': String(record?.details?.correlationId ?? ''),
        'x-ms-tenant-id': String(record?.details?.tenantId ?? ''),
      },
    };
  if (isDataverseStyle(style)) return { service: 'dataverse', resource: dataverseResource(String(record?.details?.instanceUrl ?? '')) };
  return style === 'ppapi-operation' || style === 'ppapi-app-operation'
    ? { service: 'powerplatform', resource: endpoints.powerPlatformResource }
    : { service: 'bap', resource: endpoints.bapResource };
}

/**
 * Status URLs come from response headers and are regional (europe.api.bap.microsoft.com; docs/service-notes.md#long-running-operations).
 * They get our token, so they must be on the service's own host or one of its regional subdomains.
 */
export function isTrustedPollUrl(url: string, style: PollStyle, endpoints: Endpoints, record?: OperationRecord): boolean {
  if (isDataverseStyle(style)) {
    // We build these from the environment's Dataverse URL; they must stay under that org.
    const org = dataverseResource(String(record?.details?.instanceUrl ?? '')).toLowerCase();
    return Boolean(org) && url.toLowerCase().startsWith(`${org}/api/data/`);
  }
  if (style === 'checker') return isCheckerUrl(url, endpoints);
  const base = new URL(style === 'ppapi-operation' || style === 'ppapi-app-operation' ? endpoints.powerPlatformUrl : endpoints.bapUrl);
  let candidate: URL;
  try {
    candidate = new URL(url);
  } catch {
    return false;
  }
  if (candidate.protocol !== base.protocol) return false;
  if (candidate.host === base.host) return true;
  return candidate.port === base.port && candidate.hostname.endsWith(`.${base.hostname}`);
}

/**
 * A 409 that means "another lifecycle operation is running here; try again later" (docs/service-notes.md#long-running-operations):
 * OperationNotStartable, or a 409 without a body. Other 409s, such as InsufficientCapacity_*, are final.
 */
export function isBusyConflict(error: PlatformError): boolean {
  if (error.status !== 409) return false;
  if (error.code === 'OperationNotStartable' || error.code === 'Conflict') return true;
  return /active lifecycle operation|another (lifecycle )?operation is (running|in progress)/i.test(error.message);
}

/** Status read from a row of the environment's own Dataverse (async jobs, catalog installs and submissions). */
export function isDataverseStyle(style: PollStyle): boolean {
  return style === 'dataverse-async' || style === 'catalog-install' || style === 'catalog-submission';
}
