import { randomUUID } from 'node:crypto';
import { jsonBody, pageOf, type Reply, type SandboxRequest } from './http';
import { seedEnhancedSite } from './powerPagesSeed';
import { boundId, filterRows, selected } from './powerPagesQuery';
import type { DataverseReplies } from './solutions/api';
import type { SandboxOrg } from './state';

type Row = Record<string, unknown>;

/** The enhanced data model's rows of one org: sites, site languages and site components. */
export interface EnhancedPortal {
  sites: Map<string, Row>;
  languages: Map<string, Row>;
  components: Map<string, Row>;
  /** A component's file column: its bytes and name. */
  files: Map<string, { name: string; bytes: Buffer }>;
}

/** The choices of powerpagecomponenttype the sandbox accepts (the documented ones, and 36 for code sites' source files). */
export const COMPONENT_TYPES = new Set([
  1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 15, 16, 17, 18, 19, 20, 21, 24, 26, 27, 28, 29, 30, 31, 32, 33, 34, 36,
]);

const byOrg = new WeakMap<SandboxOrg, EnhancedPortal>();

/** The org's enhanced-model rows; Contoso Dev has a site, Contoso Portal. */
export function enhancedPortal(org: SandboxOrg): EnhancedPortal {
  let portal = byOrg.get(org);
  if (!portal) {
    portal = { sites: new Map(), languages: new Map(), components: new Map(), files: new Map() };
    if (org.name === 'contoso-dev') seedEnhancedSite(portal);
    byOrg.set(org, portal);
  }
  return portal;
}

const TABLES = {
  powerpagesites: { key: 'powerpagesiteid', store: 'sites', columns: ['name', 'content', 'statecode', 'statuscode'] },
  powerpagesitelanguages: {
    key: 'powerpagesitelanguageid',
    store: 'languages',
    columns: ['name', 'languagecode', 'lcid', 'displayname', 'content', 'powerpagesiteid'],
  },
  powerpagecomponents: {
    key: 'powerpagecomponentid',
    store: 'components',
    columns: ['name', 'powerpagecomponenttype', 'content', 'statecode', 'statuscode', 'powerpagesiteid', 'powerpagesitelanguageid'],
  },
} as const;

/** Queries and changes of powerpagesites, powerpagesitelanguages and powerpagecomponents, with the components' file column. */
export function handleEnhancedPortal(
  request: SandboxRequest,
  segment: string,
  org: SandboxOrg,
  reply: DataverseReplies,
): Reply | undefined {
  const portal = enhancedPortal(org);
  const api = `${org.url}/api/data/v9.2`;
  let match: RegExpExecArray | null;
  if ((match = /^powerpagecomponents\(([0-9a-f-]{36})\)\/filecontent(\/\$value)?$/i.exec(segment)))
    return fileColumn(request, portal, match[1]!.toLowerCase(), reply);
  if (!(match = /^(powerpagesites|powerpagesitelanguages|powerpagecomponents)(?:\(([0-9a-f-]{36})\))?$/i.exec(segment))) return undefined;
  const set = match[1]!.toLowerCase() as keyof typeof TABLES;
  const table = TABLES[set];
  const rows = portal[table.store];
  const id = match[2]?.toLowerCase();
  const view = (row: Row) => webRow(portal, set, row, selected(request));
  if (request.method === 'GET' && !id) {
    const filtered = filterRows([...rows.values()], request.url.searchParams.get('$filter'));
    if (typeof filtered === 'string') return reply.error(400, '0x80060888', filtered);
    const page = pageOf(request, filtered, `${api}/${set}`);
    return reply.ok({ '@odata.context': `${api}/$metadata#${set}`, ...page, value: page.value.map(view) });
  }
  if (request.method === 'GET') {
    const row = rows.get(id!);
    return row ? reply.ok({ '@odata.context': `${api}/$metadata#${set}/$entity`, ...view(row) }) : notFound(set, id!, reply);
  }
  const body = (jsonBody(request) ?? {}) as Row;
  if (request.method === 'POST' && !id) {
    const newId = String(body[table.key] ?? randomUUID()).toLowerCase();
    if (rows.has(newId)) return reply.error(412, '0x80040237', `A record with the specified key values already exists (${set} ${newId}).`);
    const row: Row = { [table.key]: newId, statecode: 0, statuscode: 1 };
    const problem = apply(portal, set, row, body);
    if (problem) return reply.error(400, '0x80040203', problem);
    if (set !== 'powerpagesites' && !row.powerpagesiteid)
      return reply.error(400, '0x80040203', 'powerpagesiteid is required: bind the row to its site (powerpagesiteid@odata.bind).');
    if (set === 'powerpagecomponents' && !COMPONENT_TYPES.has(Number(row.powerpagecomponenttype)))
      return reply.error(400, '0x80040203', `powerpagecomponenttype ${String(row.powerpagecomponenttype)} is not one of its choices.`);
    rows.set(newId, row);
    return { status: 204, headers: { 'odata-entityid': `${api}/${set}(${newId})` } };
  }
  const row = id ? rows.get(id) : undefined;
  if (!row)
    return id
      ? notFound(set, id, reply)
      : reply.error(405, '0x80060888', `The HTTP method '${request.method}' is not allowed for '${segment}'.`);
  if (request.method === 'PATCH') {
    const staged = { ...row };
    const problem = apply(portal, set, staged, body);
    if (problem) return reply.error(400, '0x80040203', problem);
    Object.assign(row, staged);
    return { status: 204 };
  }
  if (request.method === 'DELETE') {
    rows.delete(id!);
    portal.files.delete(id!);
    if (set === 'powerpagesites')
      for (const [componentId, component] of portal.components) if (component.powerpagesiteid === id) portal.components.delete(componentId);
    return { status: 204 };
  }
  return reply.error(405, '0x80060888', `The HTTP method '${request.method}' is not allowed for '${segment}'.`);
}

