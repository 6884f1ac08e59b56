import { existsSync, readdirSync, statSync } from 'node:fs';
import { z } from 'zod';
import { SafeFolder } from '../../portal/safeFolder';
import { downloadFiles } from '../../portal/siteFolderFiles';
import { SiteRecords } from '../../portal/siteRecord';
import { resolveDataverseTarget } from '../dataverseTarget';
import { ToolError } from '../errors';
import { resolveLocalPath } from '../localPaths';
import { environmentRef } from '../schemas';
import { IDEMPOTENT_CLOUD, defineTool } from '../types';
import { findSite, folderError } from './siteTools';

export const downloadPortal = defineTool({
  name: 'pp_download_portal',
  toolset: 'pages',
  title: 'Download Power Pages site',
  description:
    'Downloads a Power Pages site to a folder in the layout of pac pages download (or download-code-site). ' +
    'Reads only from the environment.',
  input: z.strictObject({
    environment: environmentRef.optional(),
    site: z.string().trim().min(1).max(200).describe('Site name or id.'),
    folder: z.string().min(1).describe('Folder to write; empty unless overwrite.'),
    layout: z.enum(['auto', 'aggregate', 'code-site']).default('auto').describe('auto: code-site for a code site, else aggregate.'),
    overwrite: z.boolean().default(false).describe('Write into a folder that is not empty.'),
  }),
  output: z.object({
    folder: z.string(),
    site: z.string(),
    siteId: z.string(),
    dataModel: z.enum(['enhanced', 'standard']),
    layout: z.enum(['aggregate', 'code-site']),
    records: z.number(),
    files: z.number(),
  }),
  annotations: IDEMPOTENT_CLOUD,
  ui: { environments: { environment: { dataverse: true } }, paths: { folder: { dialog: 'outputFolder' } } },
  async handler(args, context) {
    const folder = resolveLocalPath('folder', args.folder, context.settings);
    if (existsSync(folder) && !statSync(folder).isDirectory())
      throw new ToolError(`folder: ${args.folder} is a file, not a folder. Nothing was written.`);
    if (existsSync(folder) && readdirSync(folder).length && !args.overwrite)
      throw new ToolError(`folder: ${args.folder} is not empty. Nothing was written.`, 'Give an empty folder, or pass overwrite: true.');
    const files = await SafeFolder.at(folder);
    await files.checkBeforeWriting().catch((error: unknown) => folderError(error, 'folder', 'Nothing was written.'));
    const target = await resolveDataverseTarget(args.environment, context);
    const { site, store, stores } = await findSite(target.dataverse, args.site, context.signal);
    if (!site) {
      const names = (await Promise.all(stores.map((s) => s.names()))).flat();
      throw new ToolError(
        `site: no Power Pages site "${args.site}" is in this environment. Nothing was done.`,
        names.length ? `Sites: ${names.join(', ')}.` : 'This environment has no Power Pages sites.',
      );
    }
    const records = new SiteRecords(await store.read(site));
    const codeSite = records
      .of('adx_sitesetting')
      .some((s) => String(s.values.adx_name).toLowerCase() === 'codesite/enabled' && String(s.values.adx_value).toLowerCase() === 'true');
    const layout = args.layout === 'auto' ? (codeSite ? 'code-site' : 'aggregate') : args.layout;
    const output = downloadFiles(records, layout === 'code-site' ? 'code' : 'aggregate', new URL(target.url).hostname);
    for (const [path, data] of output)
      await files
        .write(path, data)
        .catch((error: unknown) => folderError(error, 'folder', 'The download stopped there; the files before it were written.'));
    return {
      result: { folder, site: site.name, siteId: site.id, dataModel: store.model, layout, records: records.all.length, files: output.size },
      summary:
        `Downloaded ${site.name} (${store.model} data model) from ${target.displayName} into ${folder} in the ${layout} layout: ` +
        `${records.all.length} records, ${output.size} files.`,
    };
  },
});
