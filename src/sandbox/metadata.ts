import { randomUUID } from 'node:crypto';
import {
  PARTY_MASKS,
  activityColumns,
  column,
  label,
  makeTable,
  manyToManyOf,
  oneToMany,
  orgData,
  systemRelationships,
  type AttributeType,
  type DataColumn,
  type DataTable,
  type OneToMany,
  type OrgData,
} from './dataModel';
import { hasPrivilege } from './dataTables';
import { manyToOne } from './dataRecords';
import { jsonBody, type Reply, type SandboxRequest } from './http';
import { intersectDefinition, intersectOf } from './intersect';
import { FilterError, parseFilter } from './odataFilter';
import type { DataverseReplies } from './solutions/api';
import type { SandboxOrg } from './state';

/** Attribute metadata types as the Web API names them, both ways. */
const ODATA_TYPES: Record<string, { type: AttributeType; typeName?: string }> = {
  UniqueIdentifierAttributeMetadata: { type: 'Uniqueidentifier' },
  StringAttributeMetadata: { type: 'String' },
  MemoAttributeMetadata: { type: 'Memo' },
  IntegerAttributeMetadata: { type: 'Integer' },
  BigIntAttributeMetadata: { type: 'BigInt' },
  DecimalAttributeMetadata: { type: 'Decimal' },
  DoubleAttributeMetadata: { type: 'Double' },
  MoneyAttributeMetadata: { type: 'Money' },
  BooleanAttributeMetadata: { type: 'Boolean' },
  DateTimeAttributeMetadata: { type: 'DateTime' },
  PicklistAttributeMetadata: { type: 'Picklist' },
  MultiSelectPicklistAttributeMetadata: { type: 'Virtual', typeName: 'MultiSelectPicklistType' },
  ImageAttributeMetadata: { type: 'Virtual', typeName: 'ImageType' },
};

function odataTypeOf(c: DataColumn): string {
  if (c.typeName === 'MultiSelectPicklistType') return 'MultiSelectPicklistAttributeMetadata';
  if (c.typeName === 'ImageType') return 'ImageAttributeMetadata';
  if (['Lookup', 'Customer', 'Owner', 'PartyList'].includes(c.type)) return 'LookupAttributeMetadata';
  if (c.type === 'Uniqueidentifier') return 'UniqueIdentifierAttributeMetadata';
  return `${c.type}AttributeMetadata`;
}

function labelText(value: unknown): string | undefined {
  const localized = (value as { LocalizedLabels?: Array<{ Label?: string }> } | undefined)?.LocalizedLabels?.[0]?.Label;
  return typeof localized === 'string' ? localized : undefined;
}

