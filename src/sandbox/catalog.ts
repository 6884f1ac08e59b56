import { randomUUID } from 'node:crypto';
import { jsonBody, type Reply, type SandboxRequest } from './http';
import type { DataverseReplies } from './solutions/api';
import { setSolutions, solution, type SandboxOrg, type SandboxTenant } from './state';

/** Status codes of the catalog tables (docs/service-notes.md#catalog-in-power-platform). */
export const INSTALL_STATUS = { requested: 1, pending: 526430001, inProgress: 526430002, completed: 526430003, failed: 526430004 } as const;
export const REQUEST_STATUS = { submitted: 1, processing: 526430009, completed: 2, failedPrevalidation: 526430010 } as const;

interface Item {
  mspcat_applicationsid: string;
  mspcat_tpsid: string;
  mspcat_name: string;
  mspcat_version: string;
  /** The solution its package installs. */
  solution: string;
  /** A solution the target must have already; the install fails without it. */
  requires?: string;
}

interface Timed {
  startedAt: number;
  durationMs: number;
}

interface Catalog {
  items: Item[];
  installs: Map<string, Timed & { mspcat_installhistoryid: string; item: Item; targetUrl: string; failure?: string; applied: boolean }>;
  requests: Map<string, Timed & { mspcat_certificationrequestid: string; failure?: string; item?: Item; applied: boolean }>;
}

const catalogs = new WeakMap<SandboxOrg, Catalog>();
/** How long an install or a submission takes at time scale 1. */
const SECONDS = 60;

/** The catalog in an environment: Contoso (default) hosts one with two items. */
function catalogOf(org: SandboxOrg): Catalog | undefined {
  if (org.name !== 'contoso') return undefined;
  let catalog = catalogs.get(org);
  if (!catalog) {
    catalog = {
      items: [
        {
          mspcat_applicationsid: '5c5c0000-0000-4000-8000-000000000001',
          mspcat_tpsid: 'ContosoConferencesCustomConnector',
          mspcat_name: 'Contoso Conferences connector',
          mspcat_version: '2.0.0.0',
          solution: 'ContosoConferences',
        },
        {
          mspcat_applicationsid: '5c5c0000-0000-4000-8000-000000000002',
          mspcat_tpsid: 'ContosoExpenseTemplate',
          mspcat_name: 'Expense app template',
          mspcat_version: '1.3.0.0',
          solution: 'ContosoExpenses',
        },
        {
          mspcat_applicationsid: '5c5c0000-0000-4000-8000-000000000003',
          mspcat_tpsid: 'ContosoPortalExtensions',
          mspcat_name: 'Portal extensions',
          mspcat_version: '1.0.0.0',
          solution: 'ContosoPortalExtensions',
          requires: 'ContosoPortal',
        },
      ],
      installs: new Map(),
      requests: new Map(),
    };
    catalogs.set(org, catalog);
  }
  return catalog;
}

function statusOf(timed: Timed & { failure?: string }, running: number, done: number, failed: number, waiting: number): number {
  const elapsed = Date.now() - timed.startedAt;
  if (elapsed < timed.durationMs * 0.1) return waiting;
  if (elapsed < timed.durationMs) return running;
  return timed.failure ? failed : done;
}

