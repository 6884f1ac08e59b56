import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { describe, it } from 'node:test';
import { dataTables } from '../../src/sandbox/dataTables';
import { text } from '../helpers';
import { ACCOUNT, CONTACT, accountsAndContacts, dataXml, id, range, schemaXml, writeDataFile } from './files';
import { answerLate, structured, withData, type DataHarness } from './harness';

const count = (requests: Array<{ path: string; status: number }>, from: number, path: RegExp, status?: number) =>
  requests.slice(from).filter((r) => path.test(r.path) && (status === undefined || r.status === status)).length;

/** A data file of contacts with only a last name. */
function contactsFile(h: DataHarness, name: string, howMany: number): Promise<string> {
  const records = Array.from({ length: howMany }, (_, i) => ({
    id: id('c', i + 1),
    fields: [['lastname', `Contact ${i + 1}`]] as Array<[string, string]>,
  }));
  const fields: Array<[string, string]> = [
    ['contactid', 'guid'],
    ['lastname', 'string'],
  ];
  return writeDataFile(
    h.work,
    name,
    schemaXml([{ name: 'contact', primaryname: 'fullname', fields }]),
    dataXml([{ entity: 'contact', records }]),
  );
}

describe('pp_import_data under throttling and time budgets', () => {
  it('when throttling outlasts the time budget, returns what is done and a resume; calling again with it finishes without writing anything twice', async () => {
    await withData(async (h) => {
      const file = await writeDataFile(h.work, 'throttled.zip', schemaXml([ACCOUNT, CONTACT]), dataXml(accountsAndContacts(300)));
      // Some record batches are throttled with a Retry-After far beyond the budget.
      h.sandbox.faults.add({ kind: 'throttle', path: 'UpsertMultiple', rate: 0.3, retryAfterSeconds: 600 });
      const from = h.sandbox.requests.length;
      const first = await h.call('pp_import_data', { dataFile: file, batchSize: 50, parallelism: 1, timeBudgetSeconds: 60 });
      const partial = structured(first);
      assert.equal(partial.done, false, text(first));
      assert.match(partial.resume, /^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/, 'an id to give back: the server keeps the progress');
      const importedFirst = partial.entities.reduce((n: number, e: any) => n + e.imported, 0);
      assert.ok(importedFirst > 0 && importedFirst < 600, `part of the records went in (${importedFirst})`);
      assert.match(
        text(first),
        /The import stopped during the records pass: the service asked to wait 600 s, past the end of the time budget\. What is done is listed; call pp_import_data again with the same dataFile and this result's resume to finish/,
      );
      assert.ok(text(first).endsWith(`\nresume: ${partial.resume}`), 'a model reading only the text can finish the import too');
      const sentFirst = count(h.sandbox.requests, from, /UpsertMultiple$/, 204);
      assert.equal(sentFirst * 50, importedFirst, 'what the service accepted is what is counted');

      h.sandbox.faults.clear();
      const middle = h.sandbox.requests.length;
      const unknown = await h.call('pp_import_data', { dataFile: file, resume: randomUUID() });
      assert.equal(unknown.isError, true);
      assert.match(
        text(unknown),
        /^resume: no partial import [0-9a-f-]{36} is kept by this server .*Nothing was imported\.\nWhat to do: Call again without resume/,
      );
      const elsewhere = await h.call('pp_import_data', { environment: h.url('Contoso Test'), dataFile: file, resume: partial.resume });
      assert.match(
        text(elsewhere),
        /^resume: this partial import went into another environment \(https:\/\/[^)]+\)\. Nothing was imported\.\nWhat to do: Give the environment it went into/,
      );
      assert.equal(count(h.sandbox.requests, middle, /UpsertMultiple$/), 0, 'nothing written for an unknown resume, nor elsewhere');
      const second = await h.call('pp_import_data', { dataFile: file, batchSize: 50, resume: partial.resume });
      const done = structured(second);
      assert.equal(done.done, true, text(second));
      assert.equal(done.resume, null);
      assert.equal(
        count(h.sandbox.requests, middle, /UpsertMultiple$/),
        (600 - importedFirst) / 50,
        'only the batches not done are sent again',
      );
      assert.deepEqual(
        done.entities.map((e: any) => [e.name, e.records, e.imported, e.failed, e.lookups.set]),
        [
          ['account', 300, 300, 0, 300],
          ['contact', 300, 300, 0, 300],
        ],
      );
      const tables = dataTables(h.org());
      assert.equal(tables.get('account')!.rows.size, 300, 'no duplicates');
      assert.equal(tables.get('contact')!.rows.get(id('c', 300))!.parentcustomerid, id('a', 300));
    });
  });

  it('stops between passes when the lookups pass is throttled past the budget, and the next call does only the lookups', async () => {
    await withData(async (h) => {
      // Each account also has a parent account found nowhere: a lookup left unset, counted once.
      const account = {
        ...ACCOUNT,
        fields: [...ACCOUNT.fields, ['parentaccountid', 'entityreference', 'account'] as [string, string, string]],
      };
      const records = accountsAndContacts(100, {
        account: (i, fields) => void fields.push(['parentaccountid', id('f', i), 'account', `Gone ${i}`]),
      });
      const file = await writeDataFile(h.work, 'lookups.zip', schemaXml([account, CONTACT]), dataXml(records));
      h.sandbox.faults.add({ kind: 'throttle', path: 'UpdateMultiple', times: 100, retryAfterSeconds: 900 });
      const partial = structured(await h.call('pp_import_data', { dataFile: file, batchSize: 50 }));
      assert.equal(partial.done, false);
      assert.equal((await h.kept(partial.resume)).stage, 'lookups');
      // The contacts' lookups went in with them (their accounts were written first); the accounts' wait for the lookups pass.
      assert.deepEqual(
        partial.entities.map((e: any) => [e.imported, e.lookups.set, e.lookups.unresolved]),
        [
          [100, 0, 0],
          [100, 100, 0],
        ],
      );
      h.sandbox.faults.clear();
      const from = h.sandbox.requests.length;
      const done = structured(await h.call('pp_import_data', { dataFile: file, batchSize: 50, resume: partial.resume }));
      assert.equal(done.done, true);
      assert.equal(count(h.sandbox.requests, from, /UpsertMultiple$/), 0, 'no record is written again');
      assert.equal(count(h.sandbox.requests, from, /UpdateMultiple$/), 2);
      assert.deepEqual(
        done.entities.map((e: any) => [e.imported, e.lookups.set, e.lookups.unresolved]),
        [
          [100, 100, 100],
          [100, 100, 0],
        ],
      );
    });
  });

  it('stops with lookups set while records were still going in, and the next call writes each record and lookup once', async () => {
    await withData(async (h) => {
      // The first contacts have no account, so their batch waits for nothing and goes first; each other
      // contacts' batch waits for the accounts' batch holding its targets.
      const records = accountsAndContacts(100, {
        contact: (i, fields) => {
          if (i <= 25)
            fields.splice(
              fields.findIndex((f) => Array.isArray(f) && f[0] === 'parentcustomerid'),
              1,
            );
        },
      });
      const file = await writeDataFile(h.work, 'overlap.zip', schemaXml([ACCOUNT, CONTACT]), dataXml(records));
      // The last contacts' batch to reach the sandbox (which of the other three depends on which
      // accounts' batch was answered first) is answered late, then throttled past the budget:
      // meanwhile, the accounts whose contacts are in went on to the lookups pass, up to the first
      // whose contact waits.
      answerLate(h.sandbox, 'contacts/Microsoft.Dynamics.CRM.UpsertMultiple', 3, 2000, { kind: 'throttle', retryAfterSeconds: 900 });
      const from = h.sandbox.requests.length;
      const partial = structured(await h.call('pp_import_data', { dataFile: file, batchSize: 25 }));
      assert.equal(partial.done, false);
      assert.equal((await h.kept(partial.resume)).stage, 'records', 'the first pass is not over while a batch of it is not written');
      const rows = dataTables(h.org());
      const waiting = range(100).findIndex((n) => !rows.get('contact')!.rows.has(id('c', n)));
      assert.equal(waiting % 25, 0, 'a whole contacts batch waits');
      assert.ok(waiting >= 25, 'lookups were set while a batch of the first pass was still going in');
      assert.deepEqual(
        partial.entities.map((e: any) => [e.name, e.imported, e.lookups.set]),
        [
          ['account', 100, waiting],
          ['contact', 75, 50],
        ],
      );
      const accountsPointing = range(100).filter((n) => rows.get('account')!.rows.get(id('a', n))!.primarycontactid);
      assert.deepEqual(accountsPointing, range(waiting), 'the service holds the lookups the result counts');
      h.sandbox.faults.clear();
      const middle = h.sandbox.requests.length;
      const done = structured(await h.call('pp_import_data', { dataFile: file, batchSize: 25, resume: partial.resume }));
      assert.equal(done.done, true);
      assert.equal(count(h.sandbox.requests, middle, /accounts\/Microsoft\.Dynamics\.CRM\.UpsertMultiple$/), 0);
      assert.equal(count(h.sandbox.requests, middle, /contacts\/Microsoft\.Dynamics\.CRM\.UpsertMultiple$/), 1);
      assert.equal(
        count(h.sandbox.requests, from, /accounts\/Microsoft\.Dynamics\.CRM\.UpdateMultiple$/, 204),
        4,
        'each lookups batch once',
      );
      assert.deepEqual(
        done.entities.map((e: any) => [e.name, e.imported, e.lookups.set, e.lookups.failed]),
        [
          ['account', 100, 100, 0],
          ['contact', 100, 75, 0],
        ],
      );
      assert.equal(dataTables(h.org()).get('account')!.rows.get(id('a', 100))!.primarycontactid, id('c', 100));
    });
  });

  it('keeps going through throttling within the budget: retried past the HTTP client’s own attempts', async () => {
    await withData(async (h) => {
      const file = await writeDataFile(h.work, 'waits.zip', schemaXml([ACCOUNT, CONTACT]), dataXml(accountsAndContacts(40)));
      h.sandbox.faults.add({ kind: 'throttle', path: 'UpsertMultiple', times: 8, retryAfterSeconds: 0 });
      const from = h.sandbox.requests.length;
      const result = structured(await h.call('pp_import_data', { dataFile: file, parallelism: 1 }));
      assert.equal(result.done, true);
      assert.equal(count(h.sandbox.requests, from, /UpsertMultiple$/, 429), 8);
      assert.deepEqual(
        result.entities.map((e: any) => e.imported),
        [40, 40],
      );
    });
  });

  it('sends fewer requests at once as the rate-limit headers say the budget runs out, so few are throttled', async () => {
    await withData(
      async (h) => {
        const file = await contactsFile(h, 'paced.zip', 120);
        const from = h.sandbox.requests.length;
        const result = structured(await h.call('pp_import_data', { dataFile: file, batchSize: 4, parallelism: 8 }));
        assert.equal(result.entities[0].imported, 120);
        const writes = count(h.sandbox.requests, from, /UpsertMultiple$/);
        const throttled = count(h.sandbox.requests, from, /./, 429);
        assert.ok(writes >= 30);
        // Eight at once to the end would meet the exhausted window eight at a time.
        assert.ok(throttled <= 3, `${throttled} requests were throttled`);
      },
      { serviceProtection: { requests: 30, windowSeconds: 1 } },
    );
  });
});

