import { child, elements, escapeXml, parseXml } from '../solutions/xml';

/** The Configuration Migration format (§7.1): data_schema.xml says what, data.xml holds the records. */
export interface CmtField {
  name: string;
  displayname: string;
  /** guid, string, number, decimal, float, money, bool, datetime, optionsetvalue, entityreference, state, status, owner, … */
  type: string;
  lookupType?: string;
  primaryKey?: boolean;
}

export interface CmtEntity {
  name: string;
  displayname: string;
  primaryidfield: string;
  primarynamefield: string;
  fields: CmtField[];
  /** A FetchXML filter on the records to export, when the schema has one. */
  filter?: string;
  /** N:N relationships the schema names. */
  manyToMany?: string[];
}

export interface CmtSchema {
  entities: CmtEntity[];
  importOrder: string[];
}

export interface CmtValue {
  name: string;
  value: string;
  lookupentity?: string;
  lookupentityname?: string;
}

export interface CmtRecord {
  id: string;
  fields: CmtValue[];
}

/** Web API attribute types as CMT names them. */
export const CMT_TYPES: Record<string, string> = {
  Uniqueidentifier: 'guid',
  String: 'string',
  Memo: 'string',
  Integer: 'number',
  BigInt: 'bigint',
  Decimal: 'decimal',
  Double: 'float',
  Money: 'money',
  Boolean: 'bool',
  DateTime: 'datetime',
  Picklist: 'optionsetvalue',
  Lookup: 'entityreference',
  Customer: 'entityreference',
  Owner: 'owner',
  State: 'state',
  Status: 'status',
};

export function writeSchema(schema: CmtSchema): string {
  const entity = (e: CmtEntity) =>
    `  <entity name="${escapeXml(e.name)}" displayname="${escapeXml(e.displayname)}" primaryidfield="${escapeXml(e.primaryidfield)}" primarynamefield="${escapeXml(e.primarynamefield)}" disableplugins="false">\n    <fields>\n${e.fields
      .map((f) => `      <field displayname="${escapeXml(f.displayname)}" name="${escapeXml(f.name)}" type="${f.type}"${f.lookupType ? ` lookupType="${escapeXml(f.lookupType)}"` : ''}${f.primaryKey ? ' primaryKey="true"' : ''} />`)
      .join('\n')}\n    </fields>\n    ${e.manyToMany?.length ? `<relationships>\n${e.manyToMany.map((r) => `      <relationship name="${escapeXml(r)}" manyToMany="true" />`).join('\n')}\n    </relationships>` : '<relationships />'}\n  </entity>`;
  return `<?xml version="1.0" encoding="utf-8"?>\n<entities>\n${schema.entities.map(entity).join('\n')}\n  <entityImportOrder>\n${schema.importOrder.map((n) => `    <entityName>${escapeXml(n)}</entityName>`).join('\n')}\n  </entityImportOrder>\n</entities>\n`;
}

export function readSchema(xml: Buffer | string, file: string): CmtSchema {
  const root = parseXml(xml, file).documentElement!;
  if (root.nodeName !== 'entities') throw new Error(`${file} is not a Configuration Migration schema (its root is <${root.nodeName}>, not <entities>).`);
  const entities = elements(root)
    .filter((e) => e.nodeName === 'entity')
    .map((e) => ({
      name: e.getAttribute('name') ?? '',
      displayname: e.getAttribute('displayname') ?? '',
      primaryidfield: e.getAttribute('primaryidfield') ?? `${e.getAttribute('name')}id`,
      primarynamefield: e.getAttribute('primarynamefield') ?? 'name',
      fields: elements(child(e, 'fields') ?? e)
        .filter((f) => f.nodeName === 'field')
        .map((f) => ({ name: f.getAttribute('name') ?? '', displayname: f.getAttribute('displayname') ?? '', type: f.getAttribute('type') ?? 'string', lookupType: f.getAttribute('lookupType') ?? undefined, primaryKey: f.getAttribute('primaryKey') === 'true' })),
      filter: (child(e, 'filter')?.textContent ?? '').trim() || undefined,
      manyToMany: elements(child(e, 'relationships') ?? e)
        .filter((r) => r.nodeName === 'relationship' && r.getAttribute('manyToMany') === 'true')
        .map((r) => r.getAttribute('name') ?? ''),
    }));
  const order = elements(child(root, 'entityImportOrder') ?? root).filter((e) => e.nodeName === 'entityName').map((e) => (e.textContent ?? '').trim());
  return { entities, importOrder: order.length ? order : entities.map((e) => e.name) };
}

