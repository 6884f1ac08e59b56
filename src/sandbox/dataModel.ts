import { randomUUID } from 'node:crypto';
import type { SandboxOrg } from './state';

/** Web API attribute types (AttributeType), as Dataverse names them. */
export type AttributeType =
  | 'Uniqueidentifier'
  | 'String'
  | 'Memo'
  | 'Integer'
  | 'BigInt'
  | 'Decimal'
  | 'Double'
  | 'Money'
  | 'Boolean'
  | 'DateTime'
  | 'Picklist'
  | 'State'
  | 'Status'
  | 'Lookup'
  | 'Customer'
  | 'Owner'
  | 'PartyList'
  | 'EntityName'
  | 'Virtual';

export interface OptionValue {
  value: number;
  label: string;
  /** Status options: the state they belong to. */
  state?: number;
  /** State options: the status a record gets when it enters the state. */
  defaultStatus?: number;
}

/** A column of a table, with what the metadata Web API says about it. */
export interface DataColumn {
  name: string;
  schemaName: string;
  type: AttributeType;
  /** AttributeTypeName: tells Virtual columns apart (MultiSelectPicklistType, ImageType). */
  typeName: string;
  displayName: string;
  custom: boolean;
  primaryId?: boolean;
  primaryName?: boolean;
  validForCreate: boolean;
  validForUpdate: boolean;
  required?: boolean;
  /** The column another one is the name or base value of (AttributeOf). */
  attributeOf?: string;
  options?: OptionValue[];
  dateFormat?: 'DateOnly' | 'DateAndTime';
  dateBehavior?: 'UserLocal' | 'DateOnly' | 'TimeZoneIndependent';
  metadataId: string;
}

/** A row: column values as the Web API sends them; lookups as ids with `<column>@table` holding the target's table. */
export type Row = Record<string, unknown>;

/** A party of an activity's party list (activityparty). */
export interface Party {
  activitypartyid: string;
  participationtypemask: number;
  partyId: string | null;
  partyTable: string | null;
  addressused: string | null;
}

export type BulkMessage = 'CreateMultiple' | 'UpdateMultiple' | 'UpsertMultiple';

export interface DataTable {
  logicalName: string;
  schemaName: string;
  /** Null for tables the Web API cannot write (some system tables). */
  entitySet: string | null;
  displayName: string;
  objectTypeCode: number;
  primaryId: string;
  primaryName: string;
  metadataId: string;
  custom: boolean;
  activity: boolean;
  /** Activities can be regarding its records. */
  hasActivities: boolean;
  ownership: 'UserOwned' | 'OrganizationOwned' | 'None';
  columns: DataColumn[];
  rows: Map<string, Row>;
  /** The bulk messages the table has sdkmessagefilters for. */
  bulkMessages: Set<BulkMessage>;
  /** Rows kept by the org itself (users, teams, business units): metadata only here. */
  external?: boolean;
}

export interface OneToMany {
  SchemaName: string;
  ReferencedEntity: string;
  ReferencedAttribute: string;
  ReferencingEntity: string;
  ReferencingAttribute: string;
  ReferencingEntityNavigationPropertyName: string;
  ReferencedEntityNavigationPropertyName: string;
  MetadataId: string;
}

export interface ManyToMany {
  SchemaName: string;
  IntersectEntityName: string;
  Entity1LogicalName: string;
  Entity2LogicalName: string;
  Entity1IntersectAttribute: string;
  Entity2IntersectAttribute: string;
  Entity1NavigationPropertyName: string;
  Entity2NavigationPropertyName: string;
  MetadataId: string;
  /** Associated pairs, "entity1id|entity2id". */
  pairs: Set<string>;
}

export interface OrgData {
  tables: Map<string, DataTable>;
  oneToMany: OneToMany[];
  manyToMany: ManyToMany[];
  nextObjectTypeCode: number;
  versionNumber: number;
  /** Id of the org's base currency (transactioncurrency). */
  baseCurrency: string;
  /** Writes that ran with custom plug-ins bypassed (MSCRM.BypassCustomPluginExecution), for tests to see. */
  pluginBypassWrites: number;
}

