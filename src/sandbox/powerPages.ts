import { randomUUID } from 'node:crypto';
import { jsonBody, type Reply, type SandboxRequest } from './http';
import type { DataverseReplies } from './solutions/api';
import type { SandboxOrg } from './state';

/** A site of the enhanced data model (§12). */
export interface SandboxSite {
  powerpagesiteid: string;
  name: string;
  components: Map<string, { powerpagecomponentid: string; name: string; powerpagecomponenttype: number; content: string; filecontent?: Buffer; filename?: string }>;
}

const sitesByOrg = new WeakMap<SandboxOrg, SandboxSite[]>();

/** The org's Power Pages sites; Contoso Dev has one, with a page, a template, a snippet, a setting and a style sheet. */
export function powerPagesSites(org: SandboxOrg): SandboxSite[] {
  let sites = sitesByOrg.get(org);
  if (!sites) {
    sites = org.name === 'contoso-dev' ? [seedSite()] : [];
    sitesByOrg.set(org, sites);
  }
  return sites;
}

function seedSite(): SandboxSite {
  const site: SandboxSite = { powerpagesiteid: '5e5e0000-0000-4000-8000-000000000001', name: 'Contoso Portal', components: new Map() };
  const add = (id: string, name: string, type: number, content: Record<string, unknown>, file?: { name: string; bytes: string }) =>
    site.components.set(id, { powerpagecomponentid: id, name, powerpagecomponenttype: type, content: JSON.stringify(content), ...(file ? { filecontent: Buffer.from(file.bytes), filename: file.name } : {}) });
  add('5e5e0000-0000-4000-8000-000000000010', 'Home', 2, { partialurl: '/', copy: '<h1>Welcome to Contoso</h1>\n<p>Find your orders here.</p>', hiddenfromsitemap: false });
  add('5e5e0000-0000-4000-8000-000000000011', 'Orders', 2, { partialurl: 'orders', parentpageid: '5e5e0000-0000-4000-8000-000000000010', copy: '<h2>Your orders</h2>' });
  add('5e5e0000-0000-4000-8000-000000000020', 'Layout 1 Column', 8, { source: '{% extends "Layout" %}\n{% block main %}{{ page.adx_copy }}{% endblock %}' });
  add('5e5e0000-0000-4000-8000-000000000030', 'Footer', 7, { value: '<p>© Contoso</p>', type: 756150001 });
  add('5e5e0000-0000-4000-8000-000000000040', 'Search/Enabled', 9, { value: 'true' });
  add('5e5e0000-0000-4000-8000-000000000050', 'theme.css', 3, { partialurl: 'theme.css', parentpageid: '5e5e0000-0000-4000-8000-000000000010' }, { name: 'theme.css', bytes: 'body { color: #333; }\n' });
  return site;
}

/** Rows of powerpagesites and powerpagecomponents for the generic query handler. */
export function powerPagesRows(set: string, org: SandboxOrg): Array<Record<string, unknown>> | undefined {
  if (set === 'powerpagesites') return powerPagesSites(org).map((s) => ({ powerpagesiteid: s.powerpagesiteid, name: s.name }));
  if (set === 'powerpagecomponents') {
    return powerPagesSites(org).flatMap((s) => [...s.components.values()].map(({ filecontent: _, ...c }) => ({ ...c, _powerpagesiteid_value: s.powerpagesiteid })));
  }
  return undefined;
}

/** File content, updates and new components of the enhanced data model. */
export function handlePowerPages(request: SandboxRequest, segment: string, org: SandboxOrg, reply: DataverseReplies): Reply | undefined {
  const find = (id: string) => {
    for (const site of powerPagesSites(org)) {
      const component = site.components.get(id.toLowerCase());
      if (component) return component;
    }
    return undefined;
  };
  let match: RegExpExecArray | null;
  if ((match = /^powerpagecomponents\(([0-9a-f-]{36})\)\/filecontent(\/\$value)?$/i.exec(segment))) {
    const component = find(match[1]!);
    if (!component) return reply.error(404, '0x80040217', `powerpagecomponent With Id = ${match[1]} Does Not Exist`);
    if (request.method === 'GET') {
      if (!component.filecontent) return reply.error(404, '0x80060891', 'No file attachment found for attribute: filecontent.');
      return { status: 200, headers: { 'content-type': 'application/octet-stream', 'x-ms-file-name': component.filename ?? component.name }, body: component.filecontent };
    }
    if (request.method === 'PATCH') {
      component.filecontent = request.raw;
      component.filename = String(request.headers['x-ms-file-name'] ?? component.name);
      return { status: 204 };
    }
  }
  if (request.method === 'PATCH' && (match = /^powerpagecomponents\(([0-9a-f-]{36})\)$/i.exec(segment))) {
    const component = find(match[1]!);
    if (!component) return reply.error(404, '0x80040217', `powerpagecomponent With Id = ${match[1]} Does Not Exist`);
    const body = (jsonBody(request) ?? {}) as Record<string, unknown>;
    const problem = checkContent(body.content);
    if (problem) return reply.error(400, '0x80040203', problem);
    if (typeof body.content === 'string') component.content = body.content;
    if (typeof body.name === 'string') component.name = body.name;
    return { status: 204 };
  }
  if (request.method === 'POST' && segment.toLowerCase() === 'powerpagecomponents') {
    const body = (jsonBody(request) ?? {}) as Record<string, unknown>;
    const siteId = /powerpagesites\(([0-9a-f-]{36})\)/i.exec(String(body['powerpagesiteid@odata.bind'] ?? ''))?.[1]?.toLowerCase();
    const site = powerPagesSites(org).find((s) => s.powerpagesiteid === siteId);
    if (!site) return reply.error(400, '0x80040217', `powerpagesite With Id = ${siteId ?? '(none)'} Does Not Exist`);
    const problem = checkContent(body.content) ?? (typeof body.name !== 'string' || !Number.isInteger(body.powerpagecomponenttype) ? 'name and powerpagecomponenttype are required.' : undefined);
    if (problem) return reply.error(400, '0x80040203', problem);
    const id = String(body.powerpagecomponentid ?? randomUUID()).toLowerCase();
    site.components.set(id, { powerpagecomponentid: id, name: String(body.name), powerpagecomponenttype: Number(body.powerpagecomponenttype), content: String(body.content ?? '{}') });
    return { status: 204, headers: { 'odata-entityid': `${org.url}/api/data/v9.2/powerpagecomponents(${id})` } };
  }
  return undefined;
}

/** `content` is a JSON object held in a string; the service refuses anything else. */
function checkContent(content: unknown): string | undefined {
  if (content === undefined) return undefined;
  if (typeof content !== 'string') return 'content must be a string holding JSON.';
  try {
    const parsed = JSON.parse(content);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? undefined : 'content must hold a JSON object.';
  } catch {
    return 'content is not valid JSON.';
  }
}