export function writeData(entities: Array<{ entity: CmtEntity; records: CmtRecord[]; associations?: CmtAssociation[] }>, timestamp = new Date().toISOString()): string {
  const field = (v: CmtValue) => `        <field name="${escapeXml(v.name)}" value="${escapeXml(v.value)}"${v.lookupentity ? ` lookupentity="${escapeXml(v.lookupentity)}" lookupentityname="${escapeXml(v.lookupentityname ?? '')}"` : ''} />`;
  const body = entities
    .map(({ entity, records, associations }) => `  <entity name="${escapeXml(entity.name)}" displayname="${escapeXml(entity.displayname)}">\n    <records>\n${records.map((r) => `      <record id="${r.id}">\n${r.fields.map(field).join('\n')}\n      </record>`).join('\n')}\n    </records>\n${associationsXml(associations ?? [])}\n  </entity>`)
    .join('\n');
  return `<?xml version="1.0" encoding="utf-8"?>\n<entities xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" timestamp="${timestamp}">\n${body}\n</entities>\n`;
}

/** N:N associations of a data file: from one record, through one relationship, to records of another table. */
export interface CmtAssociation {
  entity: string;
  sourceId: string;
  relationship: string;
  targetEntity: string;
  targetIds: string[];
}

export function readAssociations(xml: Buffer | string, file: string): CmtAssociation[] {
  const root = parseXml(xml, file).documentElement!;
  const found: CmtAssociation[] = [];
  for (const entity of elements(root).filter((e) => e.nodeName === 'entity')) {
    for (const link of elements(child(entity, 'm2mrelationships') ?? entity).filter((e) => e.nodeName === 'm2mrelationship')) {
      found.push({
        entity: entity.getAttribute('name') ?? '',
        sourceId: (link.getAttribute('sourceid') ?? '').replace(/[{}]/g, '').toLowerCase(),
        relationship: link.getAttribute('m2mrelationshipname') ?? '',
        targetEntity: link.getAttribute('targetentityname') ?? '',
        targetIds: Array.from(link.getElementsByTagName('targetid')).map((t) => (t.textContent ?? '').trim().replace(/[{}]/g, '').toLowerCase()),
      });
    }
  }
  return found;
}

function associationsXml(associations: CmtAssociation[]): string {
  if (!associations.length) return '    <m2mrelationships />';
  const link = (a: CmtAssociation) =>
    `      <m2mrelationship sourceid="${a.sourceId}" targetentityname="${escapeXml(a.targetEntity)}" targetentitynameidfield="${escapeXml(a.targetEntity)}id" m2mrelationshipname="${escapeXml(a.relationship)}">\n        <targetids>\n${a.targetIds.map((t) => `          <targetid>${t}</targetid>`).join('\n')}\n        </targetids>\n      </m2mrelationship>`;
  return `    <m2mrelationships>\n${associations.map(link).join('\n')}\n    </m2mrelationships>`;
}

export function readData(xml: Buffer | string, file: string): Map<string, CmtRecord[]> {
  const root = parseXml(xml, file).documentElement!;
  const result = new Map<string, CmtRecord[]>();
  for (const entity of elements(root).filter((e) => e.nodeName === 'entity')) {
    const records = elements(child(entity, 'records') ?? entity)
      .filter((r) => r.nodeName === 'record')
      .map((r) => ({
        id: (r.getAttribute('id') ?? '').replace(/[{}]/g, '').toLowerCase(),
        fields: elements(r)
          .filter((f) => f.nodeName === 'field')
          .map((f) => ({ name: f.getAttribute('name') ?? '', value: f.getAttribute('value') ?? '', lookupentity: f.getAttribute('lookupentity') ?? undefined, lookupentityname: f.getAttribute('lookupentityname') ?? undefined })),
      }));
    result.set(entity.getAttribute('name') ?? '', records);
  }
  return result;
}

/** A Web API value as CMT writes it: True/False, invariant numbers, ISO dates. */
export function toCmtValue(type: string, value: unknown): string {
  if (type === 'bool') return value ? 'True' : 'False';
  return String(value);
}

/** A CMT value back as the Web API wants it; undefined when it does not fit the type. */
export function fromCmtValue(type: string, value: string): unknown {
  switch (type) {
    case 'bool':
      return /^(true|1)$/i.test(value) ? true : /^(false|0)$/i.test(value) ? false : undefined;
    case 'number':
    case 'optionsetvalue':
    case 'state':
    case 'status':
    case 'bigint':
      return /^-?\d+$/.test(value) ? Number(value) : undefined;
    case 'decimal':
    case 'float':
    case 'money':
      return value.trim() !== '' && Number.isFinite(Number(value)) ? Number(value) : undefined;
    default:
      return value;
  }
}
