import { existsSync, readdirSync } from 'node:fs';
import { z } from 'zod';
import type { DataverseClient } from '../../platform/dataverse';
import { enhancedModel, standardModel, type SiteModel } from '../../portal/siteModels';
import { readSiteFolder, writeSiteFolder } from '../../portal/siteFolder';
import { resolveDataverseTarget } from '../dataverseTarget';
import { ToolError } from '../errors';
import { resolveLocalPath } from '../localPaths';
import { environmentRef } from '../schemas';
import { IDEMPOTENT_CLOUD, defineTool } from '../types';

/** The site and the data model it is on: the enhanced model is tried first, as new sites use it. */
async function findSite(dv: DataverseClient, ref: string, signal: AbortSignal): Promise<{ id: string; name: string; model: SiteModel }> {
  for (const model of [enhancedModel, standardModel]) {
    const site = await model.find(dv, ref, signal);
    if (site) return { ...site, model };
  }
  const names = [...(await enhancedModel.names(dv, signal)), ...(await standardModel.names(dv, signal))];
  throw new ToolError(`site: no Power Pages site "${ref}" is in this environment. Nothing was done.`, names.length ? `Sites: ${names.join(', ')}.` : 'This environment has no Power Pages sites.');
}

export const downloadPortal = defineTool({
  name: 'pp_download_portal',
  title: 'Download Power Pages site',
  description:
    'Downloads a Power Pages site (enhanced data model: powerpagecomponent; or standard: adx_ tables) into a folder made for source control: site.json, then one JSON file per component ' +
    'grouped by type (web-pages, web-templates, content-snippets, site-settings, web-files, …), with page HTML and template Liquid in their own files and web files as their bytes. Reads only.',
  input: z.strictObject({
    environment: environmentRef.optional(),
    site: z.string().trim().min(1).max(200).describe('Site name or id.'),
    folder: z.string().min(1).describe('Folder to write, inside the workspace or an allowed folder; must be empty unless overwrite is true.'),
    overwrite: z.boolean().default(false),
  }),
  output: z.object({ folder: z.string(), site: z.string(), dataModel: z.enum(['enhanced', 'standard']), components: z.number(), files: z.array(z.string()) }),
  annotations: IDEMPOTENT_CLOUD,
  ui: { environments: { environment: { dataverse: true } }, paths: { folder: { dialog: 'outputFolder' } } },
  async handler(args, context) {
    const folder = resolveLocalPath('folder', args.folder, context.settings);
    if (existsSync(folder) && readdirSync(folder).length && !args.overwrite) throw new ToolError(`folder: ${args.folder} is not empty. Nothing was written.`, 'Give an empty folder, or pass overwrite: true.');
    const target = await resolveDataverseTarget(args.environment, context);
    const site = await findSite(target.dataverse, args.site, context.signal);
    const components = await site.model.components(target.dataverse, site.id, context.signal);
    const files = await writeSiteFolder(folder, { id: site.id, name: site.name, dataModel: site.model.dataModel }, components);
    return {
      result: { folder, site: site.name, dataModel: site.model.dataModel, components: components.length, files },
      summary: `Downloaded ${site.name} (${site.model.dataModel} data model) from ${target.displayName} into ${folder}: ${components.length} components, ${files.length} files.`,
    };
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
  ui: { environments: { environment: { dataverse: true } }, paths: { folder: { dialog: 'folder' } } },
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
    const remote = new Map((await site.model.components(dv, site.id, context.signal)).map((c) => [c.id, c]));
    const changed: string[] = [];
    const created: string[] = [];
    for (const component of local.components) {
      const current = remote.get(component.id);
      if (!current) {
        await site.model.create(dv, site.id, component, context.signal);
        created.push(component.name);
      } else if (await site.model.update(dv, component, current, context.signal)) {
        changed.push(component.name);
      }
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
