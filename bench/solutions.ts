/**
 * Native unpack and pack beside Info-ZIP's unzip and zip on the same content, in the same run:
 * - speed on the XML-heavy fixture and on the largest new one, medians of alternating runs. unzip and
 *   zip are separate processes, so their times include a process start; the cost of starting `true`
 *   is shown too;
 * - the same on 1, 4, 16 and 64 copies of the XML-heavy fixture's tables, relationships and flows, to
 *   show time growing linearly with size, and the peak memory of a fresh process at 64 copies;
 * - peak memory of a fresh process for a synthetic solution of growing size, to show the payloads
 *   are streamed and memory stays flat, beside a process that only loads the same modules.
 *   The peak is VmHWM of the child's own address space: getrusage's maxRSS survives exec and would
 *   report the parent's size at fork.
 * BENCH_RUNS sets the number of runs, BENCH_DIR where they write, BENCH_ONLY=fixtures the fixtures alone.
 */
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';
import { silentLogger } from '../src/log';
import { DataverseClient } from '../src/platform/dataverse';
import { HttpClient } from '../src/platform/http';
import { packSolution } from '../src/solutions/pack';
import { unpackSolution } from '../src/solutions/unpack';
import { corpus } from '../test/corpus';
import { solutionCopies } from './solutionCopies';

const XML_HEAVY = corpus('fixtures', 'solutions', 'zips', 'pnp', 'ai-driven-expense-report-processing-sample.zip');
const LARGEST_NEW = corpus('fixtures', 'solutions', 'zips-more', 'apollo', 'ApolloHospitalProject_1_0_0_4.zip');
const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const COPIES = [1, 4, 16, 64];
/** BENCH_ONLY=fixtures measures the two fixtures' speed and nothing else. */
if (process.env.BENCH_ONLY && process.env.BENCH_ONLY !== 'fixtures')
  throw new Error(`BENCH_ONLY=${process.env.BENCH_ONLY}: the only part that runs alone is "fixtures".`);
const FIXTURES_ONLY = process.env.BENCH_ONLY === 'fixtures';

async function child(): Promise<void> {
  const [, , , mode, zipFile, folder] = process.argv;
  if (mode === 'unpack') await unpackSolution({ zipFile: zipFile!, folder: folder! });
  else if (mode === 'pack') await packSolution({ folder: folder!, zipFile: zipFile! });
  else if (mode === 'synthetic') await syntheticSolution(zipFile!, Number(folder));
  else if (mode === 'upload' || mode === 'download') await transfer(mode, zipFile!, folder!);
  process.stdout.write(String(peakKb()));
}

/**
 * One solution upload (ImportSolutionAsync's body) or download (DownloadSolutionExportData's answer)
 * through the real client, against the plain loopback server of the parent.
 */
async function transfer(mode: 'upload' | 'download', file: string, serverUrl: string): Promise<void> {
  const http = new HttpClient({ logger: silentLogger, userAgent: 'bench' });
  const dataverse = new DataverseClient(http, serverUrl);
  if (mode === 'upload')
    await dataverse.actionWithFile(
      'ImportSolutionAsync',
      { OverwriteUnmanagedCustomizations: false, PublishWorkflows: true },
      'CustomizationFile',
      file,
    );
  else await dataverse.downloadSolutionExport('00000000-0000-0000-0000-000000000001', `${file}.downloaded`);
  await http.close();
}

