import { z } from 'zod';
import { tablesOf } from '../../platform/dataverseTables';
import { at, text } from '../../platform/payload';
import { requestRefusal } from '../../platform/serviceHosts';
import { readRegularFile } from '../../solutions/regularFile';
import { resolveDataverseTarget } from '../dataverseTarget';
import { ToolError } from '../errors';
import { operationOutput, waitAndReport, waitSecondsArgument } from '../lifecycle/operationReport';
import { resolveLocalPath } from '../localPaths';
import { environmentRef } from '../schemas';
import { ADDITIVE_CLOUD, READ_ONLY_CLOUD, defineTool } from '../types';

const catalogEnvironment = environmentRef.describe('Environment hosting the catalog.');

export const installCatalog = defineTool({
  name: 'pp_install_catalog',
  toolset: 'catalog',
  title: 'Install catalog item',
  description: 'Installs a Power Platform catalog item (id or name, optionally a version) into an environment. Returns the operation.',
  input: z.strictObject({
    catalog: catalogEnvironment,
    item: z.string().trim().min(1).max(200).describe('Item id (tpsid) or display name.'),
    version: z
      .string()
      .trim()
      .regex(/^\d+(\.\d+){1,3}$/)
      .optional()
      .describe('A version to pin.'),
    targetEnvironment: environmentRef.describe('Environment to install into.'),
    settings: z
      .record(z.string().regex(/^[^=|]+$/, 'no = or | in names'), z.string().regex(/^[^|]*$/, 'no | in values'))
      .optional()
      .describe('Package runtime settings (name → value).'),
    waitSeconds: waitSecondsArgument,
  }),
  output: operationOutput,
  annotations: ADDITIVE_CLOUD,
  ui: {
    environments: {
      catalog: { label: 'Catalog environment', dataverse: true },
      targetEnvironment: { label: 'Environment to install into', dataverse: true },
    },
    retries: 'catalog_install',
  },
  async handler(args, context) {
    const catalog = await resolveDataverseTarget(args.catalog, context);
    const target = await resolveDataverseTarget(args.targetEnvironment, context);
    const items = await tablesOf(catalog.dataverse).catalogItems.list(context.signal);
    const wanted = args.item.toLowerCase();
    const item = items.find((i) => i.mspcat_tpsid.toLowerCase() === wanted) ?? items.find((i) => i.mspcat_name.toLowerCase() === wanted);
    if (!item)
      throw new ToolError(
        `item: no catalog item "${args.item}" is in the catalog of ${catalog.displayName}. Nothing was installed.`,
        `Items: ${items.map((i) => `${i.mspcat_tpsid} (${i.mspcat_name})`).join(', ') || 'none'}.`,
      );
    const settings = Object.entries(args.settings ?? {})
      .map(([name, value]) => `${name}=${value}`)
      .join('|');
    const record = await context.operations.begin({
      kind: 'catalog_install',
      title: `Install ${item.mspcat_name}${args.version ? ` ${args.version}` : ''} from the catalog into ${target.displayName}`,
      environment: { id: target.environmentId ?? undefined, displayName: target.displayName },
      details: { instanceUrl: catalog.url, item: item.mspcat_tpsid },
      start: async () => {
        const cid = args.version ? `${item.mspcat_tpsid}@${args.version}` : item.mspcat_tpsid;
        const { catalogItems } = tablesOf(catalog.dataverse);
        const { id, correlationId } = await catalogItems.install(cid, `${target.url}/`, settings);
        if (!id)
          return {
            kind: 'done',
            correlationId,
            result: { note: 'The catalog accepted the install but returned no install history to follow.' },
          };
        return {
          kind: 'poll',
          style: 'catalog-install',
          url: catalogItems.installStatusUrl(id),
          correlationId,
          serviceOperationId: id,
        };
      },
    });
    return waitAndReport(context, record, args.waitSeconds);
  },
});

