/**
 * Native unpack and pack beside Info-ZIP's unzip and zip on the same content, in the same run:
 * - speed on the fixture solutions (the largest by bytes, and the one with the most XML), medians of
 *   alternating runs. unzip and zip are separate processes, so their times include a process start;
 *   the cost of starting `true` is shown too.
 * - peak memory of a fresh process for a synthetic solution of growing size, to show the payloads
 *   are streamed and memory stays flat, beside a process that only loads the same modules.
 *   The peak is VmHWM of the child's own address space: getrusage's maxRSS survives exec and would
 *   report the parent's size at fork.
 */
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';
import { silentLogger } from '../src/log';
import { DataverseClient } from '../src/platform/dataverse';
import { HttpClient } from '../src/platform/http';
import { packSolution } from '../src/solutions/pack';
import { unpackSolution } from '../src/solutions/unpack';

const FIXTURES = join(__dirname, '..', '..', 'shared', 'fixtures', 'solutions', 'zips');
const RUNS = 15;

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
  if (mode === 'upload') await dataverse.actionWithFile('ImportSolutionAsync', { OverwriteUnmanagedCustomizations: false, PublishWorkflows: true }, 'CustomizationFile', file);
  else await dataverse.downloadSolutionExport('00000000-0000-0000-0000-000000000001', `${file}.downloaded`);
  await http.close();
}

/** Takes uploads and counts them; serves a download of the zip it was given, as Dataverse does: base64 in JSON. */
async function transferServer(): Promise<{ url: string; serve(file: string): void; close(): void }> {
  let current = '';
  const server = createServer(async (req, res) => {
    if (req.url?.endsWith('/DownloadSolutionExportData')) {
      for await (const _ of req);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"@odata.context":"bench","ExportSolutionFile":"');
      for await (const chunk of createReadStream(current, { highWaterMark: 3 * 64 * 1024 })) if (!res.write((chunk as Buffer).toString('base64'))) await once(res, 'drain');
      res.end('"}');
      return;
    }
    for await (const _ of req);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"AsyncOperationId":"x","ImportJobKey":"y"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/org`, serve: (file) => (current = file), close: () => server.close() };
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

async function speed(work: string, fixture: string): Promise<string[]> {
  const zipFile = join(FIXTURES, fixture);
  const base = join(work, fixture.replace(/\W+/g, '-'));
  const results = { ours: [] as number[], unzip: [] as number[], oursPack: [] as number[], zip: [] as number[], spawn: [] as number[] };
  for (let i = 0; i < RUNS + 2; i++) {
    const ours = join(base, `ours-${i}`);
    const theirs = join(base, `unzip-${i}`);
    const a = await time(() => unpackSolution({ zipFile, folder: ours }));
    const b = await time(() => execFileSync('unzip', ['-q', zipFile, '-d', theirs]));
    const c = await time(() => packSolution({ folder: ours, zipFile: join(base, `ours-${i}.zip`) }));
    const d = await time(() => execFileSync('zip', ['-q', '-r', join(base, `zip-${i}.zip`), '.'], { cwd: theirs }));
    const e = await time(() => execFileSync('true'));
    if (i < 2) continue; // warm-up
    results.ours.push(a);
    results.unzip.push(b);
    results.oursPack.push(c);
    results.zip.push(d);
    results.spawn.push(e);
  }
  const kb = Math.round(statSync(zipFile).size / 1024);
  const row = (what: string, ours: number[], base: number[]) => `| ${fixture} (${kb} KB) | ${what} | ${median(ours).toFixed(1)} | ${median(base).toFixed(1)} | ${(median(ours) / median(base)).toFixed(2)}x |`;
  return [row('unpack vs unzip', results.ours, results.unzip), row('pack vs zip', results.oursPack, results.zip), `| | (starting a process: ${median(results.spawn).toFixed(1)} ms) | | | |`];
}

/** A solution with `count` web resources of 1 MiB of random bytes each (incompressible, so the zip is as large). */
async function syntheticSolution(file: string, count: number): Promise<void> {
  const zip = new yazl.ZipFile();
  const resources: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = `${String(i).padStart(8, '0')}-0000-4000-8000-000000000000`;
    resources.push(`<WebResource><WebResourceId>{${id}}</WebResourceId><Name>bench_/big/file${i}.bin</Name><DisplayName>file ${i}</DisplayName><WebResourceType>3</WebResourceType><FileName>/WebResources/bench_bigfile${i}bin${id.toUpperCase()}</FileName></WebResource>`);
    zip.addBuffer(randomBytes(1024 * 1024), `WebResources/bench_bigfile${i}bin${id.toUpperCase()}`);
  }
  zip.addBuffer(Buffer.from('<ImportExportXml><SolutionManifest><UniqueName>bench</UniqueName><Version>1.0.0.0</Version><Managed>0</Managed></SolutionManifest></ImportExportXml>'), 'solution.xml');
  zip.addBuffer(Buffer.from(`<ImportExportXml><Entities/><WebResources>${resources.join('')}</WebResources><Languages><Language>1033</Language></Languages></ImportExportXml>`), 'customizations.xml');
  zip.addBuffer(Buffer.from('<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'), '[Content_Types].xml');
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(file));
}

function peakRssMb(mode: 'unpack' | 'pack' | 'synthetic' | 'idle' | 'upload' | 'download', zipFile: string, folder: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const run = spawn(process.execPath, ['--import', 'tsx', __filename, '--child', mode, zipFile, folder], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    run.stdout.on('data', (chunk) => (out += chunk));
    run.stderr.on('data', (chunk) => (err += chunk));
    run.on('close', (code) => (code === 0 ? resolve(Number(out) / 1024) : reject(new Error(err))));
  });
}


async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'power-agent-bench-solutions-'));
  try {
    console.log(`Solution unpack/pack, median of ${RUNS} alternating runs after 2 warm-ups, node ${process.version}\n`);
    console.log('| fixture | operation | ours ms | Info-ZIP ms | ratio |\n|---|---|---|---|---|');
    for (const fixture of ['pnp/calendar-component.zip', 'pnp/ai-driven-expense-report-processing-sample.zip']) for (const line of await speed(work, fixture)) console.log(line);

    console.log('\nPeak memory (VmHWM of a fresh process) by solution size, payloads of random bytes\n');
    const idle = await peakRssMb('idle', '', '');
    const server = await transferServer();
    console.log(`| solution zip | unpack MB | pack MB | upload (import) MB | download (export) MB | baseline: loading the modules only, MB |\n|---|---|---|---|---|---|`);
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
        if (statSync(join(work, `downloaded-${count}.zip.downloaded`)).size !== statSync(zipFile).size) throw new Error('the download is not the zip served');
        console.log(`| ${Math.round(statSync(zipFile).size / 1024 / 1024)} MB (${count} web resources) | ${unpack.toFixed(0)} | ${pack.toFixed(0)} | ${upload.toFixed(0)} | ${download.toFixed(0)} | ${idle.toFixed(0)} |`);
        rmSync(folder, { recursive: true, force: true });
        rmSync(join(work, `downloaded-${count}.zip.downloaded`), { force: true });
      }
    } finally {
      server.close();
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') void child();
else void main();
