import { existsSync, readdirSync } from 'node:fs';
import { z } from 'zod';
import type { DataverseClient } from '../../platform/dataverse';
import { odataString } from '../../platform/odata';
import { readSiteFolder, writeSiteFolder, type SiteComponent } from '../../portal/siteFolder';
import { resolveDataverseTarget } from '../dataverseTarget';
import { ToolError } from '../errors';
import { resolveLocalPath } from '../localPaths';
import { environmentRef } from '../schemas';
import { IDEMPOTENT_CLOUD, defineTool } from '../types';

interface ComponentRow {
  powerpagecomponentid: string;
  name: string;
  powerpagecomponenttype: number;
  content: string | null;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const WEB_FILE = 3;

async function findSite(dv: DataverseClient, ref: string, signal: AbortSignal): Promise<{ id: string; name: string }> {
  const filter = GUID.test(ref) ? `powerpagesiteid eq ${ref}` : `name eq ${odataString(ref)}`;
  const sites = await dv.get<{ value: Array<{ powerpagesiteid: string; name: string }> }>(`powerpagesites?$select=powerpagesiteid,name&$filter=${filter}`, signal);
  if (sites.value[0]) return { id: sites.value[0].powerpagesiteid, name: sites.value[0].name };
  const all = await dv.get<{ value: Array<{ name: string }> }>('powerpagesites?$select=name', signal);
  throw new ToolError(
    `site: no Power Pages site "${ref}" (enhanced data model) is in this environment. Nothing was done.`,
    all.value.length ? `Sites: ${all.value.map((s) => s.name).join(', ')}.` : 'Sites on the standard data model (adx_ tables) are not supported yet; pac pages download handles them.',
  );
}

async function siteComponents(dv: DataverseClient, siteId: string, signal: AbortSignal): Promise<SiteComponent[]> {
  const rows: ComponentRow[] = [];
  for (let next: string | undefined = `powerpagecomponents?$select=powerpagecomponentid,name,powerpagecomponenttype,content&$filter=_powerpagesiteid_value eq ${siteId}`; next; ) {
    const page: { value: ComponentRow[]; '@odata.nextLink'?: string } = await dv.page(next, 'odata.maxpagesize=5000', signal);
    rows.push(...page.value);
    next = page['@odata.nextLink'];
  }
  return Promise.all(
    rows.map(async (row) => {
      const content = row.content ? (JSON.parse(row.content) as Record<string, unknown>) : {};
      const file = row.powerpagecomponenttype === WEB_FILE ? await dv.download(`powerpagecomponents(${row.powerpagecomponentid})/filecontent/$value`, signal) : undefined;
      return { id: row.powerpagecomponentid, name: row.name, type: row.powerpagecomponenttype, content, file: file ? { name: file.fileName ?? row.name, bytes: file.bytes } : undefined };
    }),
  );
}

export const downloadPortal = defineTool({
  name: 'pp_download_portal',
  title: 'Download Power Pages site',
  description:
    'Downloads a Power Pages site (enhanced data model: powerpagecomponent) into a folder made for source control: site.json, then one JSON file per component ' +
    'grouped by type (web-pages, web-templates, content-snippets, site-settings, web-files, …), with page HTML and template Liquid in their own files and web files as their bytes. Reads only.',
  input: z.strictObject({
    environment: environmentRef.optional(),
    site: z.string().trim().min(1).max(200).describe('Site name or id.'),
    folder: z.string().min(1).describe('Folder to write, inside the workspace or an allowed folder; must be empty unless overwrite is true.'),
    overwrite: z.boolean().default(false),
  }),
  output: z.object({ folder: z.string(), site: z.string(), components: z.number(), files: z.array(z.string()) }),
  annotations: IDEMPOTENT_CLOUD,
  async handler(args, context) {
    const folder = resolveLocalPath('folder', args.folder, context.settings);
    if (existsSync(folder) && readdirSync(folder).length && !args.overwrite) throw new ToolError(`folder: ${args.folder} is not empty. Nothing was written.`, 'Give an empty folder, or pass overwrite: true.');
    const target = await resolveDataverseTarget(args.environment, context);
    const site = await findSite(target.dataverse, args.site, context.signal);
    const components = await siteComponents(target.dataverse, site.id, context.signal);
    const files = await writeSiteFolder(folder, site, components);
    return { result: { folder, site: site.name, components: components.length, files }, summary: `Downloaded ${site.name} from ${target.displayName} into ${folder}: ${components.length} components, ${files.length} files.` };
  },
});

export const uploadPortal = defineTool({
  name: 'pp_upload_portal',
  title: 'Upload Power Pages site',
  description:
    'Uploads a folder written by pp_download_portal back to its site: only components whose content, name or file differ from the environment are changed, ' +
    'and components added to the folder (a JSON file with name, type and content) are created. Components missing from the folder are left alone.',
  input: z.strictObject({ environment: environmentRef.optional(), folder: z.string().min(1).describe('The site folder (with site.json).') }),
  output: z.object({ site: z.string(), changed: z.array(z.string()), created: z.array(z.string()), unchanged: z.number(), notInFolder: z.number() }),
  annotations: IDEMPOTENT_CLOUD,
  async handler(args, context) {
    const folder = resolveLocalPath('folder', args.folder, context.settings);
    let local: Awaited<ReturnType<typeof readSiteFolder>>;
    try {
      local = await readSiteFolder(folder);
    } catch (error) {
      throw new ToolError(`folder: ${(error as Error).message} Nothing was uploaded.`);
    }
    const target = await resolveDataverseTarget(args.environment, context);
    const dv = target.dataverse;
    const site = await findSite(dv, local.site.id, context.signal);
    const remote = new Map((await siteComponents(dv, site.id, context.signal)).map((c) => [c.id, c]));
    const changed: string[] = [];
    const created: string[] = [];
    for (const component of local.components) {
      const current = remote.get(component.id);
      const content = JSON.stringify(component.content);
      if (!current) {
        await dv.action('powerpagecomponents', { powerpagecomponentid: component.id, name: component.name, powerpagecomponenttype: component.type, content, 'powerpagesiteid@odata.bind': `/powerpagesites(${site.id})` }, { signal: context.signal });
        if (component.file) await dv.uploadFile(`powerpagecomponents(${component.id})/filecontent`, component.file.name, component.file.bytes, context.signal);
        created.push(component.name);
        continue;
      }
      const contentChanged = stableJson(component.content) !== stableJson(current.content) || component.name !== current.name;
      const fileChanged = component.file && !component.file.bytes.equals(current.file?.bytes ?? Buffer.alloc(0));
      if (contentChanged) await dv.update('powerpagecomponents', component.id, { name: component.name, content }, context.signal);
      if (fileChanged) await dv.uploadFile(`powerpagecomponents(${component.id})/filecontent`, component.file!.name, component.file!.bytes, context.signal);
      if (contentChanged || fileChanged) changed.push(component.name);
    }
    const localIds = new Set(local.components.map((c) => c.id));
    const notInFolder = [...remote.keys()].filter((id) => !localIds.has(id)).length;
    const unchanged = local.components.length - changed.length - created.length;
    const lines = [`Uploaded ${folder} to ${site.name} in ${target.displayName}: ${changed.length} changed, ${created.length} created, ${unchanged} unchanged.`];
    if (changed.length) lines.push(`Changed: ${changed.join(', ')}.`);
    if (created.length) lines.push(`Created: ${created.join(', ')}.`);
    if (notInFolder) lines.push(`${notInFolder} component(s) of the site are not in the folder; they were left as they are.`);
    return { result: { site: site.name, changed, created, unchanged, notInFolder }, summary: lines.join('\n') };
  },
});

/** JSON with object keys sorted, so the same content compares equal whatever order its keys came in. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') return `{${Object.keys(value).sort().map((key) => `${JSON.stringify(key)}:${stableJson((value as Record<string, unknown>)[key])}`).join(',')}}`;
  return JSON.stringify(value);
}
