/**
 * A burst of 32 tool calls at once against the sandbox (HTTPS with its own certificate), with the TLS
 * trust built once per client (now) beside the trust built anew for every connection (before), in the
 * same run, alternating. Each burst starts from a fresh client that has signed in and opened one
 * connection, so every other connection is new. The tool is pp_whoami (a BAP read, WhoAmI, then four
 * Dataverse reads at once). Reports the burst's wall time, each call's p50 and p99, the connections
 * opened, the CPU time of the process (client and sandbox) and the growth of RSS.
 * Run with `node --import tsx bench/tls-context.ts`; BENCH_BURST and BENCH_ROUNDS change the sizes.
 */
import tls from 'node:tls';
import { MemoryResumeStore } from '../src/data/resumeStore';
import { silentLogger } from '../src/log';
import { MemoryOperationStore } from '../src/operations/store';
import { OperationTracker } from '../src/operations/tracker';
import { startSandbox, type Sandbox } from '../src/sandbox/server';
import { createServices } from '../src/services';
import { allTools } from '../src/tools';
import { invokeTool } from '../src/tools/invoke';

const BURST = Number(process.env.BENCH_BURST ?? 32);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const tool = allTools.find((t) => t.name === 'pp_whoami')!;

interface Burst {
  wallMs: number;
  p50: number;
  p99: number;
  connections: number;
  cpuMs: number;
  rssMb: number;
}

// undici opens every TLS connection through tls.connect, looked up at each call: counting it counts connections.
let connections = 0;
const connect = tls.connect;
tls.connect = ((...args: Parameters<typeof tls.connect>) => {
  connections++;
  return connect(...args);
}) as typeof tls.connect;

async function burst(sandbox: Sandbox, environment: string, trustPerConnection: boolean): Promise<Burst> {
  const { NODE_EXTRA_CA_CERTS: _, ...env } = sandbox.env();
  const services = createServices({
    env,
    logger: silentLogger,
    userAgent: 'bench',
    http: { extraCaCerts: [sandbox.certificatePem], trustPerConnection },
  });
  const operations = new OperationTracker({
    store: new MemoryOperationStore(),
    services: () => Promise.resolve(services),
    logger: silentLogger,
  });
  const options = {
    settings: {},
    services: () => Promise.resolve(services),
    operations,
    logger: silentLogger,
    resumes: new MemoryResumeStore(),
  };
  const call = async (): Promise<number> => {
    const started = performance.now();
    const result = await invokeTool(tool, { environment }, { signal: new AbortController().signal }, options);
    if (result.isError) throw new Error(`pp_whoami: ${JSON.stringify(result.content)}`);
    return performance.now() - started;
  };
  try {
    await call(); // sign-in and the first connection, paid by neither side
    sandbox.serviceProtection.reset();
    const connectionsBefore = connections;
    const rssBefore = process.memoryUsage().rss;
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const times = await Promise.all(Array.from({ length: BURST }, call));
    const wallMs = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    const sorted = times.sort((a, b) => a - b);
    return {
      wallMs,
      p50: sorted[Math.floor(sorted.length * 0.5)]!,
      p99: sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)]!,
      connections: connections - connectionsBefore,
      cpuMs: (cpu.user + cpu.system) / 1000,
      rssMb: (process.memoryUsage().rss - rssBefore) / 1e6,
    };
  } finally {
    operations.close();
    await services.close();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function row(label: string, bursts: Burst[]): string {
  const pick = (key: keyof Burst) => median(bursts.map((b) => b[key]));
  const range = (key: keyof Burst) =>
    `${Math.round(Math.min(...bursts.map((b) => b[key])))}-${Math.round(Math.max(...bursts.map((b) => b[key])))}`;
  const cells = [
    label,
    `${Math.round(pick('wallMs'))} ms`,
    `${Math.round(pick('p50'))} ms`,
    `${Math.round(pick('p99'))} ms (${range('p99')})`,
    String(Math.round(pick('connections'))),
    `${Math.round(pick('cpuMs'))} ms`,
    `${pick('rssMb').toFixed(1)} MB`,
  ];
  return `| ${cells.join(' | ')} |`;
}

async function main(): Promise<void> {
  const sandbox = await startSandbox();
  const environment = [...sandbox.tenant.environments.values()].find((e) => e.record.properties?.linkedEnvironmentMetadata?.instanceUrl)!
    .record.name;
  const before: Burst[] = [];
  const now: Burst[] = [];
  try {
    await burst(sandbox, environment, false); // warms up the code of both sides
    for (let round = 0; round < ROUNDS; round++) {
      // Each side goes first every other round, so neither pays more for what came before.
      if (round % 2) before.push(await burst(sandbox, environment, true));
      now.push(await burst(sandbox, environment, false));
      if (!(round % 2)) before.push(await burst(sandbox, environment, true));
    }
  } finally {
    await sandbox.close();
  }
  console.log(`${BURST} pp_whoami calls at once against the sandbox; medians of ${ROUNDS} bursts (p99: range)\n`);
  console.log('| TLS trust | burst | p50 | p99 | connections | CPU | RSS growth |');
  console.log('|---|---|---|---|---|---|---|');
  console.log(row('built for every connection (before)', before));
  console.log(row('built once per client (now)', now));
  console.log(`\nBurst ${(median(before.map((b) => b.wallMs)) / median(now.map((b) => b.wallMs))).toFixed(1)}x faster.`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
