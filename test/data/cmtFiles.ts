import { DOMParser, type Element } from '@xmldom/xmldom';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ZipReader } from '../../src/solutions/zipReader';

/**
 * The tests' own reading of Configuration Migration files (with xmldom, not the product's reader),
 * so a misreading in the product cannot hide on both sides.
 */
export interface FileField {
  name: string;
  displayname: string;
  type: string;
  lookupType?: string;
  customfield: boolean;
  primaryKey: boolean;
}

export interface FileRelationship {
  name: string;
  isreflexive?: string;
  relatedEntityName?: string;
  m2mTargetEntity?: string;
  m2mTargetEntityPrimaryKey?: string;
}

export interface FileEntity {
  name: string;
  displayname: string;
  etc?: string;
  primaryidfield: string;
  primarynamefield: string;
  disableplugins: string;
  fields: FileField[];
  relationships: FileRelationship[];
}

export interface FileValue {
  name: string;
  value: string;
  lookupentity?: string;
  lookupentityname?: string;
  parties?: Array<{ id: string; fields: FileValue[] }>;
}

export interface FileRecord {
  entity: string;
  id: string;
  fields: FileValue[];
}

export interface FileLink {
  entity: string;
  sourceId: string;
  relationship: string;
  targetEntity: string;
  targetIds: string[];
}

export interface CmtFiles {
  schemaBytes: Buffer;
  dataBytes: Buffer;
  contentTypes?: Buffer;
  entities: FileEntity[];
  records: FileRecord[];
  links: FileLink[];
  /** Member names in zip order (zips only). */
  members?: string[];
}

const kids = (e: Element, name: string): Element[] =>
  Array.from(e.childNodes).filter((n): n is Element => n.nodeType === 1 && (n as Element).nodeName === name);
const attr = (e: Element, name: string) => (e.hasAttribute(name) ? e.getAttribute(name)! : undefined);

function value(e: Element): FileValue {
  const v: FileValue = { name: attr(e, 'name')!, value: attr(e, 'value') ?? '' };
  if (e.hasAttribute('lookupentity')) v.lookupentity = attr(e, 'lookupentity');
  if (e.hasAttribute('lookupentityname')) v.lookupentityname = attr(e, 'lookupentityname');
  const parties = kids(e, 'activitypointerrecords');
  if (parties.length) v.parties = parties.map((p) => ({ id: attr(p, 'id')!.toLowerCase(), fields: kids(p, 'field').map(value) }));
  return v;
}

export function parseCmt(schemaBytes: Buffer, dataBytes: Buffer): Pick<CmtFiles, 'entities' | 'records' | 'links'> {
  const schema = new DOMParser().parseFromString(schemaBytes.toString('utf8'), 'text/xml').documentElement!;
  const entities = kids(schema, 'entity').map((e) => ({
    name: attr(e, 'name')!,
    displayname: attr(e, 'displayname')!,
    etc: attr(e, 'etc'),
    primaryidfield: attr(e, 'primaryidfield')!,
    primarynamefield: attr(e, 'primarynamefield')!,
    disableplugins: attr(e, 'disableplugins') ?? 'false',
    fields: kids(kids(e, 'fields')[0]!, 'field').map((f) => ({
      name: attr(f, 'name')!,
      displayname: attr(f, 'displayname')!,
      type: attr(f, 'type')!,
      lookupType: attr(f, 'lookupType'),
      customfield: attr(f, 'customfield') === 'true',
      primaryKey: attr(f, 'primaryKey') === 'true',
    })),
    relationships: (kids(e, 'relationships')[0] ? kids(kids(e, 'relationships')[0]!, 'relationship') : []).map((r) => ({
      name: attr(r, 'name')!,
      isreflexive: attr(r, 'isreflexive'),
      relatedEntityName: attr(r, 'relatedEntityName'),
      m2mTargetEntity: attr(r, 'm2mTargetEntity'),
      m2mTargetEntityPrimaryKey: attr(r, 'm2mTargetEntityPrimaryKey'),
    })),
  }));
  const data = new DOMParser().parseFromString(dataBytes.toString('utf8').replace(/^\uFEFF/, ''), 'text/xml').documentElement!;
  const records: FileRecord[] = [];
  const links: FileLink[] = [];
  for (const e of kids(data, 'entity')) {
    const entity = attr(e, 'name')!;
    for (const r of kids(kids(e, 'records')[0]!, 'record'))
      records.push({ entity, id: attr(r, 'id')!.toLowerCase(), fields: kids(r, 'field').map(value) });
    const m2m = kids(e, 'm2mrelationships')[0];
    for (const l of m2m ? kids(m2m, 'm2mrelationship') : []) {
      links.push({
        entity,
        sourceId: attr(l, 'sourceid')!.toLowerCase(),
        relationship: attr(l, 'm2mrelationshipname')!,
        targetEntity: attr(l, 'targetentityname')!,
        targetIds: kids(kids(l, 'targetids')[0]!, 'targetid').map((t) => (t.textContent ?? '').trim().toLowerCase()),
      });
    }
  }
  return { entities, records, links };
}

/** A fixture: a zip, or a folder with the three (or two) files. */
export async function readCmtFiles(path: string): Promise<CmtFiles> {
  if (statSync(path).isDirectory()) {
    const schemaBytes = readFileSync(join(path, 'data_schema.xml'));
    const dataBytes = readFileSync(join(path, 'data.xml'));
    const types = join(path, '[Content_Types].xml');
    return {
      schemaBytes,
      dataBytes,
      contentTypes: existsSync(types) ? readFileSync(types) : undefined,
      ...parseCmt(schemaBytes, dataBytes),
    };
  }
  const zip = await ZipReader.open(path);
  try {
    const schemaBytes = await zip.read('data_schema.xml');
    const dataBytes = await zip.read('data.xml');
    const contentTypes = zip.has('[Content_Types].xml') ? await zip.read('[Content_Types].xml') : undefined;
    return { schemaBytes, dataBytes, contentTypes, members: zip.names(), ...parseCmt(schemaBytes, dataBytes) };
  } finally {
    zip.close();
  }
}