const dataByOrg = new WeakMap<SandboxOrg, OrgData>();

/** Each org's tables and relationships, made on first use with the system tables every environment has. */
export function orgData(org: SandboxOrg): OrgData {
  let data = dataByOrg.get(org);
  if (!data) {
    data = seedOrgData(org);
    dataByOrg.set(org, data);
    for (const table of data.tables.values())
      if (!org.entities.some((e) => e.logicalname === table.logicalName))
        org.entities.push({ logicalname: table.logicalName, metadataid: table.metadataId });
    for (const table of data.tables.values()) table.metadataId = org.entities.find((e) => e.logicalname === table.logicalName)!.metadataid;
  }
  return data;
}

export function label(text: string): Record<string, unknown> {
  const localized = { Label: text, LanguageCode: 1033 };
  return { LocalizedLabels: [localized], UserLocalizedLabel: localized };
}

/** The plural Dataverse gives a logical name for its entity set. */
export function pluralize(name: string): string {
  if (/(s|x|z|ch|sh)$/.test(name)) return `${name}es`;
  if (/[^aeiou]y$/.test(name)) return `${name.slice(0, -1)}ies`;
  return `${name}s`;
}

interface ColumnSpec {
  type: AttributeType;
  typeName?: string;
  display?: string;
  schema?: string;
  custom?: boolean;
  create?: boolean;
  update?: boolean;
  required?: boolean;
  options?: OptionValue[];
  dateFormat?: DataColumn['dateFormat'];
  dateBehavior?: DataColumn['dateBehavior'];
  attributeOf?: string;
}

export function column(name: string, spec: ColumnSpec): DataColumn {
  return {
    name,
    schemaName: spec.schema ?? name,
    type: spec.type,
    typeName: spec.typeName ?? `${spec.type}Type`,
    displayName: spec.display ?? name,
    custom: spec.custom ?? false,
    validForCreate: spec.create ?? true,
    validForUpdate: spec.update ?? true,
    required: spec.required,
    options: spec.options,
    dateFormat: spec.dateFormat ?? (spec.type === 'DateTime' ? 'DateAndTime' : undefined),
    dateBehavior: spec.dateBehavior ?? (spec.type === 'DateTime' ? 'UserLocal' : undefined),
    attributeOf: spec.attributeOf,
    metadataId: randomUUID(),
  };
}

const readOnly = { create: false, update: false };
const createOnly = { create: true, update: false };

/** The state and status options of a table: Active/Inactive unless the table has its own. */
export function stateColumns(
  states: Array<{ value: number; label: string; statuses: Array<[number, string]> }> = DEFAULT_STATES,
): DataColumn[] {
  return [
    column('statecode', {
      type: 'State',
      display: 'Status',
      options: states.map((s) => ({ value: s.value, label: s.label, defaultStatus: s.statuses[0]![0] })),
    }),
    column('statuscode', {
      type: 'Status',
      display: 'Status Reason',
      options: states.flatMap((s) => s.statuses.map(([value, text]) => ({ value, label: text, state: s.value }))),
    }),
  ];
}

const DEFAULT_STATES = [
  { value: 0, label: 'Active', statuses: [[1, 'Active']] as Array<[number, string]> },
  { value: 1, label: 'Inactive', statuses: [[2, 'Inactive']] as Array<[number, string]> },
];