/** The properties `$select` asks for (in a request, or in an expanded property's options); undefined when all. */
function selectedIn(options: URLSearchParams | Map<string, string>): string[] | undefined {
  return options
    .get('$select')
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function select(item: Record<string, unknown>, request: SandboxRequest): Record<string, unknown> {
  const wanted = selectedIn(request.url.searchParams);
  if (!wanted) return item;
  // Expanded properties come back along with the selected ones.
  wanted.push(...splitOutside(request.url.searchParams.get('$expand') ?? '', ',').map((e) => e.replace(/\(.*$/s, '').trim()));
  return selectOnly(item, wanted);
}

function selectOnly(item: Record<string, unknown>, wanted: string[] | undefined): Record<string, unknown> {
  if (!wanted) return item;
  return Object.fromEntries(Object.entries(item).filter(([key]) => key === 'MetadataId' || key.startsWith('@') || wanted.includes(key)));
}

function entityJson(table: DataTable): Record<string, unknown> {
  return {
    MetadataId: table.metadataId,
    LogicalName: table.logicalName,
    SchemaName: table.schemaName,
    EntitySetName: table.entitySet,
    LogicalCollectionName: table.entitySet,
    ObjectTypeCode: table.objectTypeCode,
    PrimaryIdAttribute: table.primaryId,
    PrimaryNameAttribute: table.primaryName,
    DisplayName: label(table.displayName),
    IsActivity: table.activity,
    HasActivities: table.hasActivities,
    IsCustomEntity: table.custom,
    OwnershipType: table.ownership,
  };
}

function attributeJson(relationships: OneToMany[], table: DataTable, c: DataColumn, expandOptions: boolean): Record<string, unknown> {
  const item: Record<string, unknown> = {
    '@odata.type': `#Microsoft.Dynamics.CRM.${odataTypeOf(c)}`,
    MetadataId: c.metadataId,
    LogicalName: c.name,
    SchemaName: c.schemaName,
    EntityLogicalName: table.logicalName,
    AttributeType: c.type,
    AttributeTypeName: { Value: c.typeName },
    AttributeOf: c.attributeOf ?? null,
    DisplayName: label(c.displayName),
    IsCustomAttribute: c.custom,
    IsPrimaryId: c.primaryId ?? false,
    IsPrimaryName: c.primaryName ?? false,
    IsValidForCreate: c.validForCreate,
    IsValidForUpdate: c.validForUpdate,
    IsValidForRead: true,
    RequiredLevel: { Value: c.required ? 'ApplicationRequired' : 'None' },
  };
  if (['Lookup', 'Customer', 'Owner'].includes(c.type))
    item.Targets = [...new Set(relationships.filter((r) => r.ReferencingAttribute === c.name).map((r) => r.ReferencedEntity))];
  if (c.type === 'PartyList') item.Targets = ['systemuser', 'contact', 'account', 'lead'];
  if (c.type === 'DateTime') Object.assign(item, { Format: c.dateFormat, DateTimeBehavior: { Value: c.dateBehavior } });
  if (expandOptions && c.options) {
    item.OptionSet = {
      Options: c.options.map((o) => ({
        Value: o.value,
        Label: label(o.label),
        ...(o.state !== undefined ? { State: o.state } : {}),
        ...(o.defaultStatus !== undefined ? { DefaultStatus: o.defaultStatus } : {}),
      })),
    };
  }
  return item;
}

/**
 * Dataverse's metadata Web API for the data tables: read and create tables (EntityDefinitions),
 * columns of every type (Attributes), lookups, customer and polymorphic lookups, N:N relationships
 * (RelationshipDefinitions and the Create* actions), option and status values; and the caller's
 * privileges (RetrieveUserPrivilegeByPrivilegeName).
 */
export function handleMetadata(request: SandboxRequest, segment: string, org: SandboxOrg, reply: DataverseReplies): Reply | undefined {
  const data = orgData(org);
  const api = `${org.url}/api/data/v9.2`;
  const method = request.method;
  let match: RegExpExecArray | null;

  if (
    method === 'GET' &&
    (match =
      /^systemusers\(([0-9a-f-]{36})\)\/Microsoft\.Dynamics\.CRM\.RetrieveUserPrivilegeByPrivilegeName\(PrivilegeName='(\w+)'\)$/i.exec(
        segment,
      ))
  ) {
    const user = org.users.find((u) => u.systemuserid === match![1]!.toLowerCase());
    if (!user) return reply.error(404, '0x80040217', `systemuser With Id = ${match[1]} Does Not Exist`);
    const granted = hasPrivilege(org, user, match[2]!);
    return reply.ok({
      '@odata.context': `${api}/$metadata#Microsoft.Dynamics.CRM.RetrieveUserPrivilegeByPrivilegeNameResponse`,
      RolePrivileges: granted
        ? [{ Depth: 'Global', PrivilegeId: randomUUID(), BusinessUnitId: user.businessunitid, PrivilegeName: match[2] }]
        : [],
    });
  }
  if (method === 'GET' && segment === 'EntityDefinitions') {
    const filter = request.url.searchParams.get('$filter');
    let tables = [...data.tables.values()];
    if (filter) {
      try {
        const predicate = parseFilter(filter);
        tables = tables.filter((t) => predicate((path) => entityJson(t)[path]));
      } catch (error) {
        return reply.error(
          400,
          '0x80060888',
          `The query parameter $filter is not valid: ${error instanceof FilterError ? error.message : 'it could not be read'}.`,
        );
      }
    }
    return reply.ok({ '@odata.context': `${api}/$metadata#EntityDefinitions`, value: tables.map((t) => select(entityJson(t), request)) });
  }
  if ((match = /^EntityDefinitions\((?:LogicalName='([^']+)'|([0-9a-f-]{36}))\)(?:\/(.+))?$/i.exec(segment))) {
    const table = match[1]
      ? data.tables.get(match[1].toLowerCase())
      : [...data.tables.values()].find((t) => t.metadataId === match![2]!.toLowerCase());
    const intersect = !table && match[1] && !match[3] && method === 'GET' ? intersectOf(data, match[1].toLowerCase()) : undefined;
    if (intersect)
      return reply.ok({
        '@odata.context': `${api}/$metadata#EntityDefinitions/$entity`,
        ...select(intersectDefinition(intersect), request),
      });
    if (!table) return undefined;
    return entityPart(data, table, match[3], request, reply, api);
  }
  if (method === 'POST' && segment === 'EntityDefinitions') return createTable(data, org, jsonBody(request) ?? {}, reply, api);
  if (method === 'POST' && segment === 'RelationshipDefinitions') return createRelationship(data, jsonBody(request) ?? {}, reply, api);
  if (method === 'GET' && (match = /^RelationshipDefinitions\(SchemaName='([^']+)'\)$/i.exec(segment))) {
    const name = match[1]!;
    const found = data.oneToMany.find((r) => r.SchemaName === name) ?? data.manyToMany.find((r) => r.SchemaName === name);
    if (!found) return reply.error(404, '0x80040217', `Could not find relationship ${name}.`);
    const { pairs: _, ...relationship } = found as typeof found & { pairs?: unknown };
    return reply.ok({ '@odata.context': `${api}/$metadata#RelationshipDefinitions/$entity`, ...relationship });
  }
  if (method === 'POST' && (segment === 'CreateCustomerRelationships' || segment === 'CreatePolymorphicLookupAttribute')) {
    return createMultiTableLookup(data, jsonBody(request) ?? {}, segment === 'CreateCustomerRelationships', reply);
  }
  if (method === 'POST' && (segment === 'InsertOptionValue' || segment === 'InsertStatusValue'))
    return insertOption(data, jsonBody(request) ?? {}, segment === 'InsertStatusValue', reply);
  return undefined;
}

/** A table's columns (those of one metadata type, when `cast` names it), as `Attributes` lists them. */
function attributesOf(data: OrgData, table: DataTable, expandOptions: boolean, cast?: string): Array<Record<string, unknown>> {
  const relationships = manyToOne(data, table);
  return table.columns.filter((c) => !cast || odataTypeOf(c) === cast).map((c) => attributeJson(relationships, table, c, expandOptions));
}

/** A table's relationships of one kind, as the sub-path or the expanded property of that name lists them. */
function relationshipsOf(data: OrgData, table: DataTable, kind: string): Array<Record<string, unknown>> | undefined {
  if (kind === 'ManyToOneRelationships') return manyToOne(data, table).map((r) => ({ ...r }));
  if (kind === 'OneToManyRelationships')
    return data.oneToMany.filter((r) => r.ReferencedEntity === table.logicalName).map((r) => ({ ...r }));
  if (kind === 'ManyToManyRelationships')
    return data.manyToMany
      .filter((r) => r.Entity1LogicalName === table.logicalName || r.Entity2LogicalName === table.logicalName)
      .map(({ pairs: _, ...r }) => r);
  return undefined;
}

/**
 * The collections a table definition's `$expand` asks for, each with its own `$select`:
 * `Attributes($select=LogicalName,AttributeType),ManyToOneRelationships`. `collection` gives a
 * navigation property's items, or undefined for a name the definition does not have. The sandbox
 * reads `$select` inside an expansion, and refuses the other options rather than ignore them.
 */
export function expandedCollections(
  expand: string | null,
  collection: (name: string) => Array<Record<string, unknown>> | undefined,
): { parts: Record<string, unknown> } | { problem: string } {
  const parts: Record<string, unknown> = {};
  for (const item of splitOutside(expand ?? '', ',')) {
    const found = /^(\w+)(?:\((.*)\))?$/s.exec(item.trim());
    if (!found) return { problem: `The query parameter $expand is not valid near '${item}'.` };
    const name = found[1]!;
    const options = new Map<string, string>();
    for (const option of splitOutside(found[2] ?? '', ';')) {
      const equals = option.indexOf('=');
      if (equals === -1) return { problem: `The query option '${option.trim()}' inside $expand has no value.` };
      options.set(option.slice(0, equals).trim(), option.slice(equals + 1));
    }
    const unsupported = [...options.keys()].find((key) => key !== '$select');
    if (unsupported !== undefined)
      return { problem: `The sandbox reads only $select inside $expand of a table definition, not ${unsupported}.` };
    const items = collection(name);
    if (!items) return { problem: `Could not find a property named '${name}' on type 'Microsoft.Dynamics.CRM.EntityMetadata'.` };
    const wanted = selectedIn(options);
    parts[name] = items.map((i) => selectOnly(i, wanted));
  }
  return { parts };
}

/** `text` split at each `separator` outside parentheses; empty pieces left out. */
function splitOutside(text: string, separator: string): string[] {
  const pieces: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (i === text.length || (c === separator && depth === 0)) {
      if (text.slice(start, i).trim()) pieces.push(text.slice(start, i));
      start = i + 1;
    }
  }
  return pieces;
}

function entityPart(
  data: OrgData,
  table: DataTable,
  part: string | undefined,
  request: SandboxRequest,
  reply: DataverseReplies,
  api: string,
): Reply | undefined {
  const method = request.method;
  if (!part) {
    if (method !== 'GET') return undefined;
    const expanded = expandedCollections(request.url.searchParams.get('$expand'), (name) =>
      name === 'Attributes' ? attributesOf(data, table, false) : relationshipsOf(data, table, name),
    );
    if ('problem' in expanded) return reply.error(400, '0x80060888', expanded.problem);
    return reply.ok({
      '@odata.context': `${api}/$metadata#EntityDefinitions/$entity`,
      ...select(entityJson(table), request),
      ...expanded.parts,
    });
  }
  let match: RegExpExecArray | null;
  if (method === 'GET' && (match = /^Attributes(?:\/Microsoft\.Dynamics\.CRM\.(\w+))?$/.exec(part))) {
    const expandOptions = /OptionSet/.test(request.url.searchParams.get('$expand') ?? '');
    return reply.ok({
      '@odata.context': `${api}/$metadata#EntityDefinitions('${table.logicalName}')/Attributes`,
      value: attributesOf(data, table, expandOptions, match[1]).map((a) => select(a, request)),
    });
  }
  if ((method === 'GET' || method === 'PUT') && (match = /^Attributes\(LogicalName='([^']+)'\)$/.exec(part))) {
    const found = table.columns.find((c) => c.name === match![1]!.toLowerCase());
    if (!found)
      return reply.error(404, '0x80040217', `Could not find an attribute with LogicalName = '${match[1]}' on ${table.logicalName}.`);
    if (method === 'GET') return reply.ok(attributeJson(manyToOne(data, table), table, found, true));
    // An update of the column's definition: its labels are what a person changes.
    const body = jsonBody(request) ?? {};
    if (body.LogicalName && String(body.LogicalName).toLowerCase() !== found.name)
      return reply.error(400, '0x80040203', 'LogicalName cannot be changed.');
    found.displayName = labelText(body.DisplayName) ?? found.displayName;
    return { status: 204 };
  }
  const relationships = method === 'GET' ? relationshipsOf(data, table, part) : undefined;
  if (relationships) return reply.ok({ value: relationships.map((r) => select(r, request)) });
  if (method === 'POST' && part === 'Attributes') return createColumn(data, table, jsonBody(request) ?? {}, reply, api);
  return undefined;
}

function createTable(data: OrgData, org: SandboxOrg, body: Record<string, any>, reply: DataverseReplies, api: string): Reply {
  const schemaName = String(body.SchemaName ?? '');
  const logicalName = schemaName.toLowerCase();
  if (!/^[a-z][a-z0-9_]*$/.test(logicalName))
    return reply.error(
      400,
      '0x80044363',
      `The SchemaName '${schemaName}' is not valid: use letters, digits and underscores, starting with a letter.`,
    );
  if (data.tables.has(logicalName))
    return reply.error(400, '0x80044363', `An entity with the specified name ${logicalName} already exists. Specify a unique name.`);
  const attributes = Array.isArray(body.Attributes) ? (body.Attributes as Array<Record<string, any>>) : [];
  const primary = attributes.find((a) => a.IsPrimaryName === true);
  if (!primary || !/StringAttributeMetadata$/.test(String(primary['@odata.type'] ?? '')))
    return reply.error(
      400,
      '0x80040203',
      'A new table needs its primary name column: a StringAttributeMetadata with IsPrimaryName true in Attributes.',
    );
  const activity = body.IsActivity === true;
  const primaryName = activity ? 'subject' : String(primary.SchemaName).toLowerCase();
  const ownership = body.OwnershipType === 'OrganizationOwned' ? 'OrganizationOwned' : 'UserOwned';
  // Business process flow tables key their rows by the process instance.
  const primaryId = activity ? 'activityid' : body.IsBPFEntity === true ? 'businessprocessflowinstanceid' : `${logicalName}id`;
  const table = makeTable({
    logicalName,
    objectTypeCode: data.nextObjectTypeCode++,
    primaryId,
    primaryName,
    display: labelText(body.DisplayName) ?? schemaName,
    entitySet: typeof body.EntitySetName === 'string' && body.EntitySetName ? body.EntitySetName.toLowerCase() : undefined,
    ownership,
    custom: true,
    activity,
    hasActivities: body.HasActivities === true,
    columns: activity
      ? activityColumns(Object.keys(PARTY_MASKS))
      : [
          column(primaryName, {
            type: 'String',
            schema: String(primary.SchemaName),
            display: labelText(primary.DisplayName) ?? primaryName,
            custom: true,
            required: primary.RequiredLevel?.Value === 'ApplicationRequired',
          }),
        ],
    bulkMessages: activity ? ['CreateMultiple', 'UpdateMultiple'] : undefined,
  });
  table.schemaName = schemaName;
  const existing = org.entities.find((e) => e.logicalname === logicalName);
  if (existing) table.metadataId = existing.metadataid;
  else org.entities.push({ logicalname: logicalName, metadataid: table.metadataId });
  data.tables.set(logicalName, table);
  data.oneToMany.push(...systemRelationships(table));
  return { status: 204, headers: { 'odata-entityid': `${api}/EntityDefinitions(${table.metadataId})` } };
}

/** A column from its attribute metadata; lookups are made through relationships instead. */
function columnFrom(body: Record<string, any>): DataColumn | string {
  const odataType = /Microsoft\.Dynamics\.CRM\.(\w+)$/.exec(String(body['@odata.type'] ?? ''))?.[1] ?? '';
  const kind = ODATA_TYPES[odataType];
  if (odataType === 'LookupAttributeMetadata')
    return 'Lookup columns are created with their relationship: POST RelationshipDefinitions, CreateCustomerRelationships or CreatePolymorphicLookupAttribute.';
  if (!kind) return `@odata.type '${body['@odata.type'] ?? ''}' is not an attribute type that can be created.`;
  const schemaName = String(body.SchemaName ?? '');
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(schemaName)) return `The SchemaName '${schemaName}' is not valid.`;
  const options = (body.OptionSet?.Options as Array<{ Value: number; Label?: unknown }> | undefined)?.map((o) => ({
    value: Number(o.Value),
    label: labelText(o.Label) ?? String(o.Value),
  }));
  return column(schemaName.toLowerCase(), {
    type: kind.type,
    typeName: kind.typeName,
    schema: schemaName,
    display: labelText(body.DisplayName) ?? schemaName,
    custom: true,
    required: body.RequiredLevel?.Value === 'ApplicationRequired',
    options: kind.type === 'Picklist' || kind.typeName === 'MultiSelectPicklistType' ? (options ?? []) : undefined,
    dateFormat: body.Format === 'DateOnly' ? 'DateOnly' : kind.type === 'DateTime' ? 'DateAndTime' : undefined,
    dateBehavior:
      kind.type === 'DateTime' ? (body.DateTimeBehavior?.Value ?? (body.Format === 'DateOnly' ? 'DateOnly' : 'UserLocal')) : undefined,
  });
}

function createColumn(data: OrgData, table: DataTable, body: Record<string, any>, reply: DataverseReplies, api: string): Reply {
  const made = columnFrom(body);
  if (typeof made === 'string') return reply.error(400, '0x80040203', made);
  if (table.columns.some((c) => c.name === made.name))
    return reply.error(400, '0x80044363', `An attribute with the specified name ${made.name} already exists on ${table.logicalName}.`);
  table.columns.push(made);
  // A currency column brings its base-currency value, and the table's currency and exchange rate.
  if (made.type === 'Money') {
    table.columns.push(
      column(`${made.name}_base`, {
        type: 'Money',
        display: `${made.displayName} (Base)`,
        custom: made.custom,
        create: false,
        update: false,
        attributeOf: made.name,
      }),
    );
    if (!table.columns.some((c) => c.name === 'transactioncurrencyid')) {
      table.columns.push(column('transactioncurrencyid', { type: 'Lookup', display: 'Currency' }));
      data.oneToMany.push(
        oneToMany(
          `TransactionCurrency_${table.logicalName}`,
          'transactioncurrency',
          table.logicalName,
          'transactioncurrencyid',
          'transactioncurrencyid',
        ),
      );
    }
    if (!table.columns.some((c) => c.name === 'exchangerate'))
      table.columns.push(column('exchangerate', { type: 'Decimal', display: 'Exchange Rate', create: false, update: false }));
  }
  return { status: 204, headers: { 'odata-entityid': `${api}/EntityDefinitions(${table.metadataId})/Attributes(${made.metadataId})` } };
}

function lookupColumn(lookup: Record<string, any>, type: 'Lookup' | 'Customer'): DataColumn | string {
  const schemaName = String(lookup?.SchemaName ?? '');
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(schemaName)) return `The Lookup's SchemaName '${schemaName}' is not valid.`;
  return column(schemaName.toLowerCase(), { type, schema: schemaName, display: labelText(lookup.DisplayName) ?? schemaName, custom: true });
}

