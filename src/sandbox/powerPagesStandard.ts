import { randomUUID } from 'node:crypto';
import { jsonBody, type Reply, type SandboxRequest } from './http';
import type { DataverseReplies } from './solutions/api';
import type { SandboxOrg } from './state';

/** The standard data model's tables (§12): one per component type, rows pointing at their adx_website. */
export const STANDARD_TABLES = ['adx_website', 'adx_webpage', 'adx_webtemplate', 'adx_contentsnippet', 'adx_sitesetting', 'adx_webfile'] as const;

type Row = Record<string, unknown>;

interface StandardSite {
  tables: Map<string, Map<string, Row>>;
  annotations: Map<string, Row>;
}

const byOrg = new WeakMap<SandboxOrg, StandardSite>();

/** The org's standard-model rows; Contoso Test has one site, Fabrikam Partners. */
export function standardSite(org: SandboxOrg): StandardSite {
  let site = byOrg.get(org);
  if (!site) {
    site = { tables: new Map(STANDARD_TABLES.map((t) => [t, new Map<string, Row>()])), annotations: new Map() };
    if (org.name === 'contoso-test') seed(site);
    byOrg.set(org, site);
  }
  return site;
}

function seed(site: StandardSite): void {
  const websiteId = '7a7a0000-0000-4000-8000-000000000001';
  const put = (table: string, id: string, row: Row) => site.tables.get(table)!.set(id, { [`${table}id`]: id, ...row, ...(table === 'adx_website' ? {} : { _adx_websiteid_value: websiteId }) });
  put('adx_website', websiteId, { adx_name: 'Fabrikam Partners' });
  put('adx_webpage', '7a7a0000-0000-4000-8000-000000000010', { adx_name: 'Home', adx_partialurl: '/', adx_copy: '<h1>Fabrikam partners</h1>', adx_hiddenfromsitemap: false });
  put('adx_webtemplate', '7a7a0000-0000-4000-8000-000000000020', { adx_name: 'Header', adx_source: '<header>{{ website.adx_name }}</header>' });
  put('adx_contentsnippet', '7a7a0000-0000-4000-8000-000000000030', { adx_name: 'Footer', adx_value: '<p>© Fabrikam</p>' });
  put('adx_sitesetting', '7a7a0000-0000-4000-8000-000000000040', { adx_name: 'Search/Enabled', adx_value: 'false' });
  put('adx_webfile', '7a7a0000-0000-4000-8000-000000000050', { adx_name: 'logo.svg', adx_partialurl: 'logo.svg' });
  site.annotations.set('7a7a0000-0000-4000-8000-000000000051', { annotationid: '7a7a0000-0000-4000-8000-000000000051', _objectid_value: '7a7a0000-0000-4000-8000-000000000050', filename: 'logo.svg', mimetype: 'image/svg+xml', documentbody: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>').toString('base64') });
}

/** Rows of the standard tables and annotations for the generic query handler. */
export function standardRows(set: string, org: SandboxOrg): Row[] | undefined {
  const site = standardSite(org);
  if (set === 'annotations') return [...site.annotations.values()].map((r) => ({ ...r }));
  const table = STANDARD_TABLES.find((t) => `${t}s` === set);
  return table ? [...site.tables.get(table)!.values()].map((r) => ({ ...r })) : undefined;
}

/** Updates and new rows of the standard tables, and annotation bodies (web files). */
export function handleStandardPages(request: SandboxRequest, segment: string, org: SandboxOrg, reply: DataverseReplies): Reply | undefined {
  const site = standardSite(org);
  const body = (jsonBody(request) ?? {}) as Row;
  let match: RegExpExecArray | null;
  if (request.method === 'PATCH' && (match = /^annotations\(([0-9a-f-]{36})\)$/i.exec(segment))) {
    const note = site.annotations.get(match[1]!.toLowerCase());
    if (!note) return reply.error(404, '0x80040217', `annotation With Id = ${match[1]} Does Not Exist`);
    if (typeof body.documentbody !== 'string') return reply.error(400, '0x80040203', 'documentbody must be base64 text.');
    note.documentbody = body.documentbody;
    return { status: 204 };
  }
  if (request.method === 'POST' && segment.toLowerCase() === 'annotations') {
    const fileId = /adx_webfiles\(([0-9a-f-]{36})\)/i.exec(String(body['objectid_adx_webfile@odata.bind'] ?? ''))?.[1]?.toLowerCase();
    if (!fileId || !site.tables.get('adx_webfile')!.has(fileId)) return reply.error(400, '0x80040217', `adx_webfile With Id = ${fileId ?? '(none)'} Does Not Exist`);
    if (typeof body.documentbody !== 'string' || typeof body.filename !== 'string') return reply.error(400, '0x80040203', 'filename and documentbody (base64) are required.');
    const id = randomUUID();
    site.annotations.set(id, { annotationid: id, _objectid_value: fileId, filename: body.filename, mimetype: body.mimetype ?? 'application/octet-stream', documentbody: body.documentbody });
    return { status: 204, headers: { 'odata-entityid': `${org.url}/api/data/v9.2/annotations(${id})` } };
  }
  if ((match = /^(adx_\w+?)s(?:\(([0-9a-f-]{36})\))?$/i.exec(segment)) && STANDARD_TABLES.includes(match[1]!.toLowerCase() as never) && request.method !== 'GET') {
    const table = match[1]!.toLowerCase();
    const rows = site.tables.get(table)!;
    if (request.method === 'PATCH' && match[2]) {
      const row = rows.get(match[2].toLowerCase());
      if (!row) return reply.error(404, '0x80040217', `${table} With Id = ${match[2]} Does Not Exist`);
      for (const [key, value] of Object.entries(body)) {
        if (!(key in row) || key.startsWith('_') || key === `${table}id`) return reply.error(400, '0x80060888', `The property '${key}' does not exist on type 'Microsoft.Dynamics.CRM.${table}' or cannot be updated.`);
        if (row[key] !== null && value !== null && typeof value !== typeof row[key]) return reply.error(400, '0x80048d19', `Cannot convert the literal '${String(value)}' to the expected type for '${key}'.`);
      }
      Object.assign(row, body);
      return { status: 204 };
    }
    if (request.method === 'POST' && !match[2]) {
      const websiteId = /adx_websites\(([0-9a-f-]{36})\)/i.exec(String(body['adx_websiteid@odata.bind'] ?? ''))?.[1]?.toLowerCase();
      if (!websiteId || !site.tables.get('adx_website')!.has(websiteId)) return reply.error(400, '0x80040217', `adx_website With Id = ${websiteId ?? '(none)'} Does Not Exist`);
      const id = String(body[`${table}id`] ?? randomUUID()).toLowerCase();
      const { 'adx_websiteid@odata.bind': _, ...columns } = body;
      rows.set(id, { ...columns, [`${table}id`]: id, _adx_websiteid_value: websiteId });
      return { status: 204, headers: { 'odata-entityid': `${org.url}/api/data/v9.2/${table}s(${id})` } };
    }
  }
  return undefined;
}
