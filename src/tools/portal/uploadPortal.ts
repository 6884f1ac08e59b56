import { z } from 'zod';
import { EnhancedStore } from '../../portal/enhancedStore';
import { nameOf } from '../../portal/recordYaml';
import { openSiteFolder, writeBackIds, type OpenedFolder } from '../../portal/siteFolderFiles';
import { SiteRecords, type SiteRecord } from '../../portal/siteRecord';
import type { SiteRef } from '../../portal/siteStore';
import { syncSite, UploadStoppedError } from '../../portal/siteSync';
import { confirmArgumentFor, requireConfirmation } from '../confirm';
import { resolveDataverseTarget } from '../dataverseTarget';
import { ToolError } from '../errors';
import { resolveLocalPath } from '../localPaths';
import { environmentRef } from '../schemas';
import { DESTRUCTIVE_CLOUD, defineTool, type ToolContext } from '../types';
import { firstOf } from '../listText';
import { findSite, folderError, label } from './siteTools';

export const uploadPortal = defineTool({
  name: 'pp_upload_portal',
  toolset: 'pages',
  title: 'Upload Power Pages site',
  description:
    'Uploads a site folder in the pac pages layout to its site (created if missing): writes what differs, creates new records, ' +
    'deletes those marked deleted once confirmed.',
  input: z.strictObject({
    environment: environmentRef.optional(),
    folder: z.string().min(1).describe('Site folder.'),
    dataModel: z.enum(['standard', 'enhanced']).optional().describe('For a new site (default: from the folder).'),
    deleteMissing: z.boolean().default(false).describe('Also delete site records not in the folder.'),
    confirm: confirmArgumentFor('site name'),
  }),
  output: z.object({
    site: z.string(),
    siteId: z.string(),
    dataModel: z.enum(['enhanced', 'standard']),
    newSite: z.boolean(),
    created: z.array(z.string()).describe('The first 100 records created; the counts are in createdCount and the others.'),
    createdCount: z.number().int(),
    changed: z.array(z.string()).describe('The first 100 records changed.'),
    changedCount: z.number().int(),
    deleted: z.array(z.string()).describe('The first 100 records deleted.'),
    deletedCount: z.number().int(),
    unchanged: z.number(),
    notInFolder: z.number(),
    idsWrittenTo: z.array(z.string()).describe('The first 100 files new ids were written into.'),
  }),
  annotations: DESTRUCTIVE_CLOUD,
  ui: { environments: { environment: { dataverse: true } }, paths: { folder: { dialog: 'folder' } } },
  async handler(args, context) {
    const root = resolveLocalPath('folder', args.folder, context.settings);
    const opened = await openSiteFolder(root).catch((error: unknown) => folderError(error, 'folder', 'Nothing was uploaded.'));
    const websites = opened.records.filter((r) => r.table === 'adx_website');
    if (websites.length !== 1)
      throw new ToolError(
        `folder: ${args.folder} holds ${websites.length} website records; a site folder holds one. Nothing was uploaded.`,
      );
    const website = websites[0]!;
    const target = await resolveDataverseTarget(args.environment, context, { current: true });
    const found = await findSite(target.dataverse, website.id, context.signal);
    const store = found.site ? found.store : found.stores.find((s) => s.model === (args.dataModel ?? folderModel(opened)))!;
    const site = found.site ?? { id: website.id, name: nameOf(website) };
    if (store instanceof EnhancedStore) store.useFolder(new SiteRecords(opened.records));
    const remote = found.site ? await store.read(site) : [];
    const deletions = await plannedDeletions(context, opened, remote, site, args, target.environment ?? undefined);
    const deleting = new Set(deletions.map((r) => `${r.table}:${r.id}`));
    const toWrite = opened.records.filter((r) => !deleting.has(`${r.table}:${r.id}`));
    const sync = await syncSite(store, site, toWrite, remote, deletions, (done, total) =>
      done % 50 === 0 || done === total
        ? context.progress({ progress: done, total, message: `${done} of ${total} records` })
        : Promise.resolve(),
    ).catch((error: unknown) => {
      throw error instanceof UploadStoppedError ? new ToolError(`The upload stopped at ${error.message}`) : error;
    });
    const idsWrittenTo = await writeBackIds(
      opened,
      opened.added.filter((r) => sync.created.includes(r)),
    );
    const local = new Set(opened.records.map((r) => `${r.table}:${r.id}`));
    const notInFolder = remote.filter((r) => !local.has(`${r.table}:${r.id}`) && !deletions.includes(r)).length;
    const lines = [
      `Uploaded ${root} to ${site.name} (${store.model} data model${found.site ? '' : ', a new site'}) in ${target.displayName}: ` +
        `${sync.created.length} created, ${sync.changed.length} changed, ${sync.deleted.length} deleted, ${sync.unchanged} unchanged.`,
    ];
    const listed = (title: string, records: SiteRecord[]) => records.length && lines.push(`${title}: ${firstOf(records.map(label), 20)}.`);
    listed('Changed', sync.changed);
    listed('Created', sync.created);
    listed('Deleted', sync.deleted);
    if (idsWrittenTo.length) lines.push(`New ids were written into ${firstOf(idsWrittenTo, 20)}.`);
    if (notInFolder)
      lines.push(`${notInFolder} record(s) of the site are not in the folder; they were left as they are (deleteMissing deletes them).`);
    if (opened.ignored.length)
      lines.push(`${opened.ignored.length} file(s) belong to no record and were left out: ${firstOf(opened.ignored, 5)}.`);
    return {
      result: {
        site: site.name,
        siteId: site.id,
        dataModel: store.model,
        newSite: !found.site,
        created: sync.created.slice(0, LISTED).map(label),
        createdCount: sync.created.length,
        changed: sync.changed.slice(0, LISTED).map(label),
        changedCount: sync.changed.length,
        deleted: sync.deleted.slice(0, LISTED).map(label),
        deletedCount: sync.deleted.length,
        unchanged: sync.unchanged,
        notInFolder,
        idsWrittenTo: idsWrittenTo.slice(0, LISTED),
      },
      summary: lines.join('\n'),
    };
  },
});

