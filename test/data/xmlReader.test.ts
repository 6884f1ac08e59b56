import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readDataBatches } from '../../src/data/cmtDataReader';
import type { CmtEvent } from '../../src/data/cmtRecords';
import { XmlTagReader } from '../../src/data/xmlTags';
import { seededRandom } from '../fuzz/generate';
import { readWithSaxes, type ReferenceEvent } from './saxesReader';

/**
 * The data.xml reader against saxes, a conformant XML parser, on seeded random documents shaped like
 * the tool's (entities, records, fields with awkward values, party lists, links, comments, CDATA),
 * whole and then damaged one character at a time, fed in pieces cut anywhere: both must read the
 * same events, or both refuse the document. POWERAGENT_XML_SEED replays a run.
 */
const SEED = Number(process.env.POWERAGENT_XML_SEED) || Math.floor(Math.random() * 2 ** 31);
const DOCUMENTS = 400;
const DAMAGED_PER_DOCUMENT = 8;

type Random = () => number;
const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

const VALUES = [
  'plain',
  'Café &amp; ☕',
  'a &lt;b&gt; &quot;c&quot; &apos;d&apos;',
  'line&#xD;&#xA;break&#x9;tab',
  'literal\ttab and\r\nbreak',
  '&#233;t&#xE9;',
  '> greater',
  "it's",
  '',
  '  spaced  ',
  '1/29/2014 5:00:00 AM',
  '[-1,100000000,100000001,-1]',
  '𝄞 astral',
];
const IDS = ['A0000001-0000-4000-8000-000000000000', '{b0000002-0000-4000-8000-000000000000}', ' c0000003-0000-4000-8000-000000000000 '];
const SPACE = ['', ' ', '  ', '\r\n', '\t'];