export const submitCatalog = defineTool({
  name: 'pp_submit_catalog',
  toolset: 'catalog',
  title: 'Submit catalog item',
  description: 'Submits an item to the Power Platform catalog from a submission.json and follows its certification. Returns the operation.',
  input: z.strictObject({
    catalog: catalogEnvironment,
    submissionFile: z.string().min(1).describe('The submission.json.'),
    waitSeconds: waitSecondsArgument,
  }),
  output: operationOutput,
  annotations: ADDITIVE_CLOUD,
  ui: {
    environments: { catalog: { label: 'Catalog environment', dataverse: true } },
    paths: { submissionFile: { dialog: 'open', filters: { Submission: ['json'] } } },
    retries: 'catalog_submit',
  },
  async handler(args, context) {
    const file = resolveLocalPath('submissionFile', args.submissionFile, context.settings, 'read-file');
    let submission: unknown;
    try {
      submission = JSON.parse(
        readRegularFile(file, args.submissionFile)
          .toString('utf8')
          .replace(/^\uFEFF/, ''),
      );
    } catch (error) {
      throw new ToolError(
        `submissionFile: ${args.submissionFile} cannot be used: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'it does not exist' : `it is not JSON (${(error as Error).message})`}. Nothing was submitted.`,
      );
    }
    const definition = at(submission, 'catalogItemDefinition');
    const packageLink = at(definition, 'packageFile', 'filesaslink') ?? at(definition, 'packageFile', 'fileSasLink');
    const missing = [
      !at(submission, 'publisherDetails', 'publisherId') && 'publisherDetails.publisherId',
      !at(definition, 'id') && 'catalogItemDefinition.id',
      !at(definition, 'displayName') && 'catalogItemDefinition.displayName',
      !packageLink && 'catalogItemDefinition.packageFile.filesaslink',
    ].filter(Boolean);
    if (missing.length)
      throw new ToolError(
        `submissionFile: ${args.submissionFile} lacks ${missing.join(', ')}. Nothing was submitted.`,
        'See the catalog submission format (submission.json) in the Power Platform documentation.',
      );
    const link = text(packageLink);
    const refused = requestRefusal(link, context.endpoints);
    if (refused) {
      throw new ToolError(
        `submissionFile: catalogItemDefinition.packageFile.filesaslink in ${args.submissionFile} is not a link the catalog may be sent to: ${refused}. Nothing was submitted.`,
        `Upload the package to Azure Storage and give its https SAS link (https://<account>.${context.endpoints.storageDomains[0]}/…).`,
      );
    }
    const catalog = await resolveDataverseTarget(args.catalog, context);
    const record = await context.operations.begin({
      kind: 'catalog_submit',
      title: `Submit ${text(at(definition, 'displayName'))} to the catalog of ${catalog.displayName}`,
      environment: { id: catalog.environmentId ?? undefined, displayName: catalog.displayName },
      details: { instanceUrl: catalog.url, item: text(at(definition, 'id')) },
      start: async () => {
        const encoded = Buffer.from(JSON.stringify(submission)).toString('base64');
        const { catalogItems } = tablesOf(catalog.dataverse);
        const { id, correlationId } = await catalogItems.submit(encoded);
        if (!id)
          return {
            kind: 'done',
            correlationId,
            result: { note: 'The catalog accepted the submission but returned no request to follow.' },
          };
        return {
          kind: 'poll',
          style: 'catalog-submission',
          url: catalogItems.certificationStatusUrl(id),
          correlationId,
          serviceOperationId: id,
        };
      },
    });
    return waitAndReport(context, record, args.waitSeconds);
  },
});

export const catalogStatus = defineTool({
  name: 'pp_catalog_status',
  toolset: 'catalog',
  title: 'Catalog status',
  description:
    "Lists the Power Platform catalog's items with their versions. Reads only; " + 'follow installs and submissions with pp_get_operation.',
  input: z.strictObject({
    catalog: catalogEnvironment,
    nameContains: z.string().trim().min(1).max(100).optional().describe('Text in the item name.'),
  }),
  output: z.object({
    catalog: z.string(),
    items: z.array(z.object({ id: z.string(), tpsid: z.string(), name: z.string(), version: z.string().nullable() })),
  }),
  annotations: READ_ONLY_CLOUD,
  ui: { environments: { catalog: { label: 'Catalog environment', dataverse: true } } },
  async handler(args, context) {
    const catalog = await resolveDataverseTarget(args.catalog, context);
    const text = args.nameContains?.toLowerCase();
    const items = (await tablesOf(catalog.dataverse).catalogItems.list(context.signal))
      .filter((i) => !text || i.mspcat_name.toLowerCase().includes(text) || i.mspcat_tpsid.toLowerCase().includes(text))
      .map((i) => ({ id: i.mspcat_applicationsid, tpsid: i.mspcat_tpsid, name: i.mspcat_name, version: i.mspcat_version ?? null }));
    return {
      result: { catalog: catalog.displayName, items },
      summary: items.length
        ? `${items.length} item(s) in the catalog of ${catalog.displayName}:\n${items.map((i) => `- ${i.tpsid} ${i.version ?? ''}: ${i.name}`).join('\n')}`
        : `No items match in the catalog of ${catalog.displayName}.`,
    };
  },
});
