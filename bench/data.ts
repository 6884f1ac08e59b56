/**
 * pp_import_data against the sandbox run on its own (`power-agent-mcp sandbox`, a separate process,
 * 40 ms added to every request), beside, in the same run, two naive importers sending 52 requests at
 * once, the most Dataverse allows a user: one request per record and pass (a PATCH upsert of its
 * columns, then one of its lookups), which the goal was set against; and the strongest, which sets a
 * lookup in the record's own request where its target was written before it, as the Configuration
 * Migration tool orders a file (15,000 requests instead of 20,000). All write the same records
 * (accounts and contacts pointing at each other) into environments that do not hold those records
 * yet, and are checked to have written them.
 * - speed at 10,000 records, in three kinds of process: a fresh one; one that has imported a 4,000-record
 *   file before; one that has imported that and a 10,000-record file, as a server in use has. V8 compiles
 *   the import's code for speed only after many records, and again where an assumption stops holding,
 *   on threads of its own that share the cores with the import and the sandbox: the three differ by that;
 * - peak memory (VmHWM) of a fresh importer process at 10k, 25k and 50k records, beside the same
 *   process before its import, to show it stays flat as the file grows;
 * - records per second of the $batch fallback (tasks have no UpsertMultiple in the sandbox).
 * The sandbox's request-count limit is lifted for the run, so the naive importers are not throttled.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { silentLogger } from '../src/log';
import { createServices, type Services } from '../src/services';
import { mapLimited } from '../src/solutions/parallel';
import { writeZip } from '../src/solutions/zipWriter';

const ROOT = join(__dirname, '..');
const LATENCY_MS = 40;
/** The old-space limit the largest import must still finish within (far under its uncapped peak). */
const HEAP_CAP_MB = 64;
const NAIVE_AT_ONCE = 52;
const PARALLELISM = 16;
const BATCH = 1000;
/** Each timed import is run this many times, each time with records of its own, and its median reported. */
const REPEATS = 5;
/** Record ids: a table's letter, the record's number, and the set of records (one per repeat of an import). */
const id = (prefix: string, n: number, set = 0) => `${prefix}${String(n).padStart(7, '0')}-0000-4000-8000-${String(set).padStart(12, '0')}`;

interface SandboxInfo {
  environments: Array<{ name: string; url: string }>;
  env: Record<string, string>;
  caCertificate: string;
}

export const SCHEMA = [
  '<entities >',
  '  <entity name="account" displayname="Account" etc="1" primaryidfield="accountid" primarynamefield="name" disableplugins="false">',
  '    <fields>',
  ...[
    ['Account', 'accountid', 'guid'],
    ['Account Name', 'name', 'string'],
    ['Annual Revenue', 'revenue', 'money'],
    ['Description', 'description', 'string'],
    ['Do not allow Emails', 'donotemail', 'bool'],
    ['Number of Employees', 'numberofemployees', 'number'],
    ['Primary Contact', 'primarycontactid', 'entityreference" lookupType="contact'],
  ].map(
    ([display, name, type]) =>
      `      <field displayname="${display}" name="${name}" type="${type}"${name === 'accountid' ? ' primaryKey="true"' : ''} />`,
  ),
  '    </fields>',
  '    <relationships />',
  '  </entity>',
  '  <entity name="contact" displayname="Contact" etc="2" primaryidfield="contactid" primarynamefield="fullname" disableplugins="false">',
  '    <fields>',
  ...[
    ['Birthday', 'birthdate', 'datetime'],
    ['Company Name', 'parentcustomerid', 'entityreference" lookupType="account|contact'],
    ['Contact', 'contactid', 'guid'],
    ['Email', 'emailaddress1', 'string'],
    ['First Name', 'firstname', 'string'],
    ['Last Name', 'lastname', 'string'],
  ].map(
    ([display, name, type]) =>
      `      <field displayname="${display}" name="${name}" type="${type}"${name === 'contactid' ? ' primaryKey="true"' : ''} />`,
  ),
  '    </fields>',
  '    <relationships />',
  '  </entity>',
  '</entities>',
].join('\r\n');