const notFound = (set: string, id: string, reply: DataverseReplies) =>
  reply.error(404, '0x80040217', `${set.replace(/s$/, '')} With Id = ${id} Does Not Exist`);

function webRow(portal: EnhancedPortal, set: keyof typeof TABLES, row: Row, select: string[] | undefined): Row {
  const table = TABLES[set];
  const out: Row = { '@odata.etag': 'W/"1000001"', [table.key]: row[table.key] };
  for (const column of table.columns) {
    const name = column === 'powerpagesiteid' || column === 'powerpagesitelanguageid' ? `_${column}_value` : column;
    if (!select || select.includes(column) || select.includes(name)) out[name] = row[column] ?? null;
  }
  if (set === 'powerpagecomponents' && (!select || select.includes('filecontent_name')))
    out.filecontent_name = portal.files.get(String(row[table.key]))?.name ?? null;
  return out;
}

/** Checks and writes a body: known columns, content as a JSON object in a string, the site bound by @odata.bind. */
function apply(portal: EnhancedPortal, set: keyof typeof TABLES, row: Row, body: Row): string | undefined {
  const table = TABLES[set];
  for (const [key, value] of Object.entries(body)) {
    if (key === table.key) continue;
    if (key === 'powerpagesiteid@odata.bind' && set !== 'powerpagesites') {
      const siteId = boundId(value, 'powerpagesites');
      if (!siteId || !portal.sites.has(siteId)) return `powerpagesite With Id = ${siteId ?? '(none)'} Does Not Exist`;
      row.powerpagesiteid = siteId;
      continue;
    }
    if (key === 'powerpagesitelanguageid@odata.bind' && set === 'powerpagecomponents') {
      row.powerpagesitelanguageid = value === null ? null : boundId(value, 'powerpagesitelanguages');
      continue;
    }
    if (!(table.columns as readonly string[]).includes(key) || key === 'powerpagesiteid' || key === 'powerpagesitelanguageid')
      return `An undeclared property '${key}' was found on 'Microsoft.Dynamics.CRM.${set.replace(/s$/, '')}'.`;
    if (key === 'content' && value !== null) {
      if (typeof value !== 'string') return 'content must be a string holding JSON.';
      try {
        const parsed = JSON.parse(value) as unknown;
        if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return 'content must hold a JSON object.';
      } catch {
        return 'content is not valid JSON.';
      }
    }
    if (['lcid', 'statecode', 'statuscode', 'powerpagecomponenttype'].includes(key) && value !== null && !Number.isInteger(value))
      return `${key} must be a whole number.`;
    row[key] = value;
  }
  return undefined;
}

function fileColumn(request: SandboxRequest, portal: EnhancedPortal, id: string, reply: DataverseReplies): Reply {
  if (!portal.components.has(id)) return notFound('powerpagecomponents', id, reply);
  if (request.method === 'GET') {
    const file = portal.files.get(id);
    if (!file) return reply.error(404, '0x80060891', 'No file attachment found for attribute: filecontent.');
    return {
      status: 200,
      headers: {
        'content-type': 'application/octet-stream',
        'x-ms-file-name': /^[\x20-\x7e]*$/.test(file.name) ? file.name : encodeURIComponent(file.name),
      },
      body: file.bytes,
    };
  }
  if (request.method === 'PATCH') {
    const name = request.headers['x-ms-file-name'];
    if (typeof name !== 'string' || !name) return reply.error(400, '0x80040203', 'The x-ms-file-name header is required to upload a file.');
    portal.files.set(id, { name, bytes: request.raw });
    return { status: 204 };
  }
  if (request.method === 'DELETE') {
    portal.files.delete(id);
    return { status: 204 };
  }
  return reply.error(405, '0x80060888', `The HTTP method '${request.method}' is not allowed for filecontent.`);
}
