/**
 * Records per second of pp_import_data against the sandbox with a realistic latency on every request,
 * beside, in the same run, an import that sends one request per record (a PATCH upsert per record for
 * its fields, then one per record for its lookups) with the same number of requests at once.
 * Both write the same records (accounts and contacts pointing at each other) into fresh environments.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../src/log';
import { MemoryOperationStore } from '../src/operations/store';
import { OperationTracker } from '../src/operations/tracker';
import { dataTables } from '../src/sandbox/dataTables';
import { startSandbox } from '../src/sandbox/server';
import { createServices } from '../src/services';
import { mapLimited } from '../src/solutions/parallel';
import { writeZip } from '../src/solutions/zipWriter';
import { catalog } from '../src/tools';
import { invokeTool } from '../src/tools/invoke';

const LATENCY_MS = 40;
const PAIRS = 1000;
const PARALLELISM = 4;
const id = (prefix: string, n: number) => `${prefix}${String(n).padStart(7, '0')}-0000-4000-8000-000000000000`;

const SCHEMA = `<entities><entity name="account" displayname="Account" primaryidfield="accountid" primarynamefield="name"><fields><field name="accountid" type="guid" primaryKey="true" /><field name="name" type="string" /><field name="numberofemployees" type="number" /><field name="primarycontactid" type="entityreference" lookupType="contact" /></fields></entity><entity name="contact" displayname="Contact" primaryidfield="contactid" primarynamefield="fullname"><fields><field name="contactid" type="guid" primaryKey="true" /><field name="lastname" type="string" /><field name="parentcustomerid" type="entityreference" lookupType="account" /></fields></entity><entityImportOrder><entityName>account</entityName><entityName>contact</entityName></entityImportOrder></entities>`;

function data(): string {
  const range = Array.from({ length: PAIRS }, (_, i) => i + 1);
  const account = (n: number) => `<record id="${id('a', n)}"><field name="name" value="Account ${n}" /><field name="numberofemployees" value="${n}" /><field name="primarycontactid" value="${id('c', n)}" lookupentity="contact" /></record>`;
  const contact = (n: number) => `<record id="${id('c', n)}"><field name="lastname" value="Contact ${n}" /><field name="parentcustomerid" value="${id('a', n)}" lookupentity="account" /></record>`;
  return `<entities><entity name="account"><records>${range.map(account).join('')}</records></entity><entity name="contact"><records>${range.map(contact).join('')}</records></entity></entities>`;
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'power-agent-bench-data-'));
  const sandbox = await startSandbox({ latencyMs: LATENCY_MS });
  try {
    const dataFile = join(work, 'data.zip');
    await writeZip(dataFile, [{ name: 'data_schema.xml', data: Buffer.from(SCHEMA) }, { name: 'data.xml', data: Buffer.from(data()) }]);
    const { NODE_EXTRA_CA_CERTS: _, ...env } = sandbox.env();
    const services = createServices({ env, logger: silentLogger, userAgent: 'bench', http: { extraCaCerts: [sandbox.certificatePem] } });
    await services.tokens.getToken(`${sandbox.url}/orgs/contoso-test`);
    await services.tokens.getToken(`${sandbox.url}/orgs/contoso-dev`);
    const operations = new OperationTracker({ store: new MemoryOperationStore(), services: async () => services, logger: silentLogger });
    const tool = catalog.find((t) => t.name === 'pp_import_data')!;

    const from = sandbox.requests.length;
    const started = performance.now();
    const result = await invokeTool(tool, { environment: `${sandbox.url}/orgs/contoso-test`, dataFile, batchSize: 1000, parallelism: PARALLELISM }, { signal: new AbortController().signal }, { settings: { allowedFolders: [work] }, services: async () => services, operations, logger: silentLogger });
    const oursMs = performance.now() - started;
    if (result.isError) throw new Error(JSON.stringify(result.content));
    const oursRequests = sandbox.requests.slice(from).filter((r) => r.path.includes('/api/data/')).length;

    // The baseline: one PATCH per record for its fields, then one per record for its lookups.
    const dv = services.dataverse(`${sandbox.url}/orgs/contoso-dev`);
    const baseFrom = sandbox.requests.length;
    const baseStarted = performance.now();
    const numbers = Array.from({ length: PAIRS }, (_, i) => i + 1);
    await mapLimited(numbers, PARALLELISM, (n) => dv.update('accounts', id('a', n), { name: `Account ${n}`, numberofemployees: n }));
    await mapLimited(numbers, PARALLELISM, (n) => dv.update('contacts', id('c', n), { lastname: `Contact ${n}` }));
    await mapLimited(numbers, PARALLELISM, (n) => dv.update('accounts', id('a', n), { 'primarycontactid@odata.bind': `/contacts(${id('c', n)})` }));
    await mapLimited(numbers, PARALLELISM, (n) => dv.update('contacts', id('c', n), { 'parentcustomerid_account@odata.bind': `/accounts(${id('a', n)})` }));
    const baseMs = performance.now() - baseStarted;
    const baseRequests = sandbox.requests.length - baseFrom;

    const org = (name: string) => [...sandbox.tenant.environments.values()].find((e) => e.record.properties?.displayName === name)!.org!;
    for (const name of ['Contoso Test', 'Contoso Dev']) {
      const contact = dataTables(org(name)).get('contact')!.rows.get(id('c', PAIRS))!;
      if (contact.parentcustomerid !== id('a', PAIRS)) throw new Error(`${name}: the import did not write the lookups`);
    }
    const records = PAIRS * 2;
    console.log(`Data import of ${records} records (${PAIRS} accounts and ${PAIRS} contacts pointing at each other), ${LATENCY_MS} ms added to every request, ${PARALLELISM} requests at once, node ${process.version}\n`);
    console.log('| importer | requests | seconds | records/s |\n|---|---|---|---|');
    console.log(`| pp_import_data (UpsertMultiple, 1000 per request, two passes) | ${oursRequests} | ${(oursMs / 1000).toFixed(2)} | ${Math.round(records / (oursMs / 1000))} |`);
    console.log(`| one request per record and pass | ${baseRequests} | ${(baseMs / 1000).toFixed(2)} | ${Math.round(records / (baseMs / 1000))} |`);
    console.log(`\nSpeed-up: ${(baseMs / oursMs).toFixed(1)}x (goal: at least 20x).`);
    await services.close();
    operations.close();
  } finally {
    await sandbox.close();
    rmSync(work, { recursive: true, force: true });
  }
}

void main();