/** The columns Dataverse adds to every table it creates: audit, owner, version and import columns. */
export function systemColumns(ownership: DataTable['ownership']): DataColumn[] {
  const columns = [
    column('createdon', { type: 'DateTime', display: 'Created On', ...readOnly }),
    column('createdby', { type: 'Lookup', display: 'Created By', ...readOnly }),
    column('createdonbehalfby', { type: 'Lookup', display: 'Created By (Delegate)', ...readOnly }),
    column('modifiedon', { type: 'DateTime', display: 'Modified On', ...readOnly }),
    column('modifiedby', { type: 'Lookup', display: 'Modified By', ...readOnly }),
    column('modifiedonbehalfby', { type: 'Lookup', display: 'Modified By (Delegate)', ...readOnly }),
    column('overriddencreatedon', { type: 'DateTime', display: 'Record Created On', ...createOnly, dateBehavior: 'UserLocal' }),
    column('importsequencenumber', { type: 'Integer', display: 'Import Sequence Number', ...createOnly }),
    column('versionnumber', { type: 'BigInt', display: 'Version Number', ...readOnly }),
    column('timezoneruleversionnumber', { type: 'Integer', display: 'Time Zone Rule Version Number' }),
    column('utcconversiontimezonecode', { type: 'Integer', display: 'UTC Conversion Time Zone Code' }),
  ];
  if (ownership === 'UserOwned') {
    columns.push(
      column('ownerid', { type: 'Owner', display: 'Owner' }),
      column('owninguser', { type: 'Lookup', display: 'Owning User', ...readOnly }),
      column('owningteam', { type: 'Lookup', display: 'Owning Team', ...readOnly }),
      column('owningbusinessunit', { type: 'Lookup', display: 'Owning Business Unit', ...readOnly }),
    );
  } else if (ownership === 'OrganizationOwned') {
    columns.push(column('organizationid', { type: 'Lookup', display: 'Organization', ...readOnly }));
  }
  return columns;
}

/** The lookups Dataverse makes for its system columns: to users, teams, business units. */
export function systemRelationships(table: DataTable): OneToMany[] {
  const targets: Record<string, string> = {
    createdby: 'systemuser',
    createdonbehalfby: 'systemuser',
    modifiedby: 'systemuser',
    modifiedonbehalfby: 'systemuser',
    owninguser: 'systemuser',
    owningteam: 'team',
    owningbusinessunit: 'businessunit',
    organizationid: 'organization',
  };
  const found: OneToMany[] = [];
  for (const c of table.columns) {
    if (c.type === 'Owner') {
      for (const target of ['systemuser', 'team'])
        found.push(oneToMany(`owner_${table.logicalName}_${target}`, target, table.logicalName, 'ownerid', 'ownerid'));
    } else if (targets[c.name]) {
      found.push(oneToMany(`lk_${table.logicalName}_${c.name}`, targets[c.name]!, table.logicalName, c.name, c.name));
    }
  }
  return found;
}

export function oneToMany(schemaName: string, referenced: string, referencing: string, attribute: string, navigation: string): OneToMany {
  return {
    SchemaName: schemaName,
    ReferencedEntity: referenced,
    ReferencedAttribute: `${referenced}id`,
    ReferencingEntity: referencing,
    ReferencingAttribute: attribute,
    ReferencingEntityNavigationPropertyName: navigation,
    ReferencedEntityNavigationPropertyName: schemaName,
    MetadataId: randomUUID(),
  };
}

interface TableSpec {
  logicalName: string;
  objectTypeCode: number;
  primaryName: string;
  display: string;
  primaryId?: string;
  entitySet?: string;
  ownership?: DataTable['ownership'];
  custom?: boolean;
  activity?: boolean;
  hasActivities?: boolean;
  external?: boolean;
  columns: DataColumn[];
  states?: Parameters<typeof stateColumns>[0] | null;
  bulkMessages?: BulkMessage[];
}

