import type { DataverseClient } from '../platform/dataverse';
import { PlatformError } from '../platform/errors';
import { ToolError } from '../callerError';
import { groupsOf, mapLimited } from '../solutions/parallel';
import type { DateColumn } from './cmtValues';

export interface ColumnMetadata {
  name: string;
  /** AttributeType (String, Lookup, Virtual, …). */
  type: string;
  /** AttributeTypeName, which tells Virtual columns apart (MultiSelectPicklistType, ImageType). */
  typeName: string;
  displayName: string;
  custom: boolean;
  primaryId: boolean;
  validForCreate: boolean;
  validForUpdate: boolean;
  /** Set on columns that hold another column's name or base value (xxxname, xxx_base). */
  attributeOf: string | null;
  /** How a DateTime column keeps its values; undefined on other columns, and on all when the dates were not read. */
  date?: DateColumn;
}

export interface ManyToManyMetadata {
  SchemaName: string;
  IntersectEntityName: string;
  Entity1LogicalName: string;
  Entity2LogicalName: string;
  Entity1NavigationPropertyName: string;
  Entity2NavigationPropertyName: string;
  /** The intersect table's columns holding each side's id. */
  Entity1IntersectAttribute: string;
  Entity2IntersectAttribute: string;
}

export interface TableMetadata {
  logicalName: string;
  entitySet: string;
  primaryId: string;
  primaryName: string;
  displayName: string;
  objectTypeCode: number;
  isActivity: boolean;
  columns: Map<string, ColumnMetadata>;
  /** Lookup column → its navigation property per target table (not the column's name; polymorphic lookups have one per target). */
  lookups: Map<string, Array<{ navigation: string; target: string }>>;
  manyToMany: ManyToManyMetadata[];
}

type Label = { UserLocalizedLabel?: { Label?: string } | null } | null;

const labelOf = (label: Label | undefined, fallback: string) => label?.UserLocalizedLabel?.Label || fallback;

type AttributeJson = {
  LogicalName: string;
  AttributeType: string;
  AttributeTypeName?: { Value?: string };
  DisplayName?: Label;
  IsCustomAttribute?: boolean;
  IsPrimaryId?: boolean;
  IsValidForCreate?: boolean;
  IsValidForUpdate?: boolean;
  AttributeOf?: string | null;
};

type ManyToOneJson = { ReferencingAttribute: string; ReferencingEntityNavigationPropertyName: string; ReferencedEntity: string };

interface DefinitionJson {
  EntitySetName?: string | null;
  PrimaryIdAttribute: string;
  PrimaryNameAttribute: string | null;
  ObjectTypeCode: number;
  DisplayName?: Label;
  IsActivity?: boolean;
  Attributes?: AttributeJson[];
  ManyToOneRelationships?: ManyToOneJson[];
  ManyToManyRelationships?: ManyToManyMetadata[];
}

export interface MetadataOptions {
  /** Read how the DateTime columns keep their values (one request more); default true. */
  dates?: boolean;
}

/** What a table's metadata costs in requests: its definition with its columns and relationships, and its date columns if asked. */
export function metadataRequests(options: MetadataOptions = {}): number {
  return options.dates === false ? 1 : 2;
}

const DEFINITION =
  '$select=LogicalName,EntitySetName,PrimaryIdAttribute,PrimaryNameAttribute,ObjectTypeCode,DisplayName,IsActivity' +
  '&$expand=Attributes($select=LogicalName,AttributeType,AttributeTypeName,DisplayName,IsCustomAttribute,IsPrimaryId,' +
  'IsValidForCreate,IsValidForUpdate,AttributeOf),' +
  'ManyToOneRelationships($select=ReferencingAttribute,ReferencingEntityNavigationPropertyName,ReferencedEntity),' +
  'ManyToManyRelationships($select=SchemaName,IntersectEntityName,Entity1LogicalName,Entity2LogicalName,' +
  'Entity1NavigationPropertyName,Entity2NavigationPropertyName,Entity1IntersectAttribute,Entity2IntersectAttribute)';

type DateJson = { LogicalName: string; Format?: string; DateTimeBehavior?: { Value?: string } };

/**
 * A table's entity set, keys, columns (types, labels, what may be written), lookups and N:N
 * relationships, in two reads at once: the definition with its columns and relationships expanded,
 * and its date columns (their behaviour is a property of the derived type, which an expand cannot
 * select). A caller that converts no dates leaves the second read out.
 */
