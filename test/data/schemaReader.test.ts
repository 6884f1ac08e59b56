import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DOMParser, type Element } from '@xmldom/xmldom';
import { readSchema } from '../../src/data/cmtSchemaReader';
import { seededRandom } from '../fuzz/generate';
import { corpus, needsCorpus } from '../corpus';
import { readCmtFiles } from './cmtFiles';

/**
 * data_schema.xml read by the product's streaming reader against a DOM reading of our own (xmldom):
 * the fixtures, then seeded random schemas in every arrangement a DOM reader gives a meaning to.
 * POWERAGENT_XML_SEED replays a run.
 */
const SEED = Number(process.env.POWERAGENT_XML_SEED) || Math.floor(Math.random() * 2 ** 31);

const children = (parent: Element, name?: string): Element[] =>
  Array.from(parent.childNodes).filter((n): n is Element => n.nodeType === 1 && (!name || (n as Element).nodeName === name));
const firstChild = (parent: Element, name: string) => children(parent, name)[0];
const isTrue = (value: string | null) => /^true$/i.test(value ?? '');

/** What a schema means, read through a DOM: lists where the tool puts them, else the parent's own children. */
function domReading(xml: string): unknown {
  const root = new DOMParser().parseFromString(xml.replace(/^\uFEFF/, ''), 'text/xml').documentElement!;
  const entities = children(root, 'entity').map((e) => {
    const name = (e.getAttribute('name') ?? '').toLowerCase();
    const etc = e.getAttribute('etc');
    return {
      name,
      displayname: e.getAttribute('displayname') ?? name,
      etc: etc && /^\d+$/.test(etc) ? Number(etc) : undefined,
      primaryidfield: (e.getAttribute('primaryidfield') || `${name}id`).toLowerCase(),
      primarynamefield: (e.getAttribute('primarynamefield') ?? '').toLowerCase(),
      disableplugins: isTrue(e.getAttribute('disableplugins')),
      fields: children(firstChild(e, 'fields') ?? e, 'field').map((f) => ({
        name: (f.getAttribute('name') ?? '').toLowerCase(),
        displayname: f.getAttribute('displayname') ?? '',
        type: (f.getAttribute('type') ?? 'string').toLowerCase(),
        lookupType: f.getAttribute('lookupType') || undefined,
        customfield: isTrue(f.getAttribute('customfield')) || undefined,
        primaryKey: isTrue(f.getAttribute('primaryKey')) || undefined,
        updateCompare: isTrue(f.getAttribute('updateCompare')) || undefined,
      })),
      relationships: children(firstChild(e, 'relationships') ?? e, 'relationship').map((r) => ({
        name: r.getAttribute('name') ?? '',
        manyToMany: isTrue(r.getAttribute('manyToMany')),
        isreflexive: r.hasAttribute('isreflexive') ? isTrue(r.getAttribute('isreflexive')) : undefined,
        relatedEntityName: r.getAttribute('relatedEntityName') || undefined,
        m2mTargetEntity: r.getAttribute('m2mTargetEntity')?.toLowerCase() || undefined,
        m2mTargetEntityPrimaryKey: r.getAttribute('m2mTargetEntityPrimaryKey')?.toLowerCase() || undefined,
      })),
      filter: (firstChild(e, 'filter')?.textContent ?? '').trim() || undefined,
    };
  });
  const order = children(firstChild(root, 'entityImportOrder') ?? root, 'entityName')
    .map((e) => (e.textContent ?? '').trim().toLowerCase())
    .filter(Boolean);
  return { entities, importOrder: order.length ? order : undefined };
}

type Random = () => number;
const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const SPACE = ['', '\r\n', '\r\n  ', '<!-- note -->'];

function attributes(random: Random, values: Record<string, readonly string[]>): string {
  let text = '';
  for (const [name, choices] of Object.entries(values)) {
    if (random() < 0.2) continue;
    const quote = random() < 0.8 ? '"' : "'";
    text += ` ${name}=${quote}${pick(random, choices)}${quote}`;
  }
  return text;
}

const BOOL = ['true', 'false', 'TRUE', 'True', ''];
const field = (random: Random) =>
  `<field${attributes(random, {
    displayname: ['Account Name', 'Café &amp; Co', ''],
    name: ['Name', 'accountid', 'parentcustomerid'],
    type: ['string', 'EntityReference', 'partylist', ''],
    lookupType: ['account|contact', ''],
    customfield: BOOL,
    primaryKey: BOOL,
    updateCompare: BOOL,
  })} />`;
const relationship = (random: Random) =>
  `<relationship${attributes(random, {
    name: ['accountleads_association', 'x_y'],
    manyToMany: BOOL,
    isreflexive: BOOL,
    relatedEntityName: ['accountleads', ''],
    m2mTargetEntity: ['Lead', ''],
    m2mTargetEntityPrimaryKey: ['LeadId', ''],
  })} />`;