function attribute(random: Random, name: string, value: string): string {
  const quote = random() < 0.8 ? '"' : "'";
  const escaped = quote === '"' ? value.replace(/"/g, '&quot;') : value.replace(/'/g, '&apos;');
  return ` ${name}${pick(random, ['=', '=', ' = '])}${quote}${escaped}${quote}`;
}

/** A field exactly as the tool writes one (` name="…" value="…"`, lookups, ` />`), which the reader reads by a quicker path. */
function toolField(random: Random): string {
  let tag = `<field name="${pick(random, ['Name', 'value', 'partyid'])}" value="${pick(random, VALUES).replace(/"/g, '&quot;')}"`;
  if (random() < 0.4) tag += ` lookupentity="${pick(random, ['Account', 'contact'])}"`;
  if (random() < 0.3) tag += ` lookupentityname="${pick(random, VALUES).replace(/"/g, '&quot;')}"`;
  return `${tag} />`;
}

function field(random: Random, withParties: boolean): string {
  if (random() < 0.5) return toolField(random);
  let tag = `<field${attribute(random, 'name', pick(random, ['Name', 'value', 'description', 'partyid']))}${attribute(random, 'value', pick(random, VALUES))}`;
  if (random() < 0.4) tag += attribute(random, 'lookupentity', pick(random, ['Account', 'contact']));
  if (random() < 0.3) tag += attribute(random, 'lookupentityname', pick(random, VALUES));
  if (!withParties || random() < 0.6) return `${tag}${pick(random, SPACE)}/>`;
  const party = `<activitypointerrecords${attribute(random, 'id', pick(random, IDS))}>${field(random, false)}</activitypointerrecords>`;
  return `${tag}>${party}</field${pick(random, SPACE)}>`;
}

function documentOf(random: Random): string {
  const parts: string[] = [];
  if (random() < 0.3) parts.push('<?xml version="1.0" encoding="utf-8"?>');
  parts.push(pick(random, ['', '\uFEFF', '\r\n']));
  parts.push(`<entities${attribute(random, 'timestamp', '2026-01-01T00:00:00Z')}>`);
  for (let e = 0; e < 1 + Math.floor(random() * 3); e++) {
    parts.push(
      `<entity${attribute(random, 'name', pick(random, ['Account', 'contact', 'task']))}${attribute(random, 'displayname', pick(random, VALUES))}><records>`,
    );
    for (let r = 0; r < Math.floor(random() * 4); r++) {
      const fields = Array.from({ length: Math.floor(random() * 4) }, () => field(random, true)).join(pick(random, SPACE));
      parts.push(`<record${attribute(random, 'id', pick(random, IDS))}>${fields}</record>`);
      if (random() < 0.15) parts.push(pick(random, ['<!-- a comment -->', '<?pi data?>', '<!---->']));
    }
    parts.push('</records><m2mrelationships>');
    if (random() < 0.5) {
      const target = random() < 0.3 ? `<![CDATA[${pick(random, IDS)}]]>` : pick(random, IDS);
      parts.push(
        `<m2mrelationship${attribute(random, 'sourceid', pick(random, IDS))}${attribute(random, 'targetentityname', 'Contact')}${attribute(random, 'm2mrelationshipname', 'x_y')}><targetids><targetid>${target}</targetid></targetids></m2mrelationship>`,
      );
    }
    parts.push('</m2mrelationships></entity>');
  }
  parts.push('</entities>', pick(random, ['', '\r\n', '<!-- after -->']));
  return parts.join(pick(random, ['', '\r\n  ']));
}

const DAMAGE = ['<', '>', '&', '"', "'", '/', '=', ' ', 'x', '-', '!', '?', ']', ';', '#'];

function damaged(random: Random, xml: string): string {
  const at = Math.floor(random() * xml.length);
  const roll = random();
  if (roll < 0.4) return xml.slice(0, at) + xml.slice(at + 1);
  if (roll < 0.8) return xml.slice(0, at) + pick(random, DAMAGE) + xml.slice(at);
  return xml.slice(0, at);
}

const normalizeId = (id: string) => id.trim().replace(/[{}]/g, '').toLowerCase();

function referenceForm(events: ReferenceEvent[]): unknown[] {
  return events.map((e) => {
    if (e.kind === 'entity') return e;
    if (e.kind === 'association') return { ...e, sourceId: normalizeId(e.sourceId), targetIds: e.targetIds.map(normalizeId) };
    return {
      kind: 'record',
      entity: e.entity,
      id: normalizeId(e.id),
      fields: e.fields.map((f) => (f.parties ? { ...f, parties: f.parties.map((p) => ({ ...p, id: normalizeId(p.id) })) } : f)),
    };
  });
}

function productForm(events: CmtEvent[]): unknown[] {
  return events.map((e) => {
    if (e.kind === 'entity') return e;
    if (e.kind === 'association') return { kind: 'association', ...e.association };
    return { kind: 'record', entity: e.entity, id: e.record.id, fields: e.record.fields };
  });
}

async function readInPieces(random: Random, xml: string): Promise<unknown[] | 'refused'> {
  const bytes = Buffer.from(xml);
  const pieces: Buffer[] = [];
  for (let at = 0; at < bytes.length;) {
    const size = 1 + Math.floor(random() * 40);
    pieces.push(bytes.subarray(at, at + size));
    at += size;
  }
  const events: CmtEvent[] = [];
  try {
    for await (const batch of readDataBatches(pieces, 'data.xml')) events.push(...batch);
  } catch (error) {
    assert.match(
      (error as Error).message,
      /^data\.xml (is not well-formed XML|declares a DOCTYPE|is not a Configuration Migration data file)/,
    );
    return 'refused';
  }
  return productForm(events);
}

describe('the data.xml reader', () => {
  it(`reads what saxes reads and refuses what it refuses, on random and damaged documents (seed ${SEED})`, async () => {
    const random = seededRandom(SEED);
    let refused = 0;
    for (let d = 0; d < DOCUMENTS; d++) {
      const whole = documentOf(random);
      const documents = [whole, ...Array.from({ length: DAMAGED_PER_DOCUMENT }, () => damaged(random, whole))];
      // As UTF-8 bytes and back: damage that split a surrogate pair leaves the replacement character both readers read.
      for (const xml of documents.map((text) => Buffer.from(text).toString('utf8'))) {
        const expected = readWithSaxes(xml);
        const actual = await readInPieces(random, xml);
        if (expected === 'refused') refused++;
        assert.deepEqual(actual, expected === 'refused' ? 'refused' : referenceForm(expected), `document: ${JSON.stringify(xml)}`);
      }
    }
    // Both outcomes were met often: the damage is neither always harmless nor always fatal.
    const total = DOCUMENTS * (1 + DAMAGED_PER_DOCUMENT);
    assert.ok(refused > total / 10 && refused < total * 0.9, `${refused} of ${total} refused`);
  });

  it('refuses each kind of damage saxes refuses, with what is wrong', async () => {
    const read = async (xml: string) => {
      for await (const _ of readDataBatches([xml], 'data.xml'));
    };
    const cases: Array<[string, RegExp]> = [
      ['<entities><entity></entities>', /end tag <\/entities> does not match <entity>/],
      ['<entities>', /unclosed tag: entities/],
      ['', /no root element/],
      ['<entities/><entities/>', /a second root element/],
      ['<entities a="1" a="2"/>', /attribute a is given twice/],
      ['<entities a="x<y"/>', /holds "<"/],
      ['<entities a=1/>', /is not quoted/],
      ['<entities a="1"b="2"/>', /no space before an attribute/],
      ['<entities>&nbsp;</entities>', /is not a reference XML knows/],
      ['<entities a="&#0;"/>', /is not a character XML allows/],
      ['<entities><!-- a -- b --></entities>', /"--" inside a comment/],
      ['text<entities/>', /text outside the root element/],
      ['<entities/>text', /text outside the root element/],
      ['<entities><1/></entities>', /does not start an element/],
      ['<entities><a b="1"', /ends inside markup/],
      ['<entities>]]></entities>', /"\]\]>" in text/],
      ['<entities/><?xml version="1.0"?>', /XML declaration that is not at the start/],
      ['<entities>\u0001</entities>', /U\+0001, which XML does not allow/],
      ['<entities a="\uFFFE"/>', /U\+FFFE/],
      ['<entities><!-- \u0001 --></entities>', /U\+0001/],
      ['<entities><![CDATA[\u0001]]></entities>', /U\+0001/],
      ['<entities a="\uD800"/>', /U\+D800/],
      ['<entities><a\u037E/></entities>', /no space before an attribute/],
      ['<entities><\u0300/></entities>', /does not start an element/],
      ['<entities><\u3000/></entities>', /does not start an element/],
      ['<entities><a\u{F0000}/></entities>', /no space before an attribute/],
    ];
    for (const [xml, message] of cases) {
      assert.equal(readWithSaxes(xml), 'refused', `saxes refuses ${xml}`);
      await assert.rejects(read(xml), message, xml);
    }
    // Names beyond ASCII that XML allows are read, a character beyond the BMP as well.
    assert.notEqual(readWithSaxes('<entities><\u00E9l\u0300\u{10000}/></entities>'), 'refused');
    await read('<entities><\u00E9l\u0300\u{10000}/></entities>');
  });

  it('refuses quick tags whose pattern is not sticky, which would match a later tag', () => {
    const handler = { open() {}, close() {}, text() {}, takeQuick() {} };
    assert.throws(() => new XmlTagReader({ ...handler, quick: [{ pattern: /<a\/>/g }] }), /sticky/);
    assert.doesNotThrow(() => new XmlTagReader({ ...handler, quick: [{ pattern: /<a\/>/y }] }));
  });

  it('reads only XML 1.0, which the tool writes, and says so of XML 1.1 (which saxes reads by its own rules)', async () => {
    const read = async (xml: string) => {
      for await (const _ of readDataBatches([xml], 'data.xml'));
    };
    await read('<?xml version="1.0" encoding="utf-8"?><entities/>');
    await assert.rejects(
      read('<?xml version="1.1"?><entities/>'),
      /data\.xml is not well-formed XML: the document is XML 1\.1; only XML 1\.0/,
    );
  });

  it('reads a value far longer than a chunk in time that grows with its length, not its square', async () => {
    // A 4 MB attachment inline in value="…", as the tool writes documentbody, in 1 KB pieces: read
    // again from its start for each piece, it would take minutes.
    const value = 'QUJD'.repeat(1 << 20);
    const xml = Buffer.from(
      `<entities><entity name="annotation"><records><record id="a0000001-0000-4000-8000-000000000000"><field name="documentbody" value="${value}" /></record></records></entity></entities>`,
    );
    const pieces = Array.from({ length: Math.ceil(xml.length / 1024) }, (_, i) => xml.subarray(i * 1024, (i + 1) * 1024));
    const started = performance.now();
    const events: CmtEvent[] = [];
    for await (const batch of readDataBatches(pieces, 'data.xml')) events.push(...batch);
    const ms = performance.now() - started;
    const record = events.find((e) => e.kind === 'record') as Extract<CmtEvent, { kind: 'record' }>;
    assert.equal(record.record.fields[0]!.value.length, value.length);
    assert.ok(ms < 3000, `${Math.round(ms)} ms`);
  });
});