/** Catalog items, installs by CID and submissions (mspcat_* messages and tables). */
export function handleCatalog(
  request: SandboxRequest,
  segment: string,
  org: SandboxOrg,
  tenant: SandboxTenant,
  timeScale: number,
  reply: DataverseReplies,
): Reply | undefined {
  if (!/^mspcat_/i.test(segment)) return undefined;
  const catalog = catalogOf(org);
  if (!catalog)
    return reply.error(
      404,
      '0x80060888',
      `Resource not found for the segment '${segment.split(/[(/?]/)[0]}'. The catalog is not installed in this environment.`,
    );
  const now = Date.now();
  // Finished installs put their solution into the target; finished submissions publish their item.
  for (const install of catalog.installs.values()) {
    if (install.applied || install.failure || now < install.startedAt + install.durationMs) continue;
    install.applied = true;
    const target = [...tenant.environments.values()].find(
      (e) => e.org && install.targetUrl.replace(/\/+$/, '').toLowerCase() === e.org.url.toLowerCase(),
    )!.org!;
    setSolutions(target, [
      ...target.solutions.filter((s) => s.uniquename !== install.item.solution),
      solution(install.item.solution, install.item.mspcat_version, true),
    ]);
  }
  for (const submission of catalog.requests.values()) {
    if (submission.applied || submission.failure || !submission.item || now < submission.startedAt + submission.durationMs) continue;
    submission.applied = true;
    const existing = catalog.items.find((i) => i.mspcat_tpsid === submission.item!.mspcat_tpsid);
    if (existing) Object.assign(existing, { mspcat_version: submission.item.mspcat_version, mspcat_name: submission.item.mspcat_name });
    else catalog.items.push(submission.item);
  }
  const body = (jsonBody(request) ?? {}) as Record<string, unknown>;
  const duration = Math.round(SECONDS * 1000 * timeScale);
  let match: RegExpExecArray | null;
  if (request.method === 'GET' && /^mspcat_applications$/i.test(segment)) {
    return reply.ok({ value: catalog.items.map(({ solution: _, ...item }) => ({ ...item, statuscode: 1 })) });
  }
  if (request.method === 'POST' && /^mspcat_InstallCatalogItemByCID$/i.test(segment)) {
    const [tpsid, version] = String(body.CID ?? '').split('@');
    const item = catalog.items.find((i) => i.mspcat_tpsid.toLowerCase() === (tpsid ?? '').toLowerCase());
    if (!item) return reply.error(404, '0x80040217', `No catalog item has the id '${tpsid}'.`);
    if (version && version !== item.mspcat_version)
      return reply.error(
        400,
        '0x80040203',
        `Version ${version} of ${item.mspcat_tpsid} is not in the catalog; the catalog has ${item.mspcat_version}.`,
      );
    const targetUrl = String(body.DeployToOrganizationUrl ?? '');
    const target = [...tenant.environments.values()].find(
      (e) => e.org && targetUrl.replace(/\/+$/, '').toLowerCase() === e.org.url.toLowerCase(),
    )?.org;
    const missing = item.requires && target && !target.solutions.some((s) => s.uniquename === item.requires);
    const failure = !target
      ? `The environment ${targetUrl} could not be reached for deployment.`
      : missing
        ? `Deployment of ${item.mspcat_tpsid} failed: solution ${item.requires} is required in the target environment and is not installed.`
        : undefined;
    const id = randomUUID();
    catalog.installs.set(id, {
      mspcat_installhistoryid: id,
      item,
      targetUrl,
      startedAt: now,
      durationMs: duration,
      applied: false,
      failure,
    });
    return reply.ok({ InstallHistoryReferance: id });
  }
  if (request.method === 'GET' && (match = /^mspcat_installhistories\(([0-9a-f-]{36})\)$/i.exec(segment))) {
    const install = catalog.installs.get(match[1]!.toLowerCase());
    if (!install) return reply.error(404, '0x80040217', `mspcat_installhistory With Id = ${match[1]} Does Not Exist`);
    return reply.ok({
      mspcat_installhistoryid: install.mspcat_installhistoryid,
      statuscode: statusOf(install, INSTALL_STATUS.inProgress, INSTALL_STATUS.completed, INSTALL_STATUS.failed, INSTALL_STATUS.requested),
      mspcat_errordetails: install.failure && now >= install.startedAt + install.durationMs ? install.failure : null,
    });
  }
  if (request.method === 'POST' && /^mspcat_SubmitCatalogApprovalRequest$/i.test(segment)) {
    let submission: any;
    try {
      submission = JSON.parse(Buffer.from(String(body.EncodedApprovalRequest ?? ''), 'base64').toString('utf8'));
    } catch {
      return reply.error(400, '0x80040203', 'EncodedApprovalRequest is not base64-encoded JSON.');
    }
    const definition = submission?.catalogItemDefinition;
    const link = definition?.packageFile?.filesaslink ?? definition?.packageFile?.fileSasLink;
    const failure =
      !definition?.id || !definition?.displayName
        ? 'catalogItemDefinition needs an id and a displayName.'
        : !link
          ? 'catalogItemDefinition.packageFile needs a filesaslink the service can download.'
          : undefined;
    const id = randomUUID();
    catalog.requests.set(id, {
      mspcat_certificationrequestid: id,
      startedAt: now,
      durationMs: duration,
      applied: false,
      failure,
      item: failure
        ? undefined
        : {
            mspcat_applicationsid: randomUUID(),
            mspcat_tpsid: String(definition.id),
            mspcat_name: String(definition.displayName),
            mspcat_version: String(submission.version ?? definition.version ?? '1.0.0.0'),
            solution: String(definition.id),
          },
    });
    return reply.ok({ CertificationRequestId: id, AsyncOperationId: randomUUID() });
  }
  if (request.method === 'GET' && (match = /^mspcat_certificationrequests\(([0-9a-f-]{36})\)$/i.exec(segment))) {
    const submission = catalog.requests.get(match[1]!.toLowerCase());
    if (!submission) return reply.error(404, '0x80040217', `mspcat_certificationrequest With Id = ${match[1]} Does Not Exist`);
    const status = statusOf(
      submission,
      REQUEST_STATUS.processing,
      REQUEST_STATUS.completed,
      REQUEST_STATUS.failedPrevalidation,
      REQUEST_STATUS.submitted,
    );
    const item = submission.item && catalog.items.find((i) => i.mspcat_tpsid === submission.item!.mspcat_tpsid);
    return reply.ok({
      mspcat_certificationrequestid: submission.mspcat_certificationrequestid,
      statuscode: status,
      _mspcat_application_value: status === REQUEST_STATUS.completed ? (item?.mspcat_applicationsid ?? null) : null,
      mspcat_message: status === REQUEST_STATUS.failedPrevalidation ? submission.failure : null,
    });
  }
  return reply.error(404, '0x80060888', `Resource not found for the segment '${segment.split(/[(/?]/)[0]}'.`);
}
