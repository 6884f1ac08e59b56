import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { dataTables, manyToMany } from '../../src/sandbox/dataTables';
import { orgData, type Party } from '../../src/sandbox/dataModel';
import { systemUser } from '../../src/sandbox/state';
import { corpus, needsCorpus } from '../corpus';
import { text } from '../helpers';
import { buildTables } from './buildTables';
import { readCmtFiles, type CmtFiles, type FileRecord } from './cmtFiles';
import { Expectations, sameValue } from './expect';
import { structured, withData, type DataHarness } from './harness';

const FIXTURES = join(corpus('fixtures', 'cmt'));
const LOOKUPS = new Set(['entityreference', 'owner']);

/** The data file of a fixture folder: its zip, or the folder itself when unzipped. */
function fixtureFile(name: string): string {
  const folder = join(FIXTURES, name);
  const zip = readdirSync(folder).find((f) => f.endsWith('.zip'));
  return zip ? join(folder, zip) : folder;
}

/** The users who own the file's records exist in the environment, as they would after user mapping. */
function addOwners(h: DataHarness, files: CmtFiles): void {
  const org = h.org();
  for (const record of files.records) {
    const owner = record.fields.find((f) => f.name === 'ownerid' && f.lookupentity === 'systemuser');
    if (!owner || org.users.some((u) => u.systemuserid === owner.value)) continue;
    const user = systemUser(
      owner.value,
      owner.lookupentityname ?? 'Owner',
      `${owner.value}@contoso.example`,
      null,
      org.businessUnit.businessunitid,
    );
    user.systemuserid = owner.value.toLowerCase();
    org.users.push(user);
  }
}

/** What the service puts in a lookup the file could not fill: the caller as owner, the base currency. */
function defaultFor(h: DataHarness, field: { name: string; type: string }): string | null {
  if (field.type === 'owner') return h.org().users.find((u) => u.applicationid)!.systemuserid;
  if (field.name === 'transactioncurrencyid') return orgData(h.org()).baseCurrency;
  return null;
}

/** Every value, lookup and party of every record, compared with what the environment holds. */
function checkRecords(h: DataHarness, files: CmtFiles, expect: Expectations): string[] {
  const problems: string[] = [];
  const org = h.org();
  for (const record of files.records) {
    const entity = files.entities.find((e) => e.name === record.entity)!;
    const table = dataTables(org).get(record.entity)!;
    const row = table.rows.get(record.id);
    if (!row) {
      problems.push(`${record.entity} ${record.id} was not imported`);
      continue;
    }
    for (const value of record.fields) {
      const field = entity.fields.find((f) => f.name === value.name);
      if (!field || field.name === entity.primaryidfield) continue;
      const where = `${record.entity} ${record.id} ${value.name}`;
      if (field.type === 'partylist') {
        const parties = (row['@parties'] as Party[] | undefined) ?? [];
        for (const party of value.parties ?? []) {
          const partyid = party.fields.find((f) => f.name === 'partyid')!;
          const target = expect.lookup(partyid);
          const mask = Number(party.fields.find((f) => f.name === 'participationtypemask')!.value);
          if (target && !parties.some((p) => p.partyId === target.id && p.participationtypemask === mask && p.activitypartyid === party.id))
            problems.push(`${where}: party ${party.id} (${target.table} ${target.id}) missing`);
        }
        continue;
      }
      const column = expect.writable(table, value.name);
      if (!column) continue;
      if (LOOKUPS.has(field.type)) {
        const target = expect.lookup(value);
        const actual = row[value.name] ?? null;
        const wanted = target?.id ?? defaultFor(h, field);
        if (actual !== wanted) problems.push(`${where}: ${String(actual)} instead of ${String(wanted)}`);
        else if (target && row[`${value.name}@table`] !== target.table)
          problems.push(`${where}: points at ${String(row[`${value.name}@table`])} instead of ${target.table}`);
        continue;
      }
      if (!sameValue(field.type, value.value, row[value.name], column))
        problems.push(`${where}: ${JSON.stringify(row[value.name])} instead of ${JSON.stringify(value.value)}`);
    }
  }
  const pairs = new Map(manyToMany(org).map((r) => [r.SchemaName, r.pairs]));
  for (const link of expect.links())
    if (!pairs.get(link.relationship)?.has(link.pair)) problems.push(`N:N ${link.relationship} ${link.pair} missing`);
  return problems;
}

