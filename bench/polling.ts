/**
 * HTTP requests per completed lifecycle operation, against the sandbox, beside two references in the
 * same run: the ideal number implied by the service's Retry-After (one status read per Retry-After
 * until the end, then the reads of the environment until it is usable) and a fixed-interval poller
 * that ignores Retry-After and polls ten times as often. Requests are counted from the start request
 * on; the lookups before it (resolve the environment, validate) are shown apart. Operations run at
 * time scale 0.01 (a 4-minute create takes 2.4 s); the ratios do not depend on the scale.
 */
import { MemoryResumeStore } from '../src/data/resumeStore';
import { silentLogger } from '../src/log';
import { MemoryOperationStore } from '../src/operations/store';
import { OperationTracker } from '../src/operations/tracker';
import { parseRetryAfter, sleep } from '../src/platform/retry';
import { startSandbox, type Sandbox } from '../src/sandbox/server';
import { createServices, type Services } from '../src/services';
import { invokeTool } from '../src/tools/invoke';
import { allTools } from '../src/tools';

const TIME_SCALE = 0.01;
const DEV = '000000e0-0000-4000-8000-000000000002';
const TEST = '000000e0-0000-4000-8000-000000000003';

interface Case {
  tool: string;
  args: Record<string, unknown>;
}

const CASES: Case[] = [
  { tool: 'pp_create_environment', args: { displayName: 'Bench QA', region: 'europe' } },
  { tool: 'pp_backup_environment', args: { environment: DEV, label: 'bench' } },
  { tool: 'pp_copy_environment', args: { source: DEV, environment: TEST, confirm: 'Contoso Test' } },
  { tool: 'pp_restore_environment', args: { environment: DEV, backup: 'bench', confirm: 'Contoso Dev' } },
  { tool: 'pp_reset_environment', args: { environment: TEST, confirm: 'Contoso Test' } },
  { tool: 'pp_delete_environment', args: { environment: 'Bench QA', confirm: 'Bench QA' } },
];

/** Requests to the service APIs (not sign-in) since `from`. */
function serviceRequests(sandbox: Sandbox, from: number): Array<{ method: string; path: string }> {
  return sandbox.requests.slice(from).filter((r) => /^\/(providers|environmentmanagement)\//i.test(r.path));
}

/** Status reads a client needs that waits exactly as long as each Retry-After says, after the start. */
function idealPolls(sandbox: Sandbox, kind: string, pollIntervalMs: number): number {
  if (kind === 'pp_backup_environment') return 0; // answered at once with 201
  const op = [...sandbox.lifecycle.operations.values()].at(-1)!;
  const retryAfterMs = parseRetryAfter(sandbox.lifecycle.retryAfter())!;
  const statusReads = Math.ceil(op.stageMs.reduce((a, b) => a + b, 0) / retryAfterMs);
  // After a create, the Dataverse URL shows 60 s (scaled) later; every other kind needs one read.
  const environmentReads =
    kind === 'pp_create_environment' ? Math.ceil((60_000 * TIME_SCALE) / pollIntervalMs) + 1 : kind === 'pp_delete_environment' ? 0 : 1;
  return statusReads + environmentReads;
}

/** Splits a call's requests at its start request (the first change that is not a validation). */
function splitAtStart(requests: Array<{ method: string; path: string }>): { lookups: number; polls: number } {
  const start = requests.findIndex((r) => r.method !== 'GET' && !/validateDelete$/i.test(r.path));
  return { lookups: start, polls: requests.length - start - 1 };
}

async function naivePoll(services: Services, sandbox: Sandbox, intervalMs: number): Promise<number> {
  const from = sandbox.requests.length;
  const response = await services.powerPlatform.reset(TEST, {});
  const url = response.headers.get('operation-location')!;
  for (;;) {
    await sleep(intervalMs);
    const { body } = await services.http.send<{ status: string }>({
      service: 'powerplatform',
      method: 'GET',
      url,
      resource: services.endpoints.powerPlatformResource,
    });
    if (body.status !== 'InProgress' && body.status !== 'Queued') break;
  }
  return serviceRequests(sandbox, from).length;
}

async function main() {
  const sandbox = await startSandbox({ timeScale: TIME_SCALE });
  const { NODE_EXTRA_CA_CERTS: _, ...env } = sandbox.env();
  const services = createServices({ env, logger: silentLogger, userAgent: 'bench', http: { extraCaCerts: [sandbox.certificatePem] } });
  const pollIntervalMs = Math.round(10_000 * TIME_SCALE);
  const operations = new OperationTracker({
    store: new MemoryOperationStore(),
    services: async () => services,
    logger: silentLogger,
    defaultPollIntervalMs: pollIntervalMs,
  });
  const options = { settings: {}, services: async () => services, operations, logger: silentLogger, resumes: new MemoryResumeStore() };
  const rows: string[] = [];
  let totalOurs = 0;
  let totalIdeal = 0;
  let ourResetPolls = 0;
  for (const c of CASES) {
    const tool = allTools.find((t) => t.name === c.tool)!;
    const from = sandbox.requests.length;
    const started = Date.now();
    const result = await invokeTool(tool, { ...c.args, waitSeconds: 120 }, { signal: new AbortController().signal }, options);
    const state = (result.structuredContent as { state?: string })?.state;
    if (state !== 'succeeded') throw new Error(`${c.tool} ended ${state}: ${JSON.stringify(result.content)}`);
    const { lookups, polls } = splitAtStart(serviceRequests(sandbox, from));
    const ideal = idealPolls(sandbox, c.tool, pollIntervalMs);
    totalOurs += polls;
    totalIdeal += ideal;
    const ratio = ideal ? (polls / ideal).toFixed(2) : polls === 0 ? '1.00' : 'n/a';
    rows.push(`| ${c.tool} | ${lookups} | 1 | ${polls} | ${ideal} | ${ratio} | ${((Date.now() - started) / 1000).toFixed(1)} s |`);
    if (c.tool === 'pp_reset_environment') ourResetPolls = polls;
  }
  const retryAfterMs = parseRetryAfter(sandbox.lifecycle.retryAfter())!;
  const naive = await naivePoll(services, sandbox, retryAfterMs / 10);
  operations.close();
  await services.close();
  await sandbox.close();

  console.log(
    `Requests per completed operation (time scale ${TIME_SCALE}, Retry-After ${retryAfterMs} ms, own poll interval ${pollIntervalMs} ms)\n`,
  );
  console.log('| operation | lookups | start | status reads | ideal status reads | ratio | wall time |');
  console.log('|---|---|---|---|---|---|---|');
  for (const row of rows) console.log(row);
  console.log(`| all six | | | ${totalOurs} | ${totalIdeal} | ${(totalOurs / totalIdeal).toFixed(2)} | |`);
  console.log(
    `\nBaseline in the same run: a reset polled every ${retryAfterMs / 10} ms, ignoring Retry-After: ${naive - 1} status reads (ours: ${ourResetPolls}).`,
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
