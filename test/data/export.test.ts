import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { text } from '../helpers';
import { dataTables, manyToMany } from '../../src/sandbox/dataTables';
import { buildTables } from './buildTables';
import { parseCmt, readCmtFiles } from './cmtFiles';
import { ACCOUNT, CONTACT, accountsAndContacts, dataXml, id, schemaXml, writeDataFile, type TestEntity, type TestField } from './files';
import { structured, withData, type DataHarness } from './harness';

/** A table with a column of every type the format has, made through the metadata API, and three of its records imported. */
const ITEM: TestEntity = {
  name: 'contoso_item',
  primaryname: 'contoso_name',
  fields: [
    ['contoso_itemid', 'guid'],
    ['contoso_name', 'string'],
    ['contoso_notes', 'memo'],
    ['contoso_count', 'number'],
    ['contoso_ratio', 'decimal'],
    ['contoso_score', 'float'],
    ['contoso_price', 'money'],
    ['contoso_active', 'bool'],
    ['contoso_due', 'datetime'],
    ['contoso_day', 'datetime'],
    ['contoso_kind', 'optionsetvalue'],
    ['contoso_tags', 'optionsetvaluecollection'],
    ['contoso_account', 'entityreference', 'account'],
    ['contoso_customer', 'entityreference', 'account|contact'],
    ['contoso_subject', 'entityreference', 'account|contact|contoso_tag'],
    ['contoso_key', 'guid'],
    ['entityimage', 'imagedata'],
    ['ownerid', 'owner'],
    ['statecode', 'state'],
    ['statuscode', 'status'],
  ],
};

/** Accounts with their name alone. */
const NAMED_ACCOUNT: TestEntity = {
  name: 'account',
  primaryname: 'name',
  fields: [
    ['accountid', 'guid'],
    ['name', 'string'],
  ],
};

/** A schema with a FetchXML filter (escaped as the file holds it) on its first table. */
function withFilter(schema: string, filter: string): string {
  return schema.replace('    <fields>', `    <filter>${filter}</filter>\r\n    <fields>`);
}

const TAG: TestEntity = {
  name: 'contoso_tag',
  primaryname: 'contoso_name',
  fields: [
    ['contoso_tagid', 'guid'],
    ['contoso_name', 'string'],
  ],
};

async function itemsImported(h: DataHarness): Promise<string> {
  const me = h.org().users.find((u) => u.applicationid)!;
  const item = (n: number, extra: Array<[string, string] | [string, string, string] | [string, string, string, string]>) => ({
    id: id('b', n),
    fields: [
      ['contoso_itemid', id('b', n)],
      ['contoso_name', `Item ${n}`],
      ['ownerid', me.systemuserid, 'systemuser', me.fullname],
      ...extra,
    ] as Array<[string, string]>,
  });
  const data = dataXml([
    { entity: 'account', records: [{ id: id('a', 1), fields: [['name', 'Fabrikam']] }] },
    { entity: 'contact', records: [{ id: id('c', 1), fields: [['lastname', 'Doe']] }] },
    {
      entity: 'contoso_item',
      records: [
        item(1, [
          ['contoso_notes', 'line one\r\nline "two" & <three>'],
          ['contoso_count', '42'],
          ['contoso_ratio', '0.2500000000'],
          ['contoso_score', '1234.5'],
          ['contoso_price', '12.5000'],
          ['contoso_active', 'True'],
          ['contoso_due', '2024-03-01T10:15:00.0000000Z'],
          ['contoso_day', '2024-03-01T00:00:00.0000000'],
          ['contoso_kind', '100000001'],
          ['contoso_tags', '[-1,100000001,100000003,-1]'],
          ['contoso_account', id('a', 1), 'account', 'Fabrikam'],
          ['contoso_customer', id('c', 1), 'contact', 'Doe'],
          ['contoso_subject', id('a', 1), 'account', 'Fabrikam'],
          ['contoso_key', 'F0000000-0000-4000-8000-00000000000A'],
          ['entityimage', 'iVBORw0KGgo='],
          ['statecode', '1'],
          ['statuscode', '2'],
        ]),
        item(2, [
          ['contoso_active', 'False'],
          ['contoso_tags', '[-1,100000002,-1]'],
          ['contoso_kind', '100000002'],
          ['contoso_day', '2024-12-31T00:00:00.0000000'],
        ]),
        item(3, [
          ['contoso_due', '1/29/2014 5:00:00 AM'],
          ['contoso_subject', id('c', 1), 'contact', 'Doe'],
        ]),
      ],
    },
  ]);
  const schema = schemaXml([
    {
      name: 'account',
      primaryname: 'name',
      fields: [
        ['accountid', 'guid'],
        ['name', 'string'],
      ],
    },
    {
      name: 'contact',
      primaryname: 'fullname',
      fields: [
        ['contactid', 'guid'],
        ['lastname', 'string'],
      ],
    },
    ITEM,
  ]);
  await buildTables(h.dv(), h.services.http, {
    schemaBytes: Buffer.from(schema),
    dataBytes: Buffer.from(data),
    ...parseCmt(Buffer.from(schema), Buffer.from(data)),
  });
  const file = await writeDataFile(h.work, 'items.zip', schema, data);
  const result = await h.call('pp_import_data', { dataFile: file });
  assert.equal(result.isError, undefined, text(result));
  return schema;
}