/** Takes uploads and counts them; serves a download of the zip it was given, as Dataverse does: base64 in JSON. */
async function transferServer(): Promise<{ url: string; serve(file: string): void; close(): void }> {
  let current = '';
  const answer = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.url?.endsWith('/DownloadSolutionExportData')) {
      for await (const _ of req);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"@odata.context":"bench","ExportSolutionFile":"');
      for await (const chunk of createReadStream(current, { highWaterMark: 3 * 64 * 1024 }))
        if (!res.write((chunk as Buffer).toString('base64'))) await once(res, 'drain');
      res.end('"}');
      return;
    }
    for await (const _ of req);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"AsyncOperationId":"x","ImportJobKey":"y"}');
  };
  const server = createServer((req, res) => void answer(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/org`,
    serve: (file) => (current = file),
    close: () => server.close(),
  };
}

/** Peak resident memory of this process's address space, in KB. */
function peakKb(): number {
  try {
    const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (match) return Number(match[1]);
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function time(body: () => unknown): Promise<number> {
  const started = process.hrtime.bigint();
  await body();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/** Whether Info-ZIP's unzip and zip are installed (Debian: apt-get install unzip zip). */
function infoZipFound(): boolean {
  try {
    execFileSync('unzip', ['-v'], { stdio: 'ignore' });
    execFileSync('zip', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Info-ZIP runs in processes started by a small helper process, never by this one: a fork of a process
 * with a large heap marks all of its pages copy-on-write, and the next unpack in this process then took
 * 4,000-5,000 more page faults and up to twice the CPU time. The helper times each run from spawn to exit.
 */
const RUNNER = `
const { execFileSync } = require('node:child_process');
let buffer = '';
process.stdin.on('data', (chunk) => {
  buffer += chunk;
  let end;
  while ((end = buffer.indexOf('\\n')) >= 0) {
    const { file, args, cwd } = JSON.parse(buffer.slice(0, end));
    buffer = buffer.slice(end + 1);
    const started = process.hrtime.bigint();
    execFileSync(file, args, { cwd, stdio: 'ignore' });
    process.stdout.write(String(Number(process.hrtime.bigint() - started) / 1e6) + '\\n');
  }
});`;

interface Runner {
  /** Runs a program to its end; its time in ms, measured by the helper. */
  run(file: string, args: string[], cwd?: string): Promise<number>;
  close(): void;
}

function startRunner(): Runner {
  const helper = spawn(process.execPath, ['-e', RUNNER], { stdio: ['pipe', 'pipe', 'inherit'] });
  const waiting: Array<(ms: number) => void> = [];
  let out = '';
  helper.stdout.on('data', (chunk) => {
    out += chunk;
    let end;
    while ((end = out.indexOf('\n')) >= 0) {
      waiting.shift()!(Number(out.slice(0, end)));
      out = out.slice(end + 1);
    }
  });
  return {
    run: (file, args, cwd) =>
      new Promise((resolve) => {
        waiting.push(resolve);
        helper.stdin.write(`${JSON.stringify({ file, args, cwd })}\n`);
      }),
    close: () => helper.stdin.end(),
  };
}

interface Speed {
  unpack: number;
  unzip: number;
  pack: number;
  zip: number;
  spawn: number;
}

/** Medians of alternating runs: our unpack, unzip, our pack of our folder, zip of unzip's folder. */
async function speed(work: string, zipFile: string, infoZip: Runner | undefined, runs = RUNS): Promise<Speed> {
  const base = mkdtempSync(join(work, 'speed-'));
  const times: Record<keyof Speed, number[]> = { unpack: [], unzip: [], pack: [], zip: [], spawn: [] };
  for (let i = 0; i < runs + 2; i++) {
    const ours = join(base, `ours-${i}`);
    const theirs = join(base, `unzip-${i}`);
    const sample = {
      unpack: await time(() => unpackSolution({ zipFile, folder: ours })),
      unzip: infoZip ? await infoZip.run('unzip', ['-q', zipFile, '-d', theirs]) : NaN,
      pack: await time(() => packSolution({ folder: ours, zipFile: join(base, `ours-${i}.zip`) })),
      zip: infoZip ? await infoZip.run('zip', ['-q', '-r', join(base, `zip-${i}.zip`), '.'], theirs) : NaN,
      spawn: infoZip ? await infoZip.run('true', []) : NaN,
    };
    rmSync(ours, { recursive: true, force: true });
    rmSync(theirs, { recursive: true, force: true });
    if (i < 2) continue; // warm-up
    for (const key of Object.keys(sample) as Array<keyof Speed>) times[key].push(sample[key]);
  }
  rmSync(base, { recursive: true, force: true });
  return {
    unpack: median(times.unpack),
    unzip: median(times.unzip),
    pack: median(times.pack),
    zip: median(times.zip),
    spawn: median(times.spawn),
  };
}

const ms = (value: number) => (Number.isNaN(value) ? 'n/a' : `${value.toFixed(1)}`);
const ratio = (ours: number, theirs: number) => (Number.isNaN(theirs) ? 'n/a' : `${(ours / theirs).toFixed(2)}x`);

/** A solution with `count` web resources of 1 MiB of random bytes each (incompressible, so the zip is as large). */
async function syntheticSolution(file: string, count: number): Promise<void> {
  const zip = new yazl.ZipFile();
  const resources: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = `${String(i).padStart(8, '0')}-0000-4000-8000-000000000000`;
    resources.push(
      `<WebResource><WebResourceId>{${id}}</WebResourceId><Name>bench_/big/file${i}.bin</Name><DisplayName>file ${i}</DisplayName><WebResourceType>3</WebResourceType><FileName>/WebResources/bench_bigfile${i}bin${id.toUpperCase()}</FileName></WebResource>`,
    );
    zip.addBuffer(randomBytes(1024 * 1024), `WebResources/bench_bigfile${i}bin${id.toUpperCase()}`);
  }
  zip.addBuffer(
    Buffer.from(
      '<ImportExportXml><SolutionManifest><UniqueName>bench</UniqueName><Version>1.0.0.0</Version><Managed>0</Managed></SolutionManifest></ImportExportXml>',
    ),
    'solution.xml',
  );
  zip.addBuffer(
    Buffer.from(
      `<ImportExportXml><Entities/><WebResources>${resources.join('')}</WebResources><Languages><Language>1033</Language></Languages></ImportExportXml>`,
    ),
    'customizations.xml',
  );
  zip.addBuffer(Buffer.from('<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'), '[Content_Types].xml');
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(file));
}

function peakRssMb(
  mode: 'unpack' | 'pack' | 'synthetic' | 'idle' | 'upload' | 'download',
  zipFile: string,
  folder: string,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const run = spawn(process.execPath, ['--import', 'tsx', __filename, '--child', mode, zipFile, folder], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    run.stdout.on('data', (chunk) => (out += chunk));
    run.stderr.on('data', (chunk) => (err += chunk));
    run.on('close', (code) => (code === 0 ? resolve(Number(out) / 1024) : reject(new Error(err))));
  });
}

/**
 * Where the speed runs write: a memory file system when there is one (BENCH_DIR to choose), so that the
 * machine's disk does not decide the figures; the fixtures are measured on the temporary folder's disk too.
 */
const SPEED_DIR = process.env.BENCH_DIR ?? (existsSync('/dev/shm') ? '/dev/shm' : tmpdir());

async function main(): Promise<void> {
  const work = mkdtempSync(join(SPEED_DIR, 'power-agent-bench-solutions-'));
  const onDisk = SPEED_DIR === tmpdir() ? undefined : mkdtempSync(join(tmpdir(), 'power-agent-bench-solutions-'));
  const infoZip = infoZipFound() ? startRunner() : undefined;
  try {
    console.log(
      `Solution unpack/pack, median of ${RUNS} alternating runs after 2 warm-ups, node ${process.version}, files written under ${SPEED_DIR}\n`,
    );
    if (!infoZip)
      console.log(
        'Info-ZIP unzip and zip are NOT installed, so there is no baseline and no ratio below (Debian: apt-get install unzip zip).\n',
      );
    console.log('| fixture | unpack ms | unzip ms | ratio | pack ms | zip ms | ratio |\n|---|---|---|---|---|---|---|');
    let spawnCost = NaN;
    for (const [label, zipFile] of [
      ['XML-heavy: ai-driven-expense-report-processing-sample.zip', XML_HEAVY],
      ['largest new: ApolloHospitalProject_1_0_0_4.zip', LARGEST_NEW],
    ] as const) {
      for (const [where, folder] of [[SPEED_DIR, work], ...(onDisk ? [[tmpdir(), onDisk]] : [])] as const) {
        const s = await speed(folder, zipFile, infoZip);
        spawnCost = s.spawn;
        console.log(
          `| ${label} (${Math.round(statSync(zipFile).size / 1024)} KB), in ${where} | ${ms(s.unpack)} | ${ms(s.unzip)} | ${ratio(s.unpack, s.unzip)} | ${ms(s.pack)} | ${ms(s.zip)} | ${ratio(s.pack, s.zip)} |`,
        );
      }
    }
    console.log(`\nStarting a process (\`true\`) costs ${ms(spawnCost)} ms of each Info-ZIP time.\n`);
    if (FIXTURES_ONLY) return;

    console.log('Copies of the XML-heavy fixture (tables, relationships, flows)\n');
    console.log(
      '| copies | zip KB | XML MB | unpack ms | ms per MB | unzip ms | ratio | pack ms | ms per MB | zip ms | ratio |\n|---|---|---|---|---|---|---|---|---|---|---|',
    );
    for (const copies of COPIES) {
      const zipFile = join(work, `copies-${copies}.zip`);
      const { xmlBytes } = await solutionCopies(XML_HEAVY, zipFile, copies, 'gmx_');
      const mb = xmlBytes / 1024 / 1024;
      const s = await speed(work, zipFile, infoZip, copies >= 16 ? Math.min(RUNS, 7) : RUNS);
      console.log(
        `| ${copies} | ${Math.round(statSync(zipFile).size / 1024)} | ${mb.toFixed(2)} | ${ms(s.unpack)} | ${(s.unpack / mb).toFixed(0)} | ${ms(s.unzip)} | ${ratio(s.unpack, s.unzip)} | ${ms(s.pack)} | ${(s.pack / mb).toFixed(0)} | ${ms(s.zip)} | ${ratio(s.pack, s.zip)} |`,
      );
    }
    const biggest = join(work, `copies-${COPIES[COPIES.length - 1]}.zip`);
    const xmlMb = (await solutionCopies(XML_HEAVY, biggest, COPIES[COPIES.length - 1]!, 'gmx_')).xmlBytes / 1024 / 1024;
    const idle = await peakRssMb('idle', '', '');
    const unpackPeak = await peakRssMb('unpack', biggest, join(work, 'peak'));
    const packPeak = await peakRssMb('pack', join(work, 'peak.zip'), join(work, 'peak'));
    console.log(
      `\nPeak memory at ${COPIES[COPIES.length - 1]} copies (${xmlMb.toFixed(1)} MB of XML): unpack ${unpackPeak.toFixed(0)} MB, pack ${packPeak.toFixed(0)} MB, loading the modules only ${idle.toFixed(0)} MB.`,
    );
    rmSync(join(work, 'peak'), { recursive: true, force: true });

    console.log('\nPeak memory (VmHWM of a fresh process) by solution size, payloads of random bytes\n');
    const server = await transferServer();
    console.log(
      `| solution zip | unpack MB | pack MB | upload (import) MB | download (export) MB | baseline: loading the modules only, MB |\n|---|---|---|---|---|---|`,
    );
    try {
      for (const count of [8, 64, 256]) {
        const zipFile = join(work, `synthetic-${count}.zip`);
        await peakRssMb('synthetic', zipFile, String(count));
        const folder = join(work, `synthetic-${count}`);
        const unpack = await peakRssMb('unpack', zipFile, folder);
        const pack = await peakRssMb('pack', join(work, `synthetic-${count}-packed.zip`), folder);
        const upload = await peakRssMb('upload', zipFile, server.url);
        server.serve(zipFile);
        const download = await peakRssMb('download', join(work, `downloaded-${count}.zip`), server.url);
        if (statSync(join(work, `downloaded-${count}.zip.downloaded`)).size !== statSync(zipFile).size)
          throw new Error('the download is not the zip served');
        console.log(
          `| ${Math.round(statSync(zipFile).size / 1024 / 1024)} MB (${count} web resources) | ${unpack.toFixed(0)} | ${pack.toFixed(0)} | ${upload.toFixed(0)} | ${download.toFixed(0)} | ${idle.toFixed(0)} |`,
        );
        rmSync(folder, { recursive: true, force: true });
        rmSync(zipFile, { force: true });
        rmSync(join(work, `synthetic-${count}-packed.zip`), { force: true });
        rmSync(join(work, `downloaded-${count}.zip.downloaded`), { force: true });
      }
    } finally {
      server.close();
    }
  } finally {
    infoZip?.close();
    rmSync(work, { recursive: true, force: true });
    if (onDisk) rmSync(onDisk, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') void child();
else void main();
