/** The organization settings an environment offers, for the palette's setting picker. No VS Code types. */

export type SettingType = 'boolean' | 'integer' | 'number' | 'text';

export interface OrgSetting {
  name: string;
  type: SettingType;
  /** The value now, as the environment reports it. */
  current: string | number | boolean | null;
  kind: 'column' | 'setting';
}

interface Attribute {
  LogicalName: string;
  AttributeType: string;
  IsValidForUpdate?: boolean;
}

interface SettingDefinition {
  Name: string;
  Value: string;
  /** 0 number, 1 text, 2 yes/no. */
  DataType: number;
}

const COLUMN_TYPES: Record<string, SettingType> = {
  Boolean: 'boolean',
  Integer: 'integer',
  BigInt: 'integer',
  Picklist: 'integer',
  Double: 'number',
  Decimal: 'number',
  Money: 'number',
  String: 'text',
  Memo: 'text',
};

/**
 * The settings a person can change: the organization table's updatable columns of simple types and
 * the newer setting definitions, with their current values, sorted by name.
 */
export function orgSettings(row: Record<string, unknown>, attributes: Attribute[], definitions: SettingDefinition[]): OrgSetting[] {
  const columns = attributes
    .filter((a) => a.IsValidForUpdate !== false && COLUMN_TYPES[a.AttributeType])
    .map((a): OrgSetting => ({
      name: a.LogicalName,
      type: COLUMN_TYPES[a.AttributeType]!,
      current: scalar(row[a.LogicalName]),
      kind: 'column',
    }));
  const settings = definitions.map((d): OrgSetting => ({
    name: d.Name,
    type: d.DataType === 2 ? 'boolean' : d.DataType === 0 ? 'integer' : 'text',
    current: settingValue(d),
    kind: 'setting',
  }));
  return [...columns, ...settings].sort((a, b) => a.name.localeCompare(b.name));
}

/** The typed text as the setting's value, or what is wrong with it. Empty text clears a text setting (null). */
export function parseSettingValue(setting: OrgSetting, text: string): { value: string | number | boolean | null } | { problem: string } {
  const trimmed = text.trim();
  switch (setting.type) {
    case 'boolean':
      if (/^(true|yes)$/i.test(trimmed)) return { value: true };
      if (/^(false|no)$/i.test(trimmed)) return { value: false };
      return { problem: `${setting.name} must be true or false.` };
    case 'integer':
      return /^[+-]?\d+$/.test(trimmed) ? { value: Number(trimmed) } : { problem: `${setting.name} must be a whole number.` };
    case 'number':
      return trimmed && Number.isFinite(Number(trimmed)) ? { value: Number(trimmed) } : { problem: `${setting.name} must be a number.` };
    case 'text':
      if (trimmed.length > 4000) return { problem: `${setting.name} takes at most 4000 characters.` };
      return { value: trimmed ? trimmed : null };
  }
}

function scalar(value: unknown): OrgSetting['current'] {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? value : null;
}

function settingValue(definition: SettingDefinition): OrgSetting['current'] {
  if (definition.DataType === 2) return /^true$/i.test(definition.Value);
  if (definition.DataType === 0 && /^[+-]?\d+$/.test(definition.Value)) return Number(definition.Value);
  return definition.Value ?? null;
}
