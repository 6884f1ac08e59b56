import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryResumeStore } from '../../src/data/resumeStore';
import { silentLogger } from '../../src/log';
import { MemoryOperationStore } from '../../src/operations/store';
import { OperationTracker } from '../../src/operations/tracker';
import { startSandbox, type Sandbox } from '../../src/sandbox/server';
import { createServices, type Services } from '../../src/services';
import { allTools } from '../../src/tools';
import { invokeTool } from '../../src/tools/invoke';
import type { ToolSettings } from '../../src/tools/types';

/** The sandbox's seeded environments, by id. */
export const DEV = '000000e0-0000-4000-8000-000000000002';
export const TEST = '000000e0-0000-4000-8000-000000000003';

const TOOLS = new Map<string, (typeof allTools)[number]>(allTools.map((tool) => [tool.name, tool]));
const ENVIRONMENT_LIST = /\/scopes\/admin\/environments$/i;
const SOLUTION_LIST = /\/api\/data\/v[\d.]+\/solutions$/i;

/** Tools called in-process against a sandbox, with the caches' clock in the test's hands. */
export interface CacheHost {
  sandbox: Sandbox;
  services: Services;
  work: string;
  call(name: string, args: Record<string, unknown>): Promise<CallToolResult>;
  /** Moves the caches' clock on; nothing else waits for it. */
  advance(seconds: number): void;
  /** Pages of the tenant's environment list read since the mark. */
  environmentLists(): number;
  /** Reads of an org's solutions list since the mark. */
  solutionLists(): number;
  /** Requests to this path (or matching it) since the mark. */
  requestsTo(path: string | RegExp): number;
  /** Starts counting requests from now. */
  mark(): void;
  close(): Promise<void>;
}

export async function startCacheHost(settings: ToolSettings = {}): Promise<CacheHost> {
  const sandbox = await startSandbox({ timeScale: 0.002 });
  const { NODE_EXTRA_CA_CERTS: _, ...env } = sandbox.env();
  let now = Date.UTC(2026, 0, 1);
  const services = createServices({
    env,
    logger: silentLogger,
    userAgent: 'power-agent-mcp-tests',
    http: { extraCaCerts: [sandbox.certificatePem], retry: { baseDelayMs: 10, maxDelayMs: 50 } },
    now: () => now,
  });
  const operations = new OperationTracker({
    store: new MemoryOperationStore(),
    services: () => Promise.resolve(services),
    logger: silentLogger,
    defaultPollIntervalMs: 20,
  });
  const work = mkdtempSync(join(tmpdir(), 'power-agent-cache-'));
  let from = 0;
  const since = (test: (path: string, method: string) => boolean) =>
    sandbox.requests.slice(from).filter((r) => test(r.path, r.method)).length;
  const resumes = new MemoryResumeStore();
  return {
    sandbox,
    services,
    work,
    call(name, args) {
      const tool = TOOLS.get(name);
      if (!tool) throw new Error(`no tool ${name}`);
      const options = {
        settings: { allowedFolders: [work], ...settings },
        services: () => Promise.resolve(services),
        operations,
        logger: silentLogger,
        resumes,
      };
      return invokeTool(tool, args, { signal: AbortSignal.timeout(60_000), hostConfirmed: true }, options);
    },
    advance(seconds) {
      now += seconds * 1000;
    },
    environmentLists: () => since((path, method) => method === 'GET' && ENVIRONMENT_LIST.test(path)),
    solutionLists: () => since((path, method) => method === 'GET' && SOLUTION_LIST.test(path)),
    requestsTo: (path) => since((p) => (typeof path === 'string' ? p.includes(path) : path.test(p))),
    mark() {
      from = sandbox.requests.length;
    },
    async close() {
      operations.close();
      await services.close();
      await sandbox.close();
      rmSync(work, { recursive: true, force: true });
    },
  };
}

/** The sandbox's record of an environment, by display name. */
export function sandboxEnvironment(sandbox: Sandbox, displayName: string) {
  const env = [...sandbox.tenant.environments.values()].find((e) => e.record.properties?.displayName === displayName);
  if (!env) throw new Error(`the sandbox has no environment ${displayName}`);
  return env;
}
