/**
 * The standalone server's first tool call (pp_list_environments against its embedded sandbox): time
 * from the process's start until the answer, and the process's CPU until then, with the runtime
 * bundle compiled through V8's code cache (warm, as from the second start on) beside the same server
 * with the cache turned off (POWERAGENT_CODE_CACHE=0). Runs alternate between the two.
 */
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, startAndAsk } from './stdioSession';

const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const CLI = join(__dirname, '..', 'dist', 'cli.js');
const TICKS_PER_SECOND = 100;

interface Sample {
  ms: number;
  cpuMs: number;
}

/** utime + stime of a live process, from /proc (clock ticks of 10 ms). */
function cpuMsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

async function measureOnce(env: NodeJS.ProcessEnv): Promise<Sample> {
  const call = { method: 'tools/call', params: { name: 'pp_list_environments', arguments: {} } };
  const { child, answer, ms } = await startAndAsk([CLI], env, call);
  const cpuMs = cpuMsOf(child.pid!);
  const exited = once(child, 'exit');
  child.stdin.end();
  await exited;
  if (answer.error || answer.result?.isError) throw new Error(JSON.stringify(answer));
  return { ms, cpuMs };
}

async function main(): Promise<void> {
  const state = mkdtempSync(join(tmpdir(), 'power-agent-bench-first-call-'));
  try {
    const base = { PATH: process.env.PATH ?? '', POWERAGENT_SANDBOX: '1', XDG_CACHE_HOME: state, POWERAGENT_LOG_LEVEL: 'error' };
    const subjects = { 'code cache (warm)': { ...base }, 'no code cache': { ...base, POWERAGENT_CODE_CACHE: '0' } };
    await measureOnce(subjects['code cache (warm)']);
    const samples = new Map<string, Sample[]>(Object.keys(subjects).map((name) => [name, []]));
    for (let run = 0; run < RUNS; run++)
      for (const [name, env] of Object.entries(subjects)) samples.get(name)!.push(await measureOnce(env));
    const load = loadavg()
      .map((value) => value.toFixed(2))
      .join(' ');
    console.log(`First tool call, ${RUNS} alternating runs each, Node ${process.version}, load average ${load}`);
    console.log('| runtime bundle | time to answer (median) | CPU until the answer (median) |');
    console.log('|---|---|---|');
    for (const [name, list] of samples)
      console.log(`| ${name} | ${median(list.map((s) => s.ms)).toFixed(0)} ms | ${median(list.map((s) => s.cpuMs)).toFixed(0)} ms |`);
  } finally {
    rmSync(state, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