export async function tableMetadata(
  dv: DataverseClient,
  logicalName: string,
  signal: AbortSignal,
  options: MetadataOptions = {},
): Promise<TableMetadata> {
  const name = logicalName.toLowerCase();
  const base = `EntityDefinitions(LogicalName='${name}')`;
  try {
    const [definition, dates] = await Promise.all([
      dv.get<DefinitionJson>(`${base}?${DEFINITION}`, signal),
      options.dates === false
        ? undefined
        : dv.get<{ value: DateJson[] }>(
            `${base}/Attributes/Microsoft.Dynamics.CRM.DateTimeAttributeMetadata?$select=LogicalName,Format,DateTimeBehavior`,
            signal,
          ),
    ]);
    const { Attributes: attributes, ManyToOneRelationships: manyToOne, ManyToManyRelationships: manyToMany } = definition;
    if (!attributes || !manyToOne || !manyToMany) {
      throw new ToolError(
        `The metadata this environment gave for table "${name}" lacks its ${!attributes ? 'columns (Attributes)' : 'relationships'}, which were asked for with $expand. Nothing was done.`,
        'Try again; if it persists, the environment does not expand table definitions as the Web API documents, so report it with the environment URL.',
      );
    }
    if (!definition.EntitySetName) {
      throw new ToolError(
        `Table "${name}" has no entity set name in this environment's metadata (EntitySetName is empty), so its records cannot be read or written through the Web API. Nothing was done.`,
        'Leave this table out of the data file or schema, or use a table the Web API exposes.',
      );
    }
    const behaviour = dates && new Map(dates.value.map((d) => [d.LogicalName, d]));
    const columns = new Map<string, ColumnMetadata>();
    for (const a of attributes) {
      const date = behaviour?.get(a.LogicalName);
      const dateOnly = date?.Format === 'DateOnly' || date?.DateTimeBehavior?.Value === 'DateOnly';
      columns.set(a.LogicalName, {
        name: a.LogicalName,
        type: a.AttributeType,
        typeName: a.AttributeTypeName?.Value ?? `${a.AttributeType}Type`,
        displayName: labelOf(a.DisplayName, a.LogicalName),
        custom: a.IsCustomAttribute === true,
        primaryId: a.IsPrimaryId === true,
        validForCreate: a.IsValidForCreate !== false,
        validForUpdate: a.IsValidForUpdate !== false,
        attributeOf: a.AttributeOf ?? null,
        date:
          behaviour && a.AttributeType === 'DateTime'
            ? { dateOnly, floating: dateOnly || date?.DateTimeBehavior?.Value === 'TimeZoneIndependent' }
            : undefined,
      });
    }
    const lookups = new Map<string, Array<{ navigation: string; target: string }>>();
    for (const r of manyToOne)
      lookups.set(r.ReferencingAttribute, [
        ...(lookups.get(r.ReferencingAttribute) ?? []),
        { navigation: r.ReferencingEntityNavigationPropertyName, target: r.ReferencedEntity },
      ]);
    return {
      logicalName: name,
      entitySet: definition.EntitySetName,
      primaryId: definition.PrimaryIdAttribute,
      primaryName: definition.PrimaryNameAttribute ?? '',
      displayName: labelOf(definition.DisplayName, name),
      objectTypeCode: definition.ObjectTypeCode,
      isActivity: definition.IsActivity === true,
      columns,
      lookups,
      manyToMany,
    };
  } catch (error) {
    if (error instanceof PlatformError && error.status === 404)
      throw new ToolError(
        `No table "${logicalName}" exists in this environment. Nothing was done.`,
        'Use the table logical name (lower case, with its prefix), such as account or contoso_project; create the table before importing its records.',
      );
    throw error;
  }
}

/** The entity sets, keys and primary names of other tables (lookup targets), read in a few requests. */
export async function tableKeys(
  dv: DataverseClient,
  names: string[],
  signal: AbortSignal,
): Promise<Map<string, { entitySet: string | null; primaryId: string; primaryName: string | null }>> {
  const found = new Map<string, { entitySet: string | null; primaryId: string; primaryName: string | null }>();
  for (const some of groupsOf(names, 20)) {
    const filter = some.map((n) => `LogicalName eq '${n}'`).join(' or ');
    const page = await dv.get<{
      value: Array<{
        LogicalName: string;
        EntitySetName?: string | null;
        PrimaryIdAttribute: string;
        PrimaryNameAttribute?: string | null;
      }>;
    }>(
      `EntityDefinitions?$select=LogicalName,EntitySetName,PrimaryIdAttribute,PrimaryNameAttribute&$filter=${encodeURIComponent(filter)}`,
      signal,
    );
    for (const t of page.value)
      found.set(t.LogicalName, {
        entitySet: t.EntitySetName ?? null,
        primaryId: t.PrimaryIdAttribute,
        primaryName: t.PrimaryNameAttribute ?? null,
      });
  }
  return found;
}

/** Tables whose bulk messages one sdkmessagefilters read asks for (the filter names each). */
const BULK_TABLES_A_READ = 20;

/**
 * The bulk messages each table has, from sdkmessagefilters (not every table has them all): one read
 * for up to twenty tables, four reads at a time. Keyed by the tables' names in lower case; a table
 * without any has an empty set.
 */
export async function bulkMessages(
  dv: DataverseClient,
  tables: string[],
  signal: AbortSignal,
  tablesARead = BULK_TABLES_A_READ,
): Promise<{ messages: Map<string, Set<string>>; requests: number }> {
  const messages = new Map(tables.map((table) => [table.toLowerCase(), new Set<string>()]));
  const reads = groupsOf(tables, tablesARead);
  await mapLimited(reads, 4, async (some) => {
    const which = some.map((table) => `primaryobjecttypecode eq '${table}'`).join(' or ');
    const filter = `(${which}) and (sdkmessageid/name eq 'CreateMultiple' or sdkmessageid/name eq 'UpdateMultiple' or sdkmessageid/name eq 'UpsertMultiple')`;
    const page = await dv.get<{ value: Array<{ primaryobjecttypecode?: string; sdkmessageid?: { name?: string } }> }>(
      `sdkmessagefilters?$select=sdkmessagefilterid,primaryobjecttypecode&$expand=sdkmessageid($select=name)&$filter=${encodeURIComponent(filter)}`,
      signal,
    );
    for (const found of page.value) {
      const name = found.sdkmessageid?.name;
      if (name) messages.get((found.primaryobjecttypecode ?? '').toLowerCase())?.add(name);
    }
  });
  return { messages, requests: reads.length };
}
