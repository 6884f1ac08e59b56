import { z } from 'zod';

/** Reused field descriptions, so every tool explains the same argument the same way. */
export const environmentRef = z.string().trim().min(1).max(500).describe('Environment id, name or URL.');

/** The `newName` of a tool that overwrites an environment (restore, copy, reset). */
export const newNameArgument = z.string().trim().min(1).max(100).optional().describe('New display name (default: keep it).');

export const environmentSummary = z.object({
  id: z.string().describe('Environment id (GUID).'),
  displayName: z.string(),
  type: z.string().describe('Sandbox, Production, Trial, Developer or Default.'),
  region: z.string().describe('Power Platform region, e.g. unitedstates or europe.'),
  azureRegion: z.string().nullable(),
  state: z.string().describe('Ready, NotSpecified, Disabled, ...'),
  isDefault: z.boolean(),
  hasDataverse: z.boolean(),
  url: z.string().nullable().describe('Dataverse URL, or null when the environment has no Dataverse.'),
  domainName: z.string().nullable(),
  version: z.string().nullable().describe('Dataverse version.'),
  organizationId: z.string().nullable(),
  createdTime: z.string().nullable(),
  protectionLevel: z.string().nullable().describe('Managed environment protection level (Basic, Standard), if any.'),
});

/** The longest string a field takes when its schema sets no limit of its own (a path fits: Linux allows 4,096 bytes). */
export const DEFAULT_MAX_STRING = 4096;

/**
 * The schema with a maxLength on every string that has none, inside objects, arrays, records, unions,
 * optional, default and nullable wrappers. Descriptions stay; subtrees without such strings are kept as they are.
 */
export function withStringLimits<T extends z.ZodType>(schema: T, max = DEFAULT_MAX_STRING): T {
  return limit(schema as unknown as SchemaParts, max) as unknown as T;
}

/** What Zod 4 keeps of a schema's parts in `_zod.def`, as far as walking them needs. */
export interface SchemaParts {
  _zod: { def: SchemaDef };
  clone(def: SchemaDef): SchemaParts;
  /** Strings: their limit (null when none), and how to set one. */
  maxLength?: number | null;
  max?(limit: number): SchemaParts;
  /** Numbers: whether only integers are taken. */
  isInt?: boolean;
}

export interface SchemaDef {
  type: string;
  shape?: Record<string, SchemaParts>;
  element?: SchemaParts;
  keyType?: SchemaParts;
  valueType?: SchemaParts;
  options?: SchemaParts[];
  in?: SchemaParts;
  innerType?: SchemaParts;
  [part: string]: unknown;
}

function limit(schema: SchemaParts, max: number): SchemaParts {
  const def = schema._zod.def;
  switch (def.type) {
    case 'string':
      return schema.maxLength === null || schema.maxLength === undefined ? schema.max!(max) : schema;
    case 'object':
      return rebuild(schema, 'shape', Object.fromEntries(Object.entries(def.shape!).map(([key, field]) => [key, limit(field, max)])));
    case 'array':
      return rebuild(schema, 'element', limit(def.element!, max));
    case 'record':
      return rebuild(rebuild(schema, 'keyType', limit(def.keyType!, max)), 'valueType', limit(def.valueType!, max));
    case 'union':
      return rebuild(
        schema,
        'options',
        def.options!.map((option) => limit(option, max)),
      );
    case 'pipe':
      return rebuild(schema, 'in', limit(def.in!, max));
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'nonoptional':
    case 'catch':
      return rebuild(schema, 'innerType', limit(def.innerType!, max));
    default:
      return schema;
  }
}

/** The schema with one part of its definition replaced, or the schema itself when nothing in the part changed. */
function rebuild(schema: SchemaParts, part: string, value: SchemaParts | SchemaParts[] | Record<string, SchemaParts>): SchemaParts {
  const before = schema._zod.def[part] as typeof value;
  if (sameParts(before, value)) return schema;
  const copy = schema.clone({ ...schema._zod.def, [part]: value });
  // clone() makes a new schema, and the description lives in the registry under the old one.
  const meta = z.globalRegistry.get(schema as unknown as z.ZodType);
  if (meta) z.globalRegistry.add(copy as unknown as z.ZodType, meta);
  return copy;
}

function sameParts(before: unknown, after: unknown): boolean {
  if (before === after) return true;
  if (Array.isArray(after)) return Array.isArray(before) && after.every((item, i) => item === before[i]);
  if (after && typeof after === 'object' && !('_zod' in after) && before && typeof before === 'object') {
    return Object.entries(after).every(([key, item]) => item === (before as Record<string, unknown>)[key]);
  }
  return false;
}
