/**
 * What a call naming an environment costs on a big tenant. A sandbox tenant of 10, 500 and 5,000
 * environments (all but five without Dataverse), with 150 ms added to every request of the BAP admin
 * API, its list in one page and in pages of 100. In the same run and on the same server: the first call
 * by name (which lists the tenant), the next calls by name (from the kept list), calls by id (GUID,
 * the baseline), and calls by name with the kept list turned off (lifetime 0, as every call was before).
 * The tool is pp_get_environment, which reads the environment by id in every case. Goal: from the second
 * call on, a call by name costs at most 1.1 times a call by id.
 */
import { MemoryResumeStore } from '../src/data/resumeStore';
import { silentLogger } from '../src/log';
import { MemoryOperationStore } from '../src/operations/store';
import { OperationTracker } from '../src/operations/tracker';
import { startSandbox } from '../src/sandbox/server';
import { createServices } from '../src/services';
import { allTools } from '../src/tools';
import { invokeTool } from '../src/tools/invoke';
import type { ToolSettings } from '../src/tools/types';

const SIZES = process.env.BENCH_SIZES ? process.env.BENCH_SIZES.split(',').map(Number) : [10, 500, 5000];
const PAGE_SIZES: Array<number | undefined> = [undefined, 100];
const BAP_LATENCY_MS = 150;
/** The sandbox seeds five environments; the rest are added without Dataverse. */
const SEEDED = 5;
const REPEATS = 21;
const UNCACHED_REPEATS = 3;
const tool = allTools.find((t) => t.name === 'pp_get_environment')!;

interface Row {
  environments: number;
  pageSize: string;
  pages: number;
  first: number;
  next: number;
  byId: number;
  uncached: number;
}

async function measure(environments: number, pageSize: number | undefined): Promise<Row> {
  const sandbox = await startSandbox({ extraEnvironments: environments - SEEDED, bapPageSize: pageSize, bapLatencyMs: BAP_LATENCY_MS });
  const { NODE_EXTRA_CA_CERTS: _, ...env } = sandbox.env();
  const services = createServices({ env, logger: silentLogger, userAgent: 'bench', http: { extraCaCerts: [sandbox.certificatePem] } });
  const operations = new OperationTracker({
    store: new MemoryOperationStore(),
    services: () => Promise.resolve(services),
    logger: silentLogger,
  });
  // The last environment listed: a lookup by name has to read every page to find it.
  const target = [...sandbox.tenant.environments.values()].at(-1)!.record;
  const name = target.properties.displayName!;
  const call = async (ref: string, settings: ToolSettings = {}): Promise<number> => {
    const started = performance.now();
    const result = await invokeTool(
      tool,
      { environment: ref },
      { signal: new AbortController().signal },
      { settings, services: () => Promise.resolve(services), operations, logger: silentLogger, resumes: new MemoryResumeStore() },
    );
    const elapsed = performance.now() - started;
    if (result.isError || (result.structuredContent as { id?: string }).id !== target.name)
      throw new Error(`pp_get_environment ${ref}: ${JSON.stringify(result.content)}`);
    return elapsed;
  };
  try {
    await call(target.name); // sign-in and the first connection, paid by neither side
    const pagesFrom = sandbox.requests.length;
    const first = await call(name);
    const pages = sandbox.requests.slice(pagesFrom).filter((r) => r.path.endsWith('/scopes/admin/environments')).length;
    const next: number[] = [];
    const byId: number[] = [];
    // Alternated, each side first every other time, so that neither pays more for what came before.
    for (let i = 0; i < REPEATS; i++) {
      if (i % 2) byId.push(await call(target.name));
      next.push(await call(name));
      if (!(i % 2)) byId.push(await call(target.name));
    }
    const uncached: number[] = [];
    for (let i = 0; i < UNCACHED_REPEATS; i++) uncached.push(await call(name, { environmentCacheSeconds: 0 }));
    return {
      environments,
      pageSize: pageSize ? String(pageSize) : 'one page',
      pages,
      first,
      next: median(next),
      byId: median(byId),
      uncached: median(uncached),
    };
  } finally {
    operations.close();
    await services.close();
    await sandbox.close();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const ms = (value: number) => `${Math.round(value)} ms`;

async function main() {
  const rows: Row[] = [];
  for (const size of SIZES) for (const pageSize of PAGE_SIZES) rows.push(await measure(size, pageSize));
  const medians = `medians of ${REPEATS} (${UNCACHED_REPEATS} without the kept list)`;
  console.log(`pp_get_environment on a sandbox tenant, ${BAP_LATENCY_MS} ms added to every BAP request; ${medians}\n`);
  console.log('| environments | BAP page | pages | first by name | next by name | by id | next / by id | by name, list not kept |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const cells = [
      r.environments,
      r.pageSize,
      r.pages,
      ms(r.first),
      ms(r.next),
      ms(r.byId),
      `${(r.next / r.byId).toFixed(2)}x`,
      ms(r.uncached),
    ];
    console.log(`| ${cells.join(' | ')} |`);
  }
  const worst = Math.max(...rows.map((r) => r.next / r.byId));
  console.log(`\nWorst next-by-name / by-id ratio: ${worst.toFixed(2)}x (goal: at most 1.10x).`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
