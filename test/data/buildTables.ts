import type { DataverseClient } from '../../src/platform/dataverse';
import type { HttpClient } from '../../src/platform/http';
import { PlatformError } from '../../src/platform/errors';
import type { CmtFiles, FileField } from './cmtFiles';

const label = (text: string) => ({
  '@odata.type': 'Microsoft.Dynamics.CRM.Label',
  LocalizedLabels: [{ '@odata.type': 'Microsoft.Dynamics.CRM.LocalizedLabel', Label: text, LanguageCode: 1033 }],
});

/** A schema name with capitals, as a person types it: the navigation property then differs from the logical name. */
const schemaName = (logical: string) =>
  logical.replace(/^([a-z0-9]+_)?([a-z])/, (_, prefix = '', first: string) => `${prefix}${first.toUpperCase()}`);

async function exists(dv: DataverseClient, path: string): Promise<boolean> {
  try {
    await dv.get(path);
    return true;
  } catch (error) {
    if (error instanceof PlatformError && error.status === 404) return false;
    throw error;
  }
}

/** Values of each field in the file, by `entity.field`. */
function valuesByField(files: CmtFiles): Map<string, string[]> {
  const values = new Map<string, string[]>();
  for (const r of files.records)
    for (const f of r.fields) {
      const key = `${r.entity}.${f.name}`;
      if (!values.has(key)) values.set(key, []);
      values.get(key)!.push(f.value);
    }
  return values;
}

/**
 * Makes in an environment, through Dataverse's metadata Web API, the tables, columns, lookups,
 * option values, status values and N:N relationships a Configuration Migration file needs, the way
 * a person prepares a new environment: tables that exist are kept, missing columns are added.
 * Picklist options and date behaviours come from the values the file holds.
 */
export async function buildTables(dv: DataverseClient, http: HttpClient, files: CmtFiles): Promise<{ requests: number }> {
  let requests = 0;
  const post = async (path: string, body: Record<string, unknown>) => {
    requests++;
    await dv.action(path, body);
  };
  const values = valuesByField(files);
  const regarding = new Set(
    files.entities.flatMap((e) => e.fields.filter((f) => f.name === 'regardingobjectid').flatMap((f) => f.lookupType?.split('|') ?? [])),
  );
  const targets = new Set(
    files.entities
      .flatMap((e) => [
        ...e.fields.filter((f) => f.type === 'entityreference').flatMap((f) => f.lookupType?.split('|') ?? []),
        ...e.relationships.map((r) => r.m2mTargetEntity ?? ''),
      ])
      .filter(Boolean),
  );
  const tables = [...files.entities.map((e) => e.name), ...[...targets].filter((t) => !files.entities.some((e) => e.name === t))];
  for (const name of tables) {
    requests++;
    if (await exists(dv, `EntityDefinitions(LogicalName='${name}')`)) continue;
    const entity = files.entities.find((e) => e.name === name);
    const primaryName = entity?.primarynamefield || 'name';
    const primaryField = entity?.fields.find((f) => f.name === primaryName);
    await post('EntityDefinitions', {
      '@odata.type': 'Microsoft.Dynamics.CRM.EntityMetadata',
      SchemaName: name,
      DisplayName: label(entity?.displayname ?? name),
      DisplayCollectionName: label(`${entity?.displayname ?? name}s`),
      OwnershipType: !entity || entity.fields.some((f) => f.name === 'ownerid') ? 'UserOwned' : 'OrganizationOwned',
      IsActivity: entity?.primaryidfield === 'activityid',
      IsBPFEntity: entity?.primaryidfield === 'businessprocessflowinstanceid',
      HasActivities: regarding.has(name),
      Attributes: [
        {
          '@odata.type': 'Microsoft.Dynamics.CRM.StringAttributeMetadata',
          SchemaName: primaryName,
          IsPrimaryName: true,
          MaxLength: 400,
          DisplayName: label(primaryField?.displayname ?? 'Name'),
          RequiredLevel: { Value: 'None' },
        },
      ],
    });
  }
  for (const entity of files.entities) {
    const base = `EntityDefinitions(LogicalName='${entity.name}')`;
    const columns = async () => {
      requests++;
      return new Set(
        (await dv.get<{ value: Array<{ LogicalName: string }> }>(`${base}/Attributes?$select=LogicalName`)).value.map((a) => a.LogicalName),
      );
    };
    let present = await columns();
    for (const field of entity.fields) {
      if (!present.has(field.name)) {
        await addColumn(dv, entity.name, field, values.get(`${entity.name}.${field.name}`) ?? [], post);
        if (field.type === 'money') present = await columns();
        else present.add(field.name);
      }
      await addOptions(dv, entity.name, field, values.get(`${entity.name}.${field.name}`) ?? [], post);
    }
    await addStatuses(dv, files, entity.name, post);
    requests += await relabel(dv, http, entity.name, entity.fields);
    for (const relationship of entity.relationships) {
      requests++;
      if (await exists(dv, `RelationshipDefinitions(SchemaName='${relationship.name}')`)) continue;
      await post('RelationshipDefinitions', {
        '@odata.type': 'Microsoft.Dynamics.CRM.ManyToManyRelationshipMetadata',
        SchemaName: relationship.name,
        IntersectEntityName: relationship.relatedEntityName ?? relationship.name,
        Entity1LogicalName: entity.name,
        Entity2LogicalName: relationship.m2mTargetEntity ?? entity.name,
      });
    }
  }
  return { requests };
}

