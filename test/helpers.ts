import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult, ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCliArgs } from '../src/config';
import { MemoryResumeStore } from '../src/data/resumeStore';
import { createLogger, silentLogger } from '../src/log';
import type { HttpClientOptions } from '../src/platform/http';
import { startSandbox, type Sandbox, type SandboxOptions } from '../src/sandbox/server';
import { createServices, type Services } from '../src/services';
import { MemoryOperationStore } from '../src/operations/store';
import { OperationTracker, type TrackerOptions } from '../src/operations/tracker';
import type { InvokeOptions } from '../src/tools/invoke';
import type { ToolSettings } from '../src/tools/types';
import * as runtimeModule from '../src/runtime';
import { buildManifest, type ToolManifestEntry } from '../src/server/manifest';
import { createStandaloneServer } from '../src/server/standalone';
import { allTools } from '../src/tools';

export const ROOT = join(__dirname, '..');
export const CLI = join(ROOT, 'dist', 'cli.js');

// A test file run on its own (`node --import tsx --test <file>`) gets folders for operation records
// and caches of its own, as the test runner gives every run, rather than the home folder's.
if (!process.env.POWERAGENT_STATE_DIR || !process.env.POWERAGENT_CACHE_DIR) {
  const own = mkdtempSync(join(tmpdir(), 'power-agent-test-folders-'));
  process.env.POWERAGENT_STATE_DIR ||= join(own, 'state');
  process.env.POWERAGENT_CACHE_DIR ||= join(own, 'cache');
  process.once('exit', () => rmSync(own, { recursive: true, force: true }));
}

export async function withSandbox<T>(options: SandboxOptions, body: (sandbox: Sandbox) => Promise<T>): Promise<T> {
  const sandbox = await startSandbox(options);
  try {
    return await body(sandbox);
  } finally {
    await sandbox.close();
  }
}

/**
 * Backoff for answers without Retry-After (a 503, a dropped connection) in milliseconds, not seconds:
 * tests against the sandbox are about outcomes; the waits themselves are the HTTP client's tests' business.
 */
export const FAST_RETRY = { baseDelayMs: 10, maxDelayMs: 50 };

/** Clients signed in to the sandbox with its service principal, through MSAL, trusting its certificate. */
export function sandboxServices(sandbox: Sandbox, env: Record<string, string> = {}, http: Partial<HttpClientOptions> = {}): Services {
  const { NODE_EXTRA_CA_CERTS: _, ...sandboxEnv } = sandbox.env();
  return createServices({
    env: { ...sandboxEnv, ...env },
    logger: silentLogger,
    userAgent: 'power-agent-mcp-tests',
    http: { extraCaCerts: [sandbox.certificatePem], retry: FAST_RETRY, ...http },
  });
}

/**
 * The environment a test gives a process it starts when it gives no other: PATH, and the folders the
 * test runner sets aside for operation records and caches, so a CLI under test never writes into the
 * home folder of the person running the tests.
 */
export function childEnv(): Record<string, string> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '' };
  for (const name of ['POWERAGENT_STATE_DIR', 'POWERAGENT_CACHE_DIR']) {
    const value = process.env[name];
    if (value) env[name] = value;
  }
  return env;
}

/**
 * The SDK client talking to the built CLI over stdio. The environment is exactly what is given (plus
 * childEnv()). `capabilities` and `setup` let a test act as a client that shows forms (elicitation).
 */
export async function connectCli(
  args: string[],
  env: Record<string, string> = {},
  options: { capabilities?: ClientCapabilities; setup?: (client: Client) => void } = {},
): Promise<{ client: Client; stderr: () => string; close: () => Promise<void>; pid: () => number | null }> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, ...args],
    env: { ...childEnv(), ...env },
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk) => (stderr += chunk));
  const client = new Client({ name: 'power-agent-mcp-tests', version: '1.0.0' }, { capabilities: options.capabilities ?? {} });
  options.setup?.(client);
  await client.connect(transport);
  return { client, stderr: () => stderr, close: () => client.close(), pid: () => transport.pid };
}

export interface ClientSession {
  client: Client;
  /** What the server logged (its stderr, for a CLI process). */
  stderr: () => string;
  close: () => Promise<void>;
}

let manifest: ToolManifestEntry[] | undefined;

/** The manifest of every tool, built once per process: converting 39 zod schemas to JSON Schema is not free. */
export const manifestOfAllTools = (): ToolManifestEntry[] => (manifest ??= buildManifest(allTools));

/**
 * The standalone server wired exactly as the CLI wires it, from the current source, connected to the
 * SDK client in this process. Tool behaviour tests use it so running one test file tests the source,
 * not the last build; `connectCli` stays for the few smoke tests of the real stdio process.
 */
export async function connectInProcess(
  args: string[],
  env: Record<string, string>,
  options: { capabilities?: ClientCapabilities; setup?: (client: Client) => void; http?: Partial<HttpClientOptions> } = {},
): Promise<ClientSession> {
  const cli = parseCliArgs(args, env);
  let logs = '';
  const standalone = createStandaloneServer({
    options: cli,
    env,
    manifest: manifestOfAllTools(),
    logger: createLogger(cli.logLevel, (line) => (logs += `${line}\n`)),
    loadRuntime: () => runtimeModule,
    workingDirectory: process.cwd(),
    http: options.http,
  });
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  await standalone.server.connect(serverTransport);
  const client = new Client({ name: 'power-agent-mcp-tests', version: '1.0.0' }, { capabilities: options.capabilities ?? {} });
  options.setup?.(client);
  await client.connect(clientTransport);
  return {
    client,
    stderr: () => logs,
    async close() {
      await client.close().catch(() => undefined);
      await standalone.close();
    },
  };
}

/** Asks again every 50 ms until `check` passes, for at most 10 s, instead of sleeping a guessed time. */
export async function eventually<T>(ask: () => Promise<T>, check: (answer: T) => boolean): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const answer = await ask();
    if (check(answer) || Date.now() > deadline) return answer;
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function text(result: unknown): string {
  return ((result as CallToolResult).content ?? []).map((c) => (c.type === 'text' ? c.text : '')).join('\n');
}

/** What invokeTool needs, around one set of services, with operations kept in memory. */
export function invokeOptions(services: Services, settings: ToolSettings = {}, tracker: Partial<TrackerOptions> = {}): InvokeOptions {
  const operations = new OperationTracker({
    store: new MemoryOperationStore(),
    services: async () => services,
    logger: silentLogger,
    ...tracker,
  });
  return { settings, services: async () => services, operations, logger: silentLogger, resumes: new MemoryResumeStore() };
}

/**
 * Runs Node with the arguments and resolves with its exit status and output, whatever the status. Not
 * spawnSync: test files share a process, and a synchronous wait would stall every other file in it.
 */
export function runNode(
  args: string[],
  options: { input?: string; timeoutMs?: number } = {},
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'], timeout: options.timeoutMs ?? 30_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}
