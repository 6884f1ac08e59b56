import { z } from 'zod';
import { tablesOf } from '../../platform/dataverseTables';
import type { AttributeDefinition } from '../../platform/dataverseTables/entityDefinitions';
import type { SettingDefinition } from '../../platform/dataverseTables/organizations';
import { resolveDataverseTarget } from '../dataverseTarget';
import { ToolError } from '../errors';
import { environmentRef } from '../schemas';
import { IDEMPOTENT_CLOUD, defineTool } from '../types';

type Value = string | number | boolean | null;

const change = z.object({ name: z.string(), kind: z.enum(['column', 'setting']), before: z.unknown(), after: z.unknown() });

export const updateOrgSettings = defineTool({
  name: 'pp_update_org_settings',
  toolset: 'governance',
  title: 'Update organization settings',
  description:
    "Changes an environment's organization settings (organization columns such as isauditenabled, setting definitions), " +
    'all checked first. Returns values before and after.',
  input: z.strictObject({
    environment: environmentRef.optional(),
    settings: z
      .record(z.string().trim().min(1).max(100), z.union([z.string().max(4000), z.number(), z.boolean(), z.null()]))
      .refine((s) => Object.keys(s).length > 0 && Object.keys(s).length <= 50, 'give 1 to 50 settings')
      .describe('Setting name → new value, e.g. { "isauditenabled": true }.'),
  }),
  output: z.object({ environmentName: z.string(), changes: z.array(change) }),
  annotations: IDEMPOTENT_CLOUD,
  ui: { environments: { environment: { dataverse: true } }, pickers: { settings: 'orgSettings' } },
  async handler(args, context) {
    const target = await resolveDataverseTarget(args.environment, context);
    const { organizations, orgSettings, entityDefinitions } = tablesOf(target.dataverse);
    const [row, attributes, definitions] = await Promise.all([
      organizations.current(context.signal),
      entityDefinitions.attributes('organization', context.signal),
      orgSettings.list(context.signal),
    ]);
    const columns = new Map(attributes.map((a) => [a.LogicalName.toLowerCase(), a]));
    const settings = new Map(definitions.map((d) => [d.Name.toLowerCase(), d]));
    const problems: string[] = [];
    const columnValues: Record<string, Value> = {};
    const settingValues: Array<{ definition: SettingDefinition; value: string }> = [];
    for (const [name, value] of Object.entries(args.settings)) {
      const column = columns.get(name.toLowerCase());
      const definition = settings.get(name.toLowerCase());
      if (column) {
        const problem = checkColumn(column, value);
        if (problem) problems.push(`settings.${name}: ${problem}`);
        else columnValues[column.LogicalName] = value;
      } else if (definition) {
        const problem = checkSetting(definition, value);
        if (problem) problems.push(`settings.${name}: ${problem}`);
        else settingValues.push({ definition, value: String(value) });
      } else {
        const near = [...columns.keys(), ...definitions.map((d) => d.Name)]
          .filter((candidate) => candidate.toLowerCase().includes(name.toLowerCase().slice(0, 6)))
          .slice(0, 5);
        problems.push(
          `settings.${name}: not a column of the organization table nor a setting of this environment${near.length ? ` (similar: ${near.join(', ')})` : ''}`,
        );
      }
    }
    if (problems.length)
      throw new ToolError(
        `Invalid settings for ${target.displayName}:\n${problems.map((p) => `- ${p}`).join('\n')}\nNothing was changed.`,
        'Use the column logical names of the organization table, or the names RetrieveSettingList gives.',
      );

    if (Object.keys(columnValues).length) await organizations.update(String(row.organizationid), columnValues, context.signal);
    for (const { definition, value } of settingValues) await orgSettings.save(definition.Name, value, context.signal);

    const after = await organizations.current(context.signal);
    const afterSettings = settingValues.length ? await orgSettings.list(context.signal) : [];
    const changes = [
      ...Object.keys(columnValues).map((name) => ({
        name,
        kind: 'column' as const,
        before: row[name] ?? null,
        after: after[name] ?? null,
      })),
      ...settingValues.map(({ definition }) => ({
        name: definition.Name,
        kind: 'setting' as const,
        before: definition.Value,
        after: afterSettings.find((d) => d.Name === definition.Name)?.Value ?? null,
      })),
    ];
    return {
      result: { environmentName: target.displayName, changes },
      summary: `Updated ${changes.length} setting(s) in ${target.displayName}:\n${changes.map((c) => `- ${c.name}: ${JSON.stringify(c.before)} → ${JSON.stringify(c.after)}`).join('\n')}`,
    };
  },
});

function checkColumn(column: AttributeDefinition, value: Value): string | undefined {
  if (column.IsValidForUpdate === false) return 'this column cannot be changed';
  if (value === null) return undefined;
  const type = column.AttributeType;
  if (type === 'Boolean' && typeof value !== 'boolean') return 'must be true or false';
  if ((type === 'Integer' || type === 'BigInt' || type === 'Picklist' || type === 'State' || type === 'Status') && !Number.isInteger(value))
    return 'must be a whole number';
  if ((type === 'Double' || type === 'Decimal' || type === 'Money') && typeof value !== 'number') return 'must be a number';
  if ((type === 'String' || type === 'Memo') && typeof value !== 'string') return 'must be text';
  if (type === 'DateTime' && (typeof value !== 'string' || Number.isNaN(Date.parse(value)))) return 'must be a date and time (ISO 8601)';
  if (type === 'Lookup' || type === 'Uniqueidentifier') return 'a reference, which this tool does not change';
  return undefined;
}

function checkSetting(definition: SettingDefinition, value: Value): string | undefined {
  if (definition.DataType === 2 && typeof value !== 'boolean') return 'must be true or false';
  if (definition.DataType === 0 && !Number.isInteger(value)) return 'must be a whole number';
  if (definition.DataType === 1 && typeof value !== 'string') return 'must be text';
  return undefined;
}