export function makeTable(spec: TableSpec): DataTable {
  const ownership = spec.ownership ?? 'UserOwned';
  const primaryId = spec.primaryId ?? `${spec.logicalName}id`;
  const columns = [
    column(primaryId, { type: 'Uniqueidentifier', display: spec.display, ...createOnly }),
    ...spec.columns,
    ...(spec.states === null ? [] : stateColumns(spec.states)),
    ...systemColumns(ownership),
  ];
  columns[0]!.primaryId = true;
  const name = columns.find((c) => c.name === spec.primaryName);
  if (name) name.primaryName = true;
  return {
    logicalName: spec.logicalName,
    schemaName: spec.logicalName,
    entitySet: spec.entitySet ?? pluralize(spec.logicalName),
    displayName: spec.display,
    objectTypeCode: spec.objectTypeCode,
    primaryId,
    primaryName: spec.primaryName,
    metadataId: randomUUID(),
    custom: spec.custom ?? false,
    activity: spec.activity ?? false,
    hasActivities: spec.hasActivities ?? false,
    ownership,
    columns,
    rows: new Map(),
    bulkMessages: new Set(spec.bulkMessages ?? ['CreateMultiple', 'UpdateMultiple', 'UpsertMultiple']),
    external: spec.external,
  };
}

/** The columns every activity table has, party lists included. */
export function activityColumns(partyLists: string[]): DataColumn[] {
  return [
    column('subject', { type: 'String', display: 'Subject' }),
    column('description', { type: 'Memo', display: 'Description' }),
    column('activitytypecode', { type: 'EntityName', display: 'Activity Type', ...readOnly }),
    column('regardingobjectid', { type: 'Lookup', display: 'Regarding' }),
    column('scheduledstart', { type: 'DateTime', display: 'Start Time' }),
    column('scheduledend', { type: 'DateTime', display: 'End Time' }),
    column('prioritycode', {
      type: 'Picklist',
      display: 'Priority',
      options: [0, 1, 2].map((value) => ({ value, label: ['Low', 'Normal', 'High'][value]! })),
    }),
    ...partyLists.map((name) => column(name, { type: 'PartyList', display: name })),
  ];
}

/** Who may be a party of an activity, and the participation type of each party-list column. */
export const PARTY_TABLES = ['systemuser', 'contact', 'account', 'lead'];
export const PARTY_MASKS: Record<string, number> = {
  from: 1,
  to: 2,
  cc: 3,
  bcc: 4,
  requiredattendees: 5,
  optionalattendees: 6,
  organizer: 7,
  customers: 11,
  resources: 10,
  partners: 12,
};

/**
 * Activity tables have no UpsertMultiple here (they have CreateMultiple and UpdateMultiple), so a
 * client must read sdkmessagefilters rather than assume every table has every bulk message.
 */
const ACTIVITY_BULK: BulkMessage[] = ['CreateMultiple', 'UpdateMultiple'];