/** The exported records against the file's: the same values, lookups, parties and links. */
function checkExport(exported: CmtFiles, files: CmtFiles, expect: Expectations, h: DataHarness): string[] {
  const problems: string[] = [];
  const byId = new Map<string, FileRecord>(exported.records.map((r) => [r.id, r]));
  for (const record of files.records) {
    const entity = files.entities.find((e) => e.name === record.entity)!;
    const table = dataTables(h.org()).get(record.entity)!;
    const out = byId.get(record.id);
    if (!out) {
      problems.push(`${record.entity} ${record.id} was not exported`);
      continue;
    }
    for (const value of record.fields) {
      const field = entity.fields.find((f) => f.name === value.name)!;
      const where = `${record.entity} ${record.id} ${value.name}`;
      const got = out.fields.find((f) => f.name === value.name);
      if (field.name === entity.primaryidfield) {
        if (got?.value !== record.id) problems.push(`${where}: the primary key field is ${got?.value}`);
        continue;
      }
      if (field.type === 'partylist') {
        const want = (value.parties ?? []).flatMap((p) => {
          const target = expect.lookup(p.fields.find((f) => f.name === 'partyid')!);
          return target ? [`${p.id}|${target.id}|${p.fields.find((f) => f.name === 'participationtypemask')!.value}`] : [];
        });
        const have = (got?.parties ?? []).map(
          (p) =>
            `${p.id}|${p.fields.find((f) => f.name === 'partyid')?.value}|${p.fields.find((f) => f.name === 'participationtypemask')?.value}`,
        );
        if (want.sort().join() !== have.sort().join()) problems.push(`${where}: parties ${have.join(' ')} instead of ${want.join(' ')}`);
        continue;
      }
      const column = expect.writable(table, value.name);
      if (!column) continue;
      if (LOOKUPS.has(field.type)) {
        const target = expect.lookup(value);
        const wanted = target?.id ?? defaultFor(h, field) ?? undefined;
        if (got?.value !== wanted) problems.push(`${where}: exported ${got?.value} instead of ${wanted}`);
        else if (target && got?.lookupentity !== target.table)
          problems.push(`${where}: lookupentity ${got?.lookupentity} instead of ${target.table}`);
        continue;
      }
      if (!got || !sameValue(field.type, value.value, got.value, column))
        problems.push(`${where}: exported ${JSON.stringify(got?.value)} instead of ${JSON.stringify(value.value)}`);
    }
  }
  for (const out of exported.records)
    if (out.fields.some((f) => f.name === 'versionnumber'))
      problems.push(`${out.entity} ${out.id}: a versionnumber, which the tool never writes`);
  // The links in the tool's order: a record's together, relationship after relationship.
  const linkOrder = (links: CmtFiles['links'], other: CmtFiles['links']) => {
    const both = new Set(other.map((l) => `${l.entity}|${l.sourceId}|${l.relationship}`));
    return links.map((l) => `${l.entity}|${l.sourceId}|${l.relationship}`).filter((key) => both.has(key));
  };
  const [ours, tools] = [linkOrder(exported.links, files.links), linkOrder(files.links, exported.links)];
  if (ours.join() !== tools.join())
    problems.push(`N:N links in the order ${ours.slice(0, 4).join(', ')}… instead of ${tools.slice(0, 4).join(', ')}…`);
  const exportedLinks = new Set(exported.links.flatMap((l) => l.targetIds.map((t) => `${l.relationship}|${l.sourceId}|${t}`)));
  for (const link of files.links)
    for (const t of link.targetIds)
      if (!expect.refused.has(t) && !exportedLinks.has(`${link.relationship}|${link.sourceId}|${t}`))
        problems.push(`N:N ${link.relationship} ${link.sourceId} → ${t} not exported`);
  return problems;
}

