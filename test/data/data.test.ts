import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { dataTables, manyToMany } from '../../src/sandbox/dataTables';
import { ZipReader } from '../../src/solutions/zipReader';
import { writeZip } from '../../src/solutions/zipWriter';
import { text } from '../helpers';
import { environmentByName, structured, withHarness, type Harness } from '../lifecycle/harness';

const SCHEMA = `<?xml version="1.0" encoding="utf-8"?>
<entities>
  <entity name="account" displayname="Account" etc="1" primaryidfield="accountid" primarynamefield="name" disableplugins="false">
    <fields>
      <field displayname="Account" name="accountid" type="guid" primaryKey="true" />
      <field displayname="Account Name" name="name" type="string" />
      <field displayname="Employees" name="numberofemployees" type="number" />
      <field displayname="Email opt-out" name="donotemail" type="bool" />
      <field displayname="Primary Contact" name="primarycontactid" type="entityreference" lookupType="contact" />
    </fields>
  </entity>
  <entity name="contact" displayname="Contact" etc="2" primaryidfield="contactid" primarynamefield="fullname" disableplugins="false">
    <fields>
      <field displayname="Contact" name="contactid" type="guid" primaryKey="true" />
      <field displayname="Last Name" name="lastname" type="string" />
      <field displayname="Company Name" name="parentcustomerid" type="entityreference" lookupType="account|contact" />
    </fields>
  </entity>
  <entityImportOrder><entityName>account</entityName><entityName>contact</entityName></entityImportOrder>
</entities>`;

const id = (prefix: string, n: number) => `${prefix}${String(n).padStart(7, '0')}-0000-4000-8000-000000000000`;

/** A data file as the Configuration Migration tool writes one, with `accounts` accounts, each with a contact that points back at it. */
function dataXml(accounts: number, broken: Record<number, string> = {}): string {
  const account = (n: number) =>
    `<record id="${id('a', n)}"><field name="name" value="Bulk Account ${n}" /><field name="numberofemployees" value="${broken[n] ?? n}" /><field name="donotemail" value="False" /><field name="primarycontactid" value="${id('c', n)}" lookupentity="contact" lookupentityname="Contact ${n}" /></record>`;
  const contact = (n: number) => `<record id="${id('c', n)}"><field name="lastname" value="Contact ${n}" /><field name="parentcustomerid" value="${id('a', n)}" lookupentity="account" lookupentityname="Bulk Account ${n}" /></record>`;
  const range = Array.from({ length: accounts }, (_, i) => i + 1);
  return `<?xml version="1.0" encoding="utf-8"?><entities timestamp="2026-11-24T00:00:00Z"><entity name="account" displayname="Account"><records>${range.map(account).join('')}</records><m2mrelationships /></entity><entity name="contact" displayname="Contact"><records>${range.map(contact).join('')}</records><m2mrelationships /></entity></entities>`;
}