function account(n: number): Record<string, unknown> {
  return {
    name: `Account ${n}`,
    revenue: 1000 + n,
    description: `Customer number ${n}, imported by the benchmark.`,
    donotemail: n % 2 === 0,
    numberofemployees: n,
  };
}
function contact(n: number): Record<string, unknown> {
  return {
    firstname: `Pat${n}`,
    lastname: `Contact ${n}`,
    emailaddress1: `pat${n}@customer${n}.example`,
    birthdate: `19${String(50 + (n % 50)).padStart(2, '0')}-01-15`,
  };
}

export function dataXml(pairs: number, set = 0): string {
  const field = (name: string, value: unknown) =>
    `        <field name="${name}" value="${typeof value === 'boolean' ? (value ? 'True' : 'False') : String(value)}" />`;
  const records = (prefix: string, make: (n: number) => Record<string, unknown>, key: string, lookup: (n: number) => string) =>
    Array.from({ length: pairs }, (_, i) => {
      const n = i + 1;
      const values = Object.entries(make(n)).map(([k, v]) =>
        field(k, k === 'birthdate' ? `${String(v)}T00:00:00.0000000` : k === 'revenue' ? Number(v).toFixed(4) : v),
      );
      return [`      <record id="${id(prefix, n, set)}">`, field(key, id(prefix, n, set)), ...values, lookup(n), '      </record>'].join(
        '\r\n',
      );
    }).join('\r\n');
  const accounts = records(
    'a',
    account,
    'accountid',
    (n) =>
      `        <field name="primarycontactid" value="${id('c', n, set)}" lookupentity="contact" lookupentityname="Pat${n} Contact ${n}" />`,
  );
  const contacts = records(
    'c',
    contact,
    'contactid',
    (n) => `        <field name="parentcustomerid" value="${id('a', n, set)}" lookupentity="account" lookupentityname="Account ${n}" />`,
  );
  const entity = (name: string, body: string) =>
    `  <entity name="${name}" displayname="${name}">\r\n    <records>\r\n${body}\r\n    </records>\r\n    <m2mrelationships />\r\n  </entity>`;
  return `\r\n<entities xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" timestamp="2026-11-24T00:00:00.0000000Z">\r\n${entity('account', accounts)}\r\n${entity('contact', contacts)}\r\n</entities>`;
}

function tasksXml(count: number): { schema: string; data: string } {
  const schema =
    '<entities >\r\n  <entity name="task" displayname="Task" etc="4212" primaryidfield="activityid" primarynamefield="subject" disableplugins="false">\r\n    <fields>\r\n      <field displayname="Task" name="activityid" type="guid" primaryKey="true" />\r\n      <field displayname="Subject" name="subject" type="string" />\r\n      <field displayname="Percent Complete" name="percentcomplete" type="number" />\r\n    </fields>\r\n    <relationships />\r\n  </entity>\r\n</entities>';
  const records = Array.from(
    { length: count },
    (_, i) =>
      `      <record id="${id('d', i + 1)}">\r\n        <field name="subject" value="Task ${i + 1}" />\r\n        <field name="percentcomplete" value="${i % 100}" />\r\n      </record>`,
  ).join('\r\n');
  return {
    schema,
    data: `\r\n<entities timestamp="2026-11-24T00:00:00.0000000Z">\r\n  <entity name="task" displayname="Task">\r\n    <records>\r\n${records}\r\n    </records>\r\n    <m2mrelationships />\r\n  </entity>\r\n</entities>`,
  };
}

/** Clients signed in to the sandbox. Children trust its certificate through NODE_EXTRA_CA_CERTS, as a person's process would. */
export function servicesFor(info: SandboxInfo, trust: 'env' | 'explicit'): Services {
  const { NODE_EXTRA_CA_CERTS: _, ...env } = info.env;
  return createServices({
    env,
    logger: silentLogger,
    userAgent: 'bench',
    http: trust === 'explicit' ? { extraCaCerts: [readFileSync(info.caCertificate, 'utf8')] } : {},
  });
}