/** The schema written from the environment's metadata against the file's: every attribute the environment decides. */
function checkSchema(generated: CmtFiles, files: CmtFiles, h: DataHarness): string[] {
  const problems: string[] = [];
  for (const source of files.entities) {
    const entity = generated.entities.find((e) => e.name === source.name);
    const table = dataTables(h.org()).get(source.name)!;
    if (!entity) {
      problems.push(`${source.name} missing from the schema`);
      continue;
    }
    // disableplugins is the caller's (the tables export's disablePlugins), the rest the environment's.
    for (const key of ['displayname', 'primaryidfield', 'primarynamefield', 'disableplugins'] as const)
      if (entity[key] !== source[key]) problems.push(`${source.name} ${key}: ${entity[key]} instead of ${source[key]}`);
    if (entity.etc !== String(table.objectTypeCode)) problems.push(`${source.name} etc: ${entity.etc} instead of ${table.objectTypeCode}`);
    for (const f of source.fields) {
      const g = entity.fields.find((x) => x.name === f.name);
      if (!g) {
        problems.push(`${source.name}.${f.name} missing from the schema`);
        continue;
      }
      const column = table.columns.find((c) => c.name === f.name)!;
      if (g.displayname !== f.displayname)
        problems.push(`${source.name}.${f.name} displayname ${g.displayname} instead of ${f.displayname}`);
      if (g.type !== (f.type === 'memo' ? 'string' : f.type)) problems.push(`${source.name}.${f.name} type ${g.type} instead of ${f.type}`);
      if ((g.lookupType ?? '').split('|').sort().join('|') !== (f.lookupType ?? '').split('|').sort().join('|'))
        problems.push(`${source.name}.${f.name} lookupType ${g.lookupType} instead of ${f.lookupType}`);
      if (g.customfield !== column.custom)
        problems.push(`${source.name}.${f.name} customfield ${g.customfield} while the column is ${column.custom ? '' : 'not '}custom`);
      if (g.primaryKey && !f.primaryKey) problems.push(`${source.name}.${f.name} marked primaryKey`);
      if (f.name === source.primaryidfield && !g.primaryKey) problems.push(`${source.name}.${f.name} is the primary key but not marked so`);
    }
    for (const r of source.relationships) {
      const g = entity.relationships.find((x) => x.name === r.name);
      if (!g) problems.push(`${source.name} relationship ${r.name} missing`);
      else
        for (const key of ['relatedEntityName', 'm2mTargetEntity'] as const)
          if (r[key] && g[key] !== r[key]) problems.push(`${source.name} relationship ${r.name} ${key}: ${g[key]} instead of ${r[key]}`);
    }
  }
  return problems;
}