type Post = (path: string, body: Record<string, unknown>) => Promise<void>;

const SIMPLE: Record<string, string> = {
  string: 'StringAttributeMetadata',
  memo: 'MemoAttributeMetadata',
  number: 'IntegerAttributeMetadata',
  bigint: 'BigIntAttributeMetadata',
  decimal: 'DecimalAttributeMetadata',
  float: 'DoubleAttributeMetadata',
  money: 'MoneyAttributeMetadata',
  bool: 'BooleanAttributeMetadata',
  guid: 'UniqueIdentifierAttributeMetadata',
  imagedata: 'ImageAttributeMetadata',
};

function optionValues(field: FileField, values: string[]): number[] {
  const all = field.type === 'optionsetvaluecollection' ? values.flatMap((v) => v.replace(/^\[|\]$/g, '').split(',')) : values;
  return [
    ...new Set(
      all
        .map((v) => v.trim())
        .filter((v) => /^-?\d+$/.test(v) && v !== '-1')
        .map(Number),
    ),
  ];
}

async function addColumn(dv: DataverseClient, table: string, field: FileField, values: string[], post: Post): Promise<void> {
  const common = { SchemaName: schemaName(field.name), DisplayName: label(field.displayname), RequiredLevel: { Value: 'None' } };
  const attributes = `EntityDefinitions(LogicalName='${table}')/Attributes`;
  if (SIMPLE[field.type])
    return post(attributes, { '@odata.type': `Microsoft.Dynamics.CRM.${SIMPLE[field.type]}`, ...common, SchemaName: field.name });
  if (field.type === 'datetime') {
    // The file shows the behaviour: values without Z are date-only (at midnight) or time-zone independent.
    const floating = values.length > 0 && values.every((v) => !v.endsWith('Z') && !/[AP]M$/.test(v));
    const dateOnly = floating && values.every((v) => /T00:00:00(\.0+)?$/.test(v));
    return post(attributes, {
      '@odata.type': 'Microsoft.Dynamics.CRM.DateTimeAttributeMetadata',
      ...common,
      SchemaName: field.name,
      Format: dateOnly ? 'DateOnly' : 'DateAndTime',
      DateTimeBehavior: { Value: dateOnly ? 'DateOnly' : floating ? 'TimeZoneIndependent' : 'UserLocal' },
    });
  }
  if (field.type === 'optionsetvalue' || field.type === 'optionsetvaluecollection') {
    const options = optionValues(field, values);
    return post(attributes, {
      '@odata.type': `Microsoft.Dynamics.CRM.${field.type === 'optionsetvalue' ? 'Picklist' : 'MultiSelectPicklist'}AttributeMetadata`,
      ...common,
      SchemaName: field.name,
      OptionSet: {
        '@odata.type': 'Microsoft.Dynamics.CRM.OptionSetMetadata',
        IsGlobal: false,
        OptionSetType: 'Picklist',
        Options: (options.length ? options : [1]).map((v) => ({ Value: v, Label: label(`Option ${v}`) })),
      },
    });
  }
  if (field.type === 'entityreference') {
    const targets = (field.lookupType ?? '').split('|').filter(Boolean);
    const lookup = { '@odata.type': 'Microsoft.Dynamics.CRM.LookupAttributeMetadata', ...common };
    if (targets.length === 1)
      return post('RelationshipDefinitions', {
        '@odata.type': 'Microsoft.Dynamics.CRM.OneToManyRelationshipMetadata',
        SchemaName: `${table}_${field.name}_${targets[0]}`,
        ReferencedEntity: targets[0],
        ReferencingEntity: table,
        Lookup: lookup,
      });
    const relationships = targets.map((t) => ({
      SchemaName: `${table}_${field.name}_${t}`,
      ReferencedEntity: t,
      ReferencingEntity: table,
    }));
    if (targets.sort().join('|') === 'account|contact')
      return post('CreateCustomerRelationships', { Lookup: lookup, OneToManyRelationships: relationships });
    return post('CreatePolymorphicLookupAttribute', { Lookup: lookup, OneToManyRelationships: relationships });
  }
  // owner, partylist, state, status: the table has them from its kind.
}