describe('pp_import_data: batches that wait for their targets', () => {
  /** Ten accounts with only their id and name, then ten contacts pointing at them. */
  const accountsThenContacts = () => accountsAndContacts(10, { account: (_, fields) => fields.splice(2) });

  it('reads on while a batch waits for the batch holding its lookups’ targets, and sends the batches that wait for nothing', async () => {
    await withData(async (h) => {
      // Then ten contacts pointing at nothing.
      const [accounts, contacts] = accountsThenContacts();
      for (let n = 11; n <= 20; n++)
        contacts!.records.push({
          id: id('c', n),
          fields: [
            ['contactid', id('c', n)],
            ['lastname', `Contact ${n}`],
          ],
        });
      const file = await writeDataFile(h.work, 'waiting.zip', schemaXml([ACCOUNT, CONTACT]), dataXml([accounts!, contacts!]));
      // The accounts' batch is answered 1.5 s late; the first contacts' batch waits for it.
      answerLate(h.sandbox, 'accounts/Microsoft.Dynamics.CRM.UpsertMultiple', 0, 1500);
      const from = h.sandbox.requests.length;
      const result = structured(await h.call('pp_import_data', { dataFile: file, batchSize: 10, parallelism: 4 }));
      assert.deepEqual(
        result.entities.map((e: any) => [e.name, e.imported, e.lookups.set]),
        [
          ['account', 10, 0],
          ['contact', 20, 10],
        ],
      );
      // Answered in this order: the contacts that wait for nothing went while the accounts were on their way.
      const writes = h.sandbox.requests
        .slice(from)
        .filter((r) => r.path.endsWith('UpsertMultiple'))
        .map((r) => r.path.split('/').at(-2));
      assert.deepEqual(writes, ['contacts', 'accounts', 'contacts']);
      assert.equal(dataTables(h.org()).get('contact')!.rows.get(id('c', 1))!.parentcustomerid, id('a', 1));
    });
  });

  it('when the file turns out damaged, sends the batches already queued before it answers, and nothing after', async () => {
    await withData(async (h) => {
      const whole = dataXml(accountsThenContacts());
      // After the contacts, pieces of the file further on (the reader takes 32 KB at a time), an element that is never closed.
      const damaged = whole.replace(/<\/entities>\s*$/, `${' '.repeat(256 * 1024)}<entity name="contact"><records></entities>`);
      const file = await writeDataFile(h.work, 'damaged.zip', schemaXml([ACCOUNT, CONTACT]), damaged);
      // The contacts' batch is queued behind the accounts', answered 1.5 s late, when the reader meets the damage.
      answerLate(h.sandbox, 'accounts/Microsoft.Dynamics.CRM.UpsertMultiple', 0, 1500);
      const from = h.sandbox.requests.length;
      const call = await h.call('pp_import_data', { dataFile: file, batchSize: 10, parallelism: 4 });
      const answeredBefore = h.sandbox.requests.length;
      const result = structured(call);
      assert.equal(result.done, false);
      assert.match(text(call), /The import stopped during the records pass/);
      assert.deepEqual(
        result.entities.map((e: any) => [e.name, e.imported]),
        [
          ['account', 10],
          ['contact', 10],
        ],
      );
      assert.equal(count(h.sandbox.requests, from, /contacts\/Microsoft\.Dynamics\.CRM\.UpsertMultiple$/, 204), 1);
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(h.sandbox.requests.length, answeredBefore, 'no request after the answer');
    });
  });
});