function seedOrgData(org: SandboxOrg): OrgData {
  const baseCurrency = randomUUID();
  const tables = [
    makeTable({
      logicalName: 'account',
      objectTypeCode: 1,
      primaryName: 'name',
      display: 'Account',
      hasActivities: true,
      columns: [
        column('name', { type: 'String', display: 'Account Name', required: true }),
        column('accountnumber', { type: 'String', display: 'Account Number' }),
        column('description', { type: 'Memo', display: 'Description' }),
        column('revenue', { type: 'Money', display: 'Annual Revenue' }),
        column('revenue_base', { type: 'Money', display: 'Annual Revenue (Base)', ...readOnly, attributeOf: 'revenue' }),
        column('transactioncurrencyid', { type: 'Lookup', display: 'Currency' }),
        column('exchangerate', { type: 'Decimal', display: 'Exchange Rate', ...readOnly }),
        column('numberofemployees', { type: 'Integer', display: 'Number of Employees' }),
        column('industrycode', {
          type: 'Picklist',
          display: 'Industry',
          options: Array.from({ length: 33 }, (_, i) => ({ value: i + 1, label: `Industry ${i + 1}` })),
        }),
        column('donotemail', { type: 'Boolean', display: 'Do not allow Emails' }),
        column('primarycontactid', { type: 'Lookup', display: 'Primary Contact' }),
        column('parentaccountid', { type: 'Lookup', display: 'Parent Account' }),
        // The keys of the addresses kept inside the record are primary ids too, as the service's metadata says.
        { ...column('address1_addressid', { type: 'Uniqueidentifier', display: 'Address 1: ID' }), primaryId: true },
        { ...column('address2_addressid', { type: 'Uniqueidentifier', display: 'Address 2: ID' }), primaryId: true },
      ],
    }),
    makeTable({
      logicalName: 'contact',
      objectTypeCode: 2,
      primaryName: 'fullname',
      display: 'Contact',
      hasActivities: true,
      columns: [
        column('firstname', { type: 'String', display: 'First Name' }),
        column('lastname', { type: 'String', display: 'Last Name', required: true }),
        column('fullname', { type: 'String', display: 'Full Name', ...readOnly }),
        column('emailaddress1', { type: 'String', display: 'Email' }),
        column('birthdate', { type: 'DateTime', display: 'Birthday', dateFormat: 'DateOnly', dateBehavior: 'DateOnly' }),
        column('parentcustomerid', { type: 'Customer', display: 'Company Name' }),
        { ...column('address1_addressid', { type: 'Uniqueidentifier', display: 'Address 1: ID' }), primaryId: true },
        { ...column('address2_addressid', { type: 'Uniqueidentifier', display: 'Address 2: ID' }), primaryId: true },
        { ...column('address3_addressid', { type: 'Uniqueidentifier', display: 'Address 3: ID' }), primaryId: true },
      ],
    }),
    makeTable({
      logicalName: 'contoso_tag',
      objectTypeCode: 10_010,
      primaryName: 'contoso_name',
      display: 'Tag',
      custom: true,
      columns: [column('contoso_name', { type: 'String', display: 'Name', required: true, custom: true })],
    }),
    makeTable({
      logicalName: 'transactioncurrency',
      objectTypeCode: 9105,
      primaryName: 'currencyname',
      display: 'Currency',
      ownership: 'OrganizationOwned',
      columns: [
        column('currencyname', { type: 'String', display: 'Currency Name', required: true }),
        column('isocurrencycode', { type: 'String', display: 'Currency Code' }),
      ],
    }),
    ...['systemuser', 'team', 'businessunit'].map((logicalName, i) =>
      makeTable({
        logicalName,
        objectTypeCode: [8, 9, 10][i]!,
        primaryName: ['fullname', 'name', 'name'][i]!,
        display: ['User', 'Team', 'Business Unit'][i]!,
        ownership: 'None',
        external: true,
        states: null,
        columns: [column(['fullname', 'name', 'name'][i]!, { type: 'String', display: 'Name' })],
      }),
    ),
    makeTable({
      logicalName: 'activitypointer',
      objectTypeCode: 4200,
      primaryId: 'activityid',
      primaryName: 'subject',
      display: 'Activity',
      activity: true,
      columns: activityColumns([]),
      bulkMessages: [],
    }),
    makeTable({
      logicalName: 'appointment',
      objectTypeCode: 4201,
      primaryId: 'activityid',
      primaryName: 'subject',
      display: 'Appointment',
      activity: true,
      columns: [
        ...activityColumns(['organizer', 'requiredattendees', 'optionalattendees']),
        column('location', { type: 'String', display: 'Location' }),
        column('isalldayevent', { type: 'Boolean', display: 'All Day Event' }),
      ],
      states: [
        {
          value: 0,
          label: 'Open',
          statuses: [
            [1, 'Free'],
            [2, 'Tentative'],
          ],
        },
        { value: 1, label: 'Completed', statuses: [[3, 'Completed']] },
        { value: 2, label: 'Canceled', statuses: [[4, 'Canceled']] },
        {
          value: 3,
          label: 'Scheduled',
          statuses: [
            [5, 'Busy'],
            [6, 'Out of Office'],
          ],
        },
      ],
      bulkMessages: ACTIVITY_BULK,
    }),
    makeTable({
      logicalName: 'task',
      objectTypeCode: 4212,
      primaryId: 'activityid',
      primaryName: 'subject',
      display: 'Task',
      activity: true,
      columns: [...activityColumns([]), column('percentcomplete', { type: 'Integer', display: 'Percent Complete' })],
      states: [
        {
          value: 0,
          label: 'Open',
          statuses: [
            [2, 'Not Started'],
            [3, 'In Progress'],
            [4, 'Waiting on someone else'],
            [7, 'Deferred'],
          ],
        },
        { value: 1, label: 'Completed', statuses: [[5, 'Completed']] },
        { value: 2, label: 'Canceled', statuses: [[6, 'Canceled']] },
      ],
      bulkMessages: ACTIVITY_BULK,
    }),
    makeTable({
      logicalName: 'email',
      objectTypeCode: 4202,
      primaryId: 'activityid',
      primaryName: 'subject',
      display: 'Email',
      activity: true,
      columns: activityColumns(['from', 'to', 'cc', 'bcc']),
      states: [
        { value: 0, label: 'Open', statuses: [[1, 'Draft']] },
        {
          value: 1,
          label: 'Completed',
          statuses: [
            [2, 'Completed'],
            [3, 'Sent'],
          ],
        },
        { value: 2, label: 'Canceled', statuses: [[5, 'Canceled']] },
      ],
      bulkMessages: ACTIVITY_BULK,
    }),
  ];
  for (const table of tables.filter((t) => t.external)) table.columns = table.columns.filter((c) => c.primaryId || c.primaryName);
  const data: OrgData = {
    tables: new Map(tables.map((t) => [t.logicalName, t])),
    oneToMany: [],
    manyToMany: [],
    nextObjectTypeCode: 10_500,
    versionNumber: 1_000_000,
    baseCurrency,
    pluginBypassWrites: 0,
  };
  for (const table of tables) data.oneToMany.push(...systemRelationships(table));
  data.oneToMany.push(
    oneToMany('account_primary_contact', 'contact', 'account', 'primarycontactid', 'primarycontactid'),
    oneToMany('account_parent_account', 'account', 'account', 'parentaccountid', 'parentaccountid'),
    oneToMany('contact_customer_accounts', 'account', 'contact', 'parentcustomerid', 'parentcustomerid_account'),
    oneToMany('contact_customer_contacts', 'contact', 'contact', 'parentcustomerid', 'parentcustomerid_contact'),
    oneToMany('TransactionCurrency_Account', 'transactioncurrency', 'account', 'transactioncurrencyid', 'transactioncurrencyid'),
  );
  data.manyToMany.push(manyToManyOf('contoso_account_tag', 'contoso_account_tag', 'account', 'contoso_tag'));
  data.tables.get('transactioncurrency')!.rows.set(baseCurrency, {
    transactioncurrencyid: baseCurrency,
    currencyname: 'US Dollar',
    isocurrencycode: 'USD',
    statecode: 0,
    statuscode: 1,
    organizationid: org.organizationId,
    'organizationid@table': 'organization',
  });
  return data;
}

export function manyToManyOf(schemaName: string, intersect: string, entity1: string, entity2: string): ManyToMany {
  const reflexive = entity1 === entity2;
  return {
    SchemaName: schemaName,
    IntersectEntityName: intersect,
    Entity1LogicalName: entity1,
    Entity2LogicalName: entity2,
    Entity1IntersectAttribute: `${entity1}id`,
    Entity2IntersectAttribute: reflexive ? `${entity2}idtwo` : `${entity2}id`,
    // A relationship of a table with itself needs a navigation property for each direction.
    Entity1NavigationPropertyName: reflexive ? `${schemaName}_${entity1}` : schemaName,
    Entity2NavigationPropertyName: reflexive ? `${schemaName}_${entity2}_two` : schemaName,
    MetadataId: randomUUID(),
    pairs: new Set(),
  };
}