/** Option values the file uses that an existing option-set column lacks. */
async function addOptions(dv: DataverseClient, table: string, field: FileField, values: string[], post: Post): Promise<void> {
  if (field.type !== 'optionsetvalue' && field.type !== 'optionsetvaluecollection') return;
  const cast = field.type === 'optionsetvalue' ? 'PicklistAttributeMetadata' : 'MultiSelectPicklistAttributeMetadata';
  const column = (
    await dv.get<{ value: Array<{ LogicalName: string; OptionSet?: { Options: Array<{ Value: number }> } }> }>(
      `EntityDefinitions(LogicalName='${table}')/Attributes/Microsoft.Dynamics.CRM.${cast}?$select=LogicalName&$expand=OptionSet`,
    )
  ).value.find((c) => c.LogicalName === field.name);
  const have = new Set(column?.OptionSet?.Options.map((o) => o.Value) ?? []);
  for (const value of optionValues(field, values).filter((v) => !have.has(v)))
    await post('InsertOptionValue', {
      EntityLogicalName: table,
      AttributeLogicalName: field.name,
      Value: value,
      Label: label(`Option ${value}`),
    });
}

/** Status values the file's records use that the table lacks, each under its state. */
async function addStatuses(dv: DataverseClient, files: CmtFiles, table: string, post: Post): Promise<void> {
  const pairs = new Map<number, number>();
  for (const r of files.records.filter((r) => r.entity === table)) {
    const state = r.fields.find((f) => f.name === 'statecode')?.value;
    const status = r.fields.find((f) => f.name === 'statuscode')?.value;
    if (status !== undefined) pairs.set(Number(status), Number(state ?? 0));
  }
  if (!pairs.size) return;
  const status = (
    await dv.get<{ value: Array<{ OptionSet?: { Options: Array<{ Value: number }> } }> }>(
      `EntityDefinitions(LogicalName='${table}')/Attributes/Microsoft.Dynamics.CRM.StatusAttributeMetadata?$select=LogicalName&$expand=OptionSet`,
    )
  ).value[0];
  const have = new Set(status?.OptionSet?.Options.map((o) => o.Value) ?? []);
  for (const [value, state] of pairs)
    if (!have.has(value))
      await post('InsertStatusValue', {
        EntityLogicalName: table,
        AttributeLogicalName: 'statuscode',
        StateCode: state,
        Value: value,
        Label: label(`Status ${value}`),
      });
}

/** Columns the table already had get the file's display names, as a person renames them (PUT of the column's definition). */
async function relabel(dv: DataverseClient, http: HttpClient, table: string, fields: FileField[]): Promise<number> {
  let requests = 1;
  const attributes = (await dv.get<{ value: Array<Record<string, any>> }>(`EntityDefinitions(LogicalName='${table}')/Attributes`)).value;
  for (const field of fields) {
    const attribute = attributes.find((a) => a.LogicalName === field.name);
    if (!attribute || attribute.DisplayName?.UserLocalizedLabel?.Label === field.displayname) continue;
    requests++;
    const path = `EntityDefinitions(LogicalName='${table}')/Attributes(LogicalName='${field.name}')`;
    await http.send({
      service: 'dataverse',
      method: 'PUT',
      url: dv.url(path),
      resource: dv.resource,
      headers: { 'mscrm.mergelabels': 'true' },
      body: { ...attribute, DisplayName: label(field.displayname) },
    });
  }
  return requests;
}