describe('pp_import_data: how many requests at once', () => {
  /**
   * Imports 300 contacts in 30 requests; returns the result and the most writes that were waiting for
   * their answer at once, counted where undici sends them (its diagnostics channels).
   */
  async function importCounting(
    h: DataHarness,
    args: Record<string, unknown>,
    environment = 'Contoso (default)',
  ): Promise<{ result: any; atOnce: number }> {
    const file = await contactsFile(h, `at-once-${h.sandbox.requests.length}.zip`, 300);
    const origin = new URL(h.url(environment)).origin;
    const isWrite = (request: { origin?: unknown; path: string }) =>
      String(request.origin) === origin && request.path.endsWith('/Microsoft.Dynamics.CRM.UpsertMultiple');
    let waiting = 0;
    let atOnce = 0;
    const sent = (message: unknown) => {
      if (isWrite((message as { request: { path: string } }).request)) atOnce = Math.max(atOnce, ++waiting);
    };
    const answered = (message: unknown) => {
      if (isWrite((message as { request: { path: string } }).request)) waiting--;
    };
    subscribe('undici:client:sendHeaders', sent);
    subscribe('undici:request:headers', answered);
    subscribe('undici:request:error', answered);
    try {
      const result = structured(
        await h.call('pp_import_data', { environment: h.url(environment), dataFile: file, batchSize: 10, ...args }),
      );
      assert.equal(result.entities[0].imported, 300);
      return { result, atOnce };
    } finally {
      unsubscribe('undici:client:sendHeaders', sent);
      unsubscribe('undici:request:headers', answered);
      unsubscribe('undici:request:error', answered);
    }
  }

  it('follows the degree of parallelism the environment recommends (x-ms-dop-hint) when none is given', async () => {
    await withData(
      async (h) => {
        h.org().parallelismHint = 8;
        const { result, atOnce } = await importCounting(h, {});
        assert.ok(atOnce > 4 && atOnce <= 8, `${atOnce} writes at once`);
        assert.ok(
          result.notes.some((n: string) => n.includes('x-ms-dop-hint: 8 at the start')),
          result.notes.join('\n'),
        );

        // Another environment, which sends no hint: its own client has none (this one's keeps 8).
        h.org('Contoso Test').parallelismHint = null;
        const without = await importCounting(h, {}, 'Contoso Test');
        assert.ok(without.atOnce > 1 && without.atOnce <= 4, `${without.atOnce} writes at once`);
        assert.ok(
          without.result.notes.some((n: string) => n.startsWith('Up to 4 requests at once')),
          without.result.notes.join('\n'),
        );
      },
      // Long enough for data.xml to be read before the first answers: every slot fills.
      { latencyMs: 150 },
    );
  });

  it('refuses a parallelism outside 1 to 52 by name, before anything is written', async () => {
    await withData(async (h) => {
      const file = await contactsFile(h, 'refused.zip', 10);
      for (const parallelism of [0, 53, 2.5]) {
        const from = h.sandbox.requests.length;
        const result = await h.call('pp_import_data', { dataFile: file, parallelism });
        assert.equal(result.isError, true);
        const message = text(result);
        assert.match(message, /parallelism/);
        assert.doesNotMatch(message, /\n\s+at /, 'no stack trace');
        assert.equal(count(h.sandbox.requests, from, /UpsertMultiple$/), 0);
      }
    });
  });

  it('keeps the parallelism the caller gives, saying so when it is above what the environment recommends', async () => {
    await withData(
      async (h) => {
        h.org().parallelismHint = 8;
        const below = await importCounting(h, { parallelism: 2 });
        assert.equal(below.atOnce, 2);
        assert.ok(!below.result.notes.some((n: string) => n.includes('x-ms-dop-hint')), below.result.notes.join('\n'));

        const above = await importCounting(h, { parallelism: 12 });
        assert.ok(above.atOnce > 8 && above.atOnce <= 12, `${above.atOnce} writes at once`);
        assert.ok(
          above.result.notes.includes(
            'parallelism 12 is more than the 8 requests at once this environment recommends now (x-ms-dop-hint); leave parallelism out to follow it.',
          ),
          above.result.notes.join('\n'),
        );
      },
      // Long enough for data.xml to be read before the first answers: every slot fills.
      { latencyMs: 150 },
    );
  });
});