function createRelationship(data: OrgData, body: Record<string, any>, reply: DataverseReplies, api: string): Reply {
  const kind = /Microsoft\.Dynamics\.CRM\.(\w+)$/.exec(String(body['@odata.type'] ?? ''))?.[1];
  const schemaName = String(body.SchemaName ?? '');
  if (!schemaName) return reply.error(400, '0x80040203', 'The relationship needs a SchemaName.');
  if (data.oneToMany.some((r) => r.SchemaName === schemaName) || data.manyToMany.some((r) => r.SchemaName === schemaName))
    return reply.error(400, '0x80047013', `A relationship named ${schemaName} already exists.`);
  if (kind === 'ManyToManyRelationshipMetadata') {
    const [entity1, entity2] = [String(body.Entity1LogicalName ?? '').toLowerCase(), String(body.Entity2LogicalName ?? '').toLowerCase()];
    for (const name of [entity1, entity2])
      if (!data.tables.has(name)) return reply.error(404, '0x80040217', `Could not find an entity with LogicalName = '${name}'.`);
    const intersect = String(body.IntersectEntityName ?? schemaName).toLowerCase();
    const relationship = manyToManyOf(schemaName, intersect, entity1, entity2);
    data.manyToMany.push(relationship);
    return { status: 204, headers: { 'odata-entityid': `${api}/RelationshipDefinitions(${relationship.MetadataId})` } };
  }
  if (kind !== 'OneToManyRelationshipMetadata')
    return reply.error(400, '0x80040203', `@odata.type '${body['@odata.type'] ?? ''}' is not a relationship type.`);
  const referenced = String(body.ReferencedEntity ?? '').toLowerCase();
  const referencing = data.tables.get(String(body.ReferencingEntity ?? '').toLowerCase());
  if (!data.tables.has(referenced) || !referencing)
    return reply.error(404, '0x80040217', `Could not find the entities ${body.ReferencedEntity} and ${body.ReferencingEntity}.`);
  const made = lookupColumn(body.Lookup, 'Lookup');
  if (typeof made === 'string') return reply.error(400, '0x80040203', made);
  if (referencing.columns.some((c) => c.name === made.name))
    return reply.error(
      400,
      '0x80044363',
      `An attribute with the specified name ${made.name} already exists on ${referencing.logicalName}.`,
    );
  referencing.columns.push(made);
  // A lookup's navigation property is its schema name, case kept: not its logical name.
  const relationship = oneToMany(schemaName, referenced, referencing.logicalName, made.name, made.schemaName);
  data.oneToMany.push(relationship);
  return { status: 204, headers: { 'odata-entityid': `${api}/RelationshipDefinitions(${relationship.MetadataId})` } };
}