/** Clock ticks per second of /proc's CPU times (USER_HZ, 100 on Linux): a figure is good to 10 ms. */
const USER_HZ = 100;

/**
 * The importer child: the shipped bundle (dist/runtime.js) in plain node, as the server runs it, so
 * its memory is the product's alone. It signs in and resolves the environment first (pp_whoami), then
 * runs one pp_import_data, timed, with its CPU time (the whole process's and the main thread's), the
 * sandbox's CPU time during it alone, and peak memory (VmHWM). Given earlier files, it imports them
 * first, untimed.
 */
const IMPORTER = `
const { createRuntime } = require(process.argv[1]);
const [info, dataFile, environment, batchSize, parallelism, stateDir, sandboxPid, earlierJson] = [JSON.parse(process.argv[2]), ...process.argv.slice(3)];
const memory = (field) => Number(require('fs').readFileSync('/proc/self/status', 'utf8').split('\\n').find((line) => line.startsWith(field + ':')).replace(/[^0-9]/g, ''));
const quiet = { error() {}, warn() {}, info() {}, debug() {} };
const { NODE_EXTRA_CA_CERTS, ...env } = info.env;
const runtime = createRuntime({ env: { ...env, POWERAGENT_STATE_DIR: stateDir }, sandbox: false, settings: { allowedFolders: [require('path').dirname(dataFile)] }, logger: quiet });
const cpuMsOf = (path) => { try { const stat = require('fs').readFileSync(path, 'utf8'); const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); return (Number(f[11]) + Number(f[12])) * 1000 / ${USER_HZ}; } catch { return NaN; } };
const mainThreadMs = () => cpuMsOf('/proc/self/task/' + process.pid + '/stat');
const sandboxMs = () => cpuMsOf('/proc/' + sandboxPid + '/stat');
const call = { signal: new AbortController().signal };
const importFile = async (file, into) => {
  const result = await runtime.callTool('pp_import_data', { environment: into, dataFile: file, batchSize: Number(batchSize), parallelism: Number(parallelism) }, call);
  if (result.isError) throw new Error(JSON.stringify(result.content));
  return result.structuredContent;
};
(async () => {
  await runtime.callTool('pp_whoami', { environment }, call);
  for (const earlier of JSON.parse(earlierJson)) await importFile(earlier.file, earlier.environment);
  const before = memory('VmRSS');
  const cpu = process.cpuUsage();
  const mainThread = mainThreadMs();
  const sandbox = sandboxMs();
  const started = performance.now();
  const out = await importFile(dataFile, environment);
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  process.stdout.write(JSON.stringify({ ms, requests: out.requests, imported: out.entities.reduce((n, e) => n + e.imported, 0), methods: out.entities.map((e) => e.method), beforeKb: before, peakKb: memory('VmHWM'), cpuMs: (used.user + used.system) / 1000, mainThreadMs: mainThreadMs() - mainThread, sandboxCpuMs: sandboxMs() - sandbox }));
  await runtime.close();
})();
`;

/** A naive importer's child, in its own process too. */
async function child(): Promise<void> {
  const [, , , infoJson, environment, pairs, kind] = process.argv;
  const services = servicesFor(JSON.parse(infoJson!) as SandboxInfo, 'env');
  await services.dataverse(environment!).whoAmI();
  process.stdout.write(JSON.stringify(await naiveImport(services, environment!, Number(pairs), kind as NaiveKind)));
  await services.close();
}

export function trusted(info: SandboxInfo): NodeJS.ProcessEnv {
  return { ...process.env, NODE_EXTRA_CA_CERTS: info.caCertificate };
}

export interface ChildImport {
  batchSize?: number;
  parallelism?: number;
  /** Options for node itself, as --max-old-space-size. */
  nodeOptions?: string[];
  /** Files the process imports first, untimed, each into its environment. */
  earlier?: Array<{ file: string; environment: string }>;
  /** The sandbox's process, whose CPU time during the timed import the child reads (NaN without it). */
  sandboxPid?: number;
}

type ChildResult = ReturnType<typeof importInChild>;

