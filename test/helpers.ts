import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult, ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import { join } from 'node:path';
import { silentLogger } from '../src/log';
import type { HttpClientOptions } from '../src/platform/http';
import { startSandbox, type Sandbox, type SandboxOptions } from '../src/sandbox/server';
import { createServices, type Services } from '../src/services';
import { MemoryOperationStore } from '../src/operations/store';
import { OperationTracker, type TrackerOptions } from '../src/operations/tracker';
import type { InvokeOptions } from '../src/tools/invoke';
import type { ToolSettings } from '../src/tools/types';

export const ROOT = join(__dirname, '..');
export const CLI = join(ROOT, 'dist', 'cli.js');


export async function withSandbox<T>(options: SandboxOptions, body: (sandbox: Sandbox) => Promise<T>): Promise<T> {
  const sandbox = await startSandbox(options);
  try {
    return await body(sandbox);
  } finally {
    await sandbox.close();
  }
}

/** Clients signed in to the sandbox with its service principal, through MSAL, trusting its certificate. */
export function sandboxServices(sandbox: Sandbox, env: Record<string, string> = {}, http: Partial<HttpClientOptions> = {}): Services {
  const { NODE_EXTRA_CA_CERTS: _, ...sandboxEnv } = sandbox.env();
  return createServices({
    env: { ...sandboxEnv, ...env },
    logger: silentLogger,
    userAgent: 'power-agent-mcp-tests',
    http: { extraCaCerts: [sandbox.certificatePem], retry: { baseDelayMs: 10, maxDelayMs: 50 }, ...http },
  });
}

/**
 * The SDK client talking to the built CLI over stdio. The environment is exactly what is given (plus
 * PATH). `capabilities` and `setup` let a test act as a client that shows forms (elicitation).
 */
export async function connectCli(
  args: string[],
  env: Record<string, string> = {},
  options: { capabilities?: ClientCapabilities; setup?: (client: Client) => void } = {},
): Promise<{ client: Client; stderr: () => string; close: () => Promise<void>; pid: () => number | null }> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [CLI, ...args], env: { PATH: process.env.PATH ?? '', ...env }, stderr: 'pipe' });
  let stderr = '';
  transport.stderr?.on('data', (chunk) => (stderr += chunk));
  const client = new Client({ name: 'power-agent-mcp-tests', version: '1.0.0' }, { capabilities: options.capabilities ?? {} });
  options.setup?.(client);
  await client.connect(transport);
  return { client, stderr: () => stderr, close: () => client.close(), pid: () => transport.pid };
}

export function text(result: unknown): string {
  return ((result as CallToolResult).content ?? []).map((c) => (c.type === 'text' ? c.text : '')).join('\n');
}

/** What invokeTool needs, around one set of services, with operations kept in memory. */
export function invokeOptions(services: Services, settings: ToolSettings = {}, tracker: Partial<TrackerOptions> = {}): InvokeOptions {
  const operations = new OperationTracker({ store: new MemoryOperationStore(), services: async () => services, logger: silentLogger, ...tracker });
  return { settings, services: async () => services, operations, logger: silentLogger };
}
