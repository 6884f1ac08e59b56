import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, it } from 'node:test';
import { ToolError } from '../../src/callerError';
import { readDataBatches } from '../../src/data/cmtDataReader';
import { own, type CmtEvent } from '../../src/data/cmtRecords';
import { openDataFile } from '../../src/data/dataPackage';
import { fromCmtValue, toCmtValue } from '../../src/data/cmtValues';
import type { TablePlan } from '../../src/data/importPlan';
import { firstPass } from '../../src/data/recordBody';
import { LookupResolver } from '../../src/data/lookups';
import { Dispatcher, chooseParallelism } from '../../src/data/dispatcher';
import { nextPagingCookie } from '../../src/data/fetchPaging';
import { PlatformError } from '../../src/platform/errors';
import { ImportProgress, RangeSet, type ResumeState } from '../../src/data/importProgress';
import { readAhead } from '../../src/data/readAhead';
import { keyOf, sameByCollation } from '../../src/data/compareValues';
import { Spool } from '../../src/data/spool';
import { writeZip } from '../../src/solutions/zipWriter';
import { ACCOUNT, accountsAndContacts, dataXml, range, schemaXml } from './files';

/** A plan for a contact table: a few column types, a column Dataverse sets itself, one the environment lacks, a polymorphic lookup. */
function contactPlan(): TablePlan {
  const fields = [
    ['contactid', 'guid'],
    ['lastname', 'string'],
    ['numberofchildren', 'number'],
    ['donotemail', 'bool'],
    ['creditlimit', 'money'],
    ['birthdate', 'datetime'],
    ['statecode', 'state'],
    ['statuscode', 'status'],
    ['parentcustomerid', 'entityreference'],
    ['createdon', 'datetime'],
    ['gone', 'string'],
  ].map(([name, type]) => ({ name: name!, displayname: name!, type: type! }));
  const column = (name: string) => ({ name, validForCreate: true, validForUpdate: true });
  const columns = new Map<string, unknown>(fields.map((f) => [f.name, column(f.name)]));
  columns.set('birthdate', { ...column('birthdate'), date: { dateOnly: true, floating: true } });
  return {
    entity: {
      name: 'contact',
      displayname: 'Contact',
      primaryidfield: 'contactid',
      primarynamefield: 'lastname',
      disableplugins: false,
      fields,
      relationships: [],
    },
    fields: new Map(fields.map((f) => [f.name, f])),
    method: 'UpsertMultiple',
    updateMethod: 'UpdateMultiple',
    target: { logicalName: 'contact', entitySet: 'contacts', headers: {} },
    systemSet: new Set(['createdon']),
    missing: new Set(['gone']),
    meta: {
      logicalName: 'contact',
      entitySet: 'contacts',
      primaryId: 'contactid',
      primaryName: 'lastname',
      columns,
      lookups: new Map([
        [
          'parentcustomerid',
          [
            { navigation: 'parentcustomerid_account', target: 'account' },
            { navigation: 'parentcustomerid_contact', target: 'contact' },
          ],
        ],
      ]),
    },
  } as unknown as TablePlan;
}

/** Batches of two numbers, counting how many were asked for and whether the source was closed. */
function counted(batches: number, failAfter?: number) {
  const state = { pulled: 0, closed: false };
  const source = (async function* () {
    try {
      for (let i = 0; i < batches; i++) {
        if (i === failAfter) throw new Error('data.xml is not well-formed XML');
        state.pulled++;
        yield [2 * i, 2 * i + 1];
      }
    } finally {
      state.closed = true;
    }
  })();
  return { state, source };
}

const settled = () => new Promise((resolve) => setImmediate(resolve));