describe('pp_export_data', () => {
  it('writes every field type as the Configuration Migration tool does, the primary key field in each record', async () => {
    await withData(async (h) => {
      await itemsImported(h);
      const me = h.org().users.find((u) => u.applicationid)!;
      const result = await h.call('pp_export_data', { tables: [{ table: 'contoso_item' }], dataFile: join(h.work, 'out.zip') });
      assert.equal(result.isError, undefined, text(result));
      const data = (await readCmtFiles(join(h.work, 'out.zip'))).dataBytes.toString('utf8');
      const record = (n: number) => new RegExp(`<record id="${id('b', n)}">([\\s\\S]*?)</record>`).exec(data)![1]!;
      const one = record(1);
      for (const line of [
        `<field name="contoso_itemid" value="${id('b', 1)}" />`,
        '<field name="contoso_notes" value="line one&#xD;&#xA;line &quot;two&quot; &amp; &lt;three&gt;" />',
        '<field name="contoso_count" value="42" />',
        '<field name="contoso_ratio" value="0.2500000000" />',
        '<field name="contoso_score" value="1234.5" />',
        '<field name="contoso_price" value="12.5000" />',
        '<field name="contoso_active" value="True" />',
        '<field name="contoso_due" value="2024-03-01T10:15:00.0000000Z" />',
        '<field name="contoso_day" value="2024-03-01T00:00:00.0000000" />',
        '<field name="contoso_kind" value="100000001" />',
        '<field name="contoso_tags" value="[-1,100000001,100000003,-1]" />',
        `<field name="contoso_account" value="${id('a', 1)}" lookupentity="account" lookupentityname="Fabrikam" />`,
        `<field name="contoso_customer" value="${id('c', 1)}" lookupentity="contact" lookupentityname="Doe" />`,
        `<field name="contoso_subject" value="${id('a', 1)}" lookupentity="account" lookupentityname="Fabrikam" />`,
        '<field name="contoso_key" value="f0000000-0000-4000-8000-00000000000a" />',
        '<field name="entityimage" value="iVBORw0KGgo=" />',
        `<field name="ownerid" value="${me.systemuserid}" lookupentity="systemuser" lookupentityname="${me.fullname}" />`,
        '<field name="statecode" value="1" />',
        '<field name="statuscode" value="2" />',
      ]) {
        assert.ok(one.includes(line), `record 1 has ${line}\n${one}`);
      }
      assert.ok(record(2).includes('<field name="contoso_active" value="False" />'));
      assert.ok(
        record(3).includes('<field name="contoso_due" value="2014-01-29T05:00:00.0000000Z" />'),
        'a US-culture date comes back in ISO form',
      );
      assert.ok(record(3).includes(`<field name="contoso_subject" value="${id('c', 1)}" lookupentity="contact" lookupentityname="Doe" />`));
      assert.match(
        data,
        /^\r\n<entities xmlns:xsd="http:\/\/www\.w3\.org\/2001\/XMLSchema" xmlns:xsi="http:\/\/www\.w3\.org\/2001\/XMLSchema-instance" timestamp="[^"]+">\r\n {2}<entity name="contoso_item" displayname="contoso_item">\r\n {4}<records>\r\n {6}<record id=/,
      );
      assert.match(data, /<\/records>\r\n {4}<m2mrelationships \/>\r\n {2}<\/entity>\r\n<\/entities>$/);
    });
  });

  it('writes the schema with every attribute the tool writes, fields by display name, and the tool’s [Content_Types].xml and member order', async () => {
    await withData(async (h) => {
      await itemsImported(h);
      const result = await h.call('pp_export_data', {
        tables: [
          { table: 'contoso_item' },
          { table: 'account', columns: ['name', 'primarycontactid'], relationships: ['contoso_account_tag'] },
        ],
        dataFile: join(h.work, 'schema.zip'),
      });
      assert.equal(result.isError, undefined, text(result));
      const files = await readCmtFiles(join(h.work, 'schema.zip'));
      assert.deepEqual(files.members, ['data.xml', 'data_schema.xml', '[Content_Types].xml']);
      assert.equal(
        files.contentTypes!.toString('utf8'),
        '\uFEFF<?xml version="1.0" encoding="utf-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/octet-stream" /></Types>',
      );
      const schema = files.schemaBytes.toString('utf8');
      assert.match(
        schema,
        /^<entities >\r\n {2}<entity name="contoso_item" displayname="contoso_item" etc="\d+" primaryidfield="contoso_itemid" primarynamefield="contoso_name" disableplugins="false">\r\n {4}<fields>\r\n/,
      );
      for (const line of [
        '<field displayname="contoso_customer" name="contoso_customer" type="entityreference" lookupType="account|contact" customfield="true" />',
        '<field displayname="contoso_subject" name="contoso_subject" type="entityreference" lookupType="account|contact|contoso_tag" customfield="true" />',
        '<field displayname="contoso_notes" name="contoso_notes" type="string" customfield="true" />',
        '<field displayname="contoso_tags" name="contoso_tags" type="optionsetvaluecollection" customfield="true" />',
        '<field displayname="entityimage" name="entityimage" type="imagedata" customfield="true" />',
        '<field displayname="ownerid" name="ownerid" type="owner" />',
        '<field displayname="Owning User" name="owninguser" type="entityreference" lookupType="systemuser" />',
        '<field displayname="contoso_itemid" name="contoso_itemid" type="guid" primaryKey="true" />',
        '<field displayname="statuscode" name="statuscode" type="status" />',
        '<field displayname="Version Number" name="versionnumber" type="bigint" />',
        '<entity name="account" displayname="Account" etc="1" primaryidfield="accountid" primarynamefield="name" disableplugins="false">',
        '<field displayname="Primary Contact" name="primarycontactid" type="entityreference" lookupType="contact" />',
        '<relationship name="contoso_account_tag" manyToMany="true" isreflexive="false" relatedEntityName="contoso_account_tag" m2mTargetEntity="contoso_tag" m2mTargetEntityPrimaryKey="contoso_tagid" />',
      ]) {
        assert.ok(schema.includes(line), `the schema has ${line}`);
      }
      const names = [...schema.matchAll(/<field displayname="([^"]*)"/g)].map((m) => m[1]!).slice(0, 30);
      const sorted = [...names].sort((a, b) => a.localeCompare(b, 'en-US', { ignorePunctuation: true }));
      assert.deepEqual(names, sorted, 'fields in display-name order');
      assert.doesNotMatch(schema, /[^\r]\n/, 'CRLF line ends');
    });
  });

  it('keeps a given schema byte for byte and applies its FetchXML filters', async () => {
    await withData(async (h) => {
      await writeDataFile(h.work, 'seed.zip', schemaXml([ACCOUNT, CONTACT]), dataXml(accountsAndContacts(30)));
      await h.call('pp_import_data', { dataFile: join(h.work, 'seed.zip') });
      const filter =
        '&lt;fetch&gt;&lt;entity name="account"&gt;&lt;filter type="or"&gt;&lt;condition attribute="name" operator="like" value="%Account 1" /&gt;&lt;condition attribute="numberofemployees" operator="ge" value="29" /&gt;&lt;/filter&gt;&lt;/entity&gt;&lt;/fetch&gt;';
      const schema = withFilter(schemaXml([ACCOUNT, CONTACT]), filter);
      writeFileSync(join(h.work, 'given.xml'), schema);
      const result = await h.call('pp_export_data', { schemaFile: join(h.work, 'given.xml'), dataFile: join(h.work, 'given.zip') });
      assert.equal(result.isError, undefined, text(result));
      assert.deepEqual(
        structured(result).entities,
        [
          { name: 'account', records: 3 },
          { name: 'contact', records: 30 },
        ],
        'Account 1, 29 and 30',
      );
      const files = await readCmtFiles(join(h.work, 'given.zip'));
      assert.equal(files.schemaBytes.toString('utf8'), schema);
      writeFileSync(join(h.work, 'broken.xml'), schema.replace(filter, '&lt;fetch&gt;'));
      assert.match(
        text(await h.call('pp_export_data', { schemaFile: join(h.work, 'broken.xml'), dataFile: join(h.work, 'broken.zip') })),
        /^schemaFile: the filter of account is not valid FetchXML/,
      );
    });
  });

  it('pages the records of a schema filter past the 50,000 of page numbers alone, with the paging cookie', async () => {
    await withData(async (h) => {
      // The service's 50,000, lowered to 10,000 here.
      h.org().simplePagingLimit = 10_000;
      const accounts = dataTables(h.org()).get('account')!;
      const template = [...accounts.rows.values()][0]!;
      for (let n = 1; n <= 10_100; n++) accounts.rows.set(id('b', n), { ...template, accountid: id('b', n), name: `Bulk ${n}` });
      const filter =
        '&lt;fetch&gt;&lt;entity name="account"&gt;&lt;filter&gt;&lt;condition attribute="name" operator="like" value="Bulk %" /&gt;&lt;/filter&gt;&lt;/entity&gt;&lt;/fetch&gt;';
      const account = NAMED_ACCOUNT;
      writeFileSync(join(h.work, 'bulk.xml'), withFilter(schemaXml([account]), filter));
      h.sandbox.requests.length = 0;
      const result = await h.call('pp_export_data', { schemaFile: join(h.work, 'bulk.xml'), dataFile: join(h.work, 'bulk.zip') });
      assert.equal(result.isError, undefined, text(result));
      assert.deepEqual(structured(result).entities, [{ name: 'account', records: 10_100 }]);
      // Three pages, the last past the limit: the sandbox, like Dataverse, refuses it by page number alone.
      assert.deepEqual(
        h.sandbox.requests.filter((r) => r.path.endsWith('/accounts')).map((r) => r.status),
        [200, 200, 200],
      );
      const ids = new Set((await readCmtFiles(join(h.work, 'bulk.zip'))).records.map((r) => r.id));
      assert.equal(ids.size, 10_100);
    });
  });

  it('refuses, before writing anything, a filter past 50,000 records that the service gives no paging cookie for', async () => {
    await withData(async (h) => {
      const accounts = dataTables(h.org()).get('account')!;
      const template = [...accounts.rows.values()][0]!;
      for (let n = 1; n <= 50_100; n++) accounts.rows.set(id('b', n), { ...template, accountid: id('b', n), name: `Bulk ${n}` });
      // Ordered by a column of a linked table: Dataverse gives no paging cookie for such a query.
      const filter =
        '&lt;fetch&gt;&lt;entity name="account"&gt;' +
        '&lt;link-entity name="contact" from="contactid" to="primarycontactid" link-type="outer"&gt;' +
        '&lt;order attribute="fullname" /&gt;&lt;/link-entity&gt;&lt;/entity&gt;&lt;/fetch&gt;';
      writeFileSync(join(h.work, 'linked.xml'), withFilter(schemaXml([NAMED_ACCOUNT]), filter));
      h.sandbox.requests.length = 0;
      const dataFile = join(h.work, 'linked.zip');
      const result = await h.call('pp_export_data', { schemaFile: join(h.work, 'linked.xml'), dataFile });
      assert.equal(result.isError, true);
      assert.match(
        text(result),
        new RegExp(
          '^schemaFile: the filter of account matches more than 50,000 records, and Dataverse gave no paging cookie ' +
            'for it, .*Nothing was exported\\..*order it by the columns of the table itself',
          's',
        ),
      );
      // Ten pages by number alone (50,000 records), then it stops rather than ask for an eleventh, which the service refuses.
      assert.deepEqual(
        h.sandbox.requests.filter((r) => r.path.endsWith('/accounts')).map((r) => r.status),
        Array<number>(10).fill(200),
      );
      assert.equal(existsSync(dataFile), false, 'no partial data file is left');
    });
  });

  it('waits out throttling within its time budget, past the HTTP client’s own attempts', async () => {
    await withData(async (h) => {
      const accounts = '/api/data/v9.2/accounts';
      h.sandbox.faults.add({ kind: 'throttle', path: accounts, times: 6, retryAfterSeconds: 0 });
      const from = h.sandbox.requests.length;
      const dataFile = join(h.work, 'waited.zip');
      const result = await h.call('pp_export_data', { tables: [{ table: 'account', columns: ['accountid', 'name'] }], dataFile });
      assert.equal(result.isError, undefined, text(result));
      const pages = h.sandbox.requests.slice(from).filter((r) => r.path.endsWith(accounts));
      assert.deepEqual(
        pages.map((r) => r.status),
        [...Array<number>(6).fill(429), 200],
      );
      assert.ok(existsSync(dataFile));
    });
  });

  it('gives up at once, saying what to do, when the service asks to wait past the time budget and the client’s 2 minutes', async () => {
    await withData(async (h) => {
      h.sandbox.faults.add({ kind: 'throttle', path: '/api/data/v9.2/accounts', times: 1, retryAfterSeconds: 600 });
      const dataFile = join(h.work, 'throttled.zip');
      const started = Date.now();
      const result = await h.call('pp_export_data', {
        tables: [{ table: 'account', columns: ['accountid', 'name'] }],
        dataFile,
        timeBudgetSeconds: 5,
      });
      assert.equal(result.isError, true);
      assert.match(
        text(result),
        new RegExp(
          '^Dataverse throttled the export for longer than its time budget \\(timeBudgetSeconds: 5\\)\\. ' +
            'It asks to wait 600 s\\. Correlation id [0-9a-f-]{36}\\. Nothing was exported\\..*larger timeBudgetSeconds',
          's',
        ),
      );
      assert.ok(Date.now() - started < 4000, 'it did not wait for a Retry-After past its budget');
      assert.equal(existsSync(dataFile), false);
    });
  });

  it('exports the N:N links of the relationships asked for, which import into another environment', async () => {
    await withData(async (h) => {
      const tag = TAG;
      const account = { ...ACCOUNT, relationships: [{ name: 'contoso_account_tag', target: 'contoso_tag' }] };
      const data = dataXml([
        {
          entity: 'contoso_tag',
          records: [1, 2].map((n) => ({ id: id('e', n), fields: [['contoso_name', `Tag ${n}`]] as Array<[string, string]> })),
        },
        {
          entity: 'account',
          records: [{ id: id('a', 1), fields: [['name', 'Tagged']] }],
          links: [{ source: id('a', 1), relationship: 'contoso_account_tag', target: 'contoso_tag', targetIds: [id('e', 1), id('e', 2)] }],
        },
      ]);
      await writeDataFile(h.work, 'tags.zip', schemaXml([tag, account]), data);
      assert.deepEqual(structured(await h.call('pp_import_data', { dataFile: join(h.work, 'tags.zip') })).associations, {
        created: 2,
        existing: 0,
        failed: 0,
      });
      const exported = await h.call('pp_export_data', {
        tables: [{ table: 'contoso_tag' }, { table: 'account', columns: ['name'], relationships: ['contoso_account_tag'] }],
        dataFile: join(h.work, 'links.zip'),
      });
      assert.equal(exported.isError, undefined, text(exported));
      const files = await readCmtFiles(join(h.work, 'links.zip'));
      assert.deepEqual(files.links, [
        {
          entity: 'account',
          sourceId: id('a', 1),
          relationship: 'contoso_account_tag',
          targetEntity: 'contoso_tag',
          targetIds: [id('e', 1), id('e', 2)],
        },
      ]);
      const elsewhere = await h.call('pp_import_data', { dataFile: join(h.work, 'links.zip'), environment: h.url('Contoso Dev') });
      assert.deepEqual(structured(elsewhere).associations, { created: 2, existing: 0, failed: 0 }, text(elsewhere));
    });
  });

  it('reads the links of many records from the intersect tables a page at a time, a table linked with itself included', async () => {
    await withData(async (h) => {
      const count = 120;
      const tag = { ...TAG };
      const account: TestEntity = {
        ...NAMED_ACCOUNT,
        relationships: [
          { name: 'contoso_account_tag', target: 'contoso_tag' },
          { name: 'contoso_account_partner', target: 'account', reflexive: true },
        ],
      };
      // Every third account has no tag; each has the next account as a partner, the last none.
      const links = Array.from({ length: count }, (_, i) => i + 1).flatMap((n) => [
        ...(n % 3
          ? [{ source: id('a', n), relationship: 'contoso_account_tag', target: 'contoso_tag', targetIds: [id('e', 1 + (n % 2))] }]
          : []),
        ...(n < count
          ? [{ source: id('a', n), relationship: 'contoso_account_partner', target: 'account', targetIds: [id('a', n + 1)] }]
          : []),
      ]);
      const schema = schemaXml([tag, account]);
      const data = dataXml([
        { entity: 'contoso_tag', records: [1, 2].map((n) => ({ id: id('e', n), fields: [['contoso_name', `Tag ${n}`]] as TestField[] })) },
        {
          entity: 'account',
          records: Array.from({ length: count }, (_, i) => ({ id: id('a', i + 1), fields: [['name', `Account ${i + 1}`]] as TestField[] })),
          links,
        },
      ]);
      await writeDataFile(h.work, 'partners.zip', schema, data);
      await buildTables(h.dv(), h.services.http, {
        schemaBytes: Buffer.from(schema),
        dataBytes: Buffer.from(data),
        ...parseCmt(Buffer.from(schema), Buffer.from(data)),
      });
      const imported = await h.call('pp_import_data', { dataFile: join(h.work, 'partners.zip') });
      assert.equal(structured(imported).associations.created, links.length, text(imported));

      const pairs = (file: Awaited<ReturnType<typeof readCmtFiles>>) =>
        file.links.flatMap((l) => l.targetIds.map((t) => `${l.relationship} ${l.sourceId} ${t}`)).sort();
      const wanted = links.flatMap((l) => l.targetIds.map((t) => `${l.relationship} ${l.source} ${t}`)).sort();
      const exportLinks = async (file: string) => {
        h.sandbox.requests.length = 0;
        const exported = await h.call('pp_export_data', {
          tables: [{ table: 'account', columns: ['name'], relationships: ['contoso_account_tag', 'contoso_account_partner'] }],
          dataFile: join(h.work, file),
        });
        assert.equal(exported.isError, undefined, text(exported));
        const perRecord = h.sandbox.requests.filter((r) => /accounts\([0-9a-f-]{36}\)\//.test(r.path)).length;
        const intersect = h.sandbox.requests.filter((r) => /collection$/.test(r.path));
        return { files: await readCmtFiles(join(h.work, file)), perRecord, intersect, requests: structured(exported).requests };
      };

      const paged = await exportLinks('paged.zip');
      assert.deepEqual(pairs(paged.files), wanted);
      assert.equal(paged.perRecord, 0, 'no record read one at a time');
      assert.deepEqual(
        paged.intersect.map((r) => `${r.status} ${r.path.split('/').pop()}`),
        ['200 contoso_account_tagcollection', '200 contoso_account_partnercollection'],
      );
      // The records in file order, each with its links; a table with itself keeps the direction given.
      assert.deepEqual(
        paged.files.links
          .filter((l) => l.relationship === 'contoso_account_partner')
          .slice(0, 2)
          .map((l) => [l.sourceId, l.targetIds]),
        [
          [id('a', 1), [id('a', 2)]],
          [id('a', 2), [id('a', 3)]],
        ],
      );

      // An environment that refuses the intersect query: each record is read instead, and nothing is lost.
      h.sandbox.faults.add({ kind: 'forbidden', path: 'contoso_account_tagcollection', times: 1 });
      const refused = await exportLinks('refused.zip');
      assert.deepEqual(pairs(refused.files), wanted);
      assert.equal(refused.perRecord, count, 'the tag links of each record, read one at a time');
      assert.deepEqual(
        refused.intersect.map((r) => r.status),
        [403, 200],
      );
      // Counted: the definition and the refused page as before, and one request per record.
      assert.equal(refused.requests - paged.requests, count);

      // A schema's filter exports some of the accounts: only their links are asked for and written.
      const filter =
        '&lt;fetch&gt;&lt;entity name="account"&gt;&lt;filter&gt;&lt;condition attribute="name" operator="like" value="Account 1%" /&gt;&lt;/filter&gt;&lt;/entity&gt;&lt;/fetch&gt;';
      const filtered = withFilter(schemaXml([account]), filter);
      writeFileSync(join(h.work, 'filtered.xml'), filtered);
      const some = await h.call('pp_export_data', { schemaFile: join(h.work, 'filtered.xml'), dataFile: join(h.work, 'some.zip') });
      assert.equal(some.isError, undefined, text(some));
      const exportedIds = new Set((await readCmtFiles(join(h.work, 'some.zip'))).records.map((r) => r.id));
      assert.equal(exportedIds.size, 32, 'Account 1, 10 to 19 and 100 to 120');
      assert.deepEqual(
        pairs(await readCmtFiles(join(h.work, 'some.zip'))),
        wanted.filter((w) => exportedIds.has(w.split(' ')[1]!)),
      );

      // More links than a page holds (5,000): every account a partner of every other, read in three pages.
      const partner = manyToMany(h.org()).find((r) => r.SchemaName === 'contoso_account_partner')!;
      const every: string[] = [];
      for (let a = 1; a <= count; a++)
        for (let b = 1; b <= count; b++) {
          if (a === b) continue;
          partner.pairs.add(`${id('a', a)}|${id('a', b)}`);
          every.push(`contoso_account_partner ${id('a', a)} ${id('a', b)}`);
        }
      const many = await exportLinks('many.zip');
      assert.deepEqual(
        pairs(many.files).filter((p) => p.startsWith('contoso_account_partner ')),
        every.sort(),
      );
      assert.equal(many.intersect.filter((r) => r.path.endsWith('partnercollection')).length, 3);
      // The filtered accounts' links alone are asked for: 3,808 of them, one page.
      h.sandbox.requests.length = 0;
      await h.call('pp_export_data', { schemaFile: join(h.work, 'filtered.xml'), dataFile: join(h.work, 'some-many.zip') });
      assert.equal(h.sandbox.requests.filter((r) => r.path.endsWith('partnercollection')).length, 1);
      assert.equal(
        pairs(await readCmtFiles(join(h.work, 'some-many.zip'))).filter((p) => p.startsWith('contoso_account_partner ')).length,
        32 * (count - 1),
      );

      // Past the rows simple paging can return (the service's 50,000, lowered here to 10,000): the
      // first account's 11,000 partners, read with the paging cookie of each page before.
      h.org().simplePagingLimit = 10_000;
      partner.pairs.clear();
      for (let n = 1; n <= 11_000; n++) partner.pairs.add(`${id('a', 1)}|${id('f', n)}`);
      const partnersOf = (file: Awaited<ReturnType<typeof readCmtFiles>>) =>
        new Set(file.links.find((l) => l.relationship === 'contoso_account_partner')?.targetIds).size;
      const past = await exportLinks('past.zip');
      assert.equal(past.perRecord, 0, 'not read one record at a time');
      assert.deepEqual(
        past.intersect.filter((r) => r.path.endsWith('partnercollection')).map((r) => r.status),
        [200, 200, 200],
      );
      assert.equal(partnersOf(past.files), 11_000);
      // Read a record at a time instead, its related records come in pages too.
      h.sandbox.faults.add({ kind: 'forbidden', path: 'contoso_account_partnercollection', times: 1 });
      const perRecord = await exportLinks('past-per-record.zip');
      assert.equal(perRecord.perRecord, count + 2, 'each record once, and the first account two more pages');
      assert.equal(partnersOf(perRecord.files), 11_000);
    });
  });
});
