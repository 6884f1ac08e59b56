import { z } from 'zod';
import { escapeXml } from '../../solutions/xml';
import { tablesOf } from '../../platform/dataverseTables';
import { resolveDataverseTarget } from '../dataverseTarget';
import { environmentRef } from '../schemas';
import { IDEMPOTENT_CLOUD, defineTool } from '../types';

/** PublishXml's ParameterXml nodes (docs/service-notes.md#solutions-in-dataverse): the list name and the item name of each kind. */
const KINDS = {
  tables: ['entities', 'entity'],
  webResources: ['webresources', 'webresource'],
  optionSets: ['optionsets', 'optionset'],
  dashboards: ['dashboards', 'dashboard'],
  siteMaps: ['sitemaps', 'sitemap'],
  appModules: ['appmodules', 'appmodule'],
} as const;

const names = z.array(z.string().trim().min(1).max(200)).max(500).optional();

export const publishCustomizations = defineTool({
  name: 'pp_publish_customizations',
  toolset: 'solutions',
  title: 'Publish customizations',
  description:
    'Publishes customizations so apps show them: all (slow on big environments) or only the tables, web resources, option sets, ' +
    'dashboards, site maps and apps given.',
  input: z.strictObject({
    environment: environmentRef.optional(),
    tables: names.describe('Table logical names.'),
    webResources: names.describe('Web resource ids.'),
    optionSets: names.describe('Global option set names.'),
    dashboards: names.describe('Dashboard (systemform) ids.'),
    siteMaps: names.describe('Site map ids.'),
    appModules: names.describe('App module ids.'),
    ribbons: z.boolean().default(false).describe('Also the application ribbon.'),
  }),
  output: z.object({ environmentName: z.string(), publishedAll: z.boolean(), components: z.number().int() }),
  annotations: IDEMPOTENT_CLOUD,
  ui: { environments: { environment: { dataverse: true } } },
  async handler(args, context) {
    const target = await resolveDataverseTarget(args.environment, context);
    const sections = Object.entries(KINDS)
      .map(([field, [list, item]]) => ({ list, item, values: args[field as keyof typeof KINDS] ?? [] }))
      .filter((s) => s.values.length);
    const count = sections.reduce((sum, s) => sum + s.values.length, 0);
    const { solutionMessages } = tablesOf(target.dataverse);
    if (!count && !args.ribbons) {
      await solutionMessages.publishAll(context.signal);
      return {
        result: { environmentName: target.displayName, publishedAll: true, components: 0 },
        summary: `Published all customizations in ${target.displayName}.`,
      };
    }
    const xml = `<importexportxml>${sections.map((s) => `<${s.list}>${s.values.map((v) => `<${s.item}>${escapeXml(v)}</${s.item}>`).join('')}</${s.list}>`).join('')}${args.ribbons ? '<ribbons><ribbon /></ribbons>' : ''}</importexportxml>`;
    await solutionMessages.publish(xml, context.signal);
    return {
      result: { environmentName: target.displayName, publishedAll: false, components: count },
      summary: `Published ${count} component(s)${args.ribbons ? ' and the ribbon' : ''} in ${target.displayName}.`,
    };
  },
});