export function importInChild(info: SandboxInfo, dataFile: string, environment: string, options: ChildImport = {}) {
  const stateDir = mkdtempSync(join(tmpdir(), 'power-agent-bench-state-'));
  try {
    const output = execFileSync(
      process.execPath,
      [
        ...(options.nodeOptions ?? []),
        '-e',
        IMPORTER,
        join(ROOT, 'dist', 'runtime.js'),
        JSON.stringify(info),
        dataFile,
        environment,
        String(options.batchSize ?? BATCH),
        String(options.parallelism ?? PARALLELISM),
        stateDir,
        // No such process without one: the child's figure is then NaN.
        String(options.sandboxPid ?? -1),
        JSON.stringify(options.earlier ?? []),
      ],
      { cwd: ROOT, env: trusted(info), encoding: 'utf8', maxBuffer: 1 << 20 },
    );
    // A figure /proc could not give is NaN in the child, which JSON writes as null.
    return JSON.parse(output, (_, value: unknown) => (value === null ? NaN : value)) as {
      ms: number;
      requests: number;
      imported: number;
      methods: string[];
      beforeKb: number;
      peakKb: number;
      cpuMs: number;
      mainThreadMs: number;
      sandboxCpuMs: number;
    };
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
}

/** CPU time (user and system) a process has used so far, in ms (Linux; NaN elsewhere). */
function cpuMsOf(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // After the command name in parentheses, which may itself hold ") ".
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / USER_HZ;
  } catch {
    return NaN;
  }
}

/** The run with the median time. */
function median<T extends { ms: number }>(runs: T[]): T {
  return [...runs].sort((a, b) => a.ms - b.ms)[Math.floor(runs.length / 2)]!;
}

/** Runs a child and adds the sandbox's CPU time during it. */
function measured<T>(sandbox: ChildProcess, run: () => T): T & { sandboxCpuMs: number } {
  const before = cpuMsOf(sandbox.pid);
  const result = run();
  return { ...result, sandboxCpuMs: cpuMsOf(sandbox.pid) - before };
}

/** `perPass`: each record's lookups in a request of their own; `inOrder`: with the record where their target came before it. */
type NaiveKind = 'perPass' | 'inOrder';

function naiveInChild(info: SandboxInfo, environment: string, pairs: number, kind: NaiveKind): { ms: number; requests: number } {
  return JSON.parse(
    execFileSync(process.execPath, ['--import', 'tsx', __filename, 'child', JSON.stringify(info), environment, String(pairs), kind], {
      cwd: ROOT,
      env: trusted(info),
      encoding: 'utf8',
    }),
  );
}

/**
 * 52 requests at once, one a record: the columns first (`inOrder`: a contact's with the lookup to
 * its account, written before it), then the lookups left (`perPass`: every one), once every record exists.
 */
async function naiveImport(services: Services, url: string, pairs: number, kind: NaiveKind): Promise<{ ms: number; requests: number }> {
  const dv = services.dataverse(url);
  const patch = (path: string, body: Record<string, unknown>) =>
    services.http.send({ service: 'dataverse', method: 'PATCH', url: dv.url(path), resource: dv.resource, body, idempotent: true });
  const numbers = Array.from({ length: pairs }, (_, i) => i + 1);
  const started = performance.now();
  await mapLimited(numbers, NAIVE_AT_ONCE, (n) => patch(`accounts(${id('a', n)})`, account(n)));
  const parent = (n: number) => ({ 'parentcustomerid_account@odata.bind': `/accounts(${id('a', n)})` });
  await mapLimited(numbers, NAIVE_AT_ONCE, (n) =>
    patch(`contacts(${id('c', n)})`, kind === 'inOrder' ? { ...contact(n), ...parent(n) } : contact(n)),
  );
  await mapLimited(numbers, NAIVE_AT_ONCE, (n) =>
    patch(`accounts(${id('a', n)})`, { 'primarycontactid@odata.bind': `/contacts(${id('c', n)})` }),
  );
  if (kind === 'perPass') await mapLimited(numbers, NAIVE_AT_ONCE, (n) => patch(`contacts(${id('c', n)})`, parent(n)));
  return { ms: performance.now() - started, requests: pairs * (kind === 'inOrder' ? 3 : 4) };
}

