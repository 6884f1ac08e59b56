/**
 * Cold start of the standalone server until tools/list is answered, and its idle RSS, beside the floor:
 * a bare node script that answers initialize and an empty tools/list over stdio. Also beside the same
 * server without its stdio front (the SDK server answering from the first message, as before the
 * front existed). Runs alternate between the subjects so that machine noise hits all alike. Goal: at
 * most 1.3x the floor's time and at most +8 MB RSS.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, startAndAsk } from './stdioSession';

const RUNS = Number(process.env.BENCH_RUNS ?? 25);
const IDLE_MS = 500;
const CLI = join(__dirname, '..', 'dist', 'cli.js');

const FLOOR_SOURCE = `
const readline = require('node:readline');
readline.createInterface({ input: process.stdin }).on('line', (line) => {
  const m = JSON.parse(line);
  if (m.id === undefined) return;
  const result = m.method === 'initialize'
    ? { protocolVersion: m.params.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: 'floor', version: '0' } }
    : { tools: [] };
  process.stdout.write(JSON.stringify({ jsonrpc: '2.0', id: m.id, result }) + '\\n');
});`;

/** dist/server.js connected to stdio at once: what the CLI did before it had a front. */
const SDK_ONLY_SOURCE = `
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const dist = process.argv[2];
const manifest = JSON.parse(readFileSync(join(dist, 'toolManifest.json'), 'utf8'));
const quiet = { error() {}, warn() {}, info() {}, debug() {} };
const options = { sandbox: process.argv[3] === '--sandbox', logLevel: 'error', readOnly: false, confirmDestructive: 'always', help: false, version: false };
require(join(dist, 'server.js')).connectStdioServer(
  { options, env: process.env, manifest, logger: quiet, loadRuntime: () => require(join(dist, 'runtime.js')),
    workingDirectory: process.cwd(), onUnexpectedClose: () => process.exit(1) },
  process.stdin, process.stdout);`;

interface Sample {
  ms: number;
  rssMb: number;
  tools: number;
}

async function once(args: string[], env: NodeJS.ProcessEnv): Promise<Sample> {
  const { child, answer, ms } = await startAndAsk(args, env, { method: 'tools/list' });
  await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const rssMb = Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
  child.kill();
  return { ms, rssMb, tools: (answer.result!.tools as unknown[]).length };
}

const p90 = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length * 0.9)]!;

async function measure(title: string, env: NodeJS.ProcessEnv, floorFile: string, sdkOnlyFile: string): Promise<void> {
  const subjects = {
    floor: [floorFile],
    'power-agent-mcp': [CLI],
    'power-agent-mcp --sandbox': [CLI, '--sandbox'],
    'without the front (SDK server from the start)': [sdkOnlyFile, join(CLI, '..')],
  };
  const samples: Record<string, Sample[]> = Object.fromEntries(Object.keys(subjects).map((k) => [k, []]));
  for (const args of Object.values(subjects)) await once(args, env); // warm the file cache
  for (let i = 0; i < RUNS; i++) for (const [name, args] of Object.entries(subjects)) samples[name]!.push(await once(args, env));

  const floor = samples.floor!;
  const floorMs = median(floor.map((s) => s.ms));
  const floorRss = median(floor.map((s) => s.rssMb));
  console.log(`\n### ${title}\n`);
  console.log('| subject | tools | median ms | p90 ms | x floor | idle RSS MB | + floor MB |');
  console.log('|---|---|---|---|---|---|---|');
  for (const [name, list] of Object.entries(samples)) {
    const ms = median(list.map((s) => s.ms));
    const rss = median(list.map((s) => s.rssMb));
    console.log(
      `| ${name} | ${list[0]!.tools} | ${ms.toFixed(1)} | ${p90(list.map((s) => s.ms)).toFixed(1)} | ${(ms / floorMs).toFixed(2)} | ${rss.toFixed(1)} | ${(rss - floorRss).toFixed(1)} |`,
    );
  }
  const cli = samples['power-agent-mcp']!;
  const ratio = median(cli.map((s) => s.ms)) / floorMs;
  const extra = median(cli.map((s) => s.rssMb)) - floorRss;
  const overhead = median(cli.map((s) => s.ms)) - floorMs;
  console.log(
    `\nGoal: time <= 1.3x floor (${ratio.toFixed(2)}x, +${overhead.toFixed(1)} ms: ${ratio <= 1.3 ? 'met' : 'missed'}), RSS <= floor + 8 MB (+${extra.toFixed(1)} MB: ${extra <= 8 ? 'met' : 'missed'})`,
  );
}

async function main() {
  const folder = mkdtempSync(join(tmpdir(), 'bench-'));
  const floorFile = join(folder, 'floor.js');
  writeFileSync(floorFile, FLOOR_SOURCE);
  const sdkOnlyFile = join(folder, 'sdk-only.js');
  writeFileSync(sdkOnlyFile, SDK_ONLY_SOURCE);
  console.log(`Cold start until tools/list is answered, ${RUNS} alternating runs each, node ${process.version}`);
  const nodeVariables = Object.keys(process.env).filter((k) => k.startsWith('NODE_'));
  // Node reads NODE_EXTRA_CA_CERTS (often the whole system bundle) at every start, before any script runs.
  await measure(
    `This shell's environment (${nodeVariables.length ? nodeVariables.join(', ') : 'no NODE_* variables'})`,
    process.env,
    floorFile,
    sdkOnlyFile,
  );
  await measure('Clean environment (PATH only)', { PATH: process.env.PATH }, floorFile, sdkOnlyFile);
}

void main();
