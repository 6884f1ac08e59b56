import { isCheckerUrl } from '../platform/checker';
import { dataverseResource, type Endpoints } from '../platform/endpoints';
import type { ServiceName } from '../platform/errors';
import type { Services } from '../services';
import { finishCheckerRun } from './checkerRun';
import { completeAfterService, readEnvironmentReady, type Completion } from './completion';
import { finishDataverseJob, importProgress, readDataverseAsync, type JobEnding } from './dataverseJob';
import type { OperationRecord, PollStyle } from './record';
import {
  readAppOperation,
  readBapLifecycle,
  readCatalogInstall,
  readCatalogSubmission,
  readCheckerStatus,
  readPpapiOperation,
  type StatusReading,
} from './status';

/** The service, token audience and extra headers of a status request. */
export interface PollTarget {
  service: ServiceName;
  resource: string;
  headers?: Record<string, string>;
}

/**
 * Where a style's status URLs live. Status URLs come from response headers and are regional
 * (europe.api.bap.microsoft.com; docs/service-notes.md#long-running-operations); they get our token,
 * so `trusts` says which URLs may be called with it.
 */
export interface PollHost {
  target(endpoints: Endpoints, record?: OperationRecord): PollTarget;
  trusts(url: string, endpoints: Endpoints, record?: OperationRecord): boolean;
}

/** What a step after reading the status may use. */
export interface PollStep {
  record: OperationRecord;
  services: Services;
  signal: AbortSignal;
}

/** Everything the tracker knows about one way a service reports a long-running job. */
export interface PollStyleSpec {
  host: PollHost;
  /** One status document, in the tracker's terms. */
  read(body: unknown, record: OperationRecord): StatusReading;
  /** Whether the document's id is the service's operation id (an environment read is not an operation). */
  namesOperation: boolean;
  /** While the job runs: a better percent than the status document gives, or undefined. */
  progress?(step: PollStep): Promise<number | undefined>;
  /**
   * Once the service says the job succeeded or failed: the request that gives the outcome (an import's
   * result, an export's download, a checker report), or undefined when the reading says it all.
   * Throws only for passing failures: the status is read again and the step repeated.
   */
  finish?(reading: StatusReading, step: PollStep): Promise<JobEnding> | undefined;
  /** After a success whose reading carries no result: the result, or the next thing to poll. */
  complete?(record: OperationRecord, reading: StatusReading, endpoints: Endpoints): Completion;
}

/** A Microsoft service of its own (BAP, Power Platform API): its host or one of its regional subdomains. */
function serviceHost(service: ServiceName, url: (e: Endpoints) => string, resource: (e: Endpoints) => string): PollHost {
  return {
    target: (endpoints) => ({ service, resource: resource(endpoints) }),
    trusts(candidateUrl, endpoints) {
      const base = new URL(url(endpoints));
      let candidate: URL;
      try {
        candidate = new URL(candidateUrl);
      } catch {
        return false;
      }
      if (candidate.protocol !== base.protocol) return false;
      if (candidate.host === base.host) return true;
      return candidate.port === base.port && candidate.hostname.endsWith(`.${base.hostname}`);
    },
  };
}

const bap = serviceHost(
  'bap',
  (e) => e.bapUrl,
  (e) => e.bapResource,
);
const powerPlatform = serviceHost(
  'powerplatform',
  (e) => e.powerPlatformUrl,
  (e) => e.powerPlatformResource,
);

/** A row of the environment's own Dataverse. We build these URLs from its Dataverse URL; they must stay under that org. */
const dataverse: PollHost = {
  target: (_endpoints, record) => ({ service: 'dataverse', resource: dataverseResource(String(record?.details?.instanceUrl ?? '')) }),
  trusts(url, _endpoints, record) {
    const org = dataverseResource(String(record?.details?.instanceUrl ?? '')).toLowerCase();
    return Boolean(org) && url.toLowerCase().startsWith(`${org}/api/data/`);
  },
};

/** The checker wants the run's correlation id and the tenant on every call of the run (docs/service-notes.md#checker). */
const checker: PollHost = {
  target: (endpoints, record) => ({
    service: 'checker',
    resource: endpoints.checkerResource,
    headers: {
      'x-ms-correlation-id': String(record?.details?.correlationId ?? ''),
      'x-ms-tenant-id': String(record?.details?.tenantId ?? ''),
    },
  }),
  trusts: (url, endpoints) => isCheckerUrl(url, endpoints),
};

/**
 * The poll styles, by the name a record stores: each API family has its own status document
 * (docs/service-notes.md#long-running-operations). A new style is a name in `PollStyle` and an entry here.
 */
export const POLL_STYLES: Record<PollStyle, PollStyleSpec> = {
  'bap-lifecycle': { host: bap, read: readBapLifecycle, namesOperation: true, complete: completeAfterService },
  'ppapi-operation': { host: powerPlatform, read: readPpapiOperation, namesOperation: true, complete: completeAfterService },
  'ppapi-app-operation': { host: powerPlatform, read: readAppOperation, namesOperation: true, complete: completeAfterService },
  // The environment itself, read until it is usable; the environment read is the result.
  'environment-ready': { host: bap, read: (body, record) => readEnvironmentReady(body as never, record), namesOperation: false },
  'dataverse-async': {
    host: dataverse,
    read: readDataverseAsync,
    namesOperation: true,
    // The async operation has no percent; a running import's job has.
    progress: (step) => importProgress(step.record, step.services, step.signal),
    finish: (reading, step) => finishDataverseJob(step.record, reading, step.services, step.signal),
  },
  checker: {
    host: checker,
    read: readCheckerStatus,
    namesOperation: true,
    finish: (reading, step) =>
      reading.state === 'succeeded' ? finishCheckerRun(step.record, reading.result ?? {}, step.services, step.signal) : undefined,
  },
  'catalog-install': { host: dataverse, read: readCatalogInstall, namesOperation: true },
  'catalog-submission': { host: dataverse, read: readCatalogSubmission, namesOperation: true },
};

/** The entry of a stored style name; undefined for a name this version does not know (a store written by another version). */
export function pollStyle(style: string): PollStyleSpec | undefined {
  return Object.hasOwn(POLL_STYLES, style) ? POLL_STYLES[style as PollStyle] : undefined;
}

/** Whether a status URL of this style may be called with our token. */
export function isTrustedPollUrl(url: string, style: PollStyle, endpoints: Endpoints, record?: OperationRecord): boolean {
  return POLL_STYLES[style].host.trusts(url, endpoints, record);
}