describe('data import parts', () => {
  it('tells updateCompare values apart as the default collation does: case, accents, width and trailing spaces aside', () => {
    assert.equal(keyOf(['Fàbrikam  ', 5, null]), keyOf(['FABRIKAM', 5, undefined]));
    assert.equal(keyOf(['ＡＢＣ']), keyOf(['abc']));
    assert.notEqual(keyOf(['Fabrikam\t']), keyOf(['Fabrikam']), 'only spaces are trailing');
    assert.notEqual(keyOf(['5']), keyOf([5]));
    assert.notEqual(keyOf([false]), keyOf([null]));
    assert.equal(keyOf(['Straße', 'Æther']), keyOf(['STRASSE', 'aether']), 'letters the collation takes as two');
    // What a key does not fold is compared letter by letter.
    assert.notEqual(keyOf(['Ørsted']), keyOf(['ORSTED']));
    assert.equal(sameByCollation(['Ørsted', 3], ['ORSTED ', 3]), true);
    assert.equal(sameByCollation(['Ørsted', 3], ['ORSTED', 4]), false);
    assert.equal(sameByCollation(['Orsted'], ['Orsteds']), false);
  });

  it('refuses data.xml clearly when the zip is damaged there, or changed after it was opened', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'power-agent-data-zip-'));
    try {
      const file = join(dir, 'data.zip');
      const members = [
        { name: 'data_schema.xml', data: Buffer.from(schemaXml([ACCOUNT])) },
        { name: 'data.xml', data: Buffer.from(dataXml(accountsAndContacts(3).slice(0, 1))) },
      ];
      const refused = (why: RegExp) => (error: unknown) =>
        error instanceof ToolError &&
        /^dataFile: data\.zip is damaged, or changed while it was being read \(/.test(error.message) &&
        why.test(error.message);
      // data.xml's local header no longer where the zip's directory says.
      await writeZip(file, members);
      const bytes = readFileSync(file);
      const header = bytes.lastIndexOf(Buffer.from([0x50, 0x4b, 0x03, 0x04]), bytes.indexOf('data.xml'));
      bytes.write('XX', header, 'latin1');
      writeFileSync(file, bytes);
      const damaged = await openDataFile(file, 'data.zip');
      await assert.rejects(damaged.openData(), refused(/data\.xml has no local header where the zip says/));
      damaged.close();
      // Bytes in the middle of data.xml's deflated data that do not inflate as they should.
      await writeZip(file, [members[0]!, { name: 'data.xml', data: Buffer.from(dataXml(accountsAndContacts(50))) }]);
      const deflated = readFileSync(file);
      const from = deflated.indexOf('data.xml') + 'data.xml'.length;
      deflated.fill(0xff, from + 200, from + 260);
      writeFileSync(file, deflated);
      const garbled = await openDataFile(file, 'data.zip');
      await assert.rejects(
        async () => {
          for await (const _chunk of await garbled.openData());
        },
        refused(/data\.xml/),
      );
      garbled.close();
      // Fewer bytes than the zip's directory declares for data.xml.
      await writeZip(file, members);
      const declaring = readFileSync(file);
      const directory = declaring.lastIndexOf('data.xml') - 46;
      declaring.writeUInt32LE(declaring.readUInt32LE(directory + 24) + 10, directory + 24);
      writeFileSync(file, declaring);
      const short = await openDataFile(file, 'data.zip');
      await assert.rejects(
        async () => {
          for await (const _chunk of await short.openData());
        },
        refused(/data\.xml holds \d+ of the \d+ bytes the zip declares/),
      );
      short.close();
      // Cut short by another program after it was opened.
      await writeZip(file, members);
      const opened = await openDataFile(file, 'data.zip');
      truncateSync(file, 100);
      await assert.rejects(opened.openData(), refused(/./));
      opened.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads batches ahead up to its limit before it is iterated, then gives every batch in order', async () => {
    const { state, source } = counted(10);
    const ahead = readAhead(source, 5);
    await settled();
    assert.equal(state.pulled, 3, 'three batches of two hold the five items asked for');
    const read: number[] = [];
    for await (const batch of ahead) read.push(...batch);
    assert.deepEqual(
      read,
      Array.from({ length: 20 }, (_, i) => i),
    );
    assert.equal(state.closed, true);
  });

  it('gives what it read ahead before a failure, then the failure', async () => {
    const { source } = counted(10, 1);
    const ahead = readAhead(source, 100);
    await settled();
    const read: number[] = [];
    await assert.rejects(async () => {
      for await (const batch of ahead) read.push(...batch);
    }, /not well-formed/);
    assert.deepEqual(read, [0, 1]);
  });

  it('closes its source when closed before it is iterated', async () => {
    const { state, source } = counted(10);
    const ahead = readAhead(source, 3);
    await ahead.close();
    assert.equal(state.closed, true);
    assert.ok(state.pulled <= 2);
  });

  it('keeps the first spooled items in memory and the rest on disk, giving them back in order, and removes its file', async () => {
    const spool = new Spool<{ n: number }>(2);
    for (let n = 1; n <= 5; n++) await spool.add({ n });
    await spool.seal();
    const read = [];
    for await (const items of spool.chunks()) for (const item of items) read.push(item.n);
    assert.deepEqual(read, [1, 2, 3, 4, 5]);
    const dir = (spool as unknown as { dir: string }).dir;
    assert.ok(existsSync(dir));
    await spool.remove();
    assert.equal(existsSync(dir), false);
  });

  it('spools thousands of items to disk with the caller waiting only when asked to, and gives them all back in order', async () => {
    const spool = new Spool<{ n: number }>(1);
    let waits = 0;
    for (let n = 1; n <= 3000; n++) {
      const wait = spool.add({ n });
      if (wait) {
        waits++;
        await wait;
      }
    }
    await spool.seal();
    assert.ok(waits > 0 && waits < 100, `${waits} waits`);
    let expected = 1;
    for await (const items of spool.chunks()) for (const item of items) assert.equal(item.n, expected++);
    assert.equal(expected, 3001);
    await spool.remove();
  });

  it('reads data.xml from chunks cut anywhere, even inside a character, with party lists and links', async () => {
    const xml = Buffer.from(
      '\uFEFF\r\n<entities timestamp="x"><entity name="Appointment" displayname="A"><records><record id="{B0000001-0000-4000-8000-000000000000}"><field name="subject" value="Café &amp; ☕" /><field name="organizer" value="" lookupentity="" lookupentityname=""><activitypointerrecords id="e0000001-0000-4000-8000-000000000000"><field name="partyid" value="c0000001-0000-4000-8000-000000000000" lookupentity="contact" /></activitypointerrecords></field></record></records><m2mrelationships><m2mrelationship sourceid="b0000001-0000-4000-8000-000000000000" targetentityname="contact" targetentitynameidfield="contactid" m2mrelationshipname="x_y"><targetids><targetid>C0000001-0000-4000-8000-000000000000</targetid></targetids></m2mrelationship></m2mrelationships></entity></entities>',
    );
    const chunks = async function* () {
      for (let i = 0; i < xml.length; i += 7) yield xml.subarray(i, i + 7);
    };
    const events: CmtEvent[] = [];
    for await (const batch of readDataBatches(chunks(), 'data.xml')) events.push(...batch);
    assert.deepEqual(
      events.map((e) => e.kind),
      ['entity', 'record', 'association'],
    );
    const record = events[1] as Extract<CmtEvent, { kind: 'record' }>;
    assert.equal(record.entity, 'appointment');
    assert.equal(record.record.id, 'b0000001-0000-4000-8000-000000000000');
    assert.equal(record.record.fields[0]!.value, 'Café & ☕');
    assert.deepEqual(record.record.fields[1]!.parties, [
      {
        id: 'e0000001-0000-4000-8000-000000000000',
        fields: [{ name: 'partyid', value: 'c0000001-0000-4000-8000-000000000000', lookupentity: 'contact' }],
      },
    ]);
    assert.deepEqual((events[2] as Extract<CmtEvent, { kind: 'association' }>).association.targetIds, [
      'c0000001-0000-4000-8000-000000000000',
    ]);
  });

  it("reads a field's lookup attributes whatever else it has, and ids in any of their forms", async () => {
    const xml =
      '<entities><entity name="account"><records><record id=" {A0000001-0000-4000-8000-00000000000F} ">' +
      '<field name="a" lookupentity="Contact" />' +
      '<field value="c0000001-0000-4000-8000-000000000000" name="B" lookupentityname="Pat" lookupentity="CONTACT" />' +
      '<field name="c" value="plain" />' +
      '</record><record id="a0000002-0000-4000-8000-000000000000" /></records></entity></entities>';
    const events: CmtEvent[] = [];
    for await (const batch of readDataBatches([Buffer.from(xml)], 'data.xml')) events.push(...batch);
    const records = events.flatMap((e) => (e.kind === 'record' ? [e.record] : []));
    assert.deepEqual(
      records.map((r) => r.id),
      ['a0000001-0000-4000-8000-00000000000f', 'a0000002-0000-4000-8000-000000000000'],
    );
    assert.deepEqual(records[0]!.fields, [
      { name: 'a', value: '', lookupentity: 'contact' },
      { name: 'b', value: 'c0000001-0000-4000-8000-000000000000', lookupentity: 'contact', lookupentityname: 'Pat' },
      { name: 'c', value: 'plain' },
    ]);
  });

  it('refuses a data.xml that declares a DOCTYPE or is not well-formed, naming the file', async () => {
    const read = async (text: string) => {
      for await (const _ of readDataBatches([Buffer.from(text)], 'data.xml'));
    };
    await assert.rejects(read('<!DOCTYPE x [<!ENTITY a "b">]><entities />'), /data\.xml declares a DOCTYPE/);
    await assert.rejects(read('<entities><entity></entities>'), /data\.xml is not well-formed XML/);
    await assert.rejects(read('<records />'), /data\.xml is not a Configuration Migration data file \(its root is <records>/);
  });

  it('converts values both ways as the tool writes them', () => {
    assert.deepEqual(fromCmtValue('optionsetvaluecollection', '[-1,5,7,-1]'), { value: '5,7' });
    assert.deepEqual(fromCmtValue('optionsetvaluecollection', '[-1,-1]'), { value: null });
    assert.deepEqual(fromCmtValue('datetime', '1/29/2014 5:00:00 PM'), { value: '2014-01-29T17:00:00Z' });
    assert.deepEqual(fromCmtValue('datetime', '2002-05-24T00:00:00.0000000', { dateOnly: true, floating: true }), { value: '2002-05-24' });
    assert.deepEqual(fromCmtValue('money', '4325.0000000000'), { value: 4325 });
    assert.deepEqual(fromCmtValue('bool', 'yes'), { problem: '"yes" is not True or False' });
    assert.equal(toCmtValue('optionsetvaluecollection', '5,7'), '[-1,5,7,-1]');
    // Ten places as the tool writes decimals, and every place a value has beyond them (an exchange rate has twelve).
    assert.equal(toCmtValue('decimal', 2.5), '2.5000000000');
    assert.equal(toCmtValue('decimal', 1.000000000001), '1.000000000001');
    assert.equal(toCmtValue('decimal', 1.5e-11), '0.000000000015');
    assert.equal(toCmtValue('decimal', 12), '12.0000000000');
    assert.equal(toCmtValue('datetime', '2002-05-24', { dateOnly: true, floating: true }), '2002-05-24T00:00:00.0000000');
    assert.equal(toCmtValue('datetime', '2021-07-21T15:02:00Z'), '2021-07-21T15:02:00.0000000Z');
  });

  it('keeps a copy of a string cut from a chunk of data.xml without keeping the chunk', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const cut = (keep: (text: string) => string) => {
      gc();
      const before = process.memoryUsage().heapUsed;
      // 50 chunks of 1 MB, a 36-character id cut from each: a plain cut keeps its whole chunk.
      const kept = Array.from({ length: 50 }, (_, i) => keep(`${String(i).padStart(8, '0')}${'x'.repeat(1 << 20)}`.slice(4, 40)));
      gc();
      return { kept, grownMb: (process.memoryUsage().heapUsed - before) / 2 ** 20 };
    };
    assert.ok(cut((text) => text).grownMb > 40, 'a plain cut keeps its chunks (the check can tell)');
    const owned = cut(own);
    assert.ok(owned.grownMb < 5, `own kept ${owned.grownMb.toFixed(1)} MB`);
    assert.equal(owned.kept[7], `0007${'x'.repeat(32)}`);
    // Any text comes back whole: characters of two to four bytes, and text longer than the copy's buffer.
    for (const text of ['', 'Zoë Ørsted 北京 😀', `${'é'.repeat(1024)}`, `${'€'.repeat(1025)}😀`, 'x'.repeat(5000)])
      assert.equal(own(`<${text}>`.slice(1, -1)), text);
  });

  it("builds a record's first-pass body as the Web API wants it", () => {
    const plan = contactPlan();
    const record = (fields: Array<[string, string]>, extra: Record<string, string> = {}) => ({
      id: 'c0000001-0000-4000-8000-000000000000',
      fields: fields.map(([name, value]) => ({ name, value, ...(name === 'parentcustomerid' ? extra : {}) })),
    });
    const built = firstPass(
      plan,
      record(
        [
          ['contactid', 'c0000001-0000-4000-8000-000000000000'],
          ['lastname', 'O"Brien \\ Café'],
          ['numberofchildren', '2'],
          ['donotemail', 'False'],
          ['creditlimit', ' 1250.5000 '],
          ['birthdate', '1/29/2014 5:00:00 AM'],
          ['lastname', 'Second'],
          ['createdon', '2020-01-01T00:00:00.0000000Z'],
          ['gone', 'x'],
          ['statecode', '0'],
          ['statuscode', '1'],
          ['parentcustomerid', '{A0000001-0000-4000-8000-000000000000}'],
        ],
        { lookupentity: 'account', lookupentityname: 'Fabrikam' },
      ),
    );
    assert.deepEqual(
      built.body,
      {
        '@odata.type': 'Microsoft.Dynamics.CRM.contact',
        contactid: 'c0000001-0000-4000-8000-000000000000',
        lastname: 'Second',
        numberofchildren: 2,
        donotemail: false,
        creditlimit: 1250.5,
        birthdate: '2014-01-29',
        statecode: 0,
        statuscode: 1,
      },
      'a field given twice keeps its last value; system-set and missing columns are left out',
    );
    assert.deepEqual(built.binds, [
      { field: 'parentcustomerid', id: 'a0000001-0000-4000-8000-000000000000', entity: 'account', name: 'Fabrikam' },
    ]);
    assert.equal('problem' in built, false);

    const inactive = firstPass(
      plan,
      record([
        ['statecode', '1'],
        ['statuscode', '2'],
        ['numberofchildren', 'two'],
      ]),
    );
    assert.deepEqual(inactive.body, { '@odata.type': 'Microsoft.Dynamics.CRM.contact', contactid: 'c0000001-0000-4000-8000-000000000000' });
    assert.deepEqual(inactive.state, { statecode: 1, statuscode: 2 }, 'another state is set by update afterwards');
    assert.equal((inactive as { problem?: string }).problem, 'numberofchildren: "two" is not a whole number');
  });

  it('binds a lookup through the navigation property of the table its target is in', () => {
    const plan = contactPlan();
    const inFile = new Map([
      ['a0000001-0000-4000-8000-000000000000', 'account'],
      ['c0000002-0000-4000-8000-000000000000', 'contact'],
    ]);
    const resolver = new LookupResolver(new Map([['contact', plan]]), inFile, new Set());
    (resolver as unknown as { keys: Map<string, unknown> }).keys.set('account', {
      entitySet: 'accounts',
      primaryId: 'accountid',
      primaryName: 'name',
    });
    const outcome = resolver.binds(
      plan,
      [
        { field: 'parentcustomerid', id: 'a0000001-0000-4000-8000-000000000000', entity: 'contact' },
        { field: 'parentcustomerid', id: 'c0000002-0000-4000-8000-000000000000' },
        { field: 'parentcustomerid', id: 'a0000001-0000-4000-8000-000000000000' },
      ],
      undefined,
    );
    assert.deepEqual(outcome.body, {
      'parentcustomerid_account@odata.bind': '/accounts(a0000001-0000-4000-8000-000000000000)',
      'parentcustomerid_contact@odata.bind': '/contacts(c0000002-0000-4000-8000-000000000000)',
    });
    assert.equal(outcome.set, 3);
  });

  it('follows the parallelism the responses recommend as it changes, within the rate-limit budget, unless told a number', () => {
    const answer = (headers: Record<string, string>) => ({ get: (name: string) => headers[name] ?? null });
    const options = { parallelism: 4, deadline: Date.now() + 60_000, signal: new AbortController().signal };
    const following = new Dispatcher({ ...options, followHint: true });
    const fixed = new Dispatcher(options);
    // Dataverse sends the budget left with every answer.
    const ample = { 'x-ms-ratelimit-burst-remaining-xrm-requests': '6000' };
    try {
      following.observe(answer({ ...ample, 'x-ms-dop-hint': '8' }));
      assert.equal(following.concurrency, 8);
      following.observe(answer({ ...ample, 'x-ms-dop-hint': '2' }));
      assert.equal(following.concurrency, 2);
      following.observe(answer({ ...ample, 'x-ms-dop-hint': '300' }));
      assert.equal(following.concurrency, 52, "Dataverse's default limit of requests at once per user");
      following.observe(answer({ 'x-ms-dop-hint': '8', 'x-ms-ratelimit-burst-remaining-xrm-requests': '6' }));
      assert.equal(following.concurrency, 3, 'twice the requests in flight kept in reserve');
      for (const unusable of ['many', '0', '-1', '2.5', '']) following.observe(answer({ ...ample, 'x-ms-dop-hint': unusable }));
      assert.equal(following.concurrency, 8, 'an unusable hint leaves the last usable one');
      following.observe(answer({ 'x-ms-dop-hint': '5' }));
      assert.equal(following.concurrency, 5, 'a lower hint is followed at once, without the budget');
      following.observe(answer({ 'x-ms-dop-hint': '20' }));
      assert.equal(following.concurrency, 5, 'a higher one waits for the budget');
      following.observe(answer({ ...ample }));
      assert.equal(following.concurrency, 20);
      fixed.observe(answer({ ...ample, 'x-ms-dop-hint': '8' }));
      assert.equal(fixed.concurrency, 4);
    } finally {
      following.close();
      fixed.close();
    }
  });

  it('after a throttling sends half as many at once, once for the requests throttled together, and climbs back one answer at a time', async () => {
    let clock = 0;
    const dispatcher = new Dispatcher({
      parallelism: 8,
      deadline: 60_000,
      signal: new AbortController().signal,
      now: () => clock,
      // A wait ends on a later turn, as a timer would: requests throttled together all see the same clock.
      sleep: async (ms) => {
        const until = clock + ms;
        await new Promise((resolve) => setImmediate(resolve));
        clock = Math.max(clock, until);
      },
    });
    const ample = { get: (name: string) => (name === 'x-ms-ratelimit-burst-remaining-xrm-requests' ? '6000' : null) };
    const throttled = () => new PlatformError({ service: 'dataverse', status: 429, code: '', message: 'throttled', retryAfterMs: 1000 });
    try {
      // Three requests throttled together, then each answered after the pause.
      let release!: () => void;
      const together = new Promise<void>((resolve) => (release = resolve));
      const runs = await Promise.all(
        [1, 2, 3].map(() => {
          let first = true;
          return dispatcher.submit(
            async () => {
              if (first) {
                first = false;
                await together;
                throw throttled();
              }
              return ample;
            },
            () => undefined,
          );
        }),
      );
      release();
      await Promise.all(runs.map((r) => r.settled));
      // Halved once (8 → 4), then one more for each of the three answers.
      assert.equal(dispatcher.throttles, 3);
      assert.equal(dispatcher.concurrency, 7);
      await (
        await dispatcher.submit(
          async () => ample,
          () => undefined,
        )
      ).settled;
      assert.equal(dispatcher.concurrency, 8, 'back to the parallelism it was given, no further');
      await (
        await dispatcher.submit(
          async () => ample,
          () => undefined,
        )
      ).settled;
      assert.equal(dispatcher.concurrency, 8);
    } finally {
      dispatcher.close();
    }
  });

  it('never runs more tasks at once than its limit, however many are submitted together or woken together', async () => {
    const dispatcher = new Dispatcher({ parallelism: 3, deadline: Date.now() + 60_000, signal: new AbortController().signal });
    let running = 0;
    let most = 0;
    let started = 0;
    const ends: Array<() => void> = [];
    const task = async () => {
      started++;
      most = Math.max(most, ++running);
      await new Promise<void>((resolve) => ends.push(resolve));
      running--;
      return undefined;
    };
    try {
      // Ten submitted at once: seven wait, and each end wakes all of them.
      const submitted = Array.from({ length: 10 }, () => dispatcher.submit(task, () => undefined));
      for (let turns = 0; started < 10 && turns < 100; turns++) {
        await new Promise((resolve) => setImmediate(resolve));
        ends.shift()?.();
        assert.ok(running <= 3, `${running} tasks at once`);
      }
      assert.equal(started, 10);
      for (const end of ends.splice(0)) end();
      await Promise.all((await Promise.all(submitted)).map((s) => s.settled));
      assert.equal(most, 3);
    } finally {
      dispatcher.close();
    }
  });

  it("chooses how many requests go at once: the number given, else the environment's, else 4", () => {
    assert.deepEqual(chooseParallelism(6, 8), { parallelism: 6, follow: false, note: undefined });
    assert.match(chooseParallelism(12, 8).note!, /^parallelism 12 is more than the 8 requests at once/);
    assert.deepEqual(chooseParallelism(undefined, undefined).parallelism, 4);
    const capped = chooseParallelism(undefined, 300);
    assert.equal(capped.parallelism, 52);
    assert.match(capped.note!, /x-ms-dop-hint: 300 at the start, at most 52\)/);
  });

  it('keeps done items as merged ranges', () => {
    const set = new RangeSet();
    for (const n of [0, 1, 2, 5, 4, 3, 9]) set.add(n);
    assert.deepEqual(set.toJSON(), [
      [0, 6],
      [9, 10],
    ]);
    assert.deepEqual(
      [0, 5, 6, 8, 9].map((n) => set.has(n)),
      [true, true, false, false, true],
    );
  });

  it("keeps each pass's done records per table through a resume, and forgets a pass once it is finished", () => {
    const progress = new ImportProgress('file', 'https://contoso.crm.dynamics.com');
    for (const n of [0, 1, 2]) progress.markDone('records', 'account', n);
    progress.markDone('records', 'contact', 7);
    progress.finish('records');
    progress.markDone('lookups', 'account', 3);
    const state = progress.toJSON();
    assert.deepEqual(state.done, { 'lookups:account': [[3, 4]] });
    // A later pass's records too, as a state from a newer call could hold them, and a key that names no pass.
    const done: ResumeState['done'] = { ...progress.toJSON().done, 'states:contact': [[0, 2]], lookupsX: [[2, 3]] };
    const resumed = ImportProgress.resume({ ...state, done });
    assert.equal(resumed.stage, 'lookups');
    // A pass before the current one is done as a whole; within it and after, only what was marked.
    assert.equal(resumed.isDone('records', 'contact', 99), true);
    assert.deepEqual(
      [2, 3, 4].map((n) => resumed.isDone('lookups', 'account', n)),
      [false, true, false],
    );
    assert.equal(resumed.isDone('lookups', 'contact', 3), false);
    assert.equal(resumed.isDone('lookups', 'lookupsX', 2), false);
    assert.deepEqual(
      [0, 1, 2].map((n) => resumed.isDone('states', 'contact', n)),
      [true, true, false],
    );
    resumed.finish('lookups');
    assert.deepEqual(resumed.toJSON().done, { 'states:contact': [[0, 2]] });
  });

  it('counts every refused record through a resume, though it keeps only the first 100', () => {
    const progress = new ImportProgress('file', 'https://contoso.crm.dynamics.com');
    for (const n of range(150)) progress.fail({ table: 'account', id: `id-${n}`, message: 'refused', correlationId: null }, true);
    const resumed = ImportProgress.resume(progress.toJSON());
    resumed.fail({ table: 'account', id: 'one-more', message: 'refused', correlationId: null }, true);
    assert.deepEqual([resumed.failureCount, resumed.toJSON().failures.length], [151, 100]);
  });
});

describe('FetchXML paging cookie', () => {
  it("is the annotation's pagingcookie attribute decoded twice, in lower- or upper-case percent escapes", () => {
    const cookie =
      '<cookie page="3"><contactid last="{0A1B2C3D-0000-4000-8000-00000000000A}" first="{0A1B2C3D-0000-4000-8000-000000000001}" /></cookie>';
    // The service escapes in lower case (%253c); encodeURIComponent in upper case (%253C).
    const lower = encodeURIComponent(encodeURIComponent(cookie)).replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase());
    for (const encoded of [lower, encodeURIComponent(encodeURIComponent(cookie))]) {
      const annotation = `<cookie pagenumber="4" pagingcookie="${encoded}" istracking="False" />`;
      assert.equal(nextPagingCookie(annotation), cookie);
    }
    assert.equal(nextPagingCookie(undefined), undefined, 'no annotation: no cookie');
    assert.equal(nextPagingCookie('<cookie pagenumber="2" istracking="False" />'), undefined, 'a cookie element without one');
    assert.equal(nextPagingCookie('<cookie pagenumber="2" pagingcookie="%E0%A4%A" />'), undefined, 'escapes that do not decode');
  });
});