describe('Configuration Migration files made by Microsoft’s tool, into environments built through the metadata API', needsCorpus, () => {
  for (const name of readdirSync(FIXTURES)
    .filter((n) => statSync(join(FIXTURES, n)).isDirectory())
    .sort()) {
    it(`${name}: every record, lookup, party and N:N link imports, and exports back as the tool writes it`, async () => {
      const file = fixtureFile(name);
      const files = await readCmtFiles(file);
      await withData(
        async (h) => {
          addOwners(h, files);
          await buildTables(h.dv(), h.services.http, files);
          const imported = await h.call('pp_import_data', { dataFile: file, batchSize: 200 });
          const result = structured(imported);
          assert.equal(result?.done, true, text(imported));
          assert.deepEqual(result.failures, [], text(imported));
          for (const e of result.entities) assert.equal(e.imported, e.records, `${e.name}: ${text(imported)}`);
          assert.equal(
            result.entities.reduce((n: number, e: { records: number }) => n + e.records, 0),
            files.records.length,
          );
          const expect = new Expectations(files, h.org(), new Set());
          assert.deepEqual(checkRecords(h, files, expect).slice(0, 20), []);

          writeFileSync(join(h.work, 'schema.xml'), files.schemaBytes);
          const bySchema = await h.call('pp_export_data', { schemaFile: join(h.work, 'schema.xml'), dataFile: join(h.work, 'again.zip') });
          assert.equal(bySchema.isError, undefined, text(bySchema));
          const again = await readCmtFiles(join(h.work, 'again.zip'));
          assert.deepEqual(again.members, ['data.xml', 'data_schema.xml', '[Content_Types].xml']);
          assert.ok(again.schemaBytes.equals(files.schemaBytes), 'a given schema is written as given');
          // The tool writes the same [Content_Types].xml into every file (the unzipped fixture keeps its copy).
          assert.ok(
            again.contentTypes!.equals(readFileSync(join(FIXTURES, 'teamruegg-ehuddle', '[Content_Types].xml'))),
            '[Content_Types].xml as the tool writes it',
          );
          assert.match(
            again.dataBytes.toString('utf8'),
            /^\r\n<entities xmlns:xsd="http:\/\/www\.w3\.org\/2001\/XMLSchema" xmlns:xsi="http:\/\/www\.w3\.org\/2001\/XMLSchema-instance" timestamp="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z">\r\n {2}<entity /,
          );
          assert.deepEqual(checkExport(again, files, expect, h).slice(0, 20), []);

          const tables = files.entities.map((e) => ({
            table: e.name,
            columns: e.fields.map((f) => f.name),
            relationships: e.relationships.map((r) => r.name),
            disablePlugins: e.disableplugins === 'true',
          }));
          const byTables = await h.call('pp_export_data', { tables, dataFile: join(h.work, 'generated.zip') });
          assert.equal(byTables.isError, undefined, text(byTables));
          const generated = await readCmtFiles(join(h.work, 'generated.zip'));
          assert.match(generated.schemaBytes.toString('utf8'), /^<entities >\r\n {2}<entity name="/);
          assert.deepEqual(checkSchema(generated, files, h).slice(0, 20), []);
          assert.deepEqual(checkExport(generated, files, expect, h).slice(0, 20), []);
        },
        {},
        { folders: [FIXTURES] },
      );
    });
  }

  it('dotnetprog-insurance again, its records under new ids and matched by primary name (updateCompare): the first import’s records are updated, none added', async () => {
    const file = fixtureFile('dotnetprog-insurance');
    const files = await readCmtFiles(file);
    await withData(
      async (h) => {
        addOwners(h, files);
        await buildTables(h.dv(), h.services.http, files);
        assert.equal(structured(await h.call('pp_import_data', { dataFile: file })).done, true);
        const tables = dataTables(h.org());
        const snapshot = () =>
          files.entities.map((e) => {
            const lookups = e.fields.filter((f) => LOOKUPS.has(f.type) && !/^(created|modified)/.test(f.name)).map((f) => f.name);
            return [...tables.get(e.name)!.rows.values()].map((row) => lookups.map((l) => row[l] ?? null)).sort();
          });
        const before = snapshot();
        const pairs = () => manyToMany(h.org()).map((r) => [...r.pairs].sort());
        const linksBefore = pairs();

        const again = join(h.work, 'again');
        writeRenamedCopy(files, again);
        const copy = await readCmtFiles(again);
        assert.deepEqual(
          copy.records.map((r) => r.id),
          files.records.map((r) => renamed(r.id)),
        );
        assert.equal(copy.schemaBytes.toString('utf8').match(/updateCompare="true"/g)?.length, files.entities.length);
        const imported = await h.call('pp_import_data', { dataFile: again });
        const result = structured(imported);
        assert.equal(result.done, true, text(imported));
        assert.deepEqual(result.failures, [], text(imported));
        for (const e of result.entities) assert.equal(e.matched, e.records, `${e.name}: ${text(imported)}`);
        assert.deepEqual(snapshot(), before, 'the same records, pointing at the same records');
        assert.deepEqual(pairs(), linksBefore, 'the same N:N links');
        for (const record of files.records) assert.ok(!tables.get(record.entity)!.rows.has(renamed(record.id)), 'no record under a new id');
      },
      {},
      { folders: [FIXTURES] },
    );
  });
});

/** Another id for a record of the file, the same each time. */
function renamed(id: string): string {
  const hex = createHash('sha256').update(id).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * The file as someone else's export of the same records would be: every record of the file under
 * another id (and every lookup and link pointing at it), each table's primary name marked updateCompare.
 */
function writeRenamedCopy(files: CmtFiles, folder: string): void {
  let data = files.dataBytes.toString('utf8');
  for (const record of files.records) data = data.replace(new RegExp(record.id, 'gi'), renamed(record.id));
  let schema = files.schemaBytes.toString('utf8');
  for (const entity of files.entities) {
    const start = schema.indexOf(`<entity name="${entity.name}"`);
    const end = schema.indexOf('</entity>', start);
    const block = schema
      .slice(start, end)
      .replace(new RegExp(`<field (?=[^>]*\\bname="${entity.primarynamefield}")`), '<field updateCompare="true" ');
    schema = schema.slice(0, start) + block + schema.slice(end);
  }
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'data.xml'), data);
  writeFileSync(join(folder, 'data_schema.xml'), schema);
}
