import { xmlAttribute } from './cmtXml';
import { DoctypeError, XmlFormatError } from './xmlTags';

/** A column of a Configuration Migration schema (data_schema.xml), with every attribute the tool writes. */
export interface CmtField {
  name: string;
  displayname: string;
  /** string, number, bigint, decimal, float, money, datetime, bool, optionsetvalue, optionsetvaluecollection, entityreference, owner, partylist, state, status, guid, imagedata (memo read as string). */
  type: string;
  /** Target tables of a lookup, `|`-separated for polymorphic ones. */
  lookupType?: string;
  customfield?: boolean;
  primaryKey?: boolean;
  updateCompare?: boolean;
}

export interface CmtRelationship {
  name: string;
  manyToMany: boolean;
  isreflexive?: boolean;
  relatedEntityName?: string;
  m2mTargetEntity?: string;
  m2mTargetEntityPrimaryKey?: string;
}

export interface CmtEntity {
  name: string;
  displayname: string;
  /** Object type code. */
  etc?: number;
  primaryidfield: string;
  primarynamefield: string;
  disableplugins: boolean;
  fields: CmtField[];
  relationships: CmtRelationship[];
  /** A FetchXML filter on the records to export. */
  filter?: string;
}

export interface CmtSchema {
  entities: CmtEntity[];
  /** The schema's own import order, when it has one. */
  importOrder?: string[];
}

export class CmtFormatError extends Error {}

/** What the XML reader refused in one of these files, as the error to report; other errors as they are. */
export function asCmtFormatError(error: unknown, file: string): unknown {
  if (error instanceof DoctypeError)
    return new CmtFormatError(`${file} declares a DOCTYPE, which Configuration Migration files never do; it was not read.`);
  if (error instanceof XmlFormatError) return new CmtFormatError(`${file} is not well-formed XML: ${error.message}.`);
  return error;
}

/** The order to import tables in: the schema's own order, then the tables it leaves out, in file order. */
export function importOrder(schema: CmtSchema): string[] {
  const given = schema.importOrder ?? [];
  return [
    ...given.filter((n) => schema.entities.some((e) => e.name === n)),
    ...schema.entities.map((e) => e.name).filter((n) => !given.includes(n)),
  ];
}

const CRLF = '\r\n';

function fieldXml(f: CmtField): string {
  const parts = [
    f.updateCompare ? xmlAttribute('updateCompare', 'true') : '',
    xmlAttribute('displayname', f.displayname),
    xmlAttribute('name', f.name),
    xmlAttribute('type', f.type),
    f.lookupType ? xmlAttribute('lookupType', f.lookupType) : '',
    f.customfield ? xmlAttribute('customfield', 'true') : '',
    f.primaryKey ? xmlAttribute('primaryKey', 'true') : '',
  ];
  return `      <field${parts.join('')} />`;
}

function relationshipXml(r: CmtRelationship): string {
  const parts = [
    xmlAttribute('name', r.name),
    xmlAttribute('manyToMany', r.manyToMany ? 'true' : 'false'),
    r.isreflexive !== undefined ? xmlAttribute('isreflexive', r.isreflexive ? 'true' : 'false') : '',
    r.relatedEntityName ? xmlAttribute('relatedEntityName', r.relatedEntityName) : '',
    r.m2mTargetEntity ? xmlAttribute('m2mTargetEntity', r.m2mTargetEntity) : '',
    r.m2mTargetEntityPrimaryKey ? xmlAttribute('m2mTargetEntityPrimaryKey', r.m2mTargetEntityPrimaryKey) : '',
  ];
  return `      <relationship${parts.join('')} />`;
}

/**
 * data_schema.xml as the Configuration Migration tool writes it: no declaration, no BOM, CRLF, the
 * root written `<entities >`, fields in the order given (the tool sorts them by display name).
 */
export function writeSchema(schema: CmtSchema): Buffer {
  const lines = ['<entities >'];
  for (const e of schema.entities) {
    const head = [
      xmlAttribute('name', e.name),
      xmlAttribute('displayname', e.displayname),
      e.etc !== undefined ? xmlAttribute('etc', String(e.etc)) : '',
      xmlAttribute('primaryidfield', e.primaryidfield),
      xmlAttribute('primarynamefield', e.primarynamefield),
      xmlAttribute('disableplugins', e.disableplugins ? 'true' : 'false'),
    ];
    lines.push(`  <entity${head.join('')}>`, '    <fields>', ...e.fields.map(fieldXml), '    </fields>');
    if (e.relationships.length) lines.push('    <relationships>', ...e.relationships.map(relationshipXml), '    </relationships>');
    else lines.push('    <relationships />');
    lines.push('  </entity>');
  }
  if (schema.importOrder?.length)
    lines.push('  <entityImportOrder>', ...schema.importOrder.map((n) => `    <entityName>${n}</entityName>`), '  </entityImportOrder>');
  lines.push('</entities>');
  return Buffer.from(lines.join(CRLF), 'utf8');
}

/** How the tool orders fields: by display name, as a person reads them. */
export function byDisplayName(a: CmtField, b: CmtField): number {
  return a.displayname.localeCompare(b.displayname, 'en-US') || a.name.localeCompare(b.name, 'en-US');
}