/** CreateCustomerRelationships (account and contact) and CreatePolymorphicLookupAttribute (any tables): one column, a relationship per table. */
function createMultiTableLookup(data: OrgData, body: Record<string, any>, customer: boolean, reply: DataverseReplies): Reply {
  const relationships = Array.isArray(body.OneToManyRelationships) ? (body.OneToManyRelationships as Array<Record<string, any>>) : [];
  if (relationships.length < 2)
    return reply.error(
      400,
      '0x80040203',
      'OneToManyRelationships needs a relationship for each table the lookup points at (at least two).',
    );
  const referencingNames = new Set(relationships.map((r) => String(r.ReferencingEntity ?? '').toLowerCase()));
  const referencing = data.tables.get([...referencingNames][0]!);
  if (referencingNames.size !== 1 || !referencing)
    return reply.error(400, '0x80040203', 'Every relationship must have the same ReferencingEntity, an existing table.');
  const targets = relationships.map((r) => String(r.ReferencedEntity ?? '').toLowerCase());
  if (customer && targets.sort().join('|') !== 'account|contact')
    return reply.error(400, '0x80040203', 'A customer lookup points at account and contact.');
  const missing = targets.find((t) => !data.tables.has(t));
  if (missing) return reply.error(404, '0x80040217', `Could not find an entity with LogicalName = '${missing}'.`);
  const made = lookupColumn(body.Lookup, customer ? 'Customer' : 'Lookup');
  if (typeof made === 'string') return reply.error(400, '0x80040203', made);
  if (referencing.columns.some((c) => c.name === made.name))
    return reply.error(
      400,
      '0x80044363',
      `An attribute with the specified name ${made.name} already exists on ${referencing.logicalName}.`,
    );
  referencing.columns.push(made);
  const created = relationships.map((r) =>
    oneToMany(
      String(r.SchemaName ?? `${made.name}_${r.ReferencedEntity}`),
      String(r.ReferencedEntity).toLowerCase(),
      referencing.logicalName,
      made.name,
      `${made.schemaName}_${String(r.ReferencedEntity).toLowerCase()}`,
    ),
  );
  data.oneToMany.push(...created);
  return reply.ok({ RelationshipIds: created.map((r) => r.MetadataId), AttributeId: made.metadataId });
}