/** Items in a list element, or the parent's own, or both, or in two lists: each has a meaning to a DOM reader. */
function listed(random: Random, list: string, item: (random: Random) => string): string {
  const items = (n: number) => Array.from({ length: n }, () => item(random)).join(pick(random, SPACE));
  const roll = random();
  if (roll < 0.4) return `<${list}>${items(Math.floor(random() * 3))}</${list}>`;
  if (roll < 0.55) return `<${list} />`;
  if (roll < 0.7) return items(1 + Math.floor(random() * 2));
  if (roll < 0.85) return `${items(1)}<${list}>${items(1)}</${list}>`;
  return `<${list}>${items(1)}</${list}><${list}>${items(1)}</${list}>`;
}

const FILTERS = [
  '',
  '<filter>&lt;fetch&gt;&lt;entity name="account"/&gt;&lt;/fetch&gt;</filter>',
  '<filter><![CDATA[<fetch><entity name="contact"/></fetch>]]></filter>',
  '<filter>  </filter>',
  '<filter></filter>',
  '<filter>a<b>c</b>d</filter>',
  '<filter>first</filter><filter>second</filter>',
];

function schemaOf(random: Random): string {
  const parts = [pick(random, ['', '\uFEFF', '<?xml version="1.0" encoding="utf-8"?>']), '<entities >'];
  for (let e = 0; e < Math.floor(random() * 3); e++) {
    const head = attributes(random, {
      name: ['Account', 'contact'],
      displayname: ['Account', ''],
      etc: ['1', 'x', ''],
      primaryidfield: ['AccountId', ''],
      primarynamefield: ['Name', ''],
      disableplugins: BOOL,
    }).replace(/ name=(["'])\1/, ' name="account"');
    const named = head.includes(' name=') ? head : ` name="task"${head}`;
    const body = [listed(random, 'fields', field), listed(random, 'relationships', relationship), pick(random, FILTERS)];
    if (random() < 0.3) body.reverse();
    parts.push(`<entity${named}>${body.join(pick(random, SPACE))}</entity>`);
  }
  const names = (n: number) =>
    Array.from({ length: n }, () => `<entityName>${pick(random, ['Contact', ' account ', ''])}</entityName>`).join('');
  const roll = random();
  if (roll < 0.4) parts.push(`<entityImportOrder>${names(1 + Math.floor(random() * 2))}</entityImportOrder>`);
  else if (roll < 0.55) parts.push(names(1));
  else if (roll < 0.7) parts.push(`${names(1)}<entityImportOrder>${names(1)}</entityImportOrder>`);
  parts.push('</entities>');
  return parts.join(pick(random, SPACE));
}

describe('the data_schema.xml reader', () => {
  it('reads every fixture schema as a DOM reader does', needsCorpus, async () => {
    const folder = corpus('fixtures', 'cmt');
    const fixtures = readdirSync(folder).filter((name) => statSync(join(folder, name)).isDirectory());
    assert.ok(fixtures.length >= 7, `${fixtures.length} fixtures`);
    for (const name of fixtures) {
      const zip = readdirSync(join(folder, name)).find((f) => f.endsWith('.zip'));
      const { schemaBytes } = await readCmtFiles(join(folder, name, zip ?? ''));
      const read = readSchema(schemaBytes, 'data_schema.xml');
      assert.ok(read.entities.length > 0 && read.entities.every((e) => e.fields.length > 0), name);
      assert.deepEqual(read, domReading(schemaBytes.toString('utf8')), name);
    }
  });

  it(`reads fields, relationships, filters and the import order wherever a DOM reader finds them (seed ${SEED})`, () => {
    const random = seededRandom(SEED);
    for (let n = 0; n < 400; n++) {
      const xml = schemaOf(random);
      assert.deepEqual(readSchema(xml, 'data_schema.xml'), domReading(xml), `schema: ${JSON.stringify(xml)}`);
    }
  });

  it('refuses what is not a well-formed schema, saying what is wrong with it', () => {
    const cases: Array<[string, RegExp]> = [
      [
        '<entities><entity name="a"></entities>',
        /^data_schema\.xml is not well-formed XML: end tag <\/entities> does not match <entity>\.$/,
      ],
      ['<entities><entity name="a">', /^data_schema\.xml is not well-formed XML: unclosed tag: entity\.$/],
      ['<!DOCTYPE x [<!ENTITY e "x">]><entities/>', /^data_schema\.xml declares a DOCTYPE, which Configuration Migration files never do/],
      ['<solution/>', /^data_schema\.xml is not a Configuration Migration schema \(its root is <solution>, not <entities>\)\.$/],
      ['<entities><entity displayname="A"/></entities>', /^data_schema\.xml: an <entity> has no name\.$/],
      ['<entities><entity name="a" name="b"/></entities>', /^data_schema\.xml is not well-formed XML: attribute name is given twice\.$/],
    ];
    for (const [xml, message] of cases) assert.throws(() => readSchema(xml, 'data_schema.xml'), { message }, xml);
  });
});
