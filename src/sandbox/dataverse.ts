import { json, type Reply, type SandboxRequest } from './http';
import type { Principal } from './identity';
import { connectionVariableRows, handleConnectionVariables } from './connectionVariables';
import { handleCatalog } from './catalog';
import { handleBatch } from './batch';
import { handleDataTables } from './dataTables';
import { handleMetadata } from './metadata';
import { handleSdkMessages } from './sdkMessages';
import { handleEnhancedPortal } from './powerPages';
import { handlePortalMetadata, handleStandardPortal } from './powerPagesStandard';
import { handleOrgSettings } from './orgSettings';
import { handleSecurity, syncPendingUsers } from './security';
import { matchesFilter } from './simpleFilter';
import { solutionRow, type SolutionService } from './solutions/api';
import { organizationRow, systemUserRow, type SandboxOrg, type SandboxTenant } from './state';

const ORG_ROUTE = /^\/orgs\/([^/]+)(\/api\/data\/v9\.[0-2]\/.*)?$/i;

/** The org a request is for, if its path is under /orgs/<domain>. */
export function findOrg(request: SandboxRequest, tenant: SandboxTenant): { org?: SandboxOrg; matched: boolean } {
  const match = ORG_ROUTE.exec(request.url.pathname);
  if (!match) return { matched: false };
  const domain = match[1]!.toLowerCase();
  const org = [...tenant.environments.values()].find((e) => e.org && e.org.url.endsWith(`/orgs/${domain}`))?.org;
  return { org, matched: true };
}

/** The Dataverse Web API of one org: WhoAmI, RetrieveVersion, systemusers, businessunits, organizations, and the solution messages. */
export async function handleDataverse(
  request: SandboxRequest,
  org: SandboxOrg,
  principal: Principal,
  solutions: SolutionService,
  tenant: SandboxTenant,
  timeScale = 1,
): Promise<Reply> {
  return withErrorAnnotations(await answer(request, org, principal, solutions, tenant, timeScale), request);
}

/**
 * Error annotations (help link, sub-code, a plug-in's trace text) are sent only to a client that asks
 * with Prefer: odata.include-annotations (docs/service-notes.md#errors-limits-and-retries); every error then has a help link.
 */
function withErrorAnnotations(reply: Reply, request: SandboxRequest): Reply {
  const error = (reply.body as { error?: Record<string, unknown> } | undefined)?.error;
  if (reply.status < 400 || !error || typeof error !== 'object') return reply;
  const wanted = /odata\.include-annotations="?(\*|[^",]*Microsoft\.PowerApps\.CDS)/i.test(String(request.headers.prefer ?? ''));
  const plain = Object.fromEntries(Object.entries(error).filter(([key]) => !key.startsWith('@')));
  if (!wanted) return { ...reply, body: { error: plain } };
  const code = String(error.code ?? '').replace(/^0x/i, '');
  return {
    ...reply,
    body: {
      error: {
        ...error,
        '@Microsoft.PowerApps.CDS.ErrorDetails.OperationStatus': error['@Microsoft.PowerApps.CDS.ErrorDetails.OperationStatus'] ?? '0',
        '@Microsoft.PowerApps.CDS.HelpLink': `http://go.microsoft.com/fwlink/?LinkID=398563&error=Microsoft.Crm.CrmException%3a${code}&client=platform`,
      },
    },
  };
}