/** Checks through the Web API that an environment holds the records with their lookups. */
async function verify(services: Services, url: string, pairs: number, set = 0): Promise<void> {
  const dv = services.dataverse(url);
  for (const n of [1, Math.ceil(pairs / 2), pairs]) {
    const c = await dv.retrieve<{ _parentcustomerid_value: string; lastname: string }>('contacts', id('c', n, set), [
      'lastname',
      '_parentcustomerid_value',
    ]);
    const a = await dv.retrieve<{ _primarycontactid_value: string; name: string }>('accounts', id('a', n, set), [
      'name',
      '_primarycontactid_value',
    ]);
    if (c._parentcustomerid_value !== id('a', n, set) || a._primarycontactid_value !== id('c', n, set) || c.lastname !== `Contact ${n}`)
      throw new Error(`${url}: record ${n} was not written with its lookups`);
  }
}

export async function startSandbox(): Promise<{ info: SandboxInfo; process: ChildProcess }> {
  const sandbox = spawn(
    process.execPath,
    [join(ROOT, 'dist', 'cli.js'), 'sandbox', '--json', '--latency-ms', String(LATENCY_MS), '--request-limit', '1000000000'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const [line] = (await once(createInterface({ input: sandbox.stdout }), 'line')) as [string];
  return { info: JSON.parse(line) as SandboxInfo, process: sandbox };
}

async function main(): Promise<void> {
  execFileSync(process.execPath, ['esbuild.mjs'], { cwd: ROOT, stdio: 'ignore' });
  const work = mkdtempSync(join(tmpdir(), 'power-agent-bench-data-'));
  const { info, process: sandbox } = await startSandbox();
  const services = servicesFor(info, 'explicit');
  const env = (name: string) => info.environments.find((e) => e.name === name)!.url;
  try {
    /** Writes a data zip of this schema and data.xml; returns its path and data.xml's size in bytes. */
    const dataZip = async (name: string, schema: string, xml: string) => {
      const file = join(work, name);
      const data = Buffer.from(xml);
      await writeZip(file, [
        { name: 'data_schema.xml', data: Buffer.from(schema) },
        { name: 'data.xml', data },
      ]);
      return { file, xmlBytes: data.length };
    };
    /** By records: the file, and data.xml's size. */
    const files = new Map<number, { file: string; xmlBytes: number }>();
    for (const pairs of [5000, 12_500, 25_000]) files.set(pairs * 2, await dataZip(`data-${pairs * 2}.zip`, SCHEMA, dataXml(pairs)));
    // The timed imports' files: records of their own for each repeat, so each writes into its environment anew.
    const timed: string[] = [];
    for (let set = 1; set <= REPEATS; set++) timed.push((await dataZip(`timed-${set}.zip`, SCHEMA, dataXml(5000, set))).file);
    const tasks = tasksXml(5000);
    const taskFile = (await dataZip('tasks.zip', tasks.schema, tasks.data)).file;

    // The sandbox warms up first, so both importers meet it warm: its code (its first requests run
    // unoptimized), and its heap, which grows through the first imports with many more collections.
    const warmup = (await dataZip('warmup.zip', SCHEMA, dataXml(2000))).file;
    importInChild(info, warmup, env('Contoso (default)'));
    importInChild(info, files.get(10_000)!.file, env('Contoso (default)'));
    // Each timed import REPEATS times, in three kinds of process taking turns, each into an environment
    // without its records yet (each repeat writes records of its own); the median is reported. V8
    // compiles a function for speed only once it has run it many times, and compiles it again when
    // something it assumed stops holding: the three show the import in a fresh process, after a small
    // one, and in a process that has imported files of this size before, as a server does over time.
    const afterSmall = [{ file: warmup, environment: env('Contoso (default)') }];
    const afterLarge = [...afterSmall, { file: files.get(10_000)!.file, environment: env('Contoso (default)') }];
    const kinds = [
      { label: 'first import of a fresh process', into: 'Contoso Test', earlier: [] },
      { label: 'in a process that has imported a 4,000-record file before', into: 'Contoso Production', earlier: afterSmall },
      { label: 'in a process that has imported a 4,000- and a 10,000-record file before', into: 'Contoso Dev', earlier: afterLarge },
    ].map((kind) => ({ ...kind, runs: [] as ChildResult[] }));
    for (const [index, file] of timed.entries()) {
      for (const kind of kinds) {
        kind.runs.push(importInChild(info, file, env(kind.into), { earlier: kind.earlier, sandboxPid: sandbox.pid }));
        await verify(services, env(kind.into), 5000, index + 1);
      }
    }
    const medians = kinds.map((kind) => median(kind.runs));
    const [, later, steady] = medians as [ChildResult, ChildResult, ChildResult];
    // The naive importers' records are those of set 0, which no timed import wrote.
    const naive = measured(sandbox, () => naiveInChild(info, env('Contoso Dev'), 5000, 'perPass'));
    await verify(services, env('Contoso Dev'), 5000);
    const strongest = measured(sandbox, () => naiveInChild(info, env('Contoso Test'), 5000, 'inOrder'));
    await verify(services, env('Contoso Test'), 5000);

    const memory = [];
    for (const [records, { file, xmlBytes }] of files)
      memory.push({ records, xmlBytes, ...importInChild(info, file, env('Contoso Production')) });
    // With V8's heap capped well under the peak above, the largest import must still finish: what the
    // import keeps grows only by its id index, and the rest of the peak is garbage V8 had not collected yet.
    const capped = importInChild(info, files.get(50_000)!.file, env('Contoso Production'), {
      nodeOptions: [`--max-old-space-size=${HEAP_CAP_MB}`],
    });
    if (capped.imported !== 50_000)
      throw new Error(`with the heap capped at ${HEAP_CAP_MB} MB, ${capped.imported} of 50,000 records went in`);
    const fallback = importInChild(info, taskFile, env('Contoso (default)'), { batchSize: 1000 });
    if (fallback.imported !== 5000 || fallback.methods[0] !== '$batch') throw new Error('the tasks did not go in through $batch');

    const rate = (records: number, ms: number) => Math.round(records / (ms / 1000));
    console.log(
      `Data import of 10,000 records (5,000 accounts and 5,000 contacts pointing at each other), sandbox in its own process, ${LATENCY_MS} ms added to every request, node ${process.version}; pp_import_data's rows are the median of ${REPEATS} runs\n`,
    );
    console.log('| importer | requests | seconds | records/s | CPU s (main thread) | sandbox CPU s |\n|---|---|---|---|---|---|');
    const seconds = (ms: number) => (ms / 1000).toFixed(2);
    const cpu = (r: { cpuMs: number; mainThreadMs: number }) => `${seconds(r.cpuMs)} (${seconds(r.mainThreadMs)})`;
    const times = (r: { ms: number }) => `${seconds(r.ms)} | ${rate(10_000, r.ms)}`;
    const method = `UpsertMultiple, ${BATCH} a request, up to ${PARALLELISM} at once; records with the lookups to records already written, then the other lookups`;
    for (const [k, kind] of kinds.entries()) {
      const r = medians[k]!;
      const label = k === 0 ? `pp_import_data (${method}), ${kind.label}` : `the same, ${kind.label}`;
      console.log(`| ${label} | ${r.requests} | ${times(r)} | ${cpu(r)} | ${seconds(r.sandboxCpuMs)} |`);
    }
    console.log(
      `| one request per record and pass, ${NAIVE_AT_ONCE} at once | ${naive.requests} | ${times(naive)} | | ${seconds(naive.sandboxCpuMs)} |`,
    );
    console.log(
      `| one request per record, a contact's lookup to its account (written before it) in that request, ${NAIVE_AT_ONCE} at once | ${strongest.requests} | ${times(strongest)} | | ${seconds(strongest.sandboxCpuMs)} |`,
    );
    // An importer that writes these rows as ours does costs the sandbox this CPU (one thread). Nothing
    // reaches it before two rounds (the metadata, then the first batch); the file's order chains four
    // (metadata, accounts, the contacts pointing at them, the accounts' lookups), which the sandbox
    // may or may not spend busy with other batches.
    const sandboxCpu = Math.min(...medians.map((r) => r.sandboxCpuMs));
    if (Number.isFinite(sandboxCpu)) {
      const bound = (rounds: number) => {
        const ms = sandboxCpu + rounds * LATENCY_MS;
        return `${seconds(ms)} s (${(naive.ms / ms).toFixed(1)}x one request per record and pass)`;
      };
      console.log(
        `\nAn importer that cost nothing would take, against this sandbox, its CPU for these writes (${seconds(sandboxCpu)} s) plus two rounds of ${LATENCY_MS} ms if the sandbox never waited: ${bound(2)}; plus the four rounds the file's order chains if each were waited out: ${bound(4)}.`,
      );
    }
    // However the work is scheduled, the machine's cores cannot give the CPU both processes used in less time.
    const cores = availableParallelism();
    for (const [name, r] of [
      ['after a 4,000-record file', later],
      ['after a 10,000-record file', steady],
    ] as const) {
      const floorMs = (r.cpuMs + r.sandboxCpuMs) / cores;
      if (Number.isFinite(floorMs))
        console.log(
          `\nThe import ${name} used ${seconds(r.cpuMs)} s of CPU in the importer (all its threads, V8's compiler and collector included) and ${seconds(r.sandboxCpuMs)} s in the sandbox: ${cores} cores give that in no less than ${seconds(floorMs)} s (at most ${(naive.ms / floorMs).toFixed(1)}x one request per record and pass); it took ${seconds(r.ms)} s.`,
        );
    }
    const each = (runs: Array<{ ms: number }>) => runs.map((r) => `${seconds(r.ms)} s (${(naive.ms / r.ms).toFixed(1)}x)`).join(', ');
    console.log(`\nEach of the ${REPEATS} runs: ${kinds.map((kind) => `${kind.label}: ${each(kind.runs)}`).join('; ')}.`);
    const speedUps = (baseline: { ms: number }) =>
      kinds.map((kind, k) => `${(baseline.ms / medians[k]!.ms).toFixed(1)}x ${kind.label}`).join('; ');
    console.log(
      `\nSpeed-up (medians) over one request per record and pass: ${speedUps(naive)} (goal: at least 50x). Over the strongest naive importer (one request per record): ${speedUps(strongest)}. Load average: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(', ')}.\n`,
    );
    console.log('Peak memory (VmHWM) of a fresh importer process, and its size just before the import:\n');
    console.log('| records | data.xml MB | before import MB | peak MB | seconds | records/s |\n|---|---|---|---|---|---|');
    for (const m of memory)
      console.log(
        `| ${m.records.toLocaleString('en-US')} | ${(m.xmlBytes / 1e6).toFixed(0)} | ${(m.beforeKb / 1024).toFixed(0)} | ${(m.peakKb / 1024).toFixed(0)} | ${seconds(m.ms)} | ${rate(m.records, m.ms)} |`,
      );
    console.log('\n(goal: at most 250 MB at 50,000 records, flat as the file grows)\n');
    console.log(
      `With V8's heap capped at ${HEAP_CAP_MB} MB (--max-old-space-size), the 50,000-record import still finishes: peak ${(capped.peakKb / 1024).toFixed(0)} MB, ${seconds(capped.ms)} s.\n`,
    );
    console.log(
      `$batch fallback (5,000 tasks; the sandbox's tasks have no UpsertMultiple): ${fallback.requests} requests, ${seconds(fallback.ms)} s, ${rate(5000, fallback.ms)} records/s.`,
    );
  } finally {
    await services.close();
    sandbox.kill('SIGTERM');
    await once(sandbox, 'exit');
    rmSync(work, { recursive: true, force: true });
  }
}

if (require.main === module) {
  if (process.argv[2] === 'child') void child();
  else void main();
}