describe('pp_export_data and pp_import_data through an MCP client', () => {
  let work: string;
  before(() => {
    work = mkdtempSync(join(tmpdir(), 'power-agent-data-'));
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  const session = (h: Harness) => h.connect(['--allowed-folders', work]);

  it('imports a Configuration Migration file with lookups in both directions, keeping ids, then exports it again page by page', async () => {
    await withHarness(async (h) => {
      await writeZip(join(work, 'cmt.zip'), [{ name: 'data_schema.xml', data: Buffer.from(SCHEMA) }, { name: 'data.xml', data: Buffer.from(dataXml(6000)) }]);
      const cli = await session(h);
      const imported = await h.call(cli, 'pp_import_data', { environment: 'Contoso Test', dataFile: 'cmt.zip', batchSize: 1000 });
      assert.equal(imported.isError, undefined, text(imported));
      assert.deepEqual(structured(imported).entities, [{ name: 'account', records: 6000, imported: 6000, failed: 0 }, { name: 'contact', records: 6000, imported: 6000, failed: 0 }]);
      assert.equal(structured(imported).requests, 24, 'two passes of 6 batches for each table');
      const tables = dataTables(environmentByName(h.sandbox, 'Contoso Test')!.org!);
      assert.equal(tables.get('account')!.rows.get(id('a', 42))!.primarycontactid, id('c', 42), 'an account points at a contact imported after it');
      assert.equal(tables.get('contact')!.rows.get(id('c', 42))!.parentcustomerid, id('a', 42));

      writeFileSync(join(work, 'schema.xml'), SCHEMA);
      const bySchema = await h.call(cli, 'pp_export_data', { environment: 'Contoso Test', schemaFile: 'schema.xml', dataFile: 'by-schema.zip' });
      assert.equal(bySchema.isError, undefined, text(bySchema));
      assert.deepEqual(structured(bySchema).requests, 3 + 2 + 3 + 2, 'metadata and two pages of 5000 for each table');
      const schemaZip = await ZipReader.open(join(work, 'by-schema.zip'));
      const schemaData = (await schemaZip.read('data.xml')).toString('utf8');
      schemaZip.close();
      assert.doesNotMatch(schemaData, /name="accountnumber"/, 'only the columns the schema names');
      const byTables = await h.call(cli, 'pp_export_data', { environment: 'Contoso Test', tables: [{ table: 'account', columns: ['name', 'numberofemployees', 'primarycontactid'] }, { table: 'contact' }], dataFile: 'out.zip' });
      assert.equal(byTables.isError, undefined, text(byTables));
      assert.deepEqual(structured(byTables).entities, [{ name: 'account', records: 6003 }, { name: 'contact', records: 6003 }]);
      const zip = await ZipReader.open(join(work, 'out.zip'));
      const data = (await zip.read('data.xml')).toString('utf8');
      const schema = (await zip.read('data_schema.xml')).toString('utf8');
      zip.close();
      assert.match(schema, /<field displayname="primarycontactid" name="primarycontactid" type="entityreference" lookupType="contact" \/>/);
      assert.match(data, new RegExp(`<record id="${id('c', 7)}">[\\s\\S]*?<field name="parentcustomerid" value="${id('a', 7)}" lookupentity="account" lookupentityname="Bulk Account 7" />`));

      const again = await h.call(cli, 'pp_import_data', { environment: 'Contoso Dev', dataFile: 'out.zip' });
      assert.equal(again.isError, undefined, text(again));
      assert.equal(dataTables(environmentByName(h.sandbox, 'Contoso Dev')!.org!).get('contact')!.rows.size, 6003, 'the seeded records were updated, the others created');
    });
  });

  it('imports every record it can and lists the ones refused, with the reason', async () => {
    await withHarness(async (h) => {
      await writeZip(join(work, 'broken.zip'), [{ name: 'data_schema.xml', data: Buffer.from(SCHEMA) }, { name: 'data.xml', data: Buffer.from(dataXml(200, { 17: 'many', 150: '2.5' }).replace(`<field name="lastname" value="Contact 99" />`, '')) }]);
      const cli = await session(h);
      const result = await h.call(cli, 'pp_import_data', { environment: 'Contoso Test', dataFile: 'broken.zip', batchSize: 50 });
      assert.equal(result.isError, true);
      const failures = structured(result).failures as Array<{ table: string; id: string; message: string }>;
      // Refused: two accounts with bad numbers (found here) and a contact without a last name (refused by the service);
      // then the records that point at them are written without those lookups, and say so.
      assert.deepEqual(failures.map((f) => `${f.table} ${f.id}`), [`account ${id('a', 17)}`, `account ${id('a', 150)}`, `contact ${id('c', 99)}`, `account ${id('a', 99)}`, `contact ${id('c', 17)}`, `contact ${id('c', 150)}`]);
      assert.match(failures[0]!.message, /numberofemployees: "many" is not a valid number/);
      assert.match(failures[2]!.message, /lastname is required/);
      assert.match(failures[3]!.message, /^written without its lookups: primarycontactid points at contact c0000099-0000-4000-8000-000000000000, which was not imported$/);
      assert.deepEqual(structured(result).entities.map((e: any) => [e.name, e.imported, e.failed]), [['account', 197, 3], ['contact', 197, 3]]);
      // Fields: 4 account batches; 4 contact batches, the refused one halved down to the bad record (50, 2x25, 2x13, 2x7, 2x4, 2x2, 2x1: 13 requests).
      // Lookups: 4 + 4 batches, the links to records that were not imported left out before sending.
      assert.equal(structured(result).requests, 4 + (3 + 13) + 4 + 4);
      const rows = dataTables(environmentByName(h.sandbox, 'Contoso Test')!.org!);
      assert.ok(rows.get('account')!.rows.has(id('a', 18)) && rows.get('contact')!.rows.has(id('c', 98)), 'the records around the refused ones were written');
      assert.match(text(result), /- contact c0000099-0000-4000-8000-000000000000: .*lastname is required/);
    });
  });

  it('waits out service protection (429 with Retry-After) and imports everything', async () => {
    await withHarness(
      async (h) => {
        await writeZip(join(work, 'throttled.zip'), [{ name: 'data_schema.xml', data: Buffer.from(SCHEMA) }, { name: 'data.xml', data: Buffer.from(dataXml(300)) }]);
        const cli = await session(h);
        const result = await h.call(cli, 'pp_import_data', { environment: 'Contoso Test', dataFile: 'throttled.zip', batchSize: 100 });
        assert.equal(result.isError, undefined, text(result));
        assert.deepEqual(structured(result).entities.map((e: any) => e.imported), [300, 300]);
        const throttled = h.sandbox.requests.filter((r) => r.path.endsWith('UpsertMultiple') && r.status === 429).length;
        assert.equal(throttled, 2, 'the two throttled requests were sent again after Retry-After');
      },
      { faults: [{ kind: 'throttle', path: 'UpsertMultiple', times: 2, retryAfterSeconds: 1 }] },
    );
  });

  it('exports by a schema with FetchXML filters, imports N:N associations after the records, once, and exports them for the relationships a schema names', async () => {
    await withHarness(async (h) => {
      const cli = await session(h);
      writeFileSync(join(work, 'filtered.xml'), SCHEMA.replace('<fields>', '<filter>&lt;fetch&gt;&lt;entity name="account"&gt;&lt;filter&gt;&lt;condition attribute="name" operator="like" value="A%" /&gt;&lt;/filter&gt;&lt;/entity&gt;&lt;/fetch&gt;</filter><fields>'));
      const filtered = await h.call(cli, 'pp_export_data', { environment: 'Contoso Test', schemaFile: 'filtered.xml', dataFile: 'filtered.zip' });
      assert.equal(filtered.isError, undefined, text(filtered));
      assert.deepEqual(structured(filtered).entities, [{ name: 'account', records: 0 }, { name: 'contact', records: 3 }], 'no seeded account starts with A');
      writeFileSync(join(work, 'filtered2.xml'), SCHEMA.replace('<fields>', '<filter>&lt;fetch&gt;&lt;entity name="account"&gt;&lt;filter type="or"&gt;&lt;condition attribute="name" operator="like" value="%Customer 1" /&gt;&lt;condition attribute="numberofemployees" operator="ge" value="30" /&gt;&lt;/filter&gt;&lt;/entity&gt;&lt;/fetch&gt;</filter><fields>'));
      const some = await h.call(cli, 'pp_export_data', { environment: 'Contoso Test', schemaFile: 'filtered2.xml', dataFile: 'filtered2.zip' });
      assert.deepEqual(structured(some).entities[0], { name: 'account', records: 2 }, 'Customer 1 (like) and Customer 3 (30 employees)');
      writeFileSync(join(work, 'broken-filter.xml'), SCHEMA.replace('<fields>', '<filter>&lt;fetch&gt;</filter><fields>'));
      const broken = await h.call(cli, 'pp_export_data', { environment: 'Contoso Test', schemaFile: 'broken-filter.xml', dataFile: 'broken-filter.zip' });
      assert.match(text(broken), /^schemaFile: the filter of account is not valid FetchXML/);

      const gold = '70000000-0000-4000-8000-000000000001';
      const missing = '70000000-0000-4000-8000-000000000009';
      const links = `<m2mrelationships><m2mrelationship sourceid="${id('a', 1)}" targetentityname="contoso_tag" targetentitynameidfield="contoso_tagid" m2mrelationshipname="contoso_account_tag"><targetids><targetid>${gold}</targetid><targetid>${missing}</targetid></targetids></m2mrelationship></m2mrelationships>`;
      const withAssociations = dataXml(2).replace('</records><m2mrelationships /></entity><entity name="contact"', `</records>${links}</entity><entity name="contact"`);
      await writeZip(join(work, 'm2m.zip'), [{ name: 'data_schema.xml', data: Buffer.from(SCHEMA) }, { name: 'data.xml', data: Buffer.from(withAssociations) }]);
      const imported = await h.call(cli, 'pp_import_data', { environment: 'Contoso Test', dataFile: 'm2m.zip' });
      assert.equal(imported.isError, true, 'one link points at a tag that does not exist');
      assert.deepEqual(structured(imported).associations, { created: 1, existing: 0, failed: 1 });
      assert.match(text(imported), new RegExp(`- contoso_account_tag ${id('a', 1)} → ${missing}: contoso_tag With Id = ${missing} Does Not Exist`));
      const relationship = manyToMany(environmentByName(h.sandbox, 'Contoso Test')!.org!)[0]!;
      assert.deepEqual([...relationship.pairs], [`${id('a', 1)}|${gold}`]);
      const again = await h.call(cli, 'pp_import_data', { environment: 'Contoso Test', dataFile: 'm2m.zip' });
      assert.deepEqual(structured(again).associations, { created: 0, existing: 1, failed: 1 }, 'importing twice makes no second link');

      // Exported by a schema that names the relationship, the link comes along and imports elsewhere.
      writeFileSync(join(work, 'm2m-schema.xml'), SCHEMA.replace('</fields>\n  </entity>', '</fields>\n    <relationships><relationship name="contoso_account_tag" manyToMany="true" relatedEntityName="contoso_account_tag" m2mTargetEntity="contoso_tag" m2mTargetEntityPrimaryKey="contoso_tagid" /></relationships>\n  </entity>'));
      const exported = await h.call(cli, 'pp_export_data', { environment: 'Contoso Test', schemaFile: 'm2m-schema.xml', dataFile: 'm2m-out.zip' });
      assert.equal(exported.isError, undefined, text(exported));
      const zip = await ZipReader.open(join(work, 'm2m-out.zip'));
      const xml = (await zip.read('data.xml')).toString('utf8');
      zip.close();
      assert.match(xml, new RegExp(`<m2mrelationship sourceid="${id('a', 1)}" targetentityname="contoso_tag" targetentitynameidfield="contoso_tagid" m2mrelationshipname="contoso_account_tag">\\s*<targetids>\\s*<targetid>${gold}</targetid>`));
      const elsewhere = await h.call(cli, 'pp_import_data', { environment: 'Contoso Dev', dataFile: 'm2m-out.zip' });
      assert.equal(elsewhere.isError, undefined, text(elsewhere));
      assert.deepEqual(structured(elsewhere).associations, { created: 1, existing: 0, failed: 0 });
    });
  });

  it('refuses a file that is not a data zip, and a table the environment does not have', async () => {
    await withHarness(async (h) => {
      await writeZip(join(work, 'plain.zip'), [{ name: 'readme.txt', data: Buffer.from('x') }]);
      const cli = await session(h);
      const plain = await h.call(cli, 'pp_import_data', { environment: 'Contoso Test', dataFile: 'plain.zip' });
      assert.match(text(plain), /^dataFile: plain\.zip is not a Configuration Migration data zip: it needs data_schema\.xml and data\.xml/);
      const table = await h.call(cli, 'pp_export_data', { environment: 'Contoso Test', tables: [{ table: 'contoso_project' }], dataFile: 'x.zip' });
      assert.match(text(table), /No table "contoso_project" exists in this environment/);
    });
  });
});
