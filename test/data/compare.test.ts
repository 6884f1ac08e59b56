import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dataTables, manyToMany } from '../../src/sandbox/dataTables';
import { text } from '../helpers';
import {
  ACCOUNT,
  CONTACT,
  accountsAndContacts,
  dataXml,
  id,
  range,
  schemaXml,
  writeDataFile,
  type TestEntity,
  type TestField,
} from './files';
import { answerLate, createMentorRelationship, structured, withData } from './harness';

/** Accounts matched by name, contacts by last name and account: the tool's "uniqueness condition". */
const ACCOUNT_BY_NAME: TestEntity = { ...ACCOUNT, compare: ['name'] };
const CONTACT_BY_NAME_AND_ACCOUNT: TestEntity = {
  ...CONTACT,
  compare: ['lastname', 'parentcustomerid'],
  relationships: [{ name: 'contoso_contact_mentor', target: 'contact', reflexive: true }],
};

describe('pp_import_data with updateCompare fields', () => {
  it('updates the environment’s record holding the file record’s compare values, under its own id; lookups, links and states follow it', async () => {
    await withData(async (h) => {
      const org = h.org();
      const dv = h.dv();
      await createMentorRelationship(dv);
      const accounts = dataTables(org).get('account')!.rows;
      const contacts = dataTables(org).get('contact')!.rows;
      const seed = (rows: typeof accounts, key: string, n: number, row: Record<string, unknown>) =>
        rows.set(id('e', n), { [key]: id('e', n), statecode: 0, statuscode: 1, ...row });
      seed(accounts, 'accountid', 1, { name: 'Fabrikam', numberofemployees: 5 });
      seed(accounts, 'accountid', 2, { name: 'Twice' });
      seed(accounts, 'accountid', 3, { name: 'twice' });
      seed(accounts, 'accountid', 6, { name: 'Straßburg' });
      // The same last name under another account is another person.
      seed(contacts, 'contactid', 4, { lastname: 'Smith', parentcustomerid: id('e', 1), 'parentcustomerid@table': 'account' });
      seed(contacts, 'contactid', 5, { lastname: 'Smith', parentcustomerid: id('e', 2), 'parentcustomerid@table': 'account' });
      const accountsBefore = accounts.size;
      const data = dataXml([
        {
          entity: 'account',
          records: [
            // Case, accents and trailing spaces aside, as Dataverse compares text.
            {
              id: id('a', 1),
              fields: [
                ['name', 'FÀBRIKAM '],
                ['numberofemployees', '50'],
              ],
            },
            {
              id: id('a', 2),
              fields: [
                ['name', 'New Account'],
                ['numberofemployees', '7'],
              ],
            },
            { id: id('a', 3), fields: [['name', 'Twice']] },
            // ß is ss to the collation.
            { id: id('a', 4), fields: [['name', 'STRASSBURG']] },
            // A second record of the file holding the first one's values.
            { id: id('a', 5), fields: [['name', 'fabrikam']] },
          ],
        },
        {
          entity: 'contact',
          records: [
            {
              id: id('c', 1),
              fields: [
                ['lastname', 'smith'],
                ['parentcustomerid', id('a', 1), 'account', 'Fabrikam'],
                ['statecode', '1'],
                ['statuscode', '2'],
              ],
            },
            {
              id: id('c', 2),
              fields: [
                ['lastname', 'Jones'],
                ['parentcustomerid', id('a', 1), 'account', 'Fabrikam'],
              ],
            },
            {
              id: id('c', 3),
              fields: [
                ['lastname', 'Brown'],
                ['parentcustomerid', id('a', 3), 'account', 'Twice'],
              ],
            },
          ],
          links: [{ source: id('c', 2), relationship: 'contoso_contact_mentor', target: 'contact', targetIds: [id('c', 1)] }],
        },
      ]);
      const file = await writeDataFile(h.work, 'compare.zip', schemaXml([ACCOUNT_BY_NAME, CONTACT_BY_NAME_AND_ACCOUNT]), data);
      const from = h.sandbox.requests.length;
      const result = await h.call('pp_import_data', { dataFile: file });
      const out = structured(result);
      assert.deepEqual(
        out.entities.map((e: any) => [e.name, e.records, e.imported, e.failed, e.matched]),
        [
          ['account', 5, 3, 2, 2],
          ['contact', 3, 2, 1, 1],
        ],
        text(result),
      );
      assert.equal(out.done, true, text(result));

      // The account matched keeps its id and takes the file's values; no account a1 was made.
      assert.equal(accounts.get(id('e', 1))!.numberofemployees, 50);
      assert.equal(accounts.has(id('a', 1)), false);
      assert.equal(accounts.get(id('a', 2))!.name, 'New Account', 'a record matching nothing is created with its own id');
      assert.equal(accounts.has(id('a', 3)), false, 'a record matching two is not imported');
      assert.equal(accounts.has(id('a', 4)), false, 'Straßburg is STRASSBURG');
      assert.equal(accounts.has(id('a', 5)), false);
      assert.equal(accounts.size, accountsBefore + 1);
      const refusal = (n: number) => out.failures.find((f: any) => f.id === id('a', n)).message;
      assert.match(refusal(3), /2 records of this environment \(.*\) have its updateCompare values \(name "Twice"\)/);
      assert.ok(refusal(3).includes(id('e', 2)) && refusal(3).includes(id('e', 3)), 'the refusal names the records');
      assert.match(
        refusal(5),
        new RegExp(`match the same record of this environment \\(${id('e', 1)}\\) as record ${id('a', 1)} earlier in the file`),
      );

      // Compared through its account's match: contact c1 is Smith of Fabrikam (e4), not Smith of e2 (e5).
      const smith = contacts.get(id('e', 4))!;
      assert.equal(contacts.has(id('c', 1)), false);
      assert.deepEqual([smith.statecode, smith.statuscode], [1, 2], 'the state is set on the record matched');
      assert.equal(contacts.get(id('e', 5))!.statecode, 0);
      assert.equal(contacts.get(id('c', 2))!.parentcustomerid, id('e', 1), 'a lookup points at the account matched');
      assert.equal(contacts.has(id('c', 3)), false, 'compared through an account not imported, so not imported');
      assert.match(
        out.failures.find((f: any) => f.id === id('c', 3)).message,
        new RegExp(`updateCompare field parentcustomerid points at record ${id('a', 3)} of the file, which is not imported`),
      );
      const mentor = manyToMany(org).find((r) => r.SchemaName === 'contoso_contact_mentor')!;
      assert.deepEqual([...mentor.pairs], [`${id('c', 2)}|${id('e', 4)}`], 'the link points at the contact matched');
      assert.match(text(result), /account: 2 record\(s\) were matched to records of this environment by name \(updateCompare\)/);
      assert.match(text(result), /contact: 1 record\(s\) were matched to .* by lastname, parentcustomerid/);

      // One query a table for the compare values, before any record is written.
      const sent = h.sandbox.requests.slice(from).map((r) => `${r.method} ${r.path}`);
      const queries = sent.filter((r) => /^GET .*\/(accounts|contacts)$/.test(r));
      assert.equal(queries.length, 2, sent.join('\n'));
      assert.ok(sent.indexOf(queries[1]!) < sent.findIndex((r) => /UpsertMultiple$/.test(r)));

      // Imported again: each record finds the one it updated (its own id among two for the new account), nothing is added.
      const contactsAfter = contacts.size;
      const again = structured(await h.call('pp_import_data', { dataFile: file }));
      assert.deepEqual(
        again.entities.map((e: any) => [e.name, e.imported, e.failed, e.matched]),
        [
          ['account', 3, 2, 3],
          ['contact', 2, 1, 2],
        ],
      );
      assert.deepEqual([accounts.size, contacts.size, mentor.pairs.size], [accountsBefore + 1, contactsAfter, 1]);
    });
  });

  it('moves currencies to an environment that has its own US dollar: the file’s dollar is the environment’s, and accounts point at it', async () => {
    await withData(async (h) => {
      const org = h.org();
      const currencies = dataTables(org).get('transactioncurrency')!.rows;
      const dollar = [...currencies.values()].find((r) => r.isocurrencycode === 'USD')!.transactioncurrencyid as string;
      const currency: TestEntity = {
        name: 'transactioncurrency',
        primaryname: 'currencyname',
        fields: [
          ['transactioncurrencyid', 'guid'],
          ['currencyname', 'string'],
          ['isocurrencycode', 'string'],
        ],
        compare: ['isocurrencycode'],
      };
      const account = {
        ...ACCOUNT,
        fields: [...ACCOUNT.fields, ['transactioncurrencyid', 'entityreference', 'transactioncurrency'] as [string, string, string]],
      };
      const data = dataXml([
        {
          entity: 'transactioncurrency',
          records: [
            {
              id: id('d', 1),
              fields: [
                ['currencyname', 'US Dollar'],
                ['isocurrencycode', 'USD'],
              ],
            },
            {
              id: id('d', 2),
              fields: [
                ['currencyname', 'Euro'],
                ['isocurrencycode', 'EUR'],
              ],
            },
          ],
        },
        {
          entity: 'account',
          records: [1, 2].map((n) => ({
            id: id('a', n),
            fields: [
              ['name', `Account ${n}`],
              ['transactioncurrencyid', id('d', n), 'transactioncurrency', n === 1 ? 'US Dollar' : 'Euro'],
            ] as TestField[],
          })),
        },
      ]);
      const file = await writeDataFile(h.work, 'currencies.zip', schemaXml([currency, account]), data);
      const result = await h.call('pp_import_data', { dataFile: file });
      assert.equal(structured(result).failureCount, 0, text(result));
      assert.deepEqual([...currencies.values()].map((r) => r.isocurrencycode).sort(), ['EUR', 'USD'], 'no second dollar');
      assert.equal(currencies.get(id('d', 2))!.currencyname, 'Euro');
      const accounts = dataTables(org).get('account')!.rows;
      assert.deepEqual(
        [accounts.get(id('a', 1))!.transactioncurrencyid, accounts.get(id('a', 2))!.transactioncurrencyid],
        [dollar, id('d', 2)],
      );
    });
  });

  it('compares a lookup with the id its target has here: matched first where it is in the file, later in it too; found by name where it is not', async () => {
    await withData(async (h) => {
      const accounts = dataTables(h.org()).get('account')!.rows;
      const seed = (n: number, name: string, parent?: number) =>
        accounts.set(id('e', n), {
          accountid: id('e', n),
          name,
          statecode: 0,
          statuscode: 1,
          ...(parent ? { parentaccountid: id('e', parent), 'parentaccountid@table': 'account' } : {}),
        });
      seed(1, 'Head Office');
      seed(2, 'Branch', 1);
      seed(3, 'Other Head Office');
      seed(4, 'Branch', 3);
      const byNameAndParent: TestEntity = {
        ...ACCOUNT,
        fields: [...ACCOUNT.fields, ['parentaccountid', 'entityreference', 'account']],
        compare: ['name', 'parentaccountid'],
      };
      const branch = (n: number, parent: string, parentName: string) => ({
        id: id('a', n),
        fields: [
          ['name', 'Branch'],
          ['parentaccountid', parent, 'account', parentName],
        ] as TestField[],
      });
      const data = dataXml([
        {
          entity: 'account',
          records: [
            // Before its parent in the file; the second's parent is not in the file, and has another id here.
            branch(2, id('a', 1), 'Head Office'),
            branch(3, id('f', 9), 'Other Head Office'),
            { id: id('a', 1), fields: [['name', 'Head Office']] as TestField[] },
          ],
        },
      ]);
      const file = await writeDataFile(h.work, 'parents.zip', schemaXml([byNameAndParent]), data);
      const result = await h.call('pp_import_data', { dataFile: file });
      const out = structured(result);
      assert.deepEqual([out.entities[0].imported, out.entities[0].matched, out.failureCount], [3, 3, 0], text(result));
      assert.equal(accounts.size, 4, 'every account of the file is one of the environment');
      assert.equal(accounts.get(id('e', 2))!.parentaccountid, id('e', 1));
      assert.equal(accounts.get(id('e', 4))!.parentaccountid, id('e', 3));
    });
  });

  it('finishes a partial import with its resume, matching the same records again: nothing is written twice', async () => {
    await withData(async (h) => {
      const accounts = dataTables(h.org()).get('account')!.rows;
      for (const n of range(200)) accounts.set(id('e', n), { accountid: id('e', n), name: `Account ${n}`, statecode: 0, statuscode: 1 });
      // Account 190 twice here: the file's is refused, far past where the first call stops reading.
      accounts.set(id('e', 201), { accountid: id('e', 201), name: 'Account 190', statecode: 0, statuscode: 1 });
      const records = accountsAndContacts(200);
      const file = await writeDataFile(h.work, 'resumed.zip', schemaXml([ACCOUNT_BY_NAME, CONTACT]), dataXml(records));
      answerLate(h.sandbox, 'UpsertMultiple', 1, 0, { kind: 'throttle', retryAfterSeconds: 600 });
      const args = { dataFile: file, batchSize: 20, parallelism: 1, timeBudgetSeconds: 30 };
      const partial = structured(await h.call('pp_import_data', args));
      assert.equal(partial.done, false);
      assert.equal(partial.entities[0].imported, 20);
      assert.equal(partial.failureCount, 0, 'the first call did not reach the record refused');
      // The 199 matches stay with the server; the caller holds an id.
      assert.equal(partial.resume.length, 36);
      assert.equal(Object.keys((await h.kept(partial.resume)).matches!.ids).length, 199);
      h.sandbox.faults.clear();
      // The resume keeps the first call's matches: no query again, and the same records written and refused.
      const from = h.sandbox.requests.length;
      const done = structured(await h.call('pp_import_data', { ...args, resume: partial.resume }));
      assert.equal(done.done, true);
      const sent = h.sandbox.requests.slice(from);
      assert.equal(sent.filter((r) => r.method === 'GET' && /\/accounts$/.test(r.path)).length, 0, 'no compare query again');
      assert.equal(sent.filter((r) => /UpsertMultiple$/.test(r.path)).length, 9 + 10, 'the 9 account batches left, the 10 of contacts');
      assert.deepEqual(
        done.entities.map((e: any) => [e.name, e.imported, e.failed, e.matched, e.lookups.set]),
        [
          ['account', 199, 1, 199, 199],
          ['contact', 200, 0, undefined, 199],
        ],
      );
      assert.deepEqual(
        done.failures.map((f: any) => f.id),
        [id('a', 190)],
      );
      assert.equal(accounts.size, 201, 'every account of the file is one of the environment, the one refused aside');
      const contacts = dataTables(h.org()).get('contact')!.rows;
      assert.deepEqual(
        [contacts.get(id('c', 60))!.parentcustomerid, accounts.get(id('e', 60))!.primarycontactid],
        [id('e', 60), id('c', 60)],
      );
    });
  });

  it('counts the updateCompare queries in the time budget: a call they outlast returns their matches to resume with', async () => {
    await withData(async (h) => {
      const accounts = dataTables(h.org()).get('account')!.rows;
      for (const n of range(3)) accounts.set(id('e', n), { accountid: id('e', n), name: `Account ${n}`, statecode: 0, statuscode: 1 });
      const records = accountsAndContacts(3);
      const file = await writeDataFile(h.work, 'slow-query.zip', schemaXml([ACCOUNT_BY_NAME, CONTACT]), dataXml(records));
      // The compare query alone takes longer than the whole call may.
      h.sandbox.faults.add({ kind: 'slow', method: 'GET', path: '/\\/accounts$/', times: 1, delayMs: 5_500 });
      const args = { dataFile: file, timeBudgetSeconds: 5 };
      const partial = structured(await h.call('pp_import_data', args));
      assert.deepEqual([partial.done, partial.entities[0].imported, partial.entities[1].imported], [false, 0, 0], JSON.stringify(partial));
      const writes = (since: number) =>
        h.sandbox.requests.slice(since).filter((r) => r.method !== 'GET' && r.path.includes('/api/data/')).length;
      assert.equal(writes(0), 0, 'nothing written past the budget');
      const from = h.sandbox.requests.length;
      const done = structured(await h.call('pp_import_data', { ...args, resume: partial.resume }));
      const sent = h.sandbox.requests.slice(from);
      assert.equal(sent.filter((r) => r.method === 'GET' && /\/accounts$/.test(r.path)).length, 0, 'the matches came back with resume');
      assert.ok(writes(from) > 0);
      assert.deepEqual([done.done, done.entities[0].imported, done.entities[0].matched, done.entities[1].imported], [true, 3, 3, 3]);
      assert.equal(accounts.size, 3, 'every account of the file is one of the environment');
    });
  });

  it('refuses a record whose values match a record the file gives as its own, and matches by id one whose compare lookup points at itself', async () => {
    await withData(async (h) => {
      const accounts = dataTables(h.org()).get('account')!.rows;
      accounts.set(id('a', 1), { accountid: id('a', 1), name: 'Contoso', statecode: 0, statuscode: 1 });
      const byNameAndParent: TestEntity = {
        ...ACCOUNT,
        fields: [...ACCOUNT.fields, ['parentaccountid', 'entityreference', 'account']],
        compare: ['name', 'parentaccountid'],
      };
      const data = dataXml([
        {
          entity: 'account',
          records: [
            { id: id('a', 1), fields: [['name', 'Contoso Ltd']] as TestField[] },
            { id: id('a', 2), fields: [['name', 'Contoso']] as TestField[] },
            {
              id: id('a', 3),
              fields: [
                ['name', 'Its Own Parent'],
                ['parentaccountid', id('a', 3), 'account', 'Its Own Parent'],
              ] as TestField[],
            },
          ],
        },
      ]);
      const file = await writeDataFile(h.work, 'own.zip', schemaXml([byNameAndParent]), data);
      const result = await h.call('pp_import_data', { dataFile: file });
      const out = structured(result);
      assert.deepEqual([out.entities[0].imported, out.entities[0].failed, out.entities[0].matched], [2, 1, undefined], text(result));
      assert.equal(accounts.get(id('a', 1))!.name, 'Contoso Ltd', 'the file’s own a1 is not overwritten by a2');
      assert.equal(accounts.has(id('a', 2)), false);
      assert.match(
        out.failures[0].message,
        new RegExp(`match record ${id('a', 1)} of this environment, which the file gives as a record of its own`),
      );
      assert.equal(accounts.get(id('a', 3))!.parentaccountid, id('a', 3));
      assert.match(
        text(result),
        /account: 1 record\(s\) were matched by id alone, since an updateCompare lookup of theirs points at themselves/,
      );
    });
  });

  it('refuses a data.xml it cannot read, or a compare query the service refuses, before writing anything, saying why', async () => {
    await withData(async (h) => {
      const accounts = dataTables(h.org()).get('account')!.rows;
      const before = accounts.size;
      const good = dataXml([{ entity: 'account', records: [{ id: id('a', 1), fields: [['name', 'Fabrikam']] as TestField[] }] }]);
      const broken = good.replace('</entities>', '<entity name="account"><records><record id="x"></entities>');
      const brokenFile = await writeDataFile(h.work, 'broken.zip', schemaXml([ACCOUNT_BY_NAME]), broken);
      const unread = await h.call('pp_import_data', { dataFile: brokenFile });
      assert.equal(unread.isError, true);
      assert.match(text(unread), /dataFile: data\.xml is not well-formed XML: .* Nothing was imported\./);
      assert.doesNotMatch(text(unread), /bug/i);

      h.sandbox.faults.add({ kind: 'forbidden', path: '/accounts', method: 'GET', times: 1 });
      const goodFile = await writeDataFile(h.work, 'good.zip', schemaXml([ACCOUNT_BY_NAME]), good);
      const refused = await h.call('pp_import_data', { dataFile: goodFile });
      assert.equal(refused.isError, true);
      assert.match(
        text(refused),
        /Looking for this environment's records by the updateCompare fields of data_schema\.xml failed: .*Nothing was imported\./,
      );
      assert.equal(accounts.size, before);
    });
  });

  it('matches by id alone where updateCompare names only the key, or a column it cannot compare, and says so', async () => {
    await withData(async (h) => {
      const accounts = dataTables(h.org()).get('account')!.rows;
      accounts.set(id('e', 1), { accountid: id('e', 1), name: 'Fabrikam', statecode: 0, statuscode: 1 });
      const byKey = { ...ACCOUNT, compare: ['accountid'] };
      const records = [{ entity: 'account', records: [{ id: id('a', 1), fields: [['name', 'Fabrikam']] as Array<[string, string]> }] }];
      const keyFile = await writeDataFile(h.work, 'key.zip', schemaXml([byKey]), dataXml(records));
      const from = h.sandbox.requests.length;
      const byId = structured(await h.call('pp_import_data', { dataFile: keyFile }));
      assert.equal(byId.entities[0].matched, undefined);
      assert.equal(accounts.get(id('a', 1))!.name, 'Fabrikam', 'a second Fabrikam, under the file’s id');
      assert.equal(h.sandbox.requests.slice(from).filter((r) => /\/accounts$/.test(r.path)).length, 0, 'no query for compare values');

      // A record without any of the values is not matched to every record without them.
      const byEmployees = { ...ACCOUNT, compare: ['numberofemployees'] };
      const emptyFile = await writeDataFile(h.work, 'empty.zip', schemaXml([byEmployees]), dataXml(records));
      const empty = structured(await h.call('pp_import_data', { dataFile: emptyFile }));
      assert.deepEqual([empty.entities[0].imported, empty.entities[0].matched], [1, undefined]);
      assert.deepEqual([accounts.get(id('e', 1))!.name, accounts.size], ['Fabrikam', 2]);

      const withDate = {
        ...CONTACT,
        fields: [...CONTACT.fields, ['birthdate', 'datetime'] as [string, string]],
        compare: ['lastname', 'birthdate'],
      };
      const people = [{ entity: 'contact', records: [{ id: id('c', 1), fields: [['lastname', 'Smith']] as Array<[string, string]> }] }];
      const dateFile = await writeDataFile(h.work, 'date.zip', schemaXml([withDate]), dataXml(people));
      const result = await h.call('pp_import_data', { dataFile: dateFile });
      assert.equal(structured(result).entities[0].matched, undefined);
      assert.match(
        text(result),
        /contact: its records were matched by id alone, since updateCompare names birthdate \(datetime\), which the import cannot compare/,
      );
    });
  });
});
