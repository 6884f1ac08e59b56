import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeZip } from '../../src/solutions/zipWriter';

/** Small Configuration Migration files written by the tests, in the tool's layout. */
export interface TestEntity {
  name: string;
  primaryid?: string;
  primaryname: string;
  disableplugins?: boolean;
  /** [name, type, lookupType?] */
  fields: Array<[string, string, string?]>;
  relationships?: Array<{ name: string; target: string; reflexive?: boolean }>;
  /** Fields marked updateCompare="true" (the tool's uniqueness condition). */
  compare?: string[];
}

export type TestField =
  | [string, string]
  | [string, string, string]
  | [string, string, string, string]
  | { name: string; parties: Array<{ id: string; partyid: string; entity: string; mask: number }> };

export interface TestRecords {
  entity: string;
  records: Array<{ id: string; fields: TestField[] }>;
  links?: Array<{ source: string; relationship: string; target: string; targetIds: string[] }>;
}

const esc = (v: string) =>
  v.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/\r/g, '&#xD;').replace(/\n/g, '&#xA;');

export function schemaXml(entities: TestEntity[]): string {
  const entity = (e: TestEntity) => {
    const fields = e.fields.map(
      ([name, type, lookup]) =>
        `      <field ${e.compare?.includes(name) ? 'updateCompare="true" ' : ''}displayname="${name}" name="${name}" type="${type}"${lookup ? ` lookupType="${lookup}"` : ''}${name === (e.primaryid ?? `${e.name}id`) ? ' primaryKey="true"' : ''} />`,
    );
    const relationships = (e.relationships ?? []).map(
      (r) =>
        `      <relationship name="${r.name}" manyToMany="true" isreflexive="${r.reflexive ? 'true' : 'false'}" relatedEntityName="${r.name}" m2mTargetEntity="${r.target}" m2mTargetEntityPrimaryKey="${r.target}id" />`,
    );
    return [
      `  <entity name="${e.name}" displayname="${e.name}" etc="1" primaryidfield="${e.primaryid ?? `${e.name}id`}" primarynamefield="${e.primaryname}" disableplugins="${e.disableplugins ? 'true' : 'false'}">`,
      '    <fields>',
      ...fields,
      '    </fields>',
      relationships.length ? ['    <relationships>', ...relationships, '    </relationships>'].join('\r\n') : '    <relationships />',
      '  </entity>',
    ].join('\r\n');
  };
  return ['<entities >', ...entities.map(entity), '</entities>'].join('\r\n');
}

export function dataXml(tables: TestRecords[]): string {
  const field = (f: TestField) => {
    if (!Array.isArray(f)) {
      const parties = f.parties.map(
        (p) =>
          `          <activitypointerrecords id="${p.id}">\r\n            <field name="partyid" value="${p.partyid}" lookupentity="${p.entity}" />\r\n            <field name="participationtypemask" value="${p.mask}" />\r\n            <field name="activitypartyid" value="${p.id}" />\r\n          </activitypointerrecords>`,
      );
      return `        <field name="${f.name}" value="" lookupentity="" lookupentityname="">\r\n${parties.join('\r\n')}\r\n        </field>`;
    }
    const [name, value, entity, label] = f;
    return `        <field name="${name}" value="${esc(value)}"${entity !== undefined ? ` lookupentity="${entity}"` : ''}${label !== undefined ? ` lookupentityname="${esc(label)}"` : ''} />`;
  };
  const entity = (t: TestRecords) => {
    const records = t.records.map((r) => [`      <record id="${r.id}">`, ...r.fields.map(field), '      </record>'].join('\r\n'));
    const links = (t.links ?? []).map(
      (l) =>
        `      <m2mrelationship sourceid="${l.source}" targetentityname="${l.target}" targetentitynameidfield="${l.target}id" m2mrelationshipname="${l.relationship}">\r\n        <targetids>\r\n${l.targetIds.map((id) => `          <targetid>${id}</targetid>`).join('\r\n')}\r\n        </targetids>\r\n      </m2mrelationship>`,
    );
    return [
      `  <entity name="${t.entity}" displayname="${t.entity}">`,
      '    <records>',
      ...records,
      '    </records>',
      links.length ? ['    <m2mrelationships>', ...links, '    </m2mrelationships>'].join('\r\n') : '    <m2mrelationships />',
      '  </entity>',
    ].join('\r\n');
  };
  return `\r\n<entities xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" timestamp="2026-11-24T00:00:00.0000000Z">\r\n${tables.map(entity).join('\r\n')}\r\n</entities>`;
}

/** Writes a data zip (or, with `folder`, the unzipped folder without [Content_Types].xml); returns its path. */
export async function writeDataFile(
  dir: string,
  name: string,
  schema: string,
  data: string,
  options: { folder?: boolean } = {},
): Promise<string> {
  const path = join(dir, name);
  if (options.folder) {
    mkdirSync(path, { recursive: true });
    writeFileSync(join(path, 'data_schema.xml'), schema);
    writeFileSync(join(path, 'data.xml'), data);
    return path;
  }
  await writeZip(path, [
    { name: 'data_schema.xml', data: Buffer.from(schema) },
    { name: 'data.xml', data: Buffer.from(data) },
  ]);
  return path;
}

/** Stable GUIDs for test records: a letter-like prefix and a number. */
export const id = (prefix: string, n: number) => `${prefix}${String(n).padStart(7, '0')}-0000-4000-8000-000000000000`;

export const ACCOUNT: TestEntity = {
  name: 'account',
  primaryname: 'name',
  fields: [
    ['accountid', 'guid'],
    ['name', 'string'],
    ['numberofemployees', 'number'],
    ['donotemail', 'bool'],
    ['primarycontactid', 'entityreference', 'contact'],
  ],
};
export const CONTACT: TestEntity = {
  name: 'contact',
  primaryname: 'fullname',
  fields: [
    ['contactid', 'guid'],
    ['lastname', 'string'],
    ['parentcustomerid', 'entityreference', 'account|contact'],
    ['statecode', 'state'],
    ['statuscode', 'status'],
  ],
};

/** 1 to n. */
export const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

/** `n` accounts, each with a contact that points back at it (the accounts point forward at the contacts). */
export function accountsAndContacts(
  n: number,
  change: { account?: (i: number, fields: TestField[]) => void; contact?: (i: number, fields: TestField[]) => void } = {},
): TestRecords[] {
  const numbers = range(n);
  return [
    {
      entity: 'account',
      records: numbers.map((i) => {
        const fields: TestField[] = [
          ['accountid', id('a', i)],
          ['name', `Account ${i}`],
          ['numberofemployees', String(i)],
          ['donotemail', 'False'],
          ['primarycontactid', id('c', i), 'contact', `Contact ${i}`],
        ];
        change.account?.(i, fields);
        return { id: id('a', i), fields };
      }),
    },
    {
      entity: 'contact',
      records: numbers.map((i) => {
        const fields: TestField[] = [
          ['contactid', id('c', i)],
          ['lastname', `Contact ${i}`],
          ['parentcustomerid', id('a', i), 'account', `Account ${i}`],
        ];
        change.contact?.(i, fields);
        return { id: id('c', i), fields };
      }),
    },
  ];
}
