/**
 * The standalone server's first tool call (pp_list_environments against its embedded sandbox): time
 * from the process's start until the answer, and the process's CPU until then, with the runtime
 * bundle compiled through V8's code cache (warm, as from the second start on) beside the same server
 * with the cache turned off (POWERAGENT_CODE_CACHE=0). Runs alternate between the two.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const CLI = join(__dirname, '..', 'dist', 'cli.js');
const TICKS_PER_SECOND = 100;

const MESSAGES = [
  {
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'bench', version: '1' } },
  },
  { jsonrpc: '2.0', method: 'notifications/initialized' },
  { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'pp_list_environments', arguments: {} } },
];

interface Sample {
  ms: number;
  cpuMs: number;
}

/** utime + stime of a live process, from /proc (clock ticks of 10 ms). */
function cpuMsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

function once(env: NodeJS.ProcessEnv): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [CLI], { stdio: ['pipe', 'pipe', 'ignore'], env });
    let buffer = '';
    child.stdout.on('data', (chunk) => {
      buffer += chunk;
      for (const line of buffer.split('\n').slice(0, -1)) {
        const message = JSON.parse(line);
        if (message.id !== 2) continue;
        if (message.result?.isError) return reject(new Error(JSON.stringify(message.result)));
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        const cpuMs = cpuMsOf(child.pid!);
        child.stdin.end();
        child.on('exit', () => resolve({ ms, cpuMs }));
      }
      buffer = buffer.slice(buffer.lastIndexOf('\n') + 1);
    });
    child.on('error', reject);
    child.stdin.write(MESSAGES.map((m) => JSON.stringify(m)).join('\n') + '\n');
  });
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main(): Promise<void> {
  const state = mkdtempSync(join(tmpdir(), 'power-agent-bench-first-call-'));
  try {
    const base = { PATH: process.env.PATH ?? '', POWERAGENT_SANDBOX: '1', XDG_CACHE_HOME: state, POWERAGENT_LOG_LEVEL: 'error' };
    const subjects = { 'code cache (warm)': { ...base }, 'no code cache': { ...base, POWERAGENT_CODE_CACHE: '0' } };
    await once(subjects['code cache (warm)']);
    const samples = new Map<string, Sample[]>(Object.keys(subjects).map((name) => [name, []]));
    for (let run = 0; run < RUNS; run++) for (const [name, env] of Object.entries(subjects)) samples.get(name)!.push(await once(env));
    console.log(`First tool call, ${RUNS} alternating runs each, Node ${process.version}, load average ${loadAverage()}`);
    console.log('| runtime bundle | time to answer (median) | CPU until the answer (median) |');
    console.log('|---|---|---|');
    for (const [name, list] of samples)
      console.log(`| ${name} | ${median(list.map((s) => s.ms)).toFixed(0)} ms | ${median(list.map((s) => s.cpuMs)).toFixed(0)} ms |`);
  } finally {
    rmSync(state, { recursive: true, force: true });
  }
}

const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
