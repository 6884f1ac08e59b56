import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { bulkMessages } from '../../src/data/tableMetadata';
import { writeZip } from '../../src/solutions/zipWriter';
import { dataTables, manyToMany } from '../../src/sandbox/dataTables';
import { orgData, type Party } from '../../src/sandbox/dataModel';
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

const writes = (requests: Array<{ path: string }>, from: number, what: RegExp) =>
  requests.slice(from).filter((r) => what.test(r.path)).length;

describe('pp_import_data', () => {
  it('imports records whose lookups point both ways, keeping ids: records with UpsertMultiple in batches, then the lookups left', async () => {
    await withData(async (h) => {
      const file = await writeDataFile(h.work, 'two-way.zip', schemaXml([ACCOUNT, CONTACT]), dataXml(accountsAndContacts(450)));
      const from = h.sandbox.requests.length;
      const result = await h.call('pp_import_data', { dataFile: file, batchSize: 200 });
      assert.equal(result.isError, undefined, text(result));
      const out = structured(result);
      assert.equal(out.done, true);
      assert.deepEqual(
        out.entities.map((e: any) => [e.name, e.records, e.imported, e.failed, e.lookups.set, e.method]),
        [
          ['account', 450, 450, 0, 450, 'UpsertMultiple'],
          ['contact', 450, 450, 0, 450, 'UpsertMultiple'],
        ],
      );
      assert.equal(writes(h.sandbox.requests, from, /UpsertMultiple$/), 3 + 3, 'records: 3 batches a table');
      assert.equal(
        writes(h.sandbox.requests, from, /accounts\/Microsoft\.Dynamics\.CRM\.UpdateMultiple$/),
        3,
        'account lookups: 3 updates',
      );
      const tables = dataTables(h.org());
      assert.equal(
        tables.get('account')!.rows.get(id('a', 42))!.primarycontactid,
        id('c', 42),
        'an account points at a contact imported after it',
      );
      assert.equal(
        tables.get('contact')!.rows.get(id('c', 42))!['parentcustomerid@table'],
        'account',
        'the customer lookup binds to the account table',
      );
    });
  });

  it('reads a table’s metadata in one request (two with dates) and the bulk messages of many tables in one, and counts every request it sends to Dataverse', async () => {
    await withData(async (h) => {
      const dated: TestEntity = { ...CONTACT, fields: [...CONTACT.fields, ['birthdate', 'datetime']] };
      const records = accountsAndContacts(20, {
        contact: (i, fields) => fields.push(['birthdate', `2001-02-${10 + (i % 9)}T00:00:00.0000000`]),
      });
      const file = await writeDataFile(h.work, 'counted.zip', schemaXml([ACCOUNT, dated]), dataXml(records));
      const from = h.sandbox.requests.length;
      const out = structured(await h.call('pp_import_data', { dataFile: file, batchSize: 10 }));
      assert.equal(out.done, true);
      // Sign-in and the environment's lookup aside, which go to other services.
      const sent = h.sandbox.requests.slice(from).filter((r) => r.path.startsWith('/orgs/'));
      assert.equal(out.requests, sent.length, 'the result counts what Dataverse received');
      const definitions = sent.filter((r) => r.path.includes('EntityDefinitions')).map((r) => decodeURIComponent(r.path));
      assert.equal(definitions.length, 3, 'one metadata read a table, and one more for the table with dates in the file');
      assert.deepEqual(
        definitions.filter((path) => path.includes('DateTimeAttributeMetadata')).map((path) => /LogicalName='(\w+)'/.exec(path)?.[1]),
        ['contact'],
      );
      // What that read is for: the date-only column gets a day, not a time.
      assert.equal(dataTables(h.org()).get('contact')!.rows.get(id('c', 1))!.birthdate, '2001-02-11');
      assert.equal(sent.filter((r) => r.path.endsWith('sdkmessagefilters')).length, 1, 'one read of both tables’ bulk messages');

      // Four tables a read instead of twenty: the sandbox's tables fill three.
      const tables = [...dataTables(h.org()).values()];
      assert.ok(tables.length > 8 && tables.length <= 12, `${tables.length} tables`);
      const before = h.sandbox.requests.length;
      const names = tables.map((t) => t.logicalName.toUpperCase());
      const bulk = await bulkMessages(h.dv(), names, new AbortController().signal, 4);
      assert.equal(bulk.requests, 3);
      assert.equal(h.sandbox.requests.length - before, 3);
      const wanted = new Set(['CreateMultiple', 'UpdateMultiple', 'UpsertMultiple']);
      assert.deepEqual(
        [...bulk.messages].map(([name, messages]) => [name, [...messages].sort()]),
        tables.map((t) => [t.logicalName, [...t.bulkMessages].filter((m) => wanted.has(m)).sort()]),
      );
      assert.ok(
        tables.some((t) => !t.bulkMessages.has('UpsertMultiple')),
        'among them a table without UpsertMultiple',
      );
    });
  });

  it('sets a lookup in the record’s own write when its target is a record of another table written before it', async () => {
    await withData(async (h) => {
      const file = await writeDataFile(h.work, 'first-pass.zip', schemaXml([ACCOUNT, CONTACT]), dataXml(accountsAndContacts(30)));
      const from = h.sandbox.requests.length;
      const out = structured(await h.call('pp_import_data', { dataFile: file, batchSize: 10 }));
      assert.deepEqual(
        out.entities.map((e: any) => [e.name, e.imported, e.lookups.set]),
        [
          ['account', 30, 30],
          ['contact', 30, 30],
        ],
      );
      // The contacts come after the accounts in the file: their lookups go in with them, and no update follows.
      assert.equal(writes(h.sandbox.requests, from, /contacts\/Microsoft\.Dynamics\.CRM\.UpsertMultiple$/), 3);
      assert.equal(writes(h.sandbox.requests, from, /contacts\/Microsoft\.Dynamics\.CRM\.UpdateMultiple$/), 0);
      assert.equal(writes(h.sandbox.requests, from, /accounts\/Microsoft\.Dynamics\.CRM\.UpdateMultiple$/), 3);
      const contact = dataTables(h.org()).get('contact')!.rows.get(id('c', 7))!;
      assert.equal(contact.parentcustomerid, id('a', 7));
      assert.equal(contact['parentcustomerid@table'], 'account');
    });
  });

  it('sends each batch once the batches holding the records it points at are written, not every batch before it', async () => {
    await withData(async (h) => {
      const file = await writeDataFile(h.work, 'pipelined.zip', schemaXml([ACCOUNT, CONTACT]), dataXml(accountsAndContacts(40)));
      // The last batch of each table is answered 1.5 s late; the others at once.
      for (const table of ['accounts', 'contacts']) answerLate(h.sandbox, `${table}/Microsoft.Dynamics.CRM.UpsertMultiple`, 3, 1500);
      const from = h.sandbox.requests.length;
      const out = structured(await h.call('pp_import_data', { dataFile: file, batchSize: 10, parallelism: 8 }));
      assert.equal(out.done, true);
      assert.deepEqual(
        out.entities.map((e: any) => [e.name, e.imported, e.lookups.set]),
        [
          ['account', 40, 40],
          ['contact', 40, 40],
        ],
      );
      // Requests are listed as they are answered.
      const answered = h.sandbox.requests.slice(from).map((r) => r.path.replace(/^.*\/(\w+)\/Microsoft\.Dynamics\.CRM\./, '$1 '));
      const first = (what: string) => answered.indexOf(what);
      const last = (what: string) => answered.lastIndexOf(what);
      // Contacts 1-10 point at accounts 1-10 alone; accounts 1-10 at contacts 1-10 (set in the lookups pass).
      assert.ok(first('contacts UpsertMultiple') < last('accounts UpsertMultiple'), answered.join('\n'));
      assert.ok(first('accounts UpdateMultiple') < last('contacts UpsertMultiple'), answered.join('\n'));
      const rows = dataTables(h.org());
      assert.equal(rows.get('contact')!.rows.get(id('c', 40))!.parentcustomerid, id('a', 40));
      assert.equal(rows.get('account')!.rows.get(id('a', 40))!.primarycontactid, id('c', 40));
    });
  });

  it('sets a record’s lookups only once its own batch is written, even when its targets are written before', async () => {
    await withData(async (h) => {
      // Contacts 31-40 do not point back, so nothing but their own batch holds back accounts 31-40's lookups.
      const records = accountsAndContacts(40, {
        contact: (i, fields) =>
          void (
            i > 30 &&
            fields.splice(
              fields.findIndex((f) => Array.isArray(f) && f[0] === 'parentcustomerid'),
              1,
            )
          ),
      });
      const file = await writeDataFile(h.work, 'own-batch.zip', schemaXml([ACCOUNT, CONTACT]), dataXml(records));
      // The first three account batches are answered at once, the fourth 1.5 s late.
      answerLate(h.sandbox, 'accounts/Microsoft.Dynamics.CRM.UpsertMultiple', 3, 1500);
      const out = structured(await h.call('pp_import_data', { dataFile: file, batchSize: 10, parallelism: 8 }));
      assert.deepEqual(out.failures, []);
      assert.deepEqual(
        out.entities.map((e: any) => [e.name, e.imported, e.lookups.set]),
        [
          ['account', 40, 40],
          ['contact', 40, 30],
        ],
      );
    });
  });

  it('looks records up outside the file only once every batch of records is answered, so parallelism holds', async () => {
    await withData(async (h) => {
      // Each account also has a parent account that is not in the file: looked up by id in the environment.
      const account: TestEntity = { ...ACCOUNT, fields: [...ACCOUNT.fields, ['parentaccountid', 'entityreference', 'account']] };
      const records = accountsAndContacts(20, {
        account: (i, fields) => void fields.push(['parentaccountid', id('f', i), 'account', `Elsewhere ${i}`]),
      });
      const file = await writeDataFile(h.work, 'outside.zip', schemaXml([account, CONTACT]), dataXml(records));
      // Account 7 is accepted but never kept, so the update setting its lookups is refused: its parent,
      // found nowhere, still counts as left unset.
      const rows = dataTables(h.org()).get('account')!.rows;
      const set = rows.set.bind(rows);
      rows.set = (key, row) => (key === id('a', 7) ? rows : set(key, row));
      // The last contacts' batch is answered 1 s late.
      const path = 'contacts/Microsoft.Dynamics.CRM.UpsertMultiple';
      answerLate(h.sandbox, path, 1, 1000);
      const from = h.sandbox.requests.length;
      const out = structured(await h.call('pp_import_data', { dataFile: file, batchSize: 10, parallelism: 2 }));
      assert.equal(out.done, true);
      const answered = h.sandbox.requests.slice(from);
      const lastBatch = answered.findLastIndex((r) => r.path.endsWith(path));
      const lookedUp = answered.findIndex((r) => r.method === 'GET' && /\/accounts\(f0000001-/.test(r.path));
      assert.ok(lookedUp > lastBatch, answered.map((r) => `${r.method} ${r.path}`).join('\n'));
      assert.deepEqual(out.entities[0].lookups, { set: 19, failed: 1, unresolved: 20 });
    });
  });

  it('sets a party list only once the batch writing its party is written', async () => {
    await withData(async (h) => {
      const contact: TestEntity = {
        name: 'contact',
        primaryname: 'fullname',
        fields: [
          ['contactid', 'guid'],
          ['lastname', 'string'],
        ],
      };
      const appointment = {
        name: 'appointment',
        primaryid: 'activityid',
        primaryname: 'subject',
        fields: [
          ['activityid', 'guid'],
          ['subject', 'string'],
          ['requiredattendees', 'partylist'],
        ] as TestEntity['fields'],
      };
      const data = dataXml([
        { entity: 'contact', records: range(30).map((n) => ({ id: id('c', n), fields: [['lastname', `Person ${n}`]] as TestField[] })) },
        {
          entity: 'appointment',
          // Ten appointments, a full batch of the lookups pass, each with contact 30 as its party.
          records: range(10).map((n) => ({
            id: id('b', n),
            fields: [
              ['subject', `Review ${n}`],
              { name: 'requiredattendees', parties: [{ id: id('e', n), partyid: id('c', 30), entity: 'contact', mask: 5 }] },
            ] as TestField[],
          })),
        },
      ]);
      const file = await writeDataFile(h.work, 'late-party.zip', schemaXml([contact, appointment]), data);
      // The last contact batch, holding contact 30, is answered 1.5 s late.
      answerLate(h.sandbox, 'contacts/Microsoft.Dynamics.CRM.UpsertMultiple', 2, 1500);
      const out = structured(await h.call('pp_import_data', { dataFile: file, batchSize: 10, parallelism: 8 }));
      assert.deepEqual(out.failures, []);
      assert.equal(out.entities[1].lookups.set, 10);
      const parties = dataTables(h.org()).get('appointment')!.rows.get(id('b', 10))!['@parties'] as Party[];
      assert.deepEqual(
        parties.map((p) => p.partyId),
        [id('c', 30)],
      );
    });
  });

  it(
    'a record id given twice does not stop or hold up the import; in one table, no lookup to it goes before it is written',
    { timeout: 60_000 },
    async () => {
      await withData(async (h) => {
        const account = (n: number, ...more: TestField[]) => ({
          entity: 'account',
          records: [{ id: id('a', n), fields: [['accountid', id('a', n)], ['name', `Account ${n}`], ...more] as TestField[] }],
        });
        const contact = (n: number, parent?: number) => ({
          entity: 'contact',
          records: [
            {
              id: id('c', n),
              fields: [
                ['contactid', id('c', n)],
                ['lastname', `Contact ${n}`],
                ...(parent ? [['parentcustomerid', id('a', parent), 'account', `Account ${parent}`]] : []),
              ] as TestField[],
            },
          ],
        });
        // In one table: account 1's first batch is answered late; contact 1 points at it; account 1 comes again after.
        const twice = dataXml([{ entity: 'account', records: [...account(1).records, ...account(2).records] }, contact(1, 1), account(1)]);
        const path = 'accounts/Microsoft.Dynamics.CRM.UpsertMultiple';
        h.sandbox.faults.add({ kind: 'slow', path, times: 1, delayMs: 1500 });
        const file = await writeDataFile(h.work, 'twice.zip', schemaXml([ACCOUNT, CONTACT]), twice);
        const out = structured(await h.call('pp_import_data', { dataFile: file, batchSize: 2 }));
        assert.equal(out.done, true);
        assert.deepEqual(out.failures, []);
        assert.equal(dataTables(h.org()).get('contact')!.rows.get(id('c', 1))!.parentcustomerid, id('a', 1));

        // In two tables: contact X, then account X refused for a bad value, then a contact pointing at account X.
        const x = id('a', 9);
        const contactX = {
          entity: 'contact',
          records: [
            {
              id: x,
              fields: [
                ['contactid', x],
                ['lastname', 'Contact X'],
              ] as TestField[],
            },
          ],
        };
        const both = dataXml([contactX, account(9, ['numberofemployees', 'many']), contact(2, 9)]);
        const second = structured(
          await h.call('pp_import_data', {
            dataFile: await writeDataFile(h.work, 'both.zip', schemaXml([ACCOUNT, CONTACT]), both),
            environment: h.url('Contoso Dev'),
          }),
        );
        assert.equal(second.done, true, second.stopped);
        assert.deepEqual(
          second.entities.map((e: any) => [e.name, e.imported, e.failed, e.lookups.set]),
          [
            ['account', 0, 1, 0],
            ['contact', 2, 0, 0],
          ],
        );

        // Account X, a contact pointing at it, then a contact X: the contacts' batch holds the id its
        // lookup points at, and must not wait for itself.
        const turned = dataXml([account(9), contact(3, 9), contactX]);
        const third = structured(
          await h.call('pp_import_data', {
            dataFile: await writeDataFile(h.work, 'turned.zip', schemaXml([ACCOUNT, CONTACT]), turned),
            environment: h.url('Contoso Production'),
          }),
        );
        assert.equal(third.done, true, third.stopped);
        assert.deepEqual(
          third.entities.map((e: any) => [e.name, e.imported]),
          [
            ['account', 1],
            ['contact', 2],
          ],
        );
      });
    },
  );

  it('sets every first-pass lookup of a file whose tables come in turns, each record pointing at the one before it', async () => {
    await withData(async (h) => {
      // account 1, contact 1 → account 1, account 2 → contact 1, contact 2 → account 2, …: each table in parts of one record.
      const parts = Array.from({ length: 8 }, (_, i) => i + 1).flatMap((k) => [
        {
          entity: 'account',
          records: [
            {
              id: id('a', k),
              fields: [
                ['accountid', id('a', k)],
                ['name', `Account ${k}`],
                ...(k > 1 ? [['primarycontactid', id('c', k - 1), 'contact', `Contact ${k - 1}`]] : []),
              ] as TestField[],
            },
          ],
        },
        {
          entity: 'contact',
          records: [
            {
              id: id('c', k),
              fields: [
                ['contactid', id('c', k)],
                ['lastname', `Contact ${k}`],
                ['parentcustomerid', id('a', k), 'account', `Account ${k}`],
              ] as TestField[],
            },
          ],
        },
      ]);
      const file = await writeDataFile(h.work, 'turns.zip', schemaXml([ACCOUNT, CONTACT]), dataXml(parts));
      const out = structured(await h.call('pp_import_data', { dataFile: file, batchSize: 4 }));
      assert.equal(out.done, true);
      assert.deepEqual(out.failures, []);
      assert.deepEqual(
        out.entities.map((e: any) => [e.name, e.imported, e.lookups.set, e.lookups.failed]),
        [
          ['account', 8, 7, 0],
          ['contact', 8, 8, 0],
        ],
      );
      const rows = dataTables(h.org());
      for (let k = 2; k <= 8; k++) assert.equal(rows.get('account')!.rows.get(id('a', k))!.primarycontactid, id('c', k - 1));
    });
  });

  it('writes a record without its first-pass lookup when the service refuses the lookup, and reports the lookup', async () => {
    await withData(async (h) => {
      const file = await writeDataFile(h.work, 'vanished.zip', schemaXml([ACCOUNT, CONTACT]), dataXml(accountsAndContacts(12)));
      // Account 5 is accepted but never kept, as if deleted at once: the lookup of contact 5 points at nothing.
      const rows = dataTables(h.org()).get('account')!.rows;
      const set = rows.set.bind(rows);
      rows.set = (key, row) => (key === id('a', 5) ? rows : set(key, row));
      const result = await h.call('pp_import_data', { dataFile: file, batchSize: 4 });
      const out = structured(result);
      assert.deepEqual(
        out.entities.map((e: any) => [e.name, e.imported, e.failed, e.lookups.set, e.lookups.failed]),
        [
          // Account 5's own lookup, set by update in the lookups pass, finds no account 5 either.
          ['account', 12, 0, 11, 1],
          ['contact', 12, 0, 11, 1],
        ],
      );
      const contact5 = out.failures.filter((f: any) => f.table === 'contact');
      assert.deepEqual(
        contact5.map((f: any) => f.id),
        [id('c', 5)],
      );
      assert.match(
        contact5[0].message,
        new RegExp(`^imported, but its lookups were not set: account With Id = ${id('a', 5)} Does Not Exist`),
      );
      const contacts = dataTables(h.org()).get('contact')!.rows;
      assert.equal(contacts.get(id('c', 5))!.lastname, 'Contact 5');
      assert.equal(contacts.get(id('c', 5))!.parentcustomerid ?? null, null);
      assert.equal(contacts.get(id('c', 6))!.parentcustomerid, id('a', 6), 'the rest of its batch went in with their lookups');
    });
  });

  it('lists the records the service refuses, imports the rest, and counts a record whose lookup target was refused as imported', async () => {
    await withData(async (h) => {
      const data = accountsAndContacts(60, {
        account: (i, fields) => i === 17 && fields.splice(2, 1, ['numberofemployees', 'many']),
        contact: (i, fields) => i === 30 && fields.splice(1, 1),
      });
      const file = await writeDataFile(h.work, 'broken.zip', schemaXml([ACCOUNT, CONTACT]), dataXml(data));
      const result = await h.call('pp_import_data', { dataFile: file, batchSize: 25 });
      assert.equal(result.isError, true);
      const out = structured(result);
      assert.deepEqual(
        out.failures.map((f: any) => `${f.table} ${f.id}`),
        [`account ${id('a', 17)}`, `contact ${id('c', 30)}`],
      );
      assert.match(out.failures[0].message, /numberofemployees: "many" is not a whole number/);
      assert.match(out.failures[1].message, /lastname is required/);
      assert.deepEqual(
        out.entities.map((e: any) => [e.name, e.imported, e.failed]),
        [
          ['account', 59, 1],
          ['contact', 59, 1],
        ],
      );
      // Account 30 points at the refused contact: it is imported, its lookup is reported as not set.
      assert.equal(dataTables(h.org()).get('account')!.rows.get(id('a', 30))!.primarycontactid ?? null, null);
      assert.equal(out.entities[0].lookups.unresolved, 1);
      // Contact 17 points at the refused account 17, a lookup of the first pass: also imported, its lookup reported.
      assert.equal(dataTables(h.org()).get('contact')!.rows.get(id('c', 17))!.parentcustomerid ?? null, null);
      assert.deepEqual(
        out.entities.map((e: any) => e.lookups.set),
        [58, 58],
      );
      assert.equal(out.entities[1].lookups.unresolved, 1);
      assert.match(
        text(result),
        new RegExp(
          `account\\.primarycontactid: 1 lookup value\\(s\\) not set; for example ${id('a', 30)}: primarycontactid points at contact ${id('c', 30)}, which was not imported`,
        ),
      );
    });
  });

  it('writes a table that has no UpsertMultiple (per sdkmessagefilters) in $batch change sets of single upserts, isolating a refused record', async () => {
    await withData(async (h) => {
      const task = {
        name: 'task',
        primaryid: 'activityid',
        primaryname: 'subject',
        fields: [
          ['activityid', 'guid'],
          ['subject', 'string'],
          ['percentcomplete', 'number'],
          ['prioritycode', 'optionsetvalue'],
        ] as Array<[string, string]>,
      };
      const records = Array.from({ length: 120 }, (_, i) => ({
        id: id('d', i + 1),
        fields: [
          ['activityid', id('d', i + 1)],
          ['subject', `Task ${i + 1}`],
          ['percentcomplete', String(i % 100)],
          ['prioritycode', i === 44 ? '9' : '1'],
        ] as Array<[string, string]>,
      }));
      const file = await writeDataFile(h.work, 'tasks.zip', schemaXml([task]), dataXml([{ entity: 'task', records }]));
      const from = h.sandbox.requests.length;
      const result = await h.call('pp_import_data', { dataFile: file, batchSize: 50 });
      const out = structured(result);
      assert.equal(
        writes(h.sandbox.requests, from, /tasks\/Microsoft\.Dynamics\.CRM\.UpsertMultiple$/),
        0,
        'never tried where sdkmessagefilters list no UpsertMultiple',
      );
      assert.equal(writes(h.sandbox.requests, from, /\/\$batch$/), 3, '120 records in batches of 50');
      assert.deepEqual(
        out.entities.map((e: any) => [e.name, e.imported, e.failed, e.method]),
        [['task', 119, 1, '$batch']],
      );
      assert.equal(out.failures[0].id, id('d', 45));
      assert.match(out.failures[0].message, /The value 9 of 'prioritycode' on record of type 'task' is outside the valid range/);
      assert.equal(dataTables(h.org()).get('task')!.rows.size, 119);
      assert.match(
        text(result),
        /task: this environment has no UpsertMultiple for the table \(sdkmessagefilters\), so its records went in \$batch requests/,
      );
    });
  });

  it('creates records in their default state, then sets the file’s state and status by update; a status that does not belong to its state is reported', async () => {
    await withData(async (h) => {
      const data = accountsAndContacts(3, {
        contact: (i, fields) => fields.push(['statecode', i === 3 ? '0' : '1'], ['statuscode', i === 1 ? '2' : i === 2 ? '1' : '1']),
      });
      const file = await writeDataFile(h.work, 'states.zip', schemaXml([ACCOUNT, CONTACT]), dataXml(data));
      const result = await h.call('pp_import_data', { dataFile: file });
      const out = structured(result);
      const rows = dataTables(h.org()).get('contact')!.rows;
      assert.deepEqual(
        [1, 2, 3].map((i) => [rows.get(id('c', i))!.statecode, rows.get(id('c', i))!.statuscode]),
        [
          [1, 2],
          [0, 1],
          [0, 1],
        ],
      );
      assert.deepEqual(out.entities[1].states, { set: 1, failed: 1 });
      assert.equal(out.entities[1].imported, 3, 'a record whose state was refused is still imported');
      assert.match(
        out.failures[0].message,
        /^imported, but its state was not set: 1 is not a valid status code for state code contactState\.Inactive/,
      );
    });
  });

  it('reads an unzipped folder without [Content_Types].xml, with dates in US culture format (2019 tool) and date-only columns', async () => {
    await withData(async (h) => {
      const contact = {
        name: 'contact',
        primaryname: 'fullname',
        fields: [
          ['contactid', 'guid'],
          ['lastname', 'string'],
          ['birthdate', 'datetime'],
        ] as Array<[string, string]>,
      };
      const task = {
        name: 'task',
        primaryid: 'activityid',
        primaryname: 'subject',
        fields: [
          ['activityid', 'guid'],
          ['subject', 'string'],
          ['scheduledstart', 'datetime'],
        ] as Array<[string, string]>,
      };
      const data = dataXml([
        {
          entity: 'contact',
          records: [
            {
              id: id('c', 1),
              fields: [
                ['lastname', 'Doe'],
                ['birthdate', '5/24/2002 12:00:00 AM'],
              ],
            },
          ],
        },
        {
          entity: 'task',
          records: [
            {
              id: id('d', 1),
              fields: [
                ['subject', 'Call'],
                ['scheduledstart', '1/29/2014 5:00:00 PM'],
              ],
            },
            {
              id: id('d', 2),
              fields: [
                ['subject', 'Visit'],
                ['scheduledstart', '2021-07-21T15:02:00.0000000Z'],
              ],
            },
          ],
        },
      ]).replace('timestamp="2026-11-24T00:00:00.0000000Z"', 'timestamp="6/25/2019 10:32:31 AM"');
      const folder = await writeDataFile(h.work, 'unzipped', schemaXml([contact, task]), data, { folder: true });
      const result = await h.call('pp_import_data', { dataFile: folder });
      assert.equal(result.isError, undefined, text(result));
      const tables = dataTables(h.org());
      assert.equal(tables.get('contact')!.rows.get(id('c', 1))!.birthdate, '2002-05-24', 'a date-only column gets the date');
      assert.equal(tables.get('task')!.rows.get(id('d', 1))!.scheduledstart, '2014-01-29T17:00:00Z');
      assert.equal(tables.get('task')!.rows.get(id('d', 2))!.scheduledstart, '2021-07-21T15:02:00Z');
    });
  });

  it('binds a polymorphic lookup to the table its record is in, finds records outside the file by id or by name, and leaves an unknown owner to the caller', async () => {
    await withData(async (h) => {
      const org = h.org();
      const seeded = [...dataTables(org).get('account')!.rows.values()].find((r) => r.name === 'Seeded Account');
      assert.equal(seeded, undefined);
      dataTables(org)
        .get('account')!
        .rows.set(id('e', 1), { accountid: id('e', 1), name: 'Seeded Account', statecode: 0, statuscode: 1 });
      const me = org.users.find((u) => u.applicationid)!;
      const contact = { ...CONTACT, fields: [...CONTACT.fields, ['ownerid', 'owner'] as [string, string]] };
      const data = dataXml([
        {
          entity: 'contact',
          records: [
            {
              id: id('c', 1),
              fields: [
                ['lastname', 'Parent'],
                ['ownerid', me.systemuserid, 'systemuser', me.fullname],
              ],
            },
            // The file says account, but the record is the contact above: its real table wins.
            {
              id: id('c', 2),
              fields: [
                ['lastname', 'Child'],
                ['parentcustomerid', id('c', 1), 'account'],
                ['ownerid', id('f', 9), 'systemuser', 'Nobody Here'],
              ],
            },
            {
              id: id('c', 3),
              fields: [
                ['lastname', 'By id'],
                ['parentcustomerid', id('e', 1), 'account'],
              ],
            },
            {
              id: id('c', 4),
              fields: [
                ['lastname', 'By name'],
                ['parentcustomerid', id('e', 7), 'account', 'Seeded Account'],
              ],
            },
            {
              id: id('c', 5),
              fields: [
                ['lastname', 'Nowhere'],
                ['parentcustomerid', id('e', 8), 'account', 'No Such Account'],
              ],
            },
          ],
        },
      ]);
      const file = await writeDataFile(h.work, 'poly.zip', schemaXml([contact]), data);
      const result = await h.call('pp_import_data', { dataFile: file });
      const rows = dataTables(org).get('contact')!.rows;
      const lookup = (n: number) => [rows.get(id('c', n))!.parentcustomerid, rows.get(id('c', n))!['parentcustomerid@table']];
      assert.deepEqual(lookup(2), [id('c', 1), 'contact']);
      assert.deepEqual(lookup(3), [id('e', 1), 'account']);
      assert.deepEqual(lookup(4), [id('e', 1), 'account'], 'found by its name');
      assert.deepEqual(lookup(5), [undefined, undefined]);
      assert.equal(rows.get(id('c', 1))!.ownerid, me.systemuserid);
      assert.equal(rows.get(id('c', 2))!.ownerid, me.systemuserid, 'an owner not in the environment is left to the importing user');
      const out = structured(result);
      assert.deepEqual(out.entities[0].lookups, { set: 4, failed: 0, unresolved: 2 });
      assert.match(
        text(result),
        /contact\.parentcustomerid: 1 lookup value\(s\) not set; for example .*points at account .* \(No Such Account\), which is neither in the file nor in this environment/,
      );
    });
  });

  it('imports party lists with their parties, and N:N links of a table with itself from its first side; a second import makes no second link', async () => {
    await withData(async (h) => {
      const dv = h.dv();
      await createMentorRelationship(dv);
      const me = h.org().users.find((u) => u.applicationid)!;
      const contact = {
        name: 'contact',
        primaryname: 'fullname',
        fields: [
          ['contactid', 'guid'],
          ['lastname', 'string'],
        ] as Array<[string, string]>,
        relationships: [{ name: 'contoso_contact_mentor', target: 'contact', reflexive: true }],
      };
      const appointment = {
        name: 'appointment',
        primaryid: 'activityid',
        primaryname: 'subject',
        fields: [
          ['activityid', 'guid'],
          ['subject', 'string'],
          ['organizer', 'partylist'],
          ['requiredattendees', 'partylist'],
        ] as Array<[string, string]>,
      };
      const data = dataXml([
        {
          entity: 'contact',
          records: [1, 2, 3].map((n) => ({ id: id('c', n), fields: [['lastname', `Person ${n}`]] as Array<[string, string]> })),
          links: [{ source: id('c', 1), relationship: 'contoso_contact_mentor', target: 'contact', targetIds: [id('c', 2), id('c', 3)] }],
        },
        {
          entity: 'appointment',
          records: [
            {
              id: id('b', 1),
              fields: [
                ['subject', 'Review'],
                { name: 'organizer', parties: [{ id: id('e', 101), partyid: me.systemuserid, entity: 'systemuser', mask: 7 }] },
                {
                  name: 'requiredattendees',
                  parties: [
                    { id: id('e', 102), partyid: id('c', 2), entity: 'contact', mask: 5 },
                    { id: id('e', 103), partyid: id('c', 3), entity: 'contact', mask: 5 },
                  ],
                },
              ],
            },
          ],
        },
      ]);
      const file = await writeDataFile(h.work, 'parties.zip', schemaXml([contact, appointment]), data);
      const first = structured(await h.call('pp_import_data', { dataFile: file }));
      assert.deepEqual(first.associations, { created: 2, existing: 0, failed: 0 });
      const relationship = manyToMany(h.org()).find((r) => r.SchemaName === 'contoso_contact_mentor')!;
      assert.deepEqual([...relationship.pairs].sort(), [`${id('c', 1)}|${id('c', 2)}`, `${id('c', 1)}|${id('c', 3)}`]);
      const parties = dataTables(h.org()).get('appointment')!.rows.get(id('b', 1))!['@parties'] as Party[];
      assert.deepEqual(
        parties.map((p) => [p.activitypartyid, p.participationtypemask, p.partyTable, p.partyId]),
        [
          [id('e', 101), 7, 'systemuser', me.systemuserid],
          [id('e', 102), 5, 'contact', id('c', 2)],
          [id('e', 103), 5, 'contact', id('c', 3)],
        ],
      );
      assert.equal(first.entities[1].lookups.set, 3);
      const second = structured(await h.call('pp_import_data', { dataFile: file }));
      assert.deepEqual(second.associations, { created: 0, existing: 2, failed: 0 });
      assert.equal(relationship.pairs.size, 2);
    });
  });

  it('turns custom plug-ins off where the schema says disableplugins="true" and the caller may; refuses clearly, before writing, where the caller may not', async () => {
    await withData(async (h) => {
      const schema = schemaXml([{ ...ACCOUNT, disableplugins: true }, CONTACT]);
      const file = await writeDataFile(h.work, 'plugins.zip', schema, dataXml(accountsAndContacts(5)));
      const allowed = await h.call('pp_import_data', { dataFile: file });
      assert.equal(allowed.isError, undefined, text(allowed));
      assert.equal(
        orgData(h.org()).pluginBypassWrites,
        2,
        'the two account writes (records, lookups) bypass plug-ins; the contact writes do not',
      );

      const org = h.org('Contoso Dev');
      const me = org.users.find((u) => u.applicationid)!;
      me.roles = org.roles.filter((r) => r.name === 'Basic User').map((r) => r.roleid);
      const refused = await h.call('pp_import_data', { dataFile: file, environment: org.url });
      assert.equal(refused.isError, true);
      assert.match(
        text(refused),
        /^The data file asks to turn custom plug-ins off while importing account \(disableplugins="true"\), which needs the prvBypassCustomPlugins privilege; the signed-in user \([0-9a-f-]+\) does not have it\. Nothing was imported\.\nWhat to do: .*bypassPlugins: "never"/,
      );
      assert.equal(dataTables(org).get('account')!.rows.has(id('a', 1)), false);
      const anyway = await h.call('pp_import_data', { dataFile: file, environment: org.url, bypassPlugins: 'never' });
      assert.equal(anyway.isError, undefined, text(anyway));
      assert.equal(orgData(org).pluginBypassWrites, 0);
    });
  });

  it('refuses a table whose metadata has no EntitySetName with a clear error, sending nothing to …/undefined', async () => {
    await withData(async (h) => {
      dataTables(h.org()).get('contoso_tag')!.entitySet = null;
      const tag = {
        name: 'contoso_tag',
        primaryname: 'contoso_name',
        fields: [
          ['contoso_tagid', 'guid'],
          ['contoso_name', 'string'],
        ] as Array<[string, string]>,
      };
      const file = await writeDataFile(
        h.work,
        'no-set.zip',
        schemaXml([tag]),
        dataXml([{ entity: 'contoso_tag', records: [{ id: id('e', 1), fields: [['contoso_name', 'Gold']] }] }]),
      );
      const result = await h.call('pp_import_data', { dataFile: file });
      assert.equal(result.isError, true);
      assert.match(text(result), /^Table "contoso_tag" has no entity set name in this environment's metadata \(EntitySetName is empty\)/);
      assert.equal(h.sandbox.requests.filter((r) => r.path.includes('undefined')).length, 0);
    });
  });

  it('refuses a file that is not a data zip, and names every table the environment lacks before writing anything', async () => {
    await withData(async (h) => {
      const plain = join(h.work, 'readme.zip');
      await writeZip(plain, [{ name: 'readme.txt', data: Buffer.from('x') }]);
      assert.match(
        text(await h.call('pp_import_data', { dataFile: plain })),
        /^dataFile: .*readme\.zip is not a Configuration Migration data zip: it needs data_schema\.xml and data\.xml at its root\. Nothing was imported\./,
      );
      const schema = schemaXml([
        ACCOUNT,
        { name: 'contoso_project', primaryname: 'contoso_name', fields: [['contoso_name', 'string']] },
        { name: 'contoso_task', primaryname: 'contoso_name', fields: [['contoso_name', 'string']] },
      ]);
      const file = await writeDataFile(h.work, 'missing.zip', schema, dataXml(accountsAndContacts(2).slice(0, 1)));
      const result = await h.call('pp_import_data', { dataFile: file });
      assert.match(
        text(result),
        /^The data file's schema names tables this environment does not have: contoso_project, contoso_task\. Nothing was imported\./,
      );
      assert.equal(dataTables(h.org()).get('account')!.rows.has(id('a', 1)), false);
    });
  });
});