/** Records and files a result names; the first upload of a large site creates thousands. */
const LISTED = 100;

/**
 * The data model of a site the environment does not have: a code site, or site languages that are
 * their own portal languages (pac's sign of an enhanced-model download), mean the enhanced one.
 */
function folderModel(opened: OpenedFolder): 'standard' | 'enhanced' {
  if (opened.layout === 'code') return 'enhanced';
  const languages = opened.records.filter((r) => r.table === 'adx_websitelanguage');
  const bindings = opened.records.some((r) => r.table === 'adx_websitebinding');
  return languages.length && !bindings && languages.every((l) => l.values.adx_portallanguageid === l.id) ? 'enhanced' : 'standard';
}

/** What the upload deletes: what the manifests mark as deleted, and with deleteMissing what the folder lacks; confirmed first. */
async function plannedDeletions(
  context: ToolContext,
  opened: OpenedFolder,
  remote: SiteRecord[],
  site: SiteRef,
  args: { deleteMissing: boolean; confirm?: string },
  environment: Parameters<typeof requireConfirmation>[1]['environment'],
): Promise<SiteRecord[]> {
  const flagged = new Set(opened.deleted.map((d) => `${d.table}:${d.id}`));
  const local = new Set(opened.records.map((r) => `${r.table}:${r.id}`));
  const kept = new Set(['adx_website', 'adx_portallanguage', 'adx_websitebinding']);
  const deletions = remote.filter(
    (r) => !kept.has(r.table) && (flagged.has(`${r.table}:${r.id}`) || (args.deleteMissing && !local.has(`${r.table}:${r.id}`))),
  );
  if (!deletions.length) return [];
  await requireConfirmation(context, {
    action: 'Delete records of',
    environment,
    subject: { label: 'site', name: site.name },
    consequence: `${deletions.length} record(s) of the site will be deleted: ${firstOf(deletions.map(label), 10)}.`,
    confirm: args.confirm,
  });
  return deletions;
}