function insertOption(data: OrgData, body: Record<string, any>, status: boolean, reply: DataverseReplies): Reply {
  const table = data.tables.get(String(body.EntityLogicalName ?? '').toLowerCase());
  const target = table?.columns.find((c) => c.name === String(body.AttributeLogicalName ?? (status ? 'statuscode' : '')).toLowerCase());
  if (!table || !target?.options)
    return reply.error(404, '0x80040217', `Could not find an option set column ${body.AttributeLogicalName} on ${body.EntityLogicalName}.`);
  const value = Number(body.Value);
  if (!Number.isInteger(value)) return reply.error(400, '0x80040203', 'Value must be an integer.');
  if (target.options.some((o) => o.value === value))
    return reply.error(400, '0x8004431a', `The value ${value} is already used by ${target.name}.`);
  if (status) {
    const state = Number(body.StateCode);
    const states = table.columns.find((c) => c.type === 'State')?.options ?? [];
    if (!states.some((s) => s.value === state))
      return reply.error(400, '0x8004431a', `${body.StateCode} is not a state of ${table.logicalName}.`);
    target.options.push({ value, label: labelText(body.Label) ?? String(value), state });
  } else {
    target.options.push({ value, label: labelText(body.Label) ?? String(value) });
  }
  return reply.ok({ NewOptionValue: value });
}