async function answer(
  request: SandboxRequest,
  org: SandboxOrg,
  principal: Principal,
  solutions: SolutionService,
  tenant: SandboxTenant,
  timeScale: number,
): Promise<Reply> {
  syncPendingUsers(org);
  const caller = org.users.find(
    (u) => u.azureactivedirectoryobjectid === (principal.kind === 'app' ? principal.app.objectId : principal.user.objectId),
  );
  if (!caller || caller.isdisabled) {
    return dataverseError(403, '0x80072560', 'The user is not a member of the organization.');
  }
  const api = `${org.url}/api/data/v9.2`;
  const segment = request.url.pathname.replace(/^\/orgs\/[^/]+\/api\/data\/v9\.[0-2]\//i, '');
  const replies = { ok: odata, error: dataverseError };
  // Each area answers its own routes and passes on the rest; the generic table queries come last.
  const areas = [
    () => handleBatch(request, segment, org, replies, (inner) => handleDataverse(inner, org, principal, solutions, tenant, timeScale)),
    () => handleSdkMessages(request, segment, org, replies),
    () => handleSecurity(request, segment, org, tenant, replies),
    () => handleCatalog(request, segment, org, tenant, timeScale, replies),
    () => handlePortalMetadata(request, segment, org, replies),
    () => handleMetadata(request, segment, org, replies),
    () => handleEnhancedPortal(request, segment, org, replies),
    () => handleStandardPortal(request, segment, org, replies),
    () => handleDataTables(request, segment, org, replies, caller),
    () => handleConnectionVariables(request, segment, org, replies),
    () => handleOrgSettings(request, segment, org, replies),
    () => solutions.handle(request, segment, org, caller, replies),
  ];
  for (const area of areas) {
    const reply = await area();
    if (reply) return reply;
  }
  if (request.method !== 'GET')
    return dataverseError(405, '0x80060888', `The HTTP method '${request.method}' is not allowed for '${segment}'.`);

  if (segment === 'WhoAmI' || segment === 'WhoAmI()') {
    return odata({
      '@odata.context': `${api}/$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse`,
      BusinessUnitId: caller.businessunitid,
      UserId: caller.systemuserid,
      OrganizationId: org.organizationId,
    });
  }
  if (segment === 'RetrieveVersion()' || segment === 'RetrieveVersion') {
    return odata({ '@odata.context': `${api}/$metadata#Microsoft.Dynamics.CRM.RetrieveVersionResponse`, Version: org.version });
  }
  const entity =
    /^(systemusers|businessunits|organizations|solutions|roles|teams|connectionreferences|environmentvariabledefinitions|environmentvariablevalues)(?:\(([0-9a-f-]{36})\))?$/i.exec(
      segment,
    );
  if (!entity) return dataverseError(404, '0x80060888', `Resource not found for the segment '${segment.split(/[(/?]/)[0]}'.`);
  const [, set, id] = entity;
  const rows = rowsOf(set!.toLowerCase(), org);
  const select = request.url.searchParams
    .get('$select')
    ?.split(',')
    .map((c) => c.trim())
    .filter(Boolean);
  const key = `${set!.toLowerCase().replace(/s$/, '')}id`;
  if (id) {
    const row = rows.find((r) => String(r[key]).toLowerCase() === id.toLowerCase());
    if (!row) return dataverseError(404, '0x80040217', `${set!.slice(0, -1)} With Id = ${id} Does Not Exist`);
    return odata({
      '@odata.context': `${api}/$metadata#${set}(${(select ?? []).join(',')})/$entity`,
      ...project(row, key, select, request.url.searchParams.get('$expand')),
    });
  }
  const filter = request.url.searchParams.get('$filter');
  const filtered = filter ? rows.filter((row) => matchesFilter(row, filter)) : rows;
  const top = Number(request.url.searchParams.get('$top') ?? filtered.length);
  return odata({
    '@odata.context': `${api}/$metadata#${set}`,
    value: filtered.slice(0, top).map((row) => project(row, key, select, request.url.searchParams.get('$expand'))),
  });
}

function rowsOf(set: string, org: SandboxOrg): Array<Record<string, unknown>> {
  if (set === 'systemusers') return org.users.map((user) => systemUserRow(user, org));
  if (set === 'businessunits')
    return org.businessUnits.map((b) => ({
      businessunitid: b.businessunitid,
      name: b.name,
      _parentbusinessunitid_value: b.parentbusinessunitid,
      _organizationid_value: org.organizationId,
    }));
  const variables = connectionVariableRows(set, org);
  if (variables) return variables;
  if (set === 'roles')
    return org.roles.map((r) => ({
      roleid: r.roleid,
      name: r.name,
      _businessunitid_value: r.businessunitid,
      _parentrootroleid_value: r.parentrootroleid,
    }));
  if (set === 'teams') {
    return org.teams.map(({ roles, businessunitid, ...team }) => ({
      ...team,
      _businessunitid_value: businessunitid,
      teamroles_association: org.roles
        .filter((r) => roles.includes(r.roleid))
        .map((r) => ({ roleid: r.roleid, name: r.name, _businessunitid_value: r.businessunitid })),
    }));
  }
  if (set === 'solutions') return org.solutions.map((s) => solutionRow(s, org.organizationId));
  return [organizationRow(org)];
}

function project(row: Record<string, unknown>, key: string, select: string[] | undefined, expand?: string | null): Record<string, unknown> {
  const out: Record<string, unknown> = { '@odata.etag': 'W/"1000001"' };
  // A navigation property comes back only when expanded, as the real service does.
  const navigation = /^(\w+)(?:\(\$select=([\w,]+)\))?$/.exec(expand ?? '');
  for (const column of select ?? Object.keys(row))
    if (column in row && (row[column] === null || typeof row[column] !== 'object')) out[column] = row[column];
  if (navigation && row[navigation[1]!] && typeof row[navigation[1]!] === 'object') {
    const columns = navigation[2]?.split(',');
    const pick = (related: Record<string, unknown>) =>
      Object.fromEntries(
        Object.entries(related).filter(
          ([column]) => !columns || columns.includes(column) || column.startsWith('@') || column === `${navigation[1]}`,
        ),
      );
    const related = row[navigation[1]!];
    out[navigation[1]!] = Array.isArray(related) ? related.map(pick) : pick(related as Record<string, unknown>);
  }
  out[key] = row[key];
  return out;
}

function odata(body: Record<string, unknown>): Reply {
  return json(200, body, { 'odata-version': '4.0', 'content-type': 'application/json; odata.metadata=minimal' });
}

/** An error as Dataverse sends it; `annotations` (a plug-in's trace text, a sub-code) go only to clients that ask for them. */
export function dataverseError(status: number, code: string, message: string, annotations: Record<string, string> = {}): Reply {
  return json(status, { error: { code, message, ...annotations } }, { 'odata-version': '4.0' });
}
